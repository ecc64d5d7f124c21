"""How far each stage has got: per stream its length and last entry, per group (vestnik's and
any other) what is pending, how far behind it is and who reads it.

A group is *drained* when nothing is pending and its last-delivered id is at or past the
stream's last entry id. Ids are compared, not Redis's ``lag``: Redis 6.2 does not report a
lag at all, and 7.x reports none (nil) whenever it cannot tell, e.g. after deletions.

A vestnik replica is *live* while its heartbeat holds, and *stalled* once it has expired
(paused, hung, cut off from Redis, or killed) until it is forgotten, a grace later: a
stalled replica is shown with the entries it still holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from vestnik.settings import Settings
from vestnik.stage import workers_key

StreamId = tuple[int, int]
ZERO_ID: StreamId = (0, 0)


def parse_id(value: bytes | str | None) -> StreamId | None:
    """``b"1732-5"`` -> ``(1732, 5)``; None stays None."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def format_id(value: StreamId | None) -> str | None:
    return None if value is None else f"{value[0]}-{value[1]}"


@dataclass(frozen=True, slots=True)
class ConsumerStatus:
    name: str
    pending: int
    idle_ms: int


@dataclass(frozen=True, slots=True)
class StalledWorker:
    """A replica whose heartbeat expired ``overdue_ms`` ago, holding ``pending`` entries."""

    name: str
    overdue_ms: int
    pending: int


@dataclass(frozen=True, slots=True)
class GroupStatus:
    group: str
    pending: int
    last_delivered_id: StreamId
    caught_up: bool  # has read the stream's last entry (or the stream is empty)
    lag: int | None  # entries not yet read; None only when Redis cannot tell
    consumers: tuple[ConsumerStatus, ...]  # registered in the group (idle ones may be missing)
    workers: int  # live vestnik replicas (heartbeats): 0 for a group vestnik does not run
    stalled: tuple[StalledWorker, ...] = ()  # replicas whose heartbeat expired, not forgotten

    @property
    def drained(self) -> bool:
        return self.pending == 0 and self.caught_up


@dataclass(frozen=True, slots=True)
class StreamStatus:
    role: str  # events, articles, rejected, dead letters: cleaner, ...
    stream: str
    length: int
    last_entry_id: StreamId | None  # None: empty or missing stream
    groups: tuple[GroupStatus, ...]

    def group(self, name: str) -> GroupStatus | None:
        return next((g for g in self.groups if g.group == name), None)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def group_state(info: Mapping[str, Any], *, length: int, first_id: StreamId | None,
                caught_up: bool, consumers: Sequence[ConsumerStatus] = (),
                workers: int = 0, stalled: Sequence[StalledWorker] = ()) -> GroupStatus:
    """One group from its ``XINFO GROUPS`` row and what is known of its stream.

    The lag is Redis's when it gives one, 0 when the group has read everything, the whole
    length when it has read nothing still in the stream, and unknown otherwise.
    """
    delivered = parse_id(info.get("last-delivered-id")) or ZERO_ID
    redis_lag = info.get("lag")
    if caught_up:
        lag: int | None = 0
    elif redis_lag is not None:
        lag = int(redis_lag)
    elif first_id is not None and delivered < first_id:
        lag = length
    else:
        lag = None
    return GroupStatus(
        group=_text(info["name"]), pending=int(info["pending"]), last_delivered_id=delivered,
        caught_up=caught_up, lag=lag, consumers=tuple(consumers), workers=workers,
        stalled=tuple(stalled),
    )


async def _caught_up(redis: Redis, stream: str, delivered: StreamId,
                     last: StreamId | None) -> bool:
    """The group has read the stream's last entry: its id is at or past it, or (entries
    deleted at the tail) nothing at all follows it."""
    if last is None or delivered >= last:
        return True
    return not await redis.xrange(stream, min=f"({format_id(delivered)}", count=1)


async def _heartbeats(redis: Redis, key: str, consumers: Sequence[ConsumerStatus]
                      ) -> tuple[int, list[StalledWorker]]:
    """Live replicas (heartbeat not expired) and stalled ones (expired, still listed), each
    stalled one with what it holds (a consumer Redis does not list holds nothing)."""
    now_ms = int(time.time() * 1000)
    live = int(await redis.zcount(key, now_ms, "+inf"))
    holding = {c.name: c.pending for c in consumers}
    expired = cast(list[tuple[bytes, float]],
                   await redis.zrangebyscore(key, "-inf", f"({now_ms}", withscores=True))
    stalled = [StalledWorker(_text(name), now_ms - int(expiry), holding.get(_text(name), 0))
               for name, expiry in expired]
    return live, sorted(stalled, key=lambda w: w.overdue_ms, reverse=True)


async def stream_status(redis: Redis, role: str, stream: str) -> StreamStatus:
    """Length, last entry and every group of ``stream`` (a missing stream is empty)."""
    try:
        info = await redis.xinfo_stream(stream)
        groups = await redis.xinfo_groups(stream)
    except ResponseError:  # no such key
        return StreamStatus(role, stream, 0, None, ())
    length = int(info["length"])
    first = parse_id(info["first-entry"][0]) if info.get("first-entry") else None
    last = parse_id(info["last-entry"][0]) if info.get("last-entry") else None
    states = []
    for g in groups:
        name = _text(g["name"])
        delivered = parse_id(g.get("last-delivered-id")) or ZERO_ID
        consumers = [
            ConsumerStatus(_text(c["name"]), int(c["pending"]), int(c["idle"]))
            for c in await redis.xinfo_consumers(stream, name)
        ]
        workers, stalled = await _heartbeats(redis, workers_key(stream, name), consumers)
        states.append(group_state(g, length=length, first_id=first,
                                  caught_up=await _caught_up(redis, stream, delivered, last),
                                  consumers=consumers, workers=workers, stalled=stalled))
    return StreamStatus(role, stream, length, last, tuple(states))


def streams_of(settings: Settings) -> list[tuple[str, str]]:
    """(role, stream) of every stream vestnik writes or reads, of every partition."""
    return [
        (role, stream)
        for s in settings.every_partition()
        for role, stream in (
            ("events", s.events_stream),
            ("articles", s.articles_stream),
            ("rejected", s.rejected_stream),
            ("dead letters: cleaner", s.dead_letter_stream("cleaner")),
            ("dead letters: indexer", s.dead_letter_stream("indexer")),
        )
    ]


async def pipeline_status(redis: Redis, settings: Settings) -> list[StreamStatus]:
    return [await stream_status(redis, role, stream) for role, stream in streams_of(settings)]


def stage_groups(settings: Settings) -> list[tuple[str, str, str]]:
    """(role, stream, group) of vestnik's own stages, in every partition."""
    return [entry for s in settings.every_partition() for entry in (
        ("events", s.events_stream, s.cleaner_group),
        ("articles", s.articles_stream, s.indexer_group))]


def drained(statuses: Sequence[StreamStatus], settings: Settings) -> bool:
    """Both stages' groups have read everything and acknowledged it, in every partition (a
    stage whose group does not exist yet is drained only while its stream is empty)."""
    by_stream = {s.stream: s for s in statuses}
    for _, stream, group in stage_groups(settings):
        status = by_stream.get(stream)
        if status is None:
            return False
        state = status.group(group)
        if state is None:
            if status.length:
                return False
        elif not state.drained:
            return False
    return True


async def stages_status(redis: Redis, settings: Settings) -> list[StreamStatus]:
    """The two stages' input streams only: what ``wait_drained`` polls."""
    return [await stream_status(redis, role, stream)
            for role, stream, _ in stage_groups(settings)]


async def wait_drained(redis: Redis, settings: Settings, timeout_s: float = 60.0) -> None:
    """Wait until both stages' groups have read and acknowledged everything."""
    deadline = time.monotonic() + timeout_s
    while not drained(statuses := await stages_status(redis, settings), settings):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the pipeline did not drain in {timeout_s}s: {statuses}")
        await asyncio.sleep(0.05)


def as_json(statuses: Sequence[StreamStatus], settings: Settings) -> dict[str, Any]:
    """What ``vestnik status --json`` prints."""
    return {
        "drained": drained(statuses, settings),
        "streams": [
            {
                "role": s.role, "stream": s.stream, "length": s.length,
                "last_entry_id": format_id(s.last_entry_id),
                "groups": [
                    {
                        "group": g.group, "pending": g.pending, "lag": g.lag,
                        "last_delivered_id": format_id(g.last_delivered_id),
                        "drained": g.drained, "workers": g.workers,
                        "stalled": [{"name": w.name, "overdue_ms": w.overdue_ms,
                                     "pending": w.pending} for w in g.stalled],
                        "consumers": [{"name": c.name, "pending": c.pending,
                                       "idle_ms": c.idle_ms} for c in g.consumers],
                    }
                    for g in s.groups
                ],
            }
            for s in statuses
        ],
    }


def as_table(statuses: Sequence[StreamStatus], settings: Settings) -> list[str]:
    """What ``vestnik status`` prints: a row per group (every group, not only vestnik's),
    a row for a stream no group reads. Workers: live vestnik replicas; stalled: replicas
    whose heartbeat expired (each then named below the table, with what it holds);
    consumers: the group's consumers as Redis lists them."""
    rows = [("stream", "group", "length", "pending", "lag", "workers", "consumers", "stalled",
             "role")]
    notes: list[str] = []
    for s in statuses:
        for g in s.groups or (None,):
            if g is None:
                rows.append((s.stream, "-", str(s.length), "-", "-", "-", "-", "-", s.role))
                continue
            lag = "unknown" if g.lag is None else str(g.lag)
            rows.append((s.stream, g.group, str(s.length), str(g.pending), lag, str(g.workers),
                         str(len(g.consumers)), str(len(g.stalled)), s.role))
            notes += [f"stalled: {w.name} ({g.group} on {s.stream}) has not reported for "
                      f"{w.overdue_ms / 1000:.1f} s past its budget, holding {w.pending} "
                      f"pending {'entry' if w.pending == 1 else 'entries'}"
                      for w in g.stalled]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    left = {0, 1, 8}
    table = ["  ".join(cell.ljust(w) if i in left else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in rows]
    return table + (["", *notes] if notes else [])
