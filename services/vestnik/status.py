"""How far each stage has got: stream length, and per group pending, lag and consumers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from vestnik.settings import Settings


@dataclass(frozen=True, slots=True)
class GroupStatus:
    stream: str
    group: str
    length: int
    pending: int
    lag: int | None  # None when Redis cannot tell (entries deleted)
    consumers: int
    dead_letters: int


async def group_status(redis: Redis, stream: str, group: str, dlq_stream: str) -> GroupStatus:
    length = int(await redis.xlen(stream))
    dead = int(await redis.xlen(dlq_stream))
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError:  # no such stream yet
        groups = []
    for g in groups:
        name = g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
        if name == group:
            lag = g.get("lag")
            return GroupStatus(stream, group, length, int(g["pending"]),
                               None if lag is None else int(lag), int(g["consumers"]), dead)
    return GroupStatus(stream, group, length, 0, length, 0, dead)


async def pipeline_status(redis: Redis, settings: Settings) -> list[GroupStatus]:
    return [
        await group_status(redis, settings.events_stream, settings.cleaner_group,
                           settings.dead_letter_stream("cleaner")),
        await group_status(redis, settings.articles_stream, settings.indexer_group,
                           settings.dead_letter_stream("indexer")),
    ]


async def wait_drained(redis: Redis, settings: Settings, timeout_s: float = 60.0) -> None:
    """Wait until both stages' groups have read and acknowledged everything."""
    deadline = time.monotonic() + timeout_s
    while not drained(statuses := await pipeline_status(redis, settings)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the pipeline did not drain in {timeout_s}s: {statuses}")
        await asyncio.sleep(0.05)


def drained(statuses: list[GroupStatus]) -> bool:
    """Every group has read everything and acknowledged it."""
    return all(s.pending == 0 and s.lag == 0 for s in statuses)
