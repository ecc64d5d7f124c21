"""Redis stream plumbing shared by the workers: groups, reads bounded by bytes (an entry
over the limit is measured in Redis and never brought to the worker), and the commit that
writes a stage's outputs and acknowledges its inputs, for the entries it still owns only."""

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

from vestnik.logs import get_logger

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

    def __bool__(self) -> bool:
        return bool(self.entries or self.oversized)


PEEK_FIELDS = 16  # an entry over the limit is described by this many of its fields,
PEEK_NAME_BYTES = 256  # ... the first bytes of each name,
PEEK_VALUE_BYTES = 512  # ... and the values at most this long (a URL, a date, a type)

# KEYS[1]: the stream; ARGV: group, consumer, most entries, byte budget, per-entry limit (0:
# none), then the PEEK_* numbers. New entries are delivered one at a time (XREADGROUP COUNT 1,
# never BLOCK: a script cannot block) and measured here, in Redis: an entry over the limit is
# returned as {id, size, field count, {name's first bytes, name size, value size, value if
# small, ...}}, any other whole as {id, {name, value, ...}}. The read stops after the entry
# that spends the budget (every entry delivered counts at its whole size), so the entries it
# returns whole are under budget + limit bytes, and Redis copies at most that plus one entry
# per call. Every entry it delivered is in its reply, pending on this consumer.
_READ = _Script("""
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local most, budget, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local peek_fields, peek_name, peek_value = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local out, spent = {}, 0
while #out < most and spent < budget do
  local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1,
                           'STREAMS', stream, '>')
  if not reply then break end
  local id, fields = reply[1][2][1][1], reply[1][2][1][2]
  local size = 0
  for i = 1, #fields do size = size + #fields[i] end
  spent = spent + size
  if limit > 0 and size > limit then
    local peek = {}
    for i = 1, math.min(#fields, 2 * peek_fields), 2 do
      local name, value = fields[i], fields[i + 1]
      peek[#peek + 1] = string.sub(name, 1, peek_name)
      peek[#peek + 1] = #name
      peek[#peek + 1] = #value
      if #value <= peek_value then peek[#peek + 1] = value else peek[#peek + 1] = false end
    end
    out[#out + 1] = {id, size, math.floor(#fields / 2), peek}
  else
    out[#out + 1] = {id, fields}
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
    entries: list[tuple[str, Mapping[bytes, bytes]]] = []
    oversized: list[Oversized] = []
    for item in reply:
        entry_id = _text(item[0])
        if len(item) == 2:
            flat = item[1]
            entries.append((entry_id, dict(zip(flat[::2], flat[1::2], strict=True))))
        else:
            oversized.append(_oversized(entry_id, *item[1:]))
    return Batch(entries, oversized)


# -- the commit --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Write:
    """One entry to add to ``stream``."""

    stream: str
    fields: Mapping[str, bytes]


# An input entry's id and every write it turns into (none: only acknowledged).
EntryOutputs = tuple[str, Sequence[Write]]


@dataclass(frozen=True, slots=True)
class Committed:
    """What a commit did: the entries whose outputs were written and that were
    acknowledged, and those no longer pending on this consumer, whose outputs were dropped:
    entry id -> the consumer holding it now ("" when it is not pending at all: acknowledged
    by whoever holds it, or its group is gone)."""

    acked: tuple[str, ...]
    lost: Mapping[str, str] = field(default_factory=dict)


# KEYS[1]: the input stream; KEYS[2..]: the output streams. Every key one commit touches is
# in KEYS (so a cluster can hash-tag them onto one slot).
# ARGV: group, consumer, then per input entry: id, number of writes, and per write: the
# index in KEYS of its stream, number of field/value pairs, the pairs.
# Ownership is checked for every entry before anything is written (reads only), so a commit
# Redis refuses (OOM: the first write) leaves nothing behind; outputs are then added and
# the inputs acknowledged for the owned entries only.
# Returns the entries not owned: id, holder ("" when not pending at all), id, holder, ...
_COMMIT = _Script("""
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local owned, lost = {}, {}
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
    owned[#owned + 1] = {id, writes, first}
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
end
for i = 1, #owned, 500 do
  local ids = {}
  for j = i, math.min(i + 499, #owned) do ids[#ids + 1] = owned[j][1] end
  redis.call('XACK', stream, group, unpack(ids))
end
return lost
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
    keys = [stream]
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
) -> Committed:
    """For each input entry of ``stream`` still pending on ``consumer``: add its writes and
    acknowledge it, all in one script, so all or nothing. Entries taken away meanwhile (this
    replica was paused or cut off longer than ``claim_idle_ms`` and another one reclaimed
    them, perhaps finished them) are left alone and their writes dropped: a stale result
    never lands after a fresher one, and XACK, which does not ask who owns an entry, is
    never sent for someone else's.

    A commit Redis refuses for reasons of its own (``is_transient``: away, ``OOM``,
    ``READONLY``…) is retried with backoff until it goes through (or the worker is
    stopped); between attempts the entries still owned are renewed, so no replica takes
    them for failed deliveries while Redis, not the entry, is the trouble. A retry after a
    lost reply is safe: what the first attempt committed is no longer pending, so it is
    not written twice.
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
    lost = {_text(reply[i]): _text(reply[i + 1]) for i in range(0, len(reply), 2)}
    return Committed(tuple(i for i in ids if i not in lost), lost)
