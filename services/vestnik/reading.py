"""How a worker reads its stage's stream: bounded by bytes, never by trust in the entries.

A stage's ``StreamReader`` reads new entries of its group with ``read_batch``
(``vestnik.streams``): a Lua script that delivers them one at a time inside Redis and
measures each, so a read brings at most ``VESTNIK_BATCH_SIZE`` entries and less than
``VESTNIK_READ_MAX_BYTES`` plus one entry, and an entry over the stage's per-entry limit
(the cleaner's ``VESTNIK_MAX_BODY_BYTES``) is never brought at all: Redis returns its id,
size and field count, the sizes of its first fields and their small values. Such an entry
is dead-lettered as ``too_large`` with what is known of it (``vestnik.too_large``, by
``upkeep.dead_letter_oversized``, as the reclaimer does with the entries over the limit it
claims); the others go to the stage's batch handler, as the reclaimer's do.

A script cannot block, so a read that finds nothing is followed by a wait inside Redis:
``XREAD BLOCK`` on the stream from the group's last-delivered id, which returns as soon
as an entry the group has not delivered is there (one added meanwhile included: the id is
the group's, not the stream's end), or after ``VESTNIK_POLL_MS``; then the reader reads
again. So an idle worker costs one blocked connection, and a new entry is read at once,
not after a sleep (when the wait itself fails, the reader sleeps 10 ms, doubling up to
``VESTNIK_POLL_MS``). A read Redis refuses (away, read-only, out of memory) is retried
with backoff; a read that finds its group gone (``NOGROUP``) stops the reader and says so
(``on_group_lost``), so the worker starts again and makes its group. Stopping lets the
batch in flight finish (within ``VESTNIK_GRACEFUL_TIMEOUT_S``) and reads nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from vestnik.logs import get_logger
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import is_transient, read_batch
from vestnik.upkeep import dead_letter_oversized, handle_or_remember

_FIRST_IDLE_S = 0.01
_FIRST_RETRY_S = 0.1
_MAX_RETRY_S = 5.0


class StreamReader:
    """Feeds ``stage`` from its group, one bounded read at a time, in a task of its own."""

    def __init__(self, stage: Stage, settings: Settings, client: Callable[[], Redis], *,
                 max_entry_bytes: int | None,
                 on_group_lost: Callable[[BaseException], None]) -> None:
        self.stage, self.settings = stage, settings
        self.max_entry_bytes = max_entry_bytes
        self._client = client
        self._on_group_lost = on_group_lost
        self.log = get_logger(stage=stage.name, consumer=settings.consumer_name, task="reader")
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._redis: Redis | None = None

    @property
    def running(self) -> bool:
        """Started, not asked to stop, and its loop has not ended."""
        return (self._task is not None and not self._task.done()
                and not self._stopping.is_set())

    async def start(self) -> None:
        self._redis = self._client()
        self._task = asyncio.create_task(self._loop(), name=f"vestnik-reader-{self.stage.name}")

    async def stop(self) -> None:
        """Read nothing more; let the batch in flight finish within the graceful timeout,
        then cancel it (its entries stay pending, and are reclaimed)."""
        self._stopping.set()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=self.settings.graceful_timeout_s)
            if not done:
                self.log.warning("reader_cancelled", after_s=self.settings.graceful_timeout_s)
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=5)
        if self._redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.aclose()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _loop(self) -> None:
        assert self._redis is not None
        redis, st, s = self._redis, self.stage, self.settings
        idle, retry = _FIRST_IDLE_S, _FIRST_RETRY_S
        while not self._stopping.is_set():
            try:
                batch = await read_batch(
                    redis, stream=st.stream, group=st.group, consumer=s.consumer_name,
                    count=s.batch_size, max_bytes=s.read_max_bytes,
                    max_entry_bytes=self.max_entry_bytes)
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    self.log.error("reader_stopped", reason="the group is gone",
                                   error=str(exc)[:300])
                    self._on_group_lost(exc)
                    return
                batch = None
                error: BaseException = exc
            except (RedisError, OSError) as exc:
                batch, error = None, exc
            if batch is None:
                self.log.warning("read_failed", error_type=type(error).__name__,
                                 error=str(error)[:300], transient=is_transient(error),
                                 retry_in_s=retry)
                await self._pause(retry)
                retry = min(retry * 2, _MAX_RETRY_S)
                continue
            retry = _FIRST_RETRY_S
            if not batch:
                if not await self._wait_for_entries(redis):
                    await self._pause(idle)
                    idle = min(idle * 2, s.poll_ms / 1000)
                continue
            idle = _FIRST_IDLE_S
            if batch.oversized:
                await dead_letter_oversized(redis, st, s, batch.oversized,
                                            self.max_entry_bytes or 0)
            if batch.entries:
                await handle_or_remember(redis, st, batch.entries)

    async def _wait_for_entries(self, redis: Redis) -> bool:
        """Until the stream may hold an entry the group has not delivered (a blocked
        ``XREAD`` from the group's last-delivered id), ``VESTNIK_POLL_MS`` at most, or
        until the reader is stopped. False when Redis could not be asked (the caller
        sleeps instead)."""
        st, s = self.stage, self.settings
        try:
            groups = await redis.xinfo_groups(st.stream)
        except (RedisError, OSError):
            return False
        last = next((g["last-delivered-id"] for g in groups
                     if _text(g["name"]) == st.group), None)
        if last is None:  # the group is gone: the next read says so
            return False
        read = asyncio.ensure_future(redis.xread({st.stream: last}, count=1, block=s.poll_ms))
        stopping = asyncio.ensure_future(self._stopping.wait())
        done, pending = await asyncio.wait({read, stopping},
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return not (read in done and read.exception() is not None)  # asked, and answered


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
