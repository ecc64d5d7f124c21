"""What keeps a stage's group healthy, run by every replica in the background.

* **reclaim**: entries pending longer than ``claim_idle_ms`` on any consumer (a replica
  that died, or a delivery that failed) are claimed (XAUTOCLAIM, one at a time inside a
  script, bounded by bytes as reads are: ``streams.reclaim_batch``) and handled again,
  one at a time; past ``max_deliveries`` they go to the dead-letter stream with the last
  error and are acknowledged. An entry over the stage's per-entry limit is never brought:
  it is a ``too_large`` dead letter, as the reader makes it.
* **trim**: the input stream is trimmed (XTRIM MINID) up to the slowest group's position:
  its oldest pending entry, or past its last delivered entry when nothing is pending. No
  entry is trimmed before every group has acknowledged it. The group's set of committed
  entries (``streams.done_key``) then forgets what is no longer in the stream.
* **liveness**: a heartbeat per replica (``workers_key``) that ``vestnik status`` counts;
  Redis's own consumer list cannot tell an idle live replica from a dead one. A replica
  whose heartbeat has expired stays listed (``vestnik status``: stalled) for
  ``stalled_worker_grace_s`` before it is forgotten.
* **the group**: when the stage's group is gone (Redis restarted empty, or someone deleted
  it), it is made again from id 0 (``group_recreated``); when it cannot be made again for a
  reason that will not pass, the worker gives up (``on_fatal``).
* **retention**: the stage's dead-letter stream (and the cleaner's rejected stream) keep
  what is younger than their retention (XTRIM MINID) and about their maximum length
  (XTRIM MAXLEN ~).
* **hygiene**: consumers idle longer than ``consumer_max_idle_ms`` that hold nothing are
  removed from the group; a replica that stops cleanly removes itself when it holds nothing.

Redis being away, out of memory or read-only is logged and retried on the next round; it
never ends the loop. Reclaiming waits until Redis has taken this replica's writes for a
whole ``claim_idle_ms``: while Redis refuses writes, the replicas holding entries cannot
commit them, and taking the entries from them would count deliveries against entries that
did nothing wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from types import EllipsisType
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from vestnik.connect import connect
from vestnik.logs import get_logger
from vestnik.metrics import FAILED_DELIVERIES, GROUPS_RECREATED, RECLAIMED, TRIMMED, record
from vestnik.settings import Settings
from vestnik.stage import Entry, Stage, last_error_key, workers_key
from vestnik.streams import (
    Oversized,
    Write,
    commit_batch,
    ensure_group,
    forget,
    is_transient,
    reclaim_batch,
)
from vestnik.too_large import oversized_letter
from vestnik.wire import WireError, dead_letter, encode_model


class GroupLost(RuntimeError):
    """The stage's group is gone and cannot be made again (the stream's key holds another
    type, the user may not create groups…): the worker has to give up."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _parse_id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def remember_failure(redis: Redis, stage: Stage, entry_ids: Sequence[str],
                           error: BaseException) -> None:
    """Note why a delivery failed, so a later dead letter can say it (best effort)."""
    if not entry_ids:
        return
    text = f"{type(error).__name__}: {error}"[:500]
    with contextlib.suppress(RedisError, OSError):
        key = last_error_key(stage)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=dict.fromkeys(entry_ids, text))
            pipe.expire(key, 7 * 24 * 3600)
            await pipe.execute()


async def handle_or_remember(redis: Redis, stage: Stage, entries: Sequence[Entry]) -> bool:
    """Handle ``entries``; on failure note the error and leave them pending. True if handled."""
    try:
        await stage.handle(redis, entries)
    except Exception as exc:
        await remember_failure(redis, stage, [entry_id for entry_id, _ in entries], exc)
        FAILED_DELIVERIES.labels(stage.name, type(exc).__name__).inc(len(entries))
        get_logger(stage=stage.name).warning(
            "delivery_failed", entries=len(entries), error_type=type(exc).__name__,
            error=str(exc)[:300])
        return False
    return True


async def dead_letter_oversized(redis: Redis, stage: Stage, settings: Settings,
                                entries: Sequence[Oversized], limit: int) -> None:
    """Each entry over the stage's per-entry limit ``limit``, measured in Redis and never
    brought (by a read or a reclaim), as a ``too_large`` dead letter with what is known of
    it, in one commit; each one's canonical line logged and counted. On a failure the
    entries stay pending (their error noted) and are reclaimed."""
    if not entries:
        return
    log = get_logger(stage=stage.name, consumer=settings.consumer_name)
    started = time.perf_counter()
    letters = [oversized_letter(stage, e, limit, settings) for e in entries]
    try:
        committed = await commit_batch(
            redis, [(e.entry_id, [Write(stage.dead_letter_stream, encode_model(letter))])
                    for e, letter in zip(entries, letters, strict=True)],
            stream=stage.stream, group=stage.group, consumer=settings.consumer_name,
            claim_idle_ms=settings.claim_idle_ms, wait_replicas=settings.wait_replicas,
            wait_timeout_ms=settings.wait_timeout_ms)
    except Exception as exc:
        await remember_failure(redis, stage, [e.entry_id for e in entries], exc)
        FAILED_DELIVERIES.labels(stage.name, type(exc).__name__).inc(len(entries))
        log.warning("delivery_failed", entries=len(entries), error_type=type(exc).__name__,
                    error=str(exc)[:300])
        return
    per_entry = round((time.perf_counter() - started) * 1000 / len(entries), 3)
    for e, letter in zip(entries, letters, strict=True):
        line: dict[str, Any] = {"stage": stage.name, "entry_id": e.entry_id}
        if e.entry_id in committed.lost:
            line.update(outcome="lost_ownership", dropped="dead_letter",
                        holder=committed.lost[e.entry_id] or None)
        elif e.entry_id in committed.already_done:
            line.update(outcome="already_done", dropped="dead_letter")
        else:
            line.update(outcome="dead_letter", error_type="too_large",
                        reason=letter.reason[:300], entry_bytes=e.size)
        line["duration_ms"] = per_entry
        log.info("message", **line)
        record(line)


def entry_limit(stage: Stage, settings: Settings) -> int | None:
    """A stage's per-entry limit, over which its entries are never brought: the cleaner's
    ``VESTNIK_MAX_BODY_BYTES``; none for the indexer (its entries are the cleaner's)."""
    return settings.max_body_bytes if stage.name == "cleaner" else None


class Upkeep:
    """One background loop per replica: reclaim, trim, tidy.

    ``max_entry_bytes``: the stage's per-entry limit for reclaimed entries, as its reader's
    (default: ``entry_limit``)."""

    def __init__(self, stage: Stage, settings: Settings,
                 on_fatal: Callable[[BaseException], None] | None = None, *,
                 max_entry_bytes: int | EllipsisType | None = ...) -> None:
        self.stage = stage
        self.settings = settings
        self.max_entry_bytes = (entry_limit(stage, settings) if max_entry_bytes is ...
                                else max_entry_bytes)
        self.consumer = settings.consumer_name
        self.log = get_logger(stage=stage.name, consumer=self.consumer, task="upkeep")
        self._on_fatal = on_fatal
        self._task: asyncio.Task[None] | None = None
        self._redis: Redis | None = None
        self._stopping = asyncio.Event()
        # since when Redis has taken this replica's writes without a break (None: it refuses
        # them now); a start counts as a long healthy past
        self._healthy_since: float | None = time.monotonic() - settings.claim_idle_ms / 1000
        # when the loop last finished a round, done or failed (time.monotonic; None: never):
        # the worker's liveness (``/healthz``)
        self.last_round: float | None = None

    async def start(self) -> None:
        self._redis = connect(self.settings.resolved_redis_url)
        self._task = asyncio.create_task(self._loop(), name=f"vestnik-upkeep-{self.stage.name}")

    async def stop(self) -> None:
        """Stop the loop; leave the group if this replica holds nothing."""
        # A flag as well as a cancel: a client library may swallow a cancellation that
        # lands inside one of its commands, and the loop must end all the same.
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)
        if self._redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._leave(self._redis)
            await self._redis.aclose()

    async def _loop(self) -> None:
        assert self._redis is not None
        while not self._stopping.is_set():
            try:
                await self.run_once(self._redis)
            except GroupLost as exc:
                self.log.error("gave_up", error=str(exc)[:500])
                if self._on_fatal is not None:
                    self._on_fatal(exc)
                return
            except (RedisError, OSError) as exc:
                if is_transient(exc):
                    self._healthy_since = None
                self.log.warning("upkeep_failed", error_type=type(exc).__name__, error=str(exc))
            self.last_round = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.settings.upkeep_interval_s)

    async def run_once(self, redis: Redis) -> None:
        """One round: the group, the heartbeat, reclaim (only while Redis takes writes, see
        the module's notes), trim, forgetting committed entries no longer in the stream,
        retention, hygiene."""
        await self.keep_group(redis)
        if await self._beat_if_writable(redis) and self.may_reclaim():
            await self.reclaim(redis)
        if self.settings.trim:
            await self.trim(redis)
        await self.forget_committed(redis)
        await self.retain(redis)
        await self.remove_idle_consumers(redis)

    async def _beat_if_writable(self, redis: Redis) -> bool:
        """The heartbeat, which is also the round's probe of whether Redis takes writes."""
        try:
            await self.beat(redis)
        except (RedisError, OSError) as exc:
            if not is_transient(exc):
                raise
            self._healthy_since = None
            self.log.warning("redis_refuses_writes", error_type=type(exc).__name__,
                             error=str(exc)[:300])
            return False
        if self._healthy_since is None:
            self._healthy_since = time.monotonic()
        return True

    def may_reclaim(self) -> bool:
        """Redis has taken this replica's writes for a whole ``claim_idle_ms``: a replica
        that could not commit meanwhile has had its chance to commit or renew."""
        return (self._healthy_since is not None and
                time.monotonic() - self._healthy_since >= self.settings.claim_idle_ms / 1000)

    # -- the group ---------------------------------------------------------------------

    async def keep_group(self, redis: Redis) -> bool:
        """Make the stage's group again, from id 0, when it is gone; True when it was.

        Without it, a Redis restarted without its data (no persistence) leaves the
        subscriber reading a group that no longer exists while new events wait unread.
        """
        st = self.stage
        try:
            created = await ensure_group(redis, st.stream, st.group)
        except (RedisError, OSError) as exc:
            if is_transient(exc):
                raise
            raise GroupLost(f"group {st.group} on {st.stream} cannot be made again: "
                            f"{type(exc).__name__}: {exc}") from exc
        if created:
            GROUPS_RECREATED.labels(st.stream, st.group).inc()
            self.log.warning("group_recreated", stream=st.stream, group=st.group, from_id="0")
        return created

    # -- reclaim -----------------------------------------------------------------------

    async def reclaim(self, redis: Redis) -> int:
        """Claim and handle every entry idle past ``claim_idle_ms``; the number claimed.

        Claims are bounded as reads are (``streams.reclaim_batch``): at most
        ``VESTNIK_BATCH_SIZE`` entries and about ``VESTNIK_READ_MAX_BYTES`` at a time, and an
        entry over the stage's per-entry limit is never brought: it is dead-lettered as
        ``too_large`` as the reader does (``dead_letter_oversized``). The others are handled
        one at a time, or dead-lettered past ``max_deliveries``."""
        st, s, claimed_total, start = self.stage, self.settings, 0, "0-0"
        while True:
            got = await reclaim_batch(
                redis, stream=st.stream, group=st.group, consumer=self.consumer,
                min_idle_ms=s.claim_idle_ms, start=start, count=s.batch_size,
                max_bytes=s.read_max_bytes, max_entry_bytes=self.max_entry_bytes)
            if got.deleted:
                self.log.warning("reclaimed_deleted", entry_ids=list(got.deleted)[:20],
                                 entries=len(got.deleted),
                                 reason="deleted from the stream while pending")
            claimed = len(got.batch.entries) + len(got.batch.oversized)
            if claimed:
                claimed_total += claimed
                RECLAIMED.labels(st.name).inc(claimed)
            for over in got.batch.oversized:
                self.log.info("reclaimed", entry_id=over.entry_id, entry_bytes=over.size,
                              delivery_count=got.deliveries.get(over.entry_id, 1))
            await dead_letter_oversized(redis, st, s, got.batch.oversized,
                                        self.max_entry_bytes or 0)
            await self._redeliver(redis, got.batch.entries, got.deliveries)
            if got.cursor == "0-0":
                return claimed_total
            start = got.cursor

    async def _redeliver(self, redis: Redis, entries: Sequence[Entry],
                         counts: Mapping[str, int]) -> None:
        for entry in entries:
            count = counts.get(entry[0], 1)
            if count > self.settings.max_deliveries:
                await self._give_up(redis, entry, count)
            else:
                self.log.info("reclaimed", entry_id=entry[0], delivery_count=count)
                await handle_or_remember(redis, self.stage, [entry])

    async def _give_up(self, redis: Redis, entry: Entry, count: int) -> None:
        st = self.stage
        entry_id, fields = entry
        last = await redis.hget(last_error_key(st), entry_id)
        reason = f"failed {count - 1} deliveries" + (f"; last error: {_text(last)}" if last else "")
        letter = dead_letter(
            stage=st.name,
            error=WireError("max_deliveries", reason), source_stream=st.stream,
            entry_id=entry_id, fields=fields, delivery_count=count - 1,
            **self.settings.dead_letter_limits(),
        )
        committed = await commit_batch(
            redis, [(entry_id, [Write(st.dead_letter_stream, encode_model(letter))])],
            stream=st.stream, group=st.group, consumer=self.consumer,
            claim_idle_ms=self.settings.claim_idle_ms,
            wait_replicas=self.settings.wait_replicas,
            wait_timeout_ms=self.settings.wait_timeout_ms)
        line: dict[str, Any] = {"stage": st.name, "entry_id": entry_id}
        if entry_id in committed.lost:
            line.update(outcome="lost_ownership", dropped="dead_letter",
                        holder=committed.lost[entry_id] or None)
        else:
            with contextlib.suppress(RedisError, OSError):  # a note only: it expires anyway
                await redis.hdel(last_error_key(st), entry_id)
            line.update(outcome="dead_letter", error_type="max_deliveries",
                        reason=reason[:300], delivery_count=count - 1)
        self.log.info("message", **line)
        record(line)

    # -- trim --------------------------------------------------------------------------

    async def trim(self, redis: Redis) -> int:
        """XTRIM MINID to the slowest group's position; the number of entries removed."""
        floor = await safe_trim_floor(redis, self.stage.stream)
        if floor is None:
            return 0
        removed = int(await redis.xtrim(self.stage.stream, minid=floor, approximate=False))
        if removed:
            TRIMMED.labels(self.stage.stream, "trim").inc(removed)
            self.log.debug("trimmed", stream=self.stage.stream, removed=removed, minid=floor)
        return removed

    async def forget_committed(self, redis: Redis) -> int:
        """Forget the group's committed entries that are no longer in the stream
        (``streams.forget``): what the commit keeps so that a group made again from id 0
        does not commit an entry twice holds only what is still in the stream."""
        return await forget(redis, stream=self.stage.stream, group=self.stage.group)

    # -- retention ---------------------------------------------------------------------

    def retained_streams(self) -> list[tuple[str, float, int]]:
        """(stream, retention in seconds, maximum length) of the streams this stage writes
        for people to read: its dead letters, and the cleaner's rejections (0: no limit)."""
        s = self.settings
        retained = [(self.stage.dead_letter_stream, s.dead_letter_retention,
                     s.dead_letter_maxlen)]
        if self.stage.name == "cleaner":
            retained.append((s.rejected_stream, s.rejected_retention, s.rejected_maxlen))
        return retained

    async def retain(self, redis: Redis) -> int:
        """Remove what is older than its stream's retention (XTRIM MINID, exactly) and
        what is over its maximum length (XTRIM MAXLEN ~: whole nodes, so a stream keeps
        about that many); the number of entries removed."""
        now_ms = int(time.time() * 1000)
        removed = 0
        for stream, retention_s, maxlen in self.retained_streams():
            here = 0
            if retention_s > 0:
                minid = f"{max(0, now_ms - int(retention_s * 1000))}-0"
                here += int(await redis.xtrim(stream, minid=minid, approximate=False))
            if maxlen > 0:
                here += int(await redis.xtrim(stream, maxlen=maxlen, approximate=True))
            if here:
                TRIMMED.labels(stream, "retention").inc(here)
            removed += here
        if removed:
            self.log.info("retention_trimmed", removed=removed)
        return removed

    # -- liveness ----------------------------------------------------------------------

    def heartbeat_budget_ms(self) -> int:
        """How long a heartbeat holds: a few upkeep rounds (a round may wait on Redis)."""
        return int((3 * self.settings.upkeep_interval_s + 5) * 1000)

    async def beat(self, redis: Redis) -> None:
        """Say this replica is alive until its budget from now (the member's score is when
        the heartbeat expires). A replica past its expiry is stalled (``vestnik status``
        shows it, with what it holds); one past it by ``stalled_worker_grace_s`` is
        forgotten."""
        key = workers_key(self.stage.stream, self.stage.group)
        now_ms = int(time.time() * 1000)
        grace_ms = int(self.settings.stalled_worker_grace_s * 1000)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {self.consumer: now_ms + self.heartbeat_budget_ms()})
            pipe.zremrangebyscore(key, "-inf", f"({now_ms - grace_ms}")
            await pipe.execute()

    # -- consumer hygiene --------------------------------------------------------------

    async def remove_idle_consumers(self, redis: Redis) -> list[str]:
        st, removed = self.stage, []
        for c in await redis.xinfo_consumers(st.stream, st.group):
            name = _text(c["name"])
            if (name != self.consumer and int(c["pending"]) == 0
                    and int(c["idle"]) > self.settings.consumer_max_idle_ms):
                await redis.xgroup_delconsumer(st.stream, st.group, name)
                removed.append(name)
        if removed:
            self.log.info("consumers_removed", consumers=removed)
        return removed

    async def _leave(self, redis: Redis) -> None:
        """Stop counting as a live replica; leave the group if this replica holds nothing."""
        st = self.stage
        await redis.zrem(workers_key(st.stream, st.group), self.consumer)
        for c in await redis.xinfo_consumers(st.stream, st.group):
            if _text(c["name"]) == self.consumer and int(c["pending"]) == 0:
                await redis.xgroup_delconsumer(st.stream, st.group, self.consumer)


async def safe_trim_floor(redis: Redis, stream: str) -> str | None:
    """The lowest id every group still needs, or None when nothing may be trimmed."""
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError:  # no such stream
        return None
    if not groups:
        return None  # nobody has read it: keep everything
    floor: tuple[int, int] | None = None
    for g in groups:
        summary = await redis.xpending(stream, _text(g["name"]))
        if int(summary["pending"]):
            low = _parse_id(_text(summary["min"]))
        else:
            ms, seq = _parse_id(_text(g["last-delivered-id"]))
            low = (ms, seq + 1)
        floor = low if floor is None or low < floor else floor
    assert floor is not None
    return f"{floor[0]}-{floor[1]}"
