"""Reads are bounded by bytes, and an entry over the limit never reaches the worker.

The bytes Redis sends a worker are counted by a TCP proxy between them, so what is
checked is what crossed the wire, not what the code says it asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest
from redis.asyncio import Redis

from vestnik.cleaner.app import create_app as cleaner_app
from vestnik.contracts import DeadLetter
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.streams import Oversized, UnreadField, ensure_group, read_batch
from vestnik.too_large import oversized_letter
from vestnik.wire import decode_model, encode_model

from .conftest import REDIS_URL

MB = 1_000_000
GOOD = {b"url": b"https://a.bg/ok", b"fetched_at": b"2025-12-07T12:00:00Z",
        b"content_type": b"text/plain"}


class CountingProxy:
    """Forwards TCP connections to the Redis under test; ``to_client``: the bytes Redis
    sent through it."""

    def __init__(self) -> None:
        target = urlparse(REDIS_URL)
        if target.scheme != "redis" or target.hostname is None:
            pytest.skip("the Redis under test is not on TCP")
        self.host, self.port_to = target.hostname, target.port or 6379
        self.db = target.path or "/0"
        self.to_client = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    counted: bool) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(1 << 16):
                if counted:
                    self.to_client += len(data)
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, client_r: asyncio.StreamReader,
                     client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(self.host, self.port_to)
        await asyncio.gather(self._pipe(client_r, server_w, False),
                             self._pipe(server_r, client_w, True))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"redis://127.0.0.1:{port}{self.db}"
        finally:
            server.close()


async def _read(client: Redis, settings: Settings, *, max_bytes: int = 8 * MB,
                max_entry_bytes: int | None = 1 * MB) -> object:
    return await read_batch(client, stream=settings.events_stream,
                            group=settings.cleaner_group, consumer=settings.consumer_name,
                            count=64, max_bytes=max_bytes, max_entry_bytes=max_entry_bytes)


async def test_an_entry_over_the_limit_is_measured_in_redis_and_never_sent(
    redis: Redis, settings: Settings
) -> None:
    s = settings
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    first = await redis.xadd(s.events_stream, {**GOOD, b"body": b"a" * 1000})  # type: ignore[dict-item]
    huge = await redis.xadd(s.events_stream, {b"n" * 300: b"x", **GOOD,  # type: ignore[dict-item]
                                              b"body": b"b" * (5 * MB)})
    last = await redis.xadd(s.events_stream, {**GOOD, b"body": b"c" * 1000})  # type: ignore[dict-item]
    proxy = CountingProxy()
    async with proxy.running() as url:
        client: Redis = Redis.from_url(url)
        async with client:
            await client.ping()
            before = proxy.to_client
            batch = await _read(client, s)
            sent = proxy.to_client - before
    assert sent < 16_000, f"{sent} bytes crossed the wire for one 5 MB entry and two small ones"
    assert [i for i, _ in batch.entries] == [first.decode(), last.decode()]  # type: ignore[attr-defined]
    (over,) = batch.oversized  # type: ignore[attr-defined]
    assert over.entry_id == huge.decode() and over.field_count == 5
    assert over.size == 300 + 1 + sum(len(k) + len(v) for k, v in GOOD.items()) + 4 + 5 * MB
    name, url_, *_, body = over.fields
    assert (name.name, name.name_bytes, name.value) == (b"n" * 256, 300, b"x")
    assert url_.value == b"https://a.bg/ok"
    assert (body.name, body.value_bytes, body.value) == (b"body", 5 * MB, None)
    # delivered like the others: pending on this consumer, its delivery counted
    pending = await redis.xpending_range(s.events_stream, s.cleaner_group, min=huge, max=huge,
                                         count=1)
    assert pending[0]["consumer"].decode() == s.consumer_name
    assert pending[0]["times_delivered"] == 1


async def test_a_read_stops_after_the_entry_that_spends_its_byte_budget(
    redis: Redis, settings: Settings
) -> None:
    s = settings
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    ids = [(await redis.xadd(s.events_stream, {b"body": bytes([65 + i]) * 300_000})).decode()
           for i in range(10)]
    got: list[list[str]] = []
    proxy = CountingProxy()
    async with proxy.running() as url:
        client: Redis = Redis.from_url(url)
        async with client:
            await client.ping()
            while True:
                before = proxy.to_client
                batch = await _read(client, s, max_bytes=1 * MB)
                if not batch:
                    break
                assert proxy.to_client - before < 1 * MB + 300_000 + 4_096
                got.append([i for i, _ in batch.entries])  # type: ignore[attr-defined]
    # 300, 600, 900 KB are under the budget; the fourth entry spends it
    assert [len(b) for b in got] == [4, 4, 2]
    assert [i for b in got for i in b] == ids
    assert (await redis.xpending(s.events_stream, s.cleaner_group))["pending"] == 10


async def test_the_cleaner_dead_letters_a_huge_entry_as_too_large_without_receiving_it(
    redis: Redis, settings: Settings
) -> None:
    settings = settings.model_copy(update={"max_body_bytes": 1 * MB, "trim": False})
    s = settings
    huge = (await redis.xadd(s.events_stream, {**GOOD, b"url": b"https://a.bg/huge",  # type: ignore[dict-item]
                                              b"body": b"z" * (30 * MB)})).decode()
    proxy = CountingProxy()
    async with proxy.running() as url:
        app = cleaner_app(settings.model_copy(update={"redis_url": url}))
        await app.start()
        try:
            deadline = time.monotonic() + 30
            while not await redis.xlen(s.dead_letter_stream("cleaner")):
                assert time.monotonic() < deadline, "no dead letter"
                await asyncio.sleep(0.05)
        finally:
            await app.stop()
    assert proxy.to_client < 2 * MB, f"the cleaner was sent {proxy.to_client:,} bytes"
    ((_, fields),) = await redis.xrange(s.dead_letter_stream("cleaner"))
    letter = decode_model(fields, DeadLetter)
    assert (letter.entry_id, letter.error_type) == (huge, "too_large")
    assert letter.reason.startswith(f"entry is {30 * MB + 76} bytes (field names and values), "
                                    f"the limit is {MB}")
    assert letter.fields["url"] == "https://a.bg/huge" and "body" not in letter.fields
    assert letter.cut is not None and letter.cut.originals["body"].value_bytes == 30 * MB
    assert letter.truncated_fields == ["body"]
    assert (await redis.xpending(s.events_stream, s.cleaner_group))["pending"] == 0


def test_a_letter_for_an_unread_entry_is_bounded_whatever_its_names(settings: Settings) -> None:
    settings = settings.model_copy(update={"dead_letter_max_bytes": 65_536,
                                           "dead_letter_keep_bodies": False})

    class Stage:
        name = "cleaner"
        batches_in_flight = 1
        stream = settings.events_stream
        group = settings.cleaner_group
        dead_letter_stream = settings.dead_letter_stream("cleaner")

    # control characters take six bytes each in JSON
    hostile = tuple(UnreadField(bytes([i + 3]) + b"\x01" * 255, 10 * MB, 512, b"\x02" * 512)
                    for i in range(16))
    letter = oversized_letter(Stage(), Oversized("1-0", 200 * MB, 90_000, hostile), MB,  # type: ignore[arg-type]
                              settings)
    size = sum(len(k) + len(v) for k, v in encode_model(letter).items())
    assert size <= 65_536 and letter.error_type == "too_large"
    assert letter.cut is not None and letter.cut.entry_fields == 90_000
    assert "16 field name(s) cut to 200 bytes" in letter.cut.summary
    assert "left out to fit 65536 bytes" in letter.cut.summary


async def test_a_reader_whose_group_is_gone_stops_and_says_so(
    redis: Redis, settings: Settings
) -> None:
    s = settings
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    lost: list[BaseException] = []

    class Stage:
        name = "cleaner"
        batches_in_flight = 1
        stream = s.events_stream
        group = s.cleaner_group
        dead_letter_stream = s.dead_letter_stream("cleaner")

        async def handle(self, redis: Redis, entries: object) -> None: ...

    reader = StreamReader(Stage(), s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=lost.append)
    await reader.start()
    await asyncio.sleep(0.2)
    await redis.xgroup_destroy(s.events_stream, s.cleaner_group)
    deadline = time.monotonic() + 5
    while not lost:
        assert time.monotonic() < deadline, "the reader went on without its group"
        await asyncio.sleep(0.02)
    await reader.stop()
    assert "NOGROUP" in str(lost[0])


async def test_an_idle_reader_waits_in_redis_for_new_entries_and_reads_one_at_once(
    redis: Redis, settings: Settings
) -> None:
    """With nothing to read, the reader blocks in Redis (XREAD BLOCK), not in a sleep that
    grows to VESTNIK_POLL_MS (here a minute), so an entry published then wakes it."""
    s = settings.model_copy(update={"poll_ms": 60_000})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    handled: list[str] = []

    class Stage:
        name = "cleaner"
        batches_in_flight = 1
        stream = s.events_stream
        group = s.cleaner_group
        dead_letter_stream = s.dead_letter_stream("cleaner")

        async def handle(self, redis: Redis, entries: list[tuple[str, object]]) -> None:
            handled.extend(entry_id for entry_id, _ in entries)
            await redis.xack(s.events_stream, s.cleaner_group, *[e for e, _ in entries])

    reader = StreamReader(Stage(), s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=lambda exc: None)
    await reader.start()
    try:
        deadline = time.monotonic() + 10
        while not any(c.get("cmd") == "xread" and "b" in c.get("flags", "")
                      for c in await redis.client_list()):
            assert time.monotonic() < deadline, "the idle reader is not waiting inside Redis"
            await asyncio.sleep(0.05)
        entry = (await redis.xadd(s.events_stream, {"n": "1"})).decode()
        deadline = time.monotonic() + 10
        while handled != [entry]:
            assert time.monotonic() < deadline, "an entry published to an idle reader: unread"
            await asyncio.sleep(0.01)
    finally:
        await reader.stop()
