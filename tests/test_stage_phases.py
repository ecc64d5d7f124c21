"""Each stage's canonical line says where its batch's time went, so a latency tail can be
explained from the logs: how long the entry waited in its stream (``queued_ms``), the
batch's size and its phases (the cleaner: ``extract_ms``, ``site_memory_ms`` within it,
``commit_ms``; the indexer: ``index_ms``, ``commit_ms``). On the real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from vestnik.cleaner.stage import CleanerStage
from vestnik.index import open_index
from vestnik.indexer.stage import IndexerStage
from vestnik.settings import Settings
from vestnik.stage import queued_ms
from vestnik.streams import ensure_group

from .conftest import SEEDS

SEED = (SEEDS / "003_95b17be52b6e4541.txt").read_text()


class Lines:
    """A stage's logger, keeping its canonical lines."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def info(self, event: str, **fields: Any) -> None:
        if event == "message":
            self.lines.append(fields)

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **kw: None


def fields(url: str) -> dict[str, bytes]:
    return {"__data__": orjson.dumps({"url": url, "fetched_at": "2025-12-07T12:00:00Z",
                                      "content_type": "text/plain", "body": SEED})}


async def _read(redis: Redis, stream: str, group: str, consumer: str) -> list[Any]:
    await ensure_group(redis, stream, group)
    reply = await redis.xreadgroup(group, consumer, {stream: ">"}, count=100)
    return [(i.decode(), f) for i, f in reply[0][1]]


@pytest.fixture
async def cleaner(settings: Settings) -> AsyncIterator[CleanerStage]:
    s = CleanerStage(settings)
    yield s
    await s.close()


def test_queued_ms_is_the_time_since_the_id_redis_made() -> None:
    assert queued_ms("1700000000000-3", 1700000000.250) == 250.0
    assert queued_ms("1700000000000-0", 1699999999.990) == -10.0  # clocks apart: shown
    assert queued_ms("my-own-id", 1.0) is None


async def test_the_cleaners_and_the_indexers_lines_carry_their_batchs_phases(
    redis: Redis, settings: Settings, cleaner: CleanerStage
) -> None:
    await ensure_group(redis, settings.events_stream, settings.cleaner_group)
    for k in range(2):
        await redis.xadd(settings.events_stream, fields(f"https://a.bg/{k}"))  # type: ignore[arg-type]
    await asyncio.sleep(0.02)  # the entries wait in the stream: 20 ms at least
    entries = await _read(redis, settings.events_stream, settings.cleaner_group,
                          settings.consumer_name)
    cleaner.log = Lines()
    await cleaner.handle(redis, entries)
    lines = cleaner.log.lines
    assert [line["outcome"] for line in lines] == ["article", "article"]
    for line in lines:
        assert line["queued_ms"] >= 20, line
        assert line["batch"] == 2
        assert line["extract_ms"] >= line["duration_ms"] > 0
        assert 0 <= line["site_memory_ms"] <= line["extract_ms"]
        assert line["commit_ms"] > 0
        assert 1 <= line["committed_with"] <= 2
    # each page's own time until its result came back: the second's includes the first's
    assert lines[1]["extract_ms"] >= lines[0]["extract_ms"]

    index = open_index(settings.index_url)
    try:
        indexer = IndexerStage(settings, index)
        indexer.log = Lines()
        entries = await _read(redis, settings.articles_stream, settings.indexer_group,
                              settings.consumer_name)
        await indexer.handle(redis, entries)
    finally:
        index.close()
    lines = indexer.log.lines
    assert [line["outcome"] for line in lines] == ["indexed", "indexed"]
    for line in lines:
        assert line["queued_ms"] >= 0 and line["batch"] == 2
        assert line["index_ms"] > 0 and line["commit_ms"] > 0
