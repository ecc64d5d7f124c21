"""The whole path on the real Redis: scrape events in, indexed articles out."""

from __future__ import annotations

import asyncio
import shutil

import orjson
import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from vestnik.contracts import DeadLetter, Rejection
from vestnik.index import open_index
from vestnik.settings import Settings
from vestnik.wire import decode_model

from .conftest import REDIS_URL, SEEDS
from .workers import running_workers, wait_drained

SEED_000 = (SEEDS / "000_57d1c5b430fd8800.txt").read_text()
SEED_003 = (SEEDS / "003_95b17be52b6e4541.txt").read_text()
TITLE_000 = "Русия се изтегля от Нагорни Карабах"
TITLE_003 = "Армения и Азербайджан се споразумяха да градят взаимно доверие"


def _event(url: str, body: str = SEED_000, **extra: str) -> dict[str, str]:
    return {"url": url, "fetched_at": "2025-12-07T12:00:00+02:00",
            "content_type": "text/plain", "body": body, **extra}


def _titles(settings: Settings) -> dict[str, str]:
    index = open_index(settings.index_url)
    try:
        found = {}
        for article_id in index.ids():
            article = index.get(article_id)
            assert article is not None
            found[article.url] = article.title
        return found
    finally:
        index.close()


async def _entries(redis: Redis, stream: str) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await redis.xrange(stream)]


async def test_events_from_all_three_producer_shapes_come_out_indexed(
    redis: Redis, settings: Settings
) -> None:
    async with running_workers(settings):
        # 1. a FastStream producer
        async with RedisBroker(REDIS_URL) as producer:
            await producer.publish(_event("https://a.bg/faststream"), stream=settings.events_stream)
        # 2. redis-cli, JSON in __data__
        cli = shutil.which("redis-cli")
        assert cli, "redis-cli is needed for this test"
        payload = orjson.dumps(_event("https://a.bg/redis-cli", SEED_003)).decode()
        proc = await asyncio.create_subprocess_exec(
            cli, "-u", REDIS_URL, "XADD", settings.events_stream, "*", "__data__", payload,
            stdout=asyncio.subprocess.PIPE,
        )
        assert await proc.wait() == 0
        # 3. plain fields, body bytes in windows-1251
        fields = _event("https://a.bg/plain-fields", charset="windows-1251")
        raw = {k: v.encode("cp1251") if k == "body" else v for k, v in fields.items()}
        await redis.xadd(settings.events_stream, raw)  # type: ignore[arg-type]
        await wait_drained(redis, settings)

    assert _titles(settings) == {
        "https://a.bg/faststream": TITLE_000,
        "https://a.bg/redis-cli": TITLE_003,
        "https://a.bg/plain-fields": TITLE_000,
    }
    assert await redis.xlen(settings.dead_letter_stream("cleaner")) == 0


async def test_poison_event_goes_to_dead_letters_while_good_events_behind_it_are_indexed(
    redis: Redis, settings: Settings
) -> None:
    await redis.xadd(settings.events_stream, {"__data__": b"{this is not json"})
    await redis.xadd(settings.events_stream, {"url": "https://a.bg/x",
                                              "body": b"\xc3\x28\xa0\xa1" * 10})
    for i in range(5):
        await redis.xadd(settings.events_stream,
                         {"__data__": orjson.dumps(_event(f"https://a.bg/good-{i}"))})
    async with running_workers(settings):
        await wait_drained(redis, settings)

    letters = [decode_model(f, DeadLetter)
               for f in await _entries(redis, settings.dead_letter_stream("cleaner"))]
    assert [(d.error_type, d.stage) for d in letters] == [
        ("invalid_json", "cleaner"), ("undecodable", "cleaner")]
    assert all(d.reason and d.source_stream == settings.events_stream for d in letters)
    assert letters[0].fields == {"__data__": "{this is not json"}
    assert sorted(_titles(settings)) == [f"https://a.bg/good-{i}" for i in range(5)]
    pending = await redis.xpending(settings.events_stream, settings.cleaner_group)
    assert pending["pending"] == 0


async def test_same_event_published_twice_is_indexed_once(
    redis: Redis, settings: Settings
) -> None:
    entry = {"__data__": orjson.dumps(_event("https://a.bg/twice", SEED_003))}
    async with running_workers(settings):
        await redis.xadd(settings.events_stream, entry)  # type: ignore[arg-type]
        await redis.xadd(settings.events_stream, entry)  # type: ignore[arg-type]
        await wait_drained(redis, settings)
    assert await redis.xlen(settings.articles_stream) == 2  # both cleaned...
    assert _titles(settings) == {"https://a.bg/twice": TITLE_003}  # ...one row


async def test_events_published_before_any_worker_started_are_not_skipped(
    redis: Redis, settings: Settings
) -> None:
    await redis.xadd(settings.events_stream,
                     {"__data__": orjson.dumps(_event("https://a.bg/early"))})
    async with running_workers(settings):
        await wait_drained(redis, settings)
    assert list(_titles(settings)) == ["https://a.bg/early"]


async def test_page_that_is_not_an_article_is_rejected_apart_from_errors(
    redis: Redis, settings: Settings
) -> None:
    listing = "\n\n".join(f"Заглавие на новина номер {i}\nБългария Преди {i} часа"
                          for i in range(1, 30))
    await redis.xadd(settings.events_stream,
                     {"__data__": orjson.dumps(_event("https://a.bg/section", listing))})
    async with running_workers(settings):
        await wait_drained(redis, settings)
    rejected = [decode_model(f, Rejection) for f in await _entries(redis, settings.rejected_stream)]
    assert len(rejected) == 1 and rejected[0].url == "https://a.bg/section" and rejected[0].reason
    assert await redis.xlen(settings.dead_letter_stream("cleaner")) == 0
    assert _titles(settings) == {}


async def test_article_entry_that_is_not_an_article_is_dead_lettered_by_the_indexer(
    redis: Redis, settings: Settings
) -> None:
    await redis.xadd(settings.articles_stream, {"__data__": b'{"title": "no id"}'})
    async with running_workers(settings):
        await wait_drained(redis, settings)
    letters = [decode_model(f, DeadLetter)
               for f in await _entries(redis, settings.dead_letter_stream("indexer"))]
    assert [(d.stage, d.error_type) for d in letters] == [("indexer", "schema")]


@pytest.mark.parametrize("n", [300])
async def test_many_events_all_end_indexed_and_nothing_stays_pending(
    redis: Redis, settings: Settings, n: int
) -> None:
    pipe = redis.pipeline(transaction=False)
    for i in range(n):
        pipe.xadd(settings.events_stream,
                  {"__data__": orjson.dumps(_event(f"https://a.bg/n/{i}", SEED_003))})
    await pipe.execute()
    async with running_workers(settings):
        await wait_drained(redis, settings, timeout_s=60)
    assert len(_titles(settings)) == n
