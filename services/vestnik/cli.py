"""``vestnik``: the command line. Each command is a thin shell over a module."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

import click
import orjson

from vestnik.cli_errors import UserError, VestnikGroup

# A command imports what it needs when it runs: `vestnik --help` and `vestnik clean FILE`
# start without the broker, Redis's client, SQLite or models they do not use.
if TYPE_CHECKING:
    from pydantic import BaseModel

    from vestnik._entry import WireError
    from vestnik.cleaner.pipeline import Event as _Event
    from vestnik.contracts import ContentType, DeadLetter, Rejection
    from vestnik.extract._sitememory import SiteMemory
    from vestnik.index import Sort
    from vestnik.settings import Settings
    from vestnik.timezones import SiteZones

M = TypeVar("M", bound="BaseModel")
_ENTRY_ID = re.compile(r"\d+(-\d+)?")


def _dump(obj: Any) -> str:
    return orjson.dumps(obj).decode()


@click.group(cls=VestnikGroup)
@click.version_option(package_name="vestnik")
@click.option("--debug", is_flag=True,
              help="On an error, show its traceback instead of one line.")
def main(debug: bool) -> None:
    """vestnik: scraped news pages in, clean searchable articles out.

    An error is one line on stderr, saying what is wrong and what to do, and the exit
    code is 1; `vestnik --debug COMMAND` shows the traceback instead.
    """


def _known_charset(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The Encoding Standard's name for ``value`` (one of its labels), else LookupError:
    a name Python's codecs know but that is no text encoding (punycode, rot13...) too."""
    from vestnik.charsets import lookup

    if value is None:
        return None
    encoding = lookup(value)
    if encoding is None:
        raise LookupError(f"unknown encoding: {value}")
    return encoding.name


_CHARSET = click.option(
    "--charset", callback=_known_charset,
    help="Charset of the page files, a label of the Encoding Standard (e.g. windows-1251, "
    "koi8-r, utf-8). Default: found per page (a BOM, UTF-8, <meta charset>, detection).")
_JSON_LINES = click.option("--json", "as_json", is_flag=True,
                           help="One JSON object per line, for scripts.")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="URL of the page (one file); default: made from the file name.")
@click.option(
    "--content-type",
    type=click.Choice(["text/html", "text/plain"]),
    help="Default: from the file's extension.",
)
@_CHARSET
def clean(paths: tuple[Path, ...], url: str | None, content_type: str | None,
          charset: str | None) -> None:
    """Clean page files or folders offline: one JSON line per page, in input order, with
    its "article", "rejected" (not an article) or "error" (unreadable). Exit code 1 when
    any page has an error."""
    from vestnik.cleaner.pipeline import clean_fields
    from vestnik.files import event_fields, page_files
    from vestnik.plain import plain_json
    from vestnik.timezones import SiteZones

    settings = _clean_settings()
    zones = SiteZones(settings.site_timezones)
    pages = failed = 0
    decoded: list[tuple[Path, _Event | WireError]] = []
    for path in page_files(paths):
        fields = event_fields(path, url=url, content_type=content_type,  # type: ignore[arg-type]
                              charset=charset)
        decoded.append((path, _clean_event_of(fields, settings.max_body_bytes)))
    memory = _site_memory(decoded, url, settings, zones) if settings.site_memory else None
    for path, event in decoded:
        line: dict[str, Any] = {"path": str(path)}
        if isinstance(event, Exception):
            line["error"] = {"error_type": event.code, "reason": event.reason}
            failed += 1
        else:
            view = memory.view(_clean_site(path, event, url), str(path)) if memory else None
            kind, result = clean_fields(event, site_zones=zones, memory=view)
            line[kind] = plain_json(result) or _model_json(kind, result)
        pages += 1
        click.echo(_dump(line))
    if failed:
        raise UserError(f'{failed} of {pages} page(s) could not be read: see their "error" '
                        "lines")


def _clean_event_of(fields: dict[str, str | bytes], max_body_bytes: int) -> _Event | WireError:
    """The scrape event of a page file's fields, or why there is none: ``plain_event``'s
    when it is plainly valid (no pydantic), else ``wire.decode_event``'s answer."""
    from vestnik._entry import DATA_FIELD, WireError, entry_size, plain_fields
    from vestnik.plain import plain_event

    raw = {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}
    if entry_size(raw) <= max_body_bytes and DATA_FIELD not in fields:
        try:
            plain = plain_event(plain_fields(raw, max_body_bytes))
        except WireError:
            pass  # decode_event says why, as for any entry
        else:
            if plain is not None:
                return plain
    from vestnik.wire import decode_event

    try:
        return decode_event(raw, max_body_bytes=max_body_bytes)
    except WireError as exc:
        return exc


def _model_json(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields validated by their model and dumped as JSON (for fields that
    ``plain_json`` does not take)."""
    from vestnik.contracts import Article, Rejection

    return (Article if kind == "article" else Rejection).model_validate(fields).model_dump(
        mode="json")


class _CleanSettings(NamedTuple):
    """What ``vestnik clean`` reads of the settings."""

    max_body_bytes: int
    site_memory: bool
    site_memory_min_count: float
    site_memory_min_pages: float
    site_timezones: dict[str, str]


# ``Settings``'s defaults of those (a test holds them equal): `vestnik clean` in an
# environment without VESTNIK_* variables starts without pydantic-settings
_CLEAN_DEFAULTS = _CleanSettings(max_body_bytes=5_000_000, site_memory=True,
                                 site_memory_min_count=5.0, site_memory_min_pages=10.0,
                                 site_timezones={})


def _clean_settings() -> _CleanSettings:
    """``vestnik clean``'s settings: the defaults when no VESTNIK_* variable is set (in
    any letter case, as ``Settings`` reads them), else ``Settings()``'s, so every variable
    set is validated and a bad one is the same error as for any other command."""
    if not any(name.upper().startswith("VESTNIK_") for name in os.environ):
        return _CLEAN_DEFAULTS
    from vestnik.settings import Settings

    settings = Settings()
    return _CleanSettings(*(getattr(settings, name) for name in _CleanSettings._fields))


def _clean_site(path: Path, event: _Event, url: str | None) -> str:
    """The site a page of ``vestnik clean`` belongs to: its folder, unless a URL or a site
    was given."""
    from vestnik.extract._sitememory import site_key

    return site_key(event.url, event.site) if url or event.site else str(path.parent)


def _site_memory(decoded: list[tuple[Path, _Event | WireError]], url: str | None,
                 settings: _CleanSettings, zones: SiteZones) -> SiteMemory:
    """Site memory taught by every page first (the first pass of ``vestnik clean``): no
    decay and no bound, so the outputs do not depend on the order of the files."""
    from vestnik.cleaner.pipeline import clean_fields
    from vestnik.extract._sitememory import SiteMemory, SiteView

    memory = SiteMemory(min_count=settings.site_memory_min_count,
                        min_pages=settings.site_memory_min_pages, half_life=0.0,
                        max_lines=2**62, max_urls=2**62, max_sites=2**62)
    for path, event in decoded:
        if not isinstance(event, Exception):
            view = SiteView()
            clean_fields(event, site_zones=zones, memory=view)
            memory.learn(_clean_site(path, event, url), str(path), view.lines)
    return memory


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="URL of the page (one file).")
@click.option("--content-type", type=click.Choice(["text/html", "text/plain"]))
@click.option("--repeat", default=1, show_default=True, help="Publish each page N times, "
              "as N distinct URLs (for load tests).")
@_CHARSET
def publish(paths: tuple[Path, ...], url: str | None, content_type: str | None,
            repeat: int, charset: str | None) -> None:
    """Publish page files or folders as scrape events (pipelined, with a progress bar)."""
    import asyncio

    from vestnik.files import page_files
    from vestnik.publishing import publish_files
    from vestnik.settings import Settings

    settings = Settings()
    files = list(page_files(paths))
    _with_redis(lambda r: r.ping())  # an unreachable Redis is told before the progress bar
    with click.progressbar(length=len(files) * repeat, label="publishing",
                           file=sys.stderr) as bar:
        ctype = cast("ContentType | None", content_type)
        count = asyncio.run(publish_files(settings, files, url=url, content_type=ctype,
                                          repeat=repeat, charset=charset,
                                          progress=bar.update))
    where = (settings.events_stream if settings.partitions == 1 else
             f"{settings.partitions} partitions of {settings.events_stream} (by URL)")
    click.echo(f"published {count} events to {where}", err=True)


@main.command()
def cleaner() -> None:
    """Run the cleaning worker (scrape events -> articles)."""
    from vestnik.cleaner.app import create_app
    from vestnik.worker import run_worker

    run_worker(create_app)


@main.command()
def indexer() -> None:
    """Run the indexing worker (articles -> search index)."""
    from vestnik.indexer.app import create_app
    from vestnik.worker import run_worker

    run_worker(create_app)


@main.command()
@click.option("--host", default=None, help="Address to listen on "
              "[default: VESTNIK_API_HOST, 127.0.0.1]; 0.0.0.0 for every interface.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port [default: VESTNIK_API_PORT, 8000]; 0 takes a free one.")
def api(host: str | None, port: int | None) -> None:
    """Serve the HTTP API (/v1/search, /v1/articles/ID, /healthz, /readyz,
    /openapi.json) and the search page (/) over the index, read-only, until Ctrl-C."""
    from vestnik.settings import Settings

    settings = Settings()
    _serve_api(settings, settings.api_host if host is None else host,
               settings.api_port if port is None else port)


def _serve_api(settings: Settings, host: str, port: int) -> None:
    """Serve the API on ``host``:``port``, its address printed once it accepts connections."""
    from vestnik.api.serve import address, listen, serve

    try:
        sock = listen(host, port)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise UserError(f"cannot listen on {host}:{port} ({reason}); "
                        "choose another with --port or VESTNIK_API_PORT") from exc
    click.echo(f"serving the search page and API on {address(sock)} (Ctrl-C stops)")
    serve(settings, sock)


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True,
              help="One JSON line per hit (rank, score, fields, copies), then the facets.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0, 10_000))
@click.option("--site", help="Only articles of this site, e.g. dnevnik.bg.")
@click.option("--lang", "language", help="Only articles in this language (ISO 639-1).")
@click.option("--agency", help="Only articles credited to this agency, e.g. БТА.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]),
              help="Published on or after this day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]),
              help="Published on or before this day (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True)
@click.option("--duplicates", is_flag=True,
              help="Syndicated copies as hits of their own, not folded into their original.")
def search(query: tuple[str, ...], as_json: bool, limit: int, offset: int, site: str | None,
           language: str | None, agency: str | None, date_from: datetime | None,
           date_to: datetime | None, sort: str, duplicates: bool) -> None:
    """Search the index for articles holding every word of QUERY in any form (Bulgarian,
    Russian and English inflections), "a phrase", either of two words (a OR b), a prefix*;
    -word or -"a phrase" excludes the articles holding it.

    \b
      vestnik search карабах войски
      vestnik search '"нагорни карабах"'
      vestnik search 'карабах -армения'
      vestnik search 'баку OR ереван' --lang bg --from 2025-01-01
      vestnik search --json -- -армения карабах

    Put `--` before a query that opens with -, after the options.

    Each hit: its rank, relevance (percent of the best hit's score), date, site, agency;
    its URL; a snippet with the matches in [brackets]; the sites of its syndicated copies.
    """
    from vestnik.index import SearchRequest, open_index
    from vestnik.render import hits_text
    from vestnik.settings import Settings

    request = SearchRequest(
        q=" ".join(query), site=site, language=language, source_agency=agency,
        date_from=date_from and date_from.date(), date_to=date_to and date_to.date(),
        sort=cast("Sort", sort), limit=limit, offset=offset, include_duplicates=duplicates)
    with open_index(Settings().index_url, create=False) as index:
        page = index.search(request)
    if as_json:
        for rank, hit in enumerate(page.hits, offset + 1):
            click.echo(_dump({"rank": rank, **dataclasses.asdict(hit)}))
        click.echo(_dump({"total": page.total, "facets": page.facets}))
        return
    if page.hits:
        click.echo(hits_text(page.hits, first_rank=offset + 1))
    click.echo(f"{page.total} hit(s) for {request.q!r}"
               + (f", showing {offset + 1}-{offset + len(page.hits)}" if page.hits else ""),
               err=True)


@main.command()
@click.option("--seeds", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Folder of pages (default: the repository's seeds/).")
@click.option("--query", default="Карабах", show_default=True)
@click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("vestnik-demo.sqlite3"), show_default=True,
              help="Where the demo's index is left (replaced if it exists).")
@click.option("--serve", is_flag=True, help="Then serve the search page and the API on the "
              "demo's index, until Ctrl-C.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="With --serve: the port [default: VESTNIK_API_PORT, 8000]; 0 takes a "
              "free one.")
def demo(seeds: Path | None, query: str, index_path: Path, serve: bool,
         port: int | None) -> None:
    """Run the whole path on the seeds with a private Redis and print the result; with
    --serve, then serve the search page on the result (its address is printed)."""
    from vestnik.demo import index_url, run_demo
    from vestnik.settings import Settings

    code = run_demo(seeds, query, index_path)
    if serve and code == 0:
        settings = Settings().model_copy(update={"index_url": index_url(index_path),
                                                 "log_level": "WARNING"})
        click.echo("")
        _serve_api(settings, settings.api_host, settings.api_port if port is None else port)
    sys.exit(code)


@main.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--per-page", is_flag=True, help="Also one JSON line per page.")
def eval_(folder: Path, per_page: bool) -> None:
    """Score extraction on a folder of pages with gold (NAME.html|txt + NAME.gold.json)."""
    from vestnik.evaluation import evaluate, summary

    results = evaluate(folder)
    if not results:
        raise UserError(f"no page with a gold file in {folder}")
    if per_page:
        for r in results:
            click.echo(_dump({"page": r.name, "front_end": r.front_end, "body_f1": r.body.f1,
                              "precision": r.body.precision, "recall": r.body.recall,
                              "title_ok": r.title_ok, "date_ok": r.date_ok,
                              "fields_ok": dict(r.fields), "rejected": r.rejected,
                              "non_article": r.wanted_reject}))
    for line in summary(results):
        click.echo(line)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
def status(as_json: bool) -> None:
    """Per stream and group (every group, not only vestnik's): length, pending, lag,
    live workers, consumers; the rejected and dead-letter streams too."""
    import asyncio

    from redis.asyncio import Redis

    from vestnik import status as st
    from vestnik.connect import connect
    from vestnik.settings import Settings

    settings = Settings()

    async def _run() -> list[st.StreamStatus]:
        client: Redis = connect(settings.resolved_redis_url)
        async with client:
            return await st.pipeline_status(client, settings)

    statuses = asyncio.run(_run())
    if as_json:
        click.echo(_dump(st.as_json(statuses, settings)))
    else:
        for line in st.as_table(statuses, settings):
            click.echo(line)


@main.command()
@click.option("--json", "as_json", is_flag=True,
              help="A JSON list: env, field, value, default, set, secret, meaning.")
@click.option("--markdown", is_flag=True,
              help="The README's configuration table (every setting, its default and "
              "meaning), from the code.")
@click.option("--write", "write_to", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="With --markdown: replace the table between the markers of this file "
              "(README.md) instead of printing it.")
def config(as_json: bool, markdown: bool, write_to: Path | None) -> None:
    """Every setting: its VESTNIK_* variable, its value in this environment and its
    default. Secrets are shown as *** (passwords in URLs, secret fields)."""
    from vestnik import config_doc
    from vestnik.settings import Settings

    if write_to is not None and not markdown:
        raise click.UsageError("--write goes with --markdown")
    if markdown:
        table = config_doc.markdown_table()
        if write_to is None:
            click.echo(table, nl=False)
            return
        try:
            text = config_doc.replace_table(write_to.read_text(), table)
        except ValueError as exc:
            raise UserError(f"{write_to}: {exc}") from exc
        write_to.write_text(text)
        click.echo(f"wrote the settings table into {write_to}", err=True)
        return
    settings = Settings()
    if as_json:
        click.echo(_dump(config_doc.current(settings)))
    else:
        for line in config_doc.text_lines(settings):
            click.echo(line)


@main.group()
def dlq() -> None:
    """Dead letters: list, show, replay."""


_STAGE = click.option("--stage", type=click.Choice(["cleaner", "indexer"]), default="cleaner",
                      show_default=True)


def _with_redis(fn: Any) -> Any:
    import asyncio

    from redis.asyncio import Redis

    from vestnik.connect import connect
    from vestnik.settings import Settings

    async def _run() -> Any:
        client: Redis = connect(Settings().resolved_redis_url)
        async with client:
            return await fn(client)

    return asyncio.run(_run())


def _list(stream: str, model: type[M], limit: int, as_json: bool,
          describe: Callable[[M], str]) -> None:
    """The first ``limit`` messages of ``stream``, a line each (``describe``'s, or JSON
    without a dead letter's original fields); the count on stderr."""
    from vestnik.dlq import list_entries

    rows = _with_redis(lambda r: list_entries(r, stream, model, count=limit))
    for entry_id, item in rows:
        click.echo(_entry_json(entry_id, item) if as_json else _entry_line(entry_id, item,
                                                                             describe))
    click.echo(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'} in {stream}", err=True)


def _entry_line(entry_id: str, item: M | WireError, describe: Callable[[M], str]) -> str:
    if isinstance(item, Exception):
        return f"{entry_id}  unreadable: {item}"
    return f"{entry_id}  {describe(item)}"


def _entry_json(entry_id: str, item: BaseModel | WireError) -> str:
    if isinstance(item, Exception):
        return _dump({"id": entry_id, "unreadable": {"error_type": item.code,
                                                     "reason": item.reason}})
    return _dump({"id": entry_id, **item.model_dump(mode="json", exclude={"fields"})})


def _show(stream: str, model: type[BaseModel], entry_id: str) -> None:
    """One message of ``stream``, whole, as indented JSON."""
    from vestnik.dlq import show_entry

    if not _ENTRY_ID.fullmatch(entry_id):
        raise UserError(f"{entry_id!r} is not an entry id (like 1733561234567-0): "
                        "`list` shows them")
    item = _with_redis(lambda r: show_entry(r, stream, entry_id, model))
    if item is None:
        raise UserError(f"no entry {entry_id} in {stream}: `list` shows what there is")
    click.echo(orjson.dumps(item.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode())


def _letter_line(letter: DeadLetter) -> str:
    from vestnik.render import one_line

    return (f"{letter.error_type:<16} {letter.source_stream} {letter.entry_id}  "
            f"{one_line(letter.reason)[:120]}")


def _rejection_line(rejection: Rejection) -> str:
    from vestnik.render import one_line

    return f"{rejection.reason:<16} {rejection.url}  {one_line(rejection.detail)[:120]}"


_PARTITION = click.option(
    "--partition", type=click.IntRange(min=0), default=None,
    help="With VESTNIK_PARTITIONS > 1: the partition (list: default every partition; "
    "show and replay need it).")


def _streams(pick: Callable[[Settings], str], partition: int | None, *,
             one: bool = False) -> list[str]:
    """The stream ``pick`` names in ``partition``, or in every partition (``one``: a
    partition must be named when there are several)."""
    from vestnik.settings import Settings

    settings = Settings()
    if partition is not None:
        if partition >= settings.partitions:
            raise UserError(f"there is no partition {partition}: VESTNIK_PARTITIONS is "
                            f"{settings.partitions}")
        return [pick(settings.partition(partition))]
    if one and settings.partitions > 1:
        raise UserError(f"with {settings.partitions} partitions, name one: --partition K")
    return [pick(s) for s in settings.every_partition()]


@dlq.command("list")
@_STAGE
@click.option("--limit", default=100, show_default=True)
@_JSON_LINES
@_PARTITION
def dlq_list(stage: str, limit: int, as_json: bool, partition: int | None) -> None:
    """One line per dead letter: id, error type, source stream and entry, reason; with
    --json, the dead letter without its original fields (`dlq show` has them)."""
    from vestnik.contracts import DeadLetter

    for stream in _streams(lambda s: s.dead_letter_stream(stage), partition):
        _list(stream, DeadLetter, limit, as_json, _letter_line)


@dlq.command("show")
@_STAGE
@click.argument("letter_id")
@_PARTITION
def dlq_show(stage: str, letter_id: str, partition: int | None) -> None:
    """The whole dead letter, as JSON."""
    from vestnik.contracts import DeadLetter

    [stream] = _streams(lambda s: s.dead_letter_stream(stage), partition, one=True)
    _show(stream, DeadLetter, letter_id)


@dlq.command("replay")
@_STAGE
@click.argument("letter_ids", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
@_PARTITION
def dlq_replay(stage: str, letter_ids: tuple[str, ...], replay_all: bool,
               partition: int | None) -> None:
    """Publish dead letters again on their source stream (and remove them)."""
    from vestnik.dlq import replay

    if not letter_ids and not replay_all:
        raise click.UsageError("name dead letter ids, or --all")
    [stream] = _streams(lambda s: s.dead_letter_stream(stage), partition, one=True)
    new_ids = _with_redis(lambda r: replay(r, stream, None if replay_all else letter_ids))
    click.echo(f"replayed {len(new_ids)} dead letter(s) from {stream}")


@main.group()
def rejected() -> None:
    """Rejected pages (read fine, but not articles: listings, login walls...): list, show."""


@rejected.command("list")
@click.option("--limit", default=100, show_default=True)
@_JSON_LINES
@_PARTITION
def rejected_list(limit: int, as_json: bool, partition: int | None) -> None:
    """One line per rejected page: id, reason, URL, detail."""
    from vestnik.contracts import Rejection

    for stream in _streams(lambda s: s.rejected_stream, partition):
        _list(stream, Rejection, limit, as_json, _rejection_line)


@rejected.command("show")
@click.argument("rejection_id")
@_PARTITION
def rejected_show(rejection_id: str, partition: int | None) -> None:
    """The whole rejection, as JSON."""
    from vestnik.contracts import Rejection

    [stream] = _streams(lambda s: s.rejected_stream, partition, one=True)
    _show(stream, Rejection, rejection_id)


@main.command()
@click.option("--check", is_flag=True, help="Fail if schemas/ differs from the code.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"))
def schemas(check: bool, out: Path) -> None:
    """Write (or check) the JSON Schemas and the AsyncAPI document in schemas/."""
    from vestnik.schemagen import render_all

    stale = []
    for name, text in render_all().items():
        target = out / name
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(name)
        else:
            out.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            click.echo(f"wrote {target}")
    if stale:
        names = ", ".join(stale)
        raise UserError(f"out of date in {out}: {names}; run `vestnik schemas`")


if __name__ == "__main__":  # pragma: no cover
    main()
