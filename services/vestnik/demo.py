"""``vestnik demo``: the whole path on the seed pages, with nothing set up by hand.

With no ``VESTNIK_REDIS_URL`` a private Redis is started (and stopped at the end); the index
is a SQLite file that stays behind for ``vestnik search`` (and, with ``--serve``, for the API
and its search page). Both workers run in this process, exactly as they run alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from pathlib import Path

import click
from redis.asyncio import Redis

from vestnik.cleaner.app import create_app as cleaner_app
from vestnik.connect import connect
from vestnik.embedded import private_redis
from vestnik.files import page_files
from vestnik.index import SearchRequest, open_index
from vestnik.index.sqlite import sqlite_path
from vestnik.indexer.app import create_app as indexer_app
from vestnik.publishing import publish_files
from vestnik.render import hits_text
from vestnik.settings import Settings
from vestnik.status import wait_drained

DEMO_INDEX = Path("vestnik-demo.sqlite3")


def default_seeds() -> Path:
    """The seed pages: inside the installed package, or the checkout's ``seeds/``."""
    packaged = Path(__file__).resolve().parent / "seeds"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "seeds"


def index_url(path: Path) -> str:
    """The URL of the demo's SQLite index at ``path``."""
    return f"sqlite:///{path.resolve()}"


def _fresh_index(path: Path) -> str:
    """A new, empty index at ``path`` (an earlier demo's is replaced)."""
    path = path.resolve()
    for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        old.unlink(missing_ok=True)
    return index_url(path)


async def _run_path(settings: Settings, files: list[Path], timeout_s: float = 60.0) -> float:
    """Start both workers, publish ``files``, wait until both groups are drained."""
    apps = [cleaner_app(settings), indexer_app(settings)]
    client: Redis = connect(settings.resolved_redis_url)
    async with client:
        for app in apps:
            await app.start()
        started = time.perf_counter()
        try:
            await publish_files(settings, files)
            await wait_drained(client, settings, timeout_s)
            elapsed = time.perf_counter() - started
        finally:
            for app in reversed(apps):
                await app.stop()
        await client.delete(settings.events_stream, settings.articles_stream,
                            settings.rejected_stream, settings.dead_letter_stream("cleaner"),
                            settings.dead_letter_stream("indexer"))
    return elapsed


def run_demo(seeds: Path | None, query: str, index_path: Path = DEMO_INDEX) -> int:
    files = list(page_files([seeds or default_seeds()]))
    base = Settings()
    with contextlib.ExitStack() as stack:
        url = base.redis_url or stack.enter_context(private_redis())
        prefix = f"vestnik-demo-{uuid.uuid4().hex[:8]}:"
        settings = base.model_copy(update={
            "redis_url": url,
            "index_url": _fresh_index(index_path),
            "events_stream": prefix + "events",
            "articles_stream": prefix + "articles",
            "rejected_stream": prefix + "rejected",
            "dead_letter_prefix": prefix + "dlq:",
            "poll_ms": 100,
            "log_level": "WARNING",
        })
        click.echo(f"redis: {url}   pages: {len(files)}")
        elapsed = asyncio.run(_run_path(settings, files))
        index = open_index(settings.index_url)
        try:
            click.echo(f"\nindexed {index.count()} article(s) in {elapsed:.2f}s:")
            for article_id in index.ids():
                article = index.get(article_id)
                if article is not None:
                    click.echo(f"  [{article.article_id}] {article.title}  "
                               f"({article.published_at or 'no date'}, "
                               f"{article.source_agency or 'no agency'}, "
                               f"{len(article.body_paragraphs)} paragraphs)")
            hits = index.search(SearchRequest(query, limit=10)).hits
            click.echo(f"\nsearch {query!r}: {len(hits)} hit(s)")
            if hits:
                click.echo(hits_text(hits))
        finally:
            index.close()
    click.echo(f"\nThe index stays in {sqlite_path(settings.index_url)}; search it with\n"
               f"  VESTNIK_INDEX_URL={settings.index_url} vestnik search 'Армения'")
    return 0
