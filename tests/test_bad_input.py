"""Bad input of every kind has a clear outcome and never stops the cleaning worker."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from redis.asyncio import Redis

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, DeadLetter, Rejection
from vestnik.settings import Settings
from vestnik.wire import WireError, decode_event, decode_model

from .conftest import SEEDS
from .workers import running_workers, wait_drained

GOOD = {"url": "https://a.bg/good", "fetched_at": "2025-12-07T12:00:00Z",
        "content_type": "text/plain", "body": (SEEDS / "003_95b17be52b6e4541.txt").read_text()}


def _json(**over: object) -> dict[str, bytes]:
    return {"__data__": orjson.dumps({**GOOD, **over})}


NESTED = "<html><body>" + "<div>" * 20_000 + "<p>deep</p>" + "</div>" * 20_000 + "</body></html>"

CASES: list[tuple[str, dict[str, bytes], str]] = [
    ("invalid json", {"__data__": b"{'url': nope"}, "dead:invalid_json"),
    ("wrong types", _json(url=12, fetched_at=[1]), "dead:schema"),
    ("missing url", {"__data__": orjson.dumps({k: v for k, v in GOOD.items() if k != "url"})},
     "dead:schema"),
    ("empty body", _json(body=""), "dead:schema"),
    ("body over the limit", _json(body="а" * 3_000_000), "dead:too_large"),
    ("50 MB single line", {"url": b"https://a.bg/big", "fetched_at": b"2025-01-01T00:00:00Z",
                           "content_type": b"text/plain", "body": b"x" * 50_000_000},
     "dead:too_large"),
    ("undecodable bytes", {"url": b"https://a.bg/u", "fetched_at": b"2025-01-01T00:00:00Z",
                           "content_type": b"text/plain", "body": b"\xc3\x28\xa0\xa1" * 100},
     "dead:undecodable"),
    ("binary garbage", {"\x00\xff".encode("latin-1"): bytes(range(256)) * 10}, "dead:undecodable"),
    ("windows-1251 page", {"url": b"https://a.bg/cp", "fetched_at": b"2025-01-01T00:00:00Z",
                           "content_type": b"text/plain; charset=windows-1251",
                           "body": GOOD["body"].encode("cp1251")}, "article"),  # type: ignore[attr-defined]
    ("deeply nested html", _json(content_type="text/html", body=NESTED, url="https://a.bg/n"),
     "rejected|article"),
    ("a page that is only a menu", _json(body="Начало\nНовини\nСпорт\nВход\nРегистрация"),
     "rejected"),
]


async def test_every_kind_of_bad_input_has_a_clear_outcome_and_good_events_still_flow(
    redis: Redis, settings: Settings
) -> None:
    # the streams are read afterwards: no trimming behind the test's back (a worker trims
    # acknowledged entries every upkeep interval, which a slow machine reaches first)
    settings = settings.model_copy(update={"max_body_bytes": 2_000_000, "trim": False})
    for _, fields, _ in CASES:
        await redis.xadd(settings.events_stream, fields)  # type: ignore[arg-type]
    await redis.xadd(settings.events_stream, _json())  # type: ignore[arg-type]
    async with running_workers(settings):
        await wait_drained(redis, settings, timeout_s=60)

    outcomes: dict[str, str] = {}
    for _, f in await redis.xrange(settings.dead_letter_stream("cleaner")):
        d = decode_model(f, DeadLetter)
        outcomes[d.entry_id] = f"dead:{d.error_type}"
    for _, f in await redis.xrange(settings.rejected_stream):
        r = decode_model(f, Rejection)
        outcomes[r.source_entry_id or ""] = "rejected"
    for _, f in await redis.xrange(settings.articles_stream):
        a = decode_model(f, Article)
        outcomes[a.provenance.source_entry_id or ""] = "article"
    entry_ids = [i.decode() for i, _ in await redis.xrange(settings.events_stream)]
    got = [outcomes.get(i, "lost") for i in entry_ids]
    expected = [want for _, _, want in CASES] + ["article"]
    for (name, _, _), outcome, want in zip(CASES, got, expected, strict=False):
        assert outcome in want.split("|"), f"{name}: {outcome}, wanted {want}"
    assert got[-1] == "article"


events = st.fixed_dictionaries(
    {
        "url": st.one_of(st.just("https://a.bg/x"), st.text(max_size=30)),
        "fetched_at": st.one_of(st.just("2025-01-01T00:00:00Z"), st.text(max_size=10)),
        "content_type": st.sampled_from(["text/html", "text/plain", "image/png"]),
        "body": st.one_of(
            st.text(max_size=2000),
            st.lists(st.sampled_from(["<p>", "</p>", "<div class='nav'>", "</div>", "Новини",
                                      "Преди 2 часа", "Източник: БТА", "Р уските", "Mоже",
                                      "&nbsp;", "\n", "\n\n", "Коментари 5", "<script>",
                                      "x" * 300, "Това е дълго изречение на български. "]),
                     max_size=200).map("".join),
        ),
    },
    optional={"charset": st.sampled_from(["utf-8", "windows-1251", "koi8-r", "bogus"])},
)


@given(event=events, as_fields=st.booleans())
@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_scrape_events_never_raise_outside_wire_errors(
    event: dict[str, str], as_fields: bool
) -> None:
    if as_fields:
        fields = {k.encode(): v.encode("utf-8", "surrogatepass") for k, v in event.items()}
    else:
        fields = {b"__data__": orjson.dumps(event)}
    try:
        decoded = decode_event(fields, max_body_bytes=1_000_000)
    except WireError as exc:
        assert exc.code and exc.reason
        return
    result = clean_event(decoded, entry_id="1-0")
    assert isinstance(result, Article | Rejection)
    if isinstance(result, Article):
        assert result.title and result.body_paragraphs
        assert result.provenance.fetched_at <= datetime.now(UTC)


@pytest.mark.parametrize("charset", ["windows-1251", "cp1251", "koi8-r", "utf-8"])
def test_declared_charsets_decode_cyrillic_bodies(charset: str) -> None:
    fields = {b"url": b"https://a.bg/c", b"fetched_at": b"2025-01-01T00:00:00Z",
              b"content_type": b"text/plain", b"charset": charset.encode(),
              b"body": "Руските мироопазващи сили".encode(charset)}
    assert decode_event(fields, max_body_bytes=10_000).body == "Руските мироопазващи сили"
