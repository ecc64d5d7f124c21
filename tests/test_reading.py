"""A stage's reader never dies quietly: a bug in an iteration is logged and the reader
reads on; a task ended all the same is said, so the worker starts its app again."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from vestnik import reading, streams
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.streams import ensure_group

from .conftest import REDIS_URL


class _Stage:
    name = "cleaner"
    batches_in_flight = 1

    def __init__(self, s: Settings, fail_with: BaseException | None = None) -> None:
        self.stream, self.group = s.events_stream, s.cleaner_group
        self.dead_letter_stream = s.dead_letter_stream("cleaner")
        self.fail_with = fail_with
        self.handled: list[str] = []

    async def handle(self, redis: Redis, entries: list[tuple[str, Any]]) -> None:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.handled.extend(entry_id for entry_id, _ in entries)
        await redis.xack(self.stream, self.group, *[e for e, _ in entries])


async def _until(check: Any, message: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.02)


async def test_a_read_that_raises_a_bug_is_logged_and_the_reader_reads_on(
    redis: Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = settings.model_copy(update={"poll_ms": 100})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    added = await redis.xadd(s.events_stream, {"n": "1"})
    entry = added.decode() if isinstance(added, bytes) else added
    real, calls = streams.read_batch, []

    async def first_read_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a reply the reader did not expect")
        return await real(*args, **kwargs)

    monkeypatch.setattr(reading, "read_batch", first_read_fails)
    stage, ended = _Stage(s), list[BaseException]()
    reader = StreamReader(stage, s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=ended.append)
    with capture_logs() as logs:
        await reader.start()
        try:
            await _until(lambda: stage.handled == [entry],
                         "the reader never read on after a read raised a bug")
        finally:
            await reader.stop()
    errors = [line for line in logs if line["event"] == "reader_error"]
    assert errors and errors[0]["step"] == "read" and errors[0]["error_type"] == "ValueError"
    assert not ended, "a bug in one read ended the reader"


async def test_a_reader_whose_task_dies_says_so_and_asks_to_be_started_again(
    redis: Redis, settings: Settings
) -> None:
    """A BaseException out of a batch ends the task (nothing in it may swallow one); the
    reader logs ``reader_died`` and calls ``on_ended``, so the worker does not sit idle."""

    class Escaped(BaseException):
        pass

    s = settings.model_copy(update={"poll_ms": 100})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    await redis.xadd(s.events_stream, {"n": "1"})
    stage, ended = _Stage(s, fail_with=Escaped("out of a batch")), list[BaseException]()
    reader = StreamReader(stage, s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=ended.append)
    with capture_logs() as logs:
        await reader.start()
        try:
            await _until(lambda: ended, "the reader's task died and nobody was told")
        finally:
            await reader.stop()
    assert isinstance(ended[0], Escaped)
    assert not reader.running
    died = [line for line in logs if line["event"] == "reader_died"]
    assert died and died[0]["error_type"] == "Escaped", logs


async def test_a_reader_stopped_on_purpose_does_not_say_it_died(
    redis: Redis, settings: Settings
) -> None:
    s = settings.model_copy(update={"poll_ms": 100})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    ended: list[BaseException] = []
    reader = StreamReader(_Stage(s), s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=ended.append)
    with capture_logs() as logs:
        await reader.start()
        await asyncio.sleep(0.3)
        await reader.stop()
    assert not ended
    assert not [line for line in logs if line["event"] in ("reader_died", "reader_error")]


async def test_batches_in_flight_are_bounded_and_all_finish_when_the_reader_stops(
    redis: Redis, settings: Settings
) -> None:
    """``batches_in_flight`` batches at once, never more; stopping waits for each."""
    s = settings.model_copy(update={"poll_ms": 100, "batch_size": 1})
    await ensure_group(redis, s.events_stream, s.cleaner_group)
    running, most, done = [0], [0], list[str]()

    class Slow(_Stage):
        batches_in_flight = 2

        async def handle(self, redis: Redis, entries: list[tuple[str, Any]]) -> None:
            running[0] += 1
            most[0] = max(most[0], running[0])
            try:
                await asyncio.sleep(0.4)
                await redis.xack(self.stream, self.group, *[e for e, _ in entries])
                done.extend(e for e, _ in entries)
            finally:
                running[0] -= 1

    for n in range(5):
        await redis.xadd(s.events_stream, {"n": str(n)})
    reader = StreamReader(Slow(s), s, lambda: Redis.from_url(REDIS_URL),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=lambda exc: None)
    await reader.start()
    await _until(lambda: running[0] == 2, "two batches were never in flight at once")
    await reader.stop()
    assert most[0] == 2, f"{most[0]} batches in flight at once, for a stage that takes 2"
    pending = (await redis.xpending(s.events_stream, s.cleaner_group))["pending"]
    assert running[0] == 0 and pending == 0 and len(done) >= 2, (
        f"stopped with {running[0]} batches running, {pending} entries pending")
