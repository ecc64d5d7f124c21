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

A script cannot block, so a read that finds nothing (the script then answers the group's
last-delivered id) is followed by a wait inside Redis:
``XREAD BLOCK`` on the stream from that id, which returns as soon
as an entry the group has not delivered is there (one added meanwhile included: the id is
the group's, not the stream's end), or after ``VESTNIK_POLL_MS``; then the reader reads
again. So an idle worker costs one blocked connection, and a new entry is read at once,
not after a sleep (when the wait itself fails, the reader sleeps 10 ms, doubling up to
``VESTNIK_POLL_MS``). A read Redis refuses (away, read-only, out of memory) is retried
with backoff; a read that finds its group gone (``NOGROUP``) stops the reader and says so
(``on_ended``), so the worker starts again and makes its group. Anything else an iteration
raises that it did not expect (a bug) is logged with its traceback (``reader_error``) and
the reader goes on after the same backoff, the batch's entries left pending; and should
its task end all the same (a ``BaseException`` out of a batch), that is logged
(``reader_died``) and said through ``on_ended`` too: a worker whose reader is gone never
sits idle as if the stream were empty. Stopping lets the batches in flight finish
(within ``VESTNIK_GRACEFUL_TIMEOUT_S``) and reads nothing more.

A stage may take several batches at once (``batches_in_flight``: the cleaner, one per
extraction process, ``VESTNIK_EXTRACT_WORKERS``): each is handled in a task of its own and
the next read is made as soon as there is room, so pages read while one batch waits on a
slow page go to another process instead of queueing behind it. Batches then commit in the
order they finish, not the order they were read: the index keeps the newest scrape of a
page whatever order its articles come in.
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
from vestnik.streams import Batch, is_transient, read_batch
from vestnik.upkeep import dead_letter_oversized, handle_or_remember

_FIRST_IDLE_S = 0.01
_FIRST_RETRY_S = 0.1
_MAX_RETRY_S = 5.0


class StreamReader:
    """Feeds ``stage`` from its group, one bounded read at a time, in a task of its own;
    up to ``stage.batches_in_flight`` batches are handled at once, each in a task of its
    own (a read waits for a free one)."""

    def __init__(self, stage: Stage, settings: Settings, client: Callable[[], Redis], *,
                 max_entry_bytes: int | None,
                 on_ended: Callable[[BaseException], None]) -> None:
        self.stage, self.settings = stage, settings
        self.max_entry_bytes = max_entry_bytes
        self.batches = max(1, stage.batches_in_flight)
        self._client = client
        self._on_ended = on_ended
        self.log = get_logger(stage=stage.name, consumer=settings.consumer_name, task="reader")
        self._stopping = asyncio.Event()  # asked to stop
        self._halt = asyncio.Event()  # asked to stop, or a batch's task died: read no more
        self._escaped: BaseException | None = None  # what a batch's task died of
        self._idle_s, self._retry_s = _FIRST_IDLE_S, _FIRST_RETRY_S
        self._task: asyncio.Task[None] | None = None
        self._redis: Redis | None = None

    @property
    def running(self) -> bool:
        """Started, not asked to stop, and its loop has not ended."""
        return (self._task is not None and not self._task.done()
                and not self._halt.is_set())

    async def start(self) -> None:
        self._redis = self._client()
        self._task = asyncio.create_task(self._loop(), name=f"vestnik-reader-{self.stage.name}")
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The loop's task is over: by ``stop``, by a lost group (said already), or by
        something that escaped it, which is logged and said here."""
        if self._stopping.is_set():
            return
        error = (asyncio.CancelledError("the reader's task was cancelled") if task.cancelled()
                 else task.exception())
        if error is None:
            return  # the group is gone: _loop said so
        self.log.error("reader_died", error_type=type(error).__name__, error=str(error)[:300],
                       exc_info=error)
        self._on_ended(error)

    async def stop(self) -> None:
        """Read nothing more; let the batches in flight finish within the graceful timeout,
        then cancel them (their entries stay pending, and are reclaimed)."""
        self._stopping.set()
        self._halt.set()
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
            await asyncio.wait_for(self._halt.wait(), seconds)

    async def _loop(self) -> None:
        assert self._redis is not None
        redis = self._redis
        slots = asyncio.Semaphore(self.batches)
        batches: set[asyncio.Task[None]] = set()
        try:
            while not self._halt.is_set():
                await slots.acquire()  # a batch in flight ends, or there is room
                try:
                    batch = await self._read(redis)
                except BaseException:
                    slots.release()
                    raise
                if batch is None:
                    slots.release()
                    continue
                task = asyncio.create_task(self._handle(redis, batch, slots))
                batches.add(task)
                task.add_done_callback(batches.discard)
            if batches:  # stopping: the batches in flight finish
                await asyncio.wait(batches)
        finally:
            for task in batches:  # cancelled (past the graceful timeout): so are they
                task.cancel()
            if batches:
                await asyncio.wait(batches)
        if self._escaped is not None:
            raise self._escaped

    async def _read(self, redis: Redis) -> Batch | None:
        """The next batch with entries; None when it found none (having waited for them
        a while), the read failed (having backed off) or the reader is to stop."""
        st, s = self.stage, self.settings
        if self._halt.is_set():  # while it waited for room
            return None
        try:
            batch = await read_batch(
                redis, stream=st.stream, group=st.group, consumer=s.consumer_name,
                count=s.batch_size, max_bytes=s.read_max_bytes,
                max_entry_bytes=self.max_entry_bytes)
        except ResponseError as exc:
            if "NOGROUP" in str(exc):
                self.log.error("reader_stopped", reason="the group is gone",
                               error=str(exc)[:300])
                self._halt.set()
                self._on_ended(exc)
                return None
            error: BaseException = exc
        except (RedisError, OSError) as exc:
            error = exc
        except Exception as exc:  # a bug: said, and tried again as a failed read is
            self.log.exception("reader_error", step="read", error_type=type(exc).__name__)
            error = exc
        else:
            self._retry_s = _FIRST_RETRY_S
            if batch.entries or batch.oversized:
                self._idle_s = _FIRST_IDLE_S
                return batch
            if not await self._wait_for_entries(redis, batch.last_delivered):
                await self._pause(self._idle_s)
                self._idle_s = min(self._idle_s * 2, s.poll_ms / 1000)
            return None
        self.log.warning("read_failed", error_type=type(error).__name__,
                         error=str(error)[:300], transient=is_transient(error),
                         retry_in_s=self._retry_s)
        await self._pause(self._retry_s)
        self._retry_s = min(self._retry_s * 2, _MAX_RETRY_S)
        return None

    async def _handle(self, redis: Redis, batch: Batch, slots: asyncio.Semaphore) -> None:
        """One batch, in a task of its own; its slot freed at the end. A bug is logged
        (the entries stay pending and are reclaimed); a ``BaseException`` that is not this
        task's own cancellation ends the reader (``_loop`` raises it)."""
        st, s = self.stage, self.settings
        try:
            if batch.oversized:
                await dead_letter_oversized(redis, st, s, batch.oversized,
                                            self.max_entry_bytes or 0)
            if batch.entries:
                await handle_or_remember(redis, st, batch.entries)
        except Exception as exc:
            self.log.exception("reader_error", step="handle",
                               error_type=type(exc).__name__, entries=len(batch.entries))
            await self._pause(self._retry_s)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the reader's own cancel, past the graceful timeout
            self._die(asyncio.CancelledError("a batch was cancelled from within"))
        except BaseException as exc:
            self._die(exc)
        finally:
            slots.release()

    def _die(self, exc: BaseException) -> None:
        if self._escaped is None:
            self._escaped = exc
        self._halt.set()

    async def _wait_for_entries(self, redis: Redis, last: str | None) -> bool:
        """Until the stream may hold an entry the group has not delivered (a blocked
        ``XREAD`` from the group's last-delivered id ``last``, which the empty read
        brought), ``VESTNIK_POLL_MS`` at most, or until the reader is stopped. False when
        there is no such id or Redis could not be asked (the caller sleeps instead)."""
        st, s = self.stage, self.settings
        if last is None:
            return False
        read = asyncio.ensure_future(redis.xread({st.stream: last}, count=1, block=s.poll_ms))
        stopping = asyncio.ensure_future(self._halt.wait())
        done, pending = await asyncio.wait({read, stopping},
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return not (read in done and read.exception() is not None)  # asked, and answered
