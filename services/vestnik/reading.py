"""How a worker reads its stage's stream: bounded by bytes, never by trust in the entries.

A stage's ``StreamReader`` reads new entries of its group with ``read_batch``
(``vestnik.streams``): a Lua script that delivers them one at a time inside Redis and
measures each, so a read brings at most ``VESTNIK_BATCH_SIZE`` entries and less than
``VESTNIK_READ_MAX_BYTES`` plus one entry, and an entry over the stage's per-entry limit
(the cleaner's ``VESTNIK_MAX_BODY_BYTES``) is never brought at all: Redis returns its id,
size and field count, the sizes of its first fields and their small values. Such an entry
is dead-lettered here as ``too_large`` with what is known of it; the others go to the
stage's batch handler, as the reclaimer's do (``vestnik.upkeep``).

A script cannot block, so an idle reader waits between reads: 10 ms, doubling up to
``VESTNIK_POLL_MS`` while the stream stays empty, and reads again at once after a read
that brought anything. A read Redis refuses (away, read-only, out of memory) is retried
with backoff; a read that finds its group gone (``NOGROUP``) stops the reader and says so
(``on_group_lost``), so the worker starts again and makes its group. Stopping lets the
batch in flight finish (within ``VESTNIK_GRACEFUL_TIMEOUT_S``) and reads nothing more.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from vestnik.contracts import DeadLetter, DeadLetterCut, FieldDigest
from vestnik.logs import get_logger
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import Oversized, Write, commit_batch, is_transient, read_batch
from vestnik.upkeep import handle_or_remember, remember_failure
from vestnik.wire import BODY_FIELDS, DATA_FIELD, DIGESTS_MAX, NAME_MAX_BYTES, encode_model

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
                await self._pause(idle)
                idle = min(idle * 2, s.poll_ms / 1000)
                continue
            idle = _FIRST_IDLE_S
            if batch.oversized:
                await self._dead_letter(redis, batch.oversized)
            if batch.entries:
                await handle_or_remember(redis, st, batch.entries)

    async def _dead_letter(self, redis: Redis, entries: list[Oversized]) -> None:
        """Each entry over the limit as a ``too_large`` dead letter, in one commit; on a
        failure the entries stay pending (their error remembered) and are reclaimed."""
        st, s = self.stage, self.settings
        started = time.perf_counter()
        letters = [oversized_letter(st, e, self.max_entry_bytes or 0, s) for e in entries]
        try:
            committed = await commit_batch(
                redis, [(e.entry_id, [Write(st.dead_letter_stream, encode_model(letter))])
                        for e, letter in zip(entries, letters, strict=True)],
                stream=st.stream, group=st.group, consumer=s.consumer_name,
                claim_idle_ms=s.claim_idle_ms)
        except Exception as exc:
            await remember_failure(redis, st, [e.entry_id for e in entries], exc)
            self.log.warning("delivery_failed", entries=len(entries),
                             error_type=type(exc).__name__, error=str(exc)[:300])
            return
        per_entry = round((time.perf_counter() - started) * 1000 / len(entries), 3)
        for e, letter in zip(entries, letters, strict=True):
            if e.entry_id in committed.lost:
                self.log.info("message", stage=st.name, entry_id=e.entry_id,
                              outcome="lost_ownership", dropped="dead_letter",
                              holder=committed.lost[e.entry_id] or None, duration_ms=per_entry)
            else:
                self.log.info("message", stage=st.name, entry_id=e.entry_id,
                              outcome="dead_letter", error_type="too_large",
                              reason=letter.reason[:300], entry_bytes=e.size,
                              duration_ms=per_entry)


def _text(value: bytes) -> tuple[str, bool]:
    """``value`` as UTF-8 text, else as base64 (and True)."""
    try:
        return value.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii"), True


def _size(letter: DeadLetter) -> int:
    return sum(len(k) + len(v) for k, v in encode_model(letter).items())


def oversized_letter(stage: Stage, entry: Oversized, limit: int, settings: Settings
                     ) -> DeadLetter:
    """A ``too_large`` dead letter for an entry that was never read: its small values
    (names cut to ``NAME_MAX_BYTES``; page bodies only when dead letters keep them), and
    the size of every other field it was seen to have (no sha256: the value never left
    Redis). At most ``VESTNIK_DEAD_LETTER_MAX_BYTES``, like any dead letter."""
    keep_bodies = settings.dead_letter_keep_bodies
    fields: dict[str, str] = {}
    b64: list[str] = []
    unread: dict[str, FieldDigest] = {}
    names_cut: list[str] = []
    for f in entry.fields:
        name = f.name[:NAME_MAX_BYTES].decode("utf-8", "backslashreplace")
        if f.name_bytes > NAME_MAX_BYTES:
            names_cut.append(name)
        is_body = name in BODY_FIELDS or name == DATA_FIELD
        if f.value is not None and (keep_bodies or not is_body) and name not in fields:
            fields[name], in_b64 = _text(f.value)
            if in_b64:
                b64.append(name)
        elif len(unread) < DIGESTS_MAX:
            unread[name] = FieldDigest(name_bytes=f.name_bytes, value_bytes=f.value_bytes,
                                       sha256="")
    unseen = entry.field_count - len(entry.fields)
    parts = []
    if unread:
        listed = ", ".join(f"{n[:40]!r} ({d.value_bytes} bytes)" for n, d in unread.items())
        parts.append(f"values not read: {listed}")
    if names_cut:
        parts.append(f"{len(names_cut)} field name(s) cut to {NAME_MAX_BYTES} bytes")
    if unseen:
        parts.append(f"{unseen} field(s) not seen")
    summary = (f"not the whole entry ({entry.size} bytes in {entry.field_count} fields): it "
               f"is over the limit and was never read, only measured in Redis (its first "
               f"fields' sizes, values of at most a few hundred bytes, no sha256): "
               f"{'; '.join(parts) or 'nothing else'}")
    cut_names = [*dict.fromkeys([*names_cut, *unread])][:DIGESTS_MAX]

    def letter(fields: dict[str, str], originals: dict[str, FieldDigest],
               note: str = "") -> DeadLetter:
        return DeadLetter(
            stage=stage.name, error_type="too_large",
            reason=f"entry is {entry.size} bytes (field names and values), the limit is "
                   f"{limit}; it was measured in Redis and never read",
            source_stream=stage.stream, entry_id=entry.entry_id, failed_at=datetime.now(UTC),
            fields=fields, base64_fields=[n for n in b64 if n in fields],
            truncated_fields=cut_names,
            cut=DeadLetterCut(summary=summary + note, entry_bytes=entry.size,
                              entry_fields=entry.field_count,
                              left_out_fields=entry.field_count - len(fields),
                              max_bytes=settings.dead_letter_max_bytes,
                              bodies_kept=keep_bodies, originals=originals))

    found = letter(fields, unread)
    fit = f" (values and sizes left out to fit {settings.dead_letter_max_bytes} bytes)"
    if _size(found) > settings.dead_letter_max_bytes:  # hostile names: keep sizes only
        found = letter({}, unread, fit)
    if _size(found) > settings.dead_letter_max_bytes:
        found = letter({}, {}, fit)
    return found
