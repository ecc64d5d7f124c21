"""Redis stream plumbing shared by the workers: groups, reads and reclaims bounded by bytes
(an entry over the limit is measured in Redis and never brought to the worker), and the
commit that writes a stage's outputs and acknowledges its inputs, for the entries it still
owns only and once per entry for its group."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import (
    ClusterDownError,
    NoScriptError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from vestnik.connect import is_cluster
from vestnik.logs import get_logger
from vestnik.metrics import REPLICATION_LAGGING

# -- Redis errors that are Redis's, not the entry's --------------------------------------

# Redis away (connection lost, restarting, loading its data), out of memory (``OOM``: a
# write refused under ``maxmemory`` with ``noeviction``), a replica after a failover
# (``READONLY``), a cluster or a failover in progress: the same command succeeds later.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError, RedisTimeoutError, OutOfMemoryError, ReadOnlyError, TryAgainError,
    ClusterDownError, OSError,
)
# The same errors by their code. Redis 6.2 wraps an error met inside a script in a plain
# ``ERR Error running script …: -OOM command not allowed …``, which redis-py cannot map.
_TRANSIENT_CODES = ("OOM", "READONLY", "LOADING", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
                    "BUSY")


def is_transient(exc: BaseException) -> bool:
    """True when Redis refused or missed a command for a reason of its own that passes (see
    ``TRANSIENT_ERRORS``): the command is retried, and the entry is not to blame."""
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    if isinstance(exc, ResponseError):
        text = str(exc)
        return any(text.startswith(f"{code} ") or f"-{code} " in text
                   for code in _TRANSIENT_CODES)
    return False


# -- groups ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def group_exists(redis: Redis, stream: str, group: str) -> bool:
    """Whether ``group`` reads ``stream`` (read-only: it works while Redis refuses writes)."""
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError as exc:
        if "no such key" in str(exc).lower():
            return False
        raise
    return any(_text(g["name"]) == group for g in groups)


async def ensure_group(redis: Redis, stream: str, group: str) -> bool:
    """Create ``group`` on ``stream`` from the very start (id 0, ``MKSTREAM``), so nothing
    published before the first worker started is skipped. True when it was created now.

    The group is looked for first: ``XGROUP CREATE`` is refused under ``OOM`` even when the
    group exists, and an existing group must not stop a worker from starting.
    """
    if await group_exists(redis, stream, group):
        return False
    try:
        await redis.xgroup_create(name=stream, groupname=group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
        return False
    return True


# -- scripts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Script:
    source: str

    @property
    def sha(self) -> str:
        return hashlib.sha1(self.source.encode()).hexdigest()


async def _run(redis: Redis, script: _Script, keys: Sequence[str], args: Sequence[Any]) -> Any:
    """EVALSHA, loading the script once when this Redis does not know it (first use, or
    after Redis restarted)."""
    try:
        return await redis.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        await redis.script_load(script.source)
        return await redis.evalsha(script.sha, len(keys), *keys, *args)


async def _run_and_wait(redis: Redis, script: _Script, keys: Sequence[str], args: Sequence[Any],
                        replicas: int, timeout_ms: int) -> tuple[Any, int | None]:
    """``_run``, then ``WAIT replicas timeout_ms`` on the same connection (WAIT counts the
    replicas that have the writes of the connection it is sent on), in one pipeline; on a
    Cluster, to the node of ``keys[0]``'s slot. Returns the script's reply and the number
    of replicas that acknowledged (None when WAIT itself failed: the script's work stands)."""
    for attempt in range(2):
        if is_cluster(redis):
            pipe: Any = redis.pipeline()
            node = redis.get_node_from_key(keys[0])  # type: ignore[attr-defined]
            # (redis-py refuses ``pipe.evalsha`` on a cluster; the command itself is fine)
            pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
            pipe.execute_command("WAIT", replicas, timeout_ms, target_nodes=node)
        else:
            pipe = redis.pipeline(transaction=False)
            pipe.evalsha(script.sha, len(keys), *keys, *args)
            pipe.execute_command("WAIT", replicas, timeout_ms)
        reply, acked = await pipe.execute(raise_on_error=False)
        if isinstance(reply, NoScriptError) and attempt == 0:
            await redis.script_load(script.source)
            continue
        if isinstance(reply, BaseException):
            raise reply
        return reply, None if isinstance(acked, BaseException) else int(acked)
    raise AssertionError("unreachable")


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnreadField:
    """A field of an entry over the limit, as the read saw it without bringing it: its
    name's first bytes, its name's and value's sizes, and its value when it is small."""

    name: bytes  # at most ``PEEK_NAME_BYTES``
    name_bytes: int
    value_bytes: int
    value: bytes | None  # the value when at most ``PEEK_VALUE_BYTES``, else None


@dataclass(frozen=True, slots=True)
class Oversized:
    """An entry over the read's per-entry limit: delivered to this consumer (it is pending
    on it) but never brought to the worker; what is known of it."""

    entry_id: str
    size: int  # its fields' names and values, in bytes
    field_count: int
    fields: tuple[UnreadField, ...]  # the first ``PEEK_FIELDS`` of them


@dataclass(frozen=True, slots=True)
class Batch:
    """One bounded read: the entries brought whole, and those over the limit."""

    entries: list[tuple[str, Mapping[bytes, bytes]]]
    oversized: list[Oversized]
    # a read that brought nothing: the group's last-delivered id (where to wait from)
    last_delivered: str | None = None

    def __bool__(self) -> bool:
        return bool(self.entries or self.oversized)


PEEK_FIELDS = 16  # an entry over the limit is described by this many of its fields,
PEEK_NAME_BYTES = 256  # ... the first bytes of each name,
PEEK_VALUE_BYTES = 512  # ... and the values at most this long (a URL, a date, a type)

# How a script measures an entry it has just delivered or claimed, in Redis: its field names
# and values added up; an entry over ``limit`` (0: none) is described as {id, size, field
# count, {name's first bytes, name size, value size, value if small, ...}}, any other kept
# whole as {id, {name, value, ...}}. Returns the description and the size. Shared by the
# read and the reclaim scripts, so both bring entries in the same shape.
_MEASURE = """
local function measure(id, fields, limit, peek_fields, peek_name, peek_value)
  local size = 0
  for i = 1, #fields do size = size + #fields[i] end
  if limit > 0 and size > limit then
    local peek = {}
    for i = 1, math.min(#fields, 2 * peek_fields), 2 do
      local name, value = fields[i], fields[i + 1]
      peek[#peek + 1] = string.sub(name, 1, peek_name)
      peek[#peek + 1] = #name
      peek[#peek + 1] = #value
      if #value <= peek_value then peek[#peek + 1] = value else peek[#peek + 1] = false end
    end
    return {id, size, math.floor(#fields / 2), peek}, size
  end
  return {id, fields}, size
end
"""

# KEYS[1]: the stream; ARGV: group, consumer, most entries, byte budget, per-entry limit (0:
# none), then the PEEK_* numbers. New entries are delivered one at a time (XREADGROUP COUNT 1,
# never BLOCK: a script cannot block) and measured here, in Redis (``_MEASURE``). The read
# stops after the entry that spends the budget (every entry delivered counts at its whole
# size), so the entries it returns whole are under budget + limit bytes, and Redis copies
# at most that plus one entry per call. Every entry it delivered is in its reply, pending on
# this consumer.
_READ = _Script(_MEASURE + """
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local most, budget, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local peek_fields, peek_name, peek_value = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local out, spent = {}, 0
while #out < most and spent < budget do
  local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1,
                           'STREAMS', stream, '>')
  if not reply then break end
  local item, size = measure(reply[1][2][1][1], reply[1][2][1][2], limit, peek_fields,
                             peek_name, peek_value)
  spent = spent + size
  out[#out + 1] = item
end
if #out == 0 then  -- nothing new: the group's last-delivered id, for the wait that follows
  for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local found = {}
    for i = 1, #info, 2 do found[info[i]] = info[i + 1] end
    if found['name'] == group then return {found['last-delivered-id']} end
  end
end
return out
""")


def _oversized(entry_id: str, size: int, count: int, peek: Sequence[Any]) -> Oversized:
    fields = tuple(UnreadField(peek[i], int(peek[i + 1]), int(peek[i + 2]), peek[i + 3])
                   for i in range(0, len(peek), 4))
    return Oversized(entry_id, int(size), int(count), fields)


async def read_batch(redis: Redis, *, stream: str, group: str, consumer: str, count: int,
                     max_bytes: int, max_entry_bytes: int | None) -> Batch:
    """Deliver new entries of ``stream`` to ``consumer`` (as ``XREADGROUP … >`` does), at
    most ``count`` of them and about ``max_bytes``: the read stops after the entry that
    reaches ``max_bytes``, so the entries it brings total under ``max_bytes`` plus one
    entry. An entry over ``max_entry_bytes`` (field names and values; None: no limit) is
    measured in Redis and never brought: it comes as ``Oversized``, pending on
    ``consumer`` like the others. Returns at once (an empty ``Batch`` when nothing is new);
    ``NOGROUP`` when the group is gone."""
    reply = await _run(redis, _READ, [stream], [
        group, consumer, count, max_bytes, max_entry_bytes or 0,
        PEEK_FIELDS, PEEK_NAME_BYTES, PEEK_VALUE_BYTES])
    return _batch(reply)


def _batch(items: Sequence[Any]) -> Batch:
    """A script's entries as ``_MEASURE`` described them."""
    entries: list[tuple[str, Mapping[bytes, bytes]]] = []
    oversized: list[Oversized] = []
    if len(items) == 1 and isinstance(items[0], (bytes, str)):  # nothing new
        return Batch([], [], _text(items[0]))
    for item in items:
        entry_id = _text(item[0])
        if len(item) == 2:
            flat = item[1]
            entries.append((entry_id, dict(zip(flat[::2], flat[1::2], strict=True))))
        else:
            oversized.append(_oversized(entry_id, *item[1:]))
    return Batch(entries, oversized)


# -- reclaiming ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reclaimed:
    """One bounded reclaim: the entries claimed (whole, or over the limit: ``Oversized``),
    each one's delivery count (this claim included), the entries found deleted from the
    stream while pending (taken off the group's pending list: nothing is left to handle),
    and where the next call starts ("0-0": nothing idle enough is left)."""

    batch: Batch
    deliveries: Mapping[str, int]
    deleted: tuple[str, ...]
    cursor: str


# KEYS[1]: the stream; ARGV: group, consumer, min idle time (ms), start id, most entries,
# byte budget, per-entry limit (0: none), then the PEEK_* numbers. The entries pending
# longer than the min idle time on any consumer are claimed one at a time (XAUTOCLAIM …
# COUNT 1, which counts a delivery, unlike JUSTID) and measured here, like a read
# (``_MEASURE``), with the same stops: ``most`` entries, or the entry that spends the budget.
# XPENDING … IDLE first names the next entry idle enough and its delivery count, and the
# claim starts at it, so it claims that very entry: its count is one more, and an entry
# deleted from the stream while pending is known by its id on both lines (Redis 6.2 claims
# it and returns nil in its place, so it is acknowledged here; 7.x drops it from the pending
# list itself and lists it as a third element of its reply).
# Returns {next start ("0-0": done), {entries}, {delivery counts}, {deleted ids}}.
_RECLAIM = _Script(_MEASURE + """
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local min_idle, cursor = ARGV[3], ARGV[4]
local most, budget, limit = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local peek_fields, peek_name, peek_value = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local out, counts, deleted, spent = {}, {}, {}, 0
while #out < most and spent < budget and #deleted < most do
  local next_idle = redis.call('XPENDING', stream, group, 'IDLE', min_idle, cursor, '+', 1)
  if #next_idle == 0 then cursor = '0-0' break end
  local id, delivered = next_idle[1][1], next_idle[1][4]
  local reply = redis.call('XAUTOCLAIM', stream, group, consumer, min_idle, id, 'COUNT', 1)
  cursor = reply[1]
  if reply[3] then
    for _, gone in ipairs(reply[3]) do deleted[#deleted + 1] = gone end
  end
  for _, entry in ipairs(reply[2]) do
    if type(entry) == 'table' and entry[2] then
      local item, size = measure(entry[1], entry[2], limit, peek_fields, peek_name, peek_value)
      spent = spent + size
      out[#out + 1] = item
      counts[#counts + 1] = delivered + 1
    else
      redis.call('XACK', stream, group, id)
      deleted[#deleted + 1] = id
    end
  end
  if cursor == '0-0' then break end
end
return {cursor, out, counts, deleted}
""")


async def reclaim_batch(redis: Redis, *, stream: str, group: str, consumer: str,
                        min_idle_ms: int, start: str, count: int, max_bytes: int,
                        max_entry_bytes: int | None) -> Reclaimed:
    """Claim for ``consumer`` the entries of ``stream`` idle at least ``min_idle_ms`` on any
    consumer of ``group``, from ``start`` on, bounded as ``read_batch`` is: at most
    ``count`` entries, stopping after the entry that reaches ``max_bytes``, an entry over
    ``max_entry_bytes`` measured in Redis and never brought (``Oversized``, now pending on
    ``consumer``). Call again from ``cursor`` until it is "0-0"."""
    reply = await _run(redis, _RECLAIM, [stream], [
        group, consumer, min_idle_ms, start, count, max_bytes, max_entry_bytes or 0,
        PEEK_FIELDS, PEEK_NAME_BYTES, PEEK_VALUE_BYTES])
    cursor, items, counts, deleted = reply
    batch = _batch(items)
    ids = [_text(item[0]) for item in items]
    return Reclaimed(batch, dict(zip(ids, map(int, counts), strict=True)),
                     tuple(_text(i) for i in deleted), _text(cursor))


# -- the commit --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Write:
    """One entry to add to ``stream``."""

    stream: str
    fields: Mapping[str, bytes]


# An input entry's id and every write it turns into (none: only acknowledged).
EntryOutputs = tuple[str, Sequence[Write]]


def done_key(stream: str, group: str) -> str:
    """A sorted set of the entries of ``stream`` that ``group`` has committed (member: the
    entry id, score: its millisecond part), kept while they are in the stream (``forget``).
    Named after the stream, so it shares the stream's hash tag (one slot on a Cluster)."""
    return f"{stream}:done:{group}"


@dataclass(frozen=True, slots=True)
class Committed:
    """What a commit did: the entries whose outputs were written and that were
    acknowledged; those no longer pending on this consumer, whose outputs were dropped:
    entry id -> the consumer holding it now ("" when it is not pending at all: acknowledged
    by whoever holds it, or its group is gone); and those the group had committed already
    (delivered again by a group made again from id 0), acknowledged with their outputs
    dropped."""

    acked: tuple[str, ...]
    lost: Mapping[str, str] = field(default_factory=dict)
    already_done: tuple[str, ...] = ()


# KEYS[1]: the input stream; KEYS[2]: its group's committed entries (``done_key``);
# KEYS[3..]: the output streams. Every key one commit touches is in KEYS (so a cluster can
# hash-tag them onto one slot).
# ARGV: group, consumer, then per input entry: id, number of writes, and per write: the
# index in KEYS of its stream, number of field/value pairs, the pairs.
# Ownership is checked for every entry before anything is written (reads only), so a commit
# Redis refuses (OOM: the first write) leaves nothing behind. An owned entry the group has
# committed before (in KEYS[2]: the group was made again from id 0 and delivered it again)
# is acknowledged only. The others get their outputs added, then are noted in KEYS[2] (each
# once all its outputs are written, so an entry noted has every output), and the inputs are
# acknowledged, after all the outputs.
# Returns {the entries not owned: id, holder ("" when not pending at all), id, holder, ...;
# the entries already committed}.
_COMMIT = _Script("""
local stream, done, group, consumer = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local owned, lost, again, acks = {}, {}, {}, {}
local at = 3
while at <= #ARGV do
  local id, writes = ARGV[at], tonumber(ARGV[at + 1])
  local first = at + 2
  at = first
  for _ = 1, writes do
    at = at + 2 + 2 * tonumber(ARGV[at + 1])
  end
  local mine = redis.pcall('XPENDING', stream, group, id, id, 1, consumer)
  if mine.err == nil and #mine == 1 then
    if redis.call('ZSCORE', done, id) then
      again[#again + 1] = id
    else
      owned[#owned + 1] = {id, writes, first}
    end
    acks[#acks + 1] = id
  else
    local holder = ''
    local any = redis.pcall('XPENDING', stream, group, id, id, 1)
    if any.err == nil and #any == 1 then holder = any[1][2] end
    lost[#lost + 1] = id
    lost[#lost + 1] = holder
  end
end
for _, entry in ipairs(owned) do
  local w = entry[3]
  for _ = 1, entry[2] do
    local pairs_ = tonumber(ARGV[w + 1])
    local args = {KEYS[tonumber(ARGV[w])], '*'}
    for j = w + 2, w + 1 + 2 * pairs_ do args[#args + 1] = ARGV[j] end
    redis.call('XADD', unpack(args))
    w = w + 2 + 2 * pairs_
  end
  redis.call('ZADD', done, string.match(entry[1], '^%d+'), entry[1])
end
for i = 1, #acks, 500 do
  redis.call('XACK', stream, group, unpack(acks, i, math.min(i + 499, #acks)))
end
return {lost, again}
""")

# KEYS[1]: the stream; KEYS[2]: its group's committed entries (``done_key``). Forgets the
# committed entries no longer in the stream: those below its first entry (by millisecond),
# or all of them when the stream is empty or gone (ids only grow, so none of them can be
# delivered again). Returns how many it forgot.
_FORGET = _Script("""
local stream, done = KEYS[1], KEYS[2]
local first = {}
if redis.call('EXISTS', stream) == 1 then
  first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
end
if #first == 0 then
  local n = redis.call('ZCARD', done)
  redis.call('DEL', done)
  return n
end
return redis.call('ZREMRANGEBYSCORE', done, '-inf', '(' .. string.match(first[1][1], '^%d+'))
""")

# KEYS[1]: the input stream; ARGV: group, consumer, entry ids. Resets the idle time of the
# entries still pending on this consumer (XCLAIM … JUSTID keeps their delivery count), so
# no replica reclaims what this one is still committing. Returns how many it renewed.
_RENEW = _Script("""
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local renewed = 0
for i = 3, #ARGV do
  local mine = redis.pcall('XPENDING', stream, group, ARGV[i], ARGV[i], 1, consumer)
  if mine.err == nil and #mine == 1 then
    redis.call('XCLAIM', stream, group, consumer, 0, ARGV[i], 'JUSTID')
    renewed = renewed + 1
  end
end
return renewed
""")


def _commit_arguments(
    stream: str, group: str, consumer: str, outputs: Sequence[EntryOutputs]
) -> tuple[list[str], list[Any]]:
    keys = [stream, done_key(stream, group)]
    index: dict[str, int] = {}
    args: list[Any] = [group, consumer]
    for entry_id, writes in outputs:
        args += [entry_id, len(writes)]
        for w in writes:
            if w.stream not in index:
                keys.append(w.stream)
                index[w.stream] = len(keys)  # 1-based, as Lua counts
            args += [index[w.stream], len(w.fields)]
            for name, value in w.fields.items():
                args += [name, value]
    return keys, args


async def renew(redis: Redis, *, stream: str, group: str, consumer: str,
                entry_ids: Sequence[str]) -> int:
    """Reset the idle time of ``entry_ids`` still pending on ``consumer``, keeping their
    delivery counts; the number renewed."""
    if not entry_ids:
        return 0
    return int(await _run(redis, _RENEW, [stream], [group, consumer, *entry_ids]))


_FIRST_RETRY_S = 0.05
_MAX_RETRY_S = 5.0


async def commit_batch(
    redis: Redis,
    outputs: Sequence[EntryOutputs],
    *,
    stream: str,
    group: str,
    consumer: str,
    claim_idle_ms: int,
    wait_replicas: int = 0,
    wait_timeout_ms: int = 1000,
) -> Committed:
    """For each input entry of ``stream`` still pending on ``consumer``: add its writes and
    acknowledge it, in one script (Redis runs nothing else in between; memory is checked
    once, at the script's first write, so an ``OOM`` refuses the whole commit). The script
    writes every entry's outputs, noting each entry once all of its outputs are written, and
    acknowledges the inputs last: a script that fails halfway (a ``WRONGTYPE`` output key)
    leaves every input pending, and the entries noted before the failure are not written
    again when they are delivered again (see below). Entries taken away meanwhile (this
    replica was paused or cut off longer than ``claim_idle_ms`` and another one reclaimed
    them, perhaps finished them) are left alone and their writes dropped: a stale result
    never lands after a fresher one, and XACK, which does not ask who owns an entry, is
    never sent for someone else's.

    Each entry committed is noted in the group's set of committed entries (``done_key``),
    and an entry found there is acknowledged with its writes dropped
    (``Committed.already_done``): a group deleted and made again from id 0 delivers again
    the entries it had committed that are still in the stream, and they must not have two
    outcomes. The upkeep loop keeps the set to the entries still in the stream (``forget``).

    A commit Redis refuses for reasons of its own (``is_transient``: away, ``OOM``,
    ``READONLY``…) is retried with backoff until it goes through (or the worker is
    stopped); between attempts the entries still owned are renewed, so no replica takes
    them for failed deliveries while Redis, not the entry, is the trouble. A retry after a
    lost reply is safe: what the first attempt committed is no longer pending, so it is
    not written twice.

    With ``wait_replicas`` (``VESTNIK_WAIT_REPLICAS``), the commit is followed by ``WAIT``
    on its connection (on a Cluster, the node of the stream's slot): when fewer replicas
    than that have it within ``wait_timeout_ms``, it is logged (``replication_lagging``)
    and counted; the commit stands either way (a master that dies before replicating it
    has its entries delivered again: at least once).
    """
    if not outputs:
        return Committed(())
    keys, args = _commit_arguments(stream, group, consumer, outputs)
    ids = [entry_id for entry_id, _ in outputs]
    delay = _FIRST_RETRY_S
    cap = max(0.01, min(_MAX_RETRY_S, claim_idle_ms / 3000))
    attempt = 0
    while True:
        try:
            if wait_replicas:
                reply, acked = await _run_and_wait(redis, _COMMIT, keys, args, wait_replicas,
                                                   wait_timeout_ms)
                if acked is None or acked < wait_replicas:
                    REPLICATION_LAGGING.labels(stream).inc()
                    get_logger(stream=stream, group=group, consumer=consumer).warning(
                        "replication_lagging", entries=len(ids), replicas=acked,
                        wanted=wait_replicas, timeout_ms=wait_timeout_ms)
            else:
                reply = await _run(redis, _COMMIT, keys, args)
            break
        except RedisError as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            get_logger(stream=stream, group=group, consumer=consumer).warning(
                "commit_retry", entries=len(ids), attempt=attempt, retry_in_s=round(delay, 3),
                error_type=type(exc).__name__, error=str(exc)[:300])
            try:
                await renew(redis, stream=stream, group=group, consumer=consumer, entry_ids=ids)
            except RedisError as renew_exc:
                if not is_transient(renew_exc):
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, cap)
    flat, again = reply
    lost = {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat), 2)}
    already = {_text(i) for i in again}
    return Committed(tuple(i for i in ids if i not in lost and i not in already), lost,
                     tuple(i for i in ids if i in already))


async def forget(redis: Redis, *, stream: str, group: str) -> int:
    """Forget the entries ``group`` committed that are no longer in ``stream`` (trimmed,
    or the stream emptied or gone): its set of committed entries (``done_key``) holds only
    what could be delivered again. The number forgotten."""
    return int(await _run(redis, _FORGET, [stream, done_key(stream, group)], []))
