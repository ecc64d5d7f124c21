"""Reclaiming is bounded by bytes as reading is: an entry over the limit that a dead replica
held is measured in Redis and dead-lettered as too_large without ever reaching the replica
that reclaims it.

The bytes Redis sends are counted by the TCP proxy of ``test_bounded_reads``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import pytest
from redis.asyncio import Redis

from vestnik import upkeep as upkeep_module
from vestnik.cleaner.app import create_app as cleaner_app
from vestnik.contracts import DeadLetter
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.stage import Entry
from vestnik.streams import Write, commit_batch, ensure_group, read_batch, reclaim_batch
from vestnik.upkeep import Upkeep
from vestnik.wire import decode_model

from .conftest import REDIS_URL
from .test_bounded_reads import GOOD, MB, CountingProxy

PAGE = ("Нова линия на метрото в София\n\n7 декември 2025\n\n"
        + "Софийското метро ще пусне първите влакове по новата линия през март. " * 8)


class Stage:
    """Acknowledges what it handles, one output each; remembers what it was given."""

    name = "cleaner"
    batches_in_flight = 1

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stream = settings.events_stream
        self.group = settings.cleaner_group
        self.dead_letter_stream = settings.dead_letter_stream("cleaner")
        self.handled: list[str] = []

    async def handle(self, redis: Redis, entries: Sequence[Entry]) -> None:
        self.handled += [i for i, _ in entries]
        await commit_batch(redis, [(i, [Write(self.settings.articles_stream, {"n": b"1"})])
                                   for i, _ in entries],
                           stream=self.stream, group=self.group,
                           consumer=self.settings.consumer_name,
                           claim_idle_ms=self.settings.claim_idle_ms)


async def _dead_replica_reads(redis: Redis, s: Settings) -> list[str]:
    """What a replica read (bounded, entries over 1 MB left in Redis) before it was killed."""
    batch = await read_batch(redis, stream=s.events_stream, group=s.cleaner_group,
                             consumer="killed-replica", count=64, max_bytes=64 * MB,
                             max_entry_bytes=1 * MB)
    return sorted([i for i, _ in batch.entries] + [o.entry_id for o in batch.oversized])


async def test_a_dead_replicas_huge_entry_is_reclaimed_and_dead_lettered_without_being_sent(
    redis: Redis, settings: Settings
) -> None:
    s = settings.model_copy(update={"max_body_bytes": 1 * MB, "trim": False,
                                    "claim_idle_ms": 200, "upkeep_interval_s": 0.1})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    huge = (await redis.xadd(s.events_stream, {**GOOD, b"url": b"https://a.bg/huge",  # type: ignore[dict-item]
                                              b"body": b"z" * (30 * MB)})).decode()
    small = (await redis.xadd(s.events_stream, {**GOOD, b"url": b"https://a.bg/small",  # type: ignore[dict-item]
                                               b"body": PAGE.encode()})).decode()
    assert await _dead_replica_reads(redis, s) == [huge, small]
    await asyncio.sleep(0.3)  # idle past claim_idle_ms: the replica is dead
    proxy = CountingProxy()
    async with proxy.running() as url:
        app = cleaner_app(s.model_copy(update={"redis_url": url}))
        await app.start()
        try:
            deadline = time.monotonic() + 30
            while (await redis.xpending(s.events_stream, s.cleaner_group))["pending"]:
                assert time.monotonic() < deadline, "the dead replica's entries were not reclaimed"
                await asyncio.sleep(0.05)
        finally:
            await app.stop()
    print(f"reclaiming cleaner was sent {proxy.to_client:,} bytes")
    assert proxy.to_client < 2 * MB, (
        f"the reclaiming cleaner was sent {proxy.to_client:,} bytes for a 30 MB entry")
    ((_, fields),) = await redis.xrange(s.dead_letter_stream("cleaner"))
    letter = decode_model(fields, DeadLetter)
    assert (letter.entry_id, letter.error_type) == (huge, "too_large")
    assert letter.reason.startswith(f"entry is {30 * MB + 76} bytes (field names and values), "
                                    f"the limit is {MB}; it was measured in Redis")
    assert letter.fields["url"] == "https://a.bg/huge" and "body" not in letter.fields
    assert letter.cut is not None and letter.cut.originals["body"].value_bytes == 30 * MB
    outputs = await redis.xlen(s.articles_stream) + await redis.xlen(s.rejected_stream)
    assert outputs == 1, "the small entry the dead replica held was not handled once"


async def test_a_reclaim_stops_after_the_entry_that_spends_its_byte_budget(
    redis: Redis, settings: Settings
) -> None:
    s = settings
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    ids = [(await redis.xadd(s.events_stream, {b"body": bytes([65 + i]) * 300_000})).decode()
           for i in range(10)]
    await redis.xreadgroup(s.cleaner_group, "killed-replica", {s.events_stream: ">"}, count=10)
    got: list[list[str]] = []
    proxy = CountingProxy()
    async with proxy.running() as url:
        client: Redis = Redis.from_url(url)
        async with client:
            await client.ping()
            start = "0-0"
            while True:
                before = proxy.to_client
                r = await reclaim_batch(client, stream=s.events_stream, group=s.cleaner_group,
                                        consumer="reclaimer", min_idle_ms=0, start=start,
                                        count=64, max_bytes=1 * MB, max_entry_bytes=None)
                assert proxy.to_client - before < 1 * MB + 300_000 + 4_096
                got.append([i for i, _ in r.batch.entries])
                assert r.deliveries == dict.fromkeys(got[-1], 2)
                if r.cursor == "0-0":
                    break
                start = r.cursor
    assert [len(b) for b in got] == [4, 4, 2]
    assert [i for b in got for i in b] == ids
    pending = await redis.xpending_range(s.events_stream, s.cleaner_group, min="-", max="+",
                                         count=20)
    assert {(p["consumer"], p["times_delivered"]) for p in pending} == {(b"reclaimer", 2)}


async def test_an_upkeep_reclaim_claims_at_most_a_batch_at_a_time_and_handles_each_once(
    redis: Redis, settings: Settings
) -> None:
    s = settings.model_copy(update={"batch_size": 3, "claim_idle_ms": 10})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    ids = [(await redis.xadd(s.events_stream, {"n": str(i)})).decode() for i in range(7)]
    await redis.xreadgroup(s.cleaner_group, "killed-replica", {s.events_stream: ">"}, count=7)
    await asyncio.sleep(0.05)
    stage = Stage(s)
    calls: list[int] = []
    original = upkeep_module.reclaim_batch

    async def counted(*args: Any, **kw: Any) -> Any:
        got = await original(*args, **kw)
        calls.append(len(got.batch.entries))
        return got

    upkeep_module.reclaim_batch = counted  # type: ignore[assignment]
    try:
        assert await Upkeep(stage, s).reclaim(redis) == 7
    finally:
        upkeep_module.reclaim_batch = original
    assert calls[:3] == [3, 3, 1] and sum(calls) == 7
    assert stage.handled == ids
    assert (await redis.xpending(s.events_stream, s.cleaner_group))["pending"] == 0


async def test_a_too_large_entry_reclaimed_or_read_is_counted_from_its_line(
    redis: Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[dict[str, object]] = []
    monkeypatch.setattr(upkeep_module, "record", lines.append)
    s = settings.model_copy(update={"max_body_bytes": 100_000, "claim_idle_ms": 10})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    held = (await redis.xadd(s.events_stream, {**GOOD, b"body": b"h" * 200_000})).decode()  # type: ignore[dict-item]
    await redis.xreadgroup(s.cleaner_group, "killed-replica", {s.events_stream: ">"})
    await asyncio.sleep(0.05)
    stage = Stage(s)
    assert await Upkeep(stage, s).reclaim(redis) == 1
    unread = (await redis.xadd(s.events_stream, {**GOOD, b"body": b"u" * 200_000})).decode()  # type: ignore[dict-item]
    reader = StreamReader(stage, s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=s.max_body_bytes, on_ended=lambda _: None)
    await reader.start()
    try:
        deadline = time.monotonic() + 10
        while len(lines) < 2:
            assert time.monotonic() < deadline, f"lines counted: {lines}"
            await asyncio.sleep(0.02)
    finally:
        await reader.stop()
    assert stage.handled == [], "an entry over the limit reached the stage"
    assert [(x["entry_id"], x["outcome"], x["error_type"], x["stage"]) for x in lines] == [
        (held, "dead_letter", "too_large", "cleaner"),
        (unread, "dead_letter", "too_large", "cleaner")]
    letters = [decode_model(f, DeadLetter).entry_id
               for _, f in await redis.xrange(s.dead_letter_stream("cleaner"))]
    assert letters == [held, unread]
    assert (await redis.xpending(s.events_stream, s.cleaner_group))["pending"] == 0
