"""Redis stream plumbing shared by the workers: groups, raw batches, atomic outcome writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faststream.redis.message import (
    FAKE_CONSUMER,
    BatchStreamMessage,
    RedisBatchStreamMessage,
)
from redis.asyncio import Redis
from redis.exceptions import ResponseError


async def ensure_group(redis: Redis, stream: str, group: str) -> bool:
    """Create ``group`` on ``stream`` from the very start (id 0), so nothing published
    before the first worker started is skipped. True when it was created now."""
    try:
        await redis.xgroup_create(name=stream, groupname=group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
        return False
    return True


async def parse_raw_batch(msg: BatchStreamMessage) -> RedisBatchStreamMessage:
    """A FastStream parser that leaves the entries untouched.

    FastStream's own parser JSON-decodes every entry before the handler runs and fails
    on entries written as plain fields; vestnik decodes entries itself (``vestnik.wire``)
    so that each bad entry becomes a dead letter instead of a failed batch.
    The worker acknowledges entries itself, inside the transaction that publishes them.
    """
    return RedisBatchStreamMessage(raw_message=msg, body=b"", consumer=FAKE_CONSUMER, group=None)


def batch_entries(message: RedisBatchStreamMessage) -> list[tuple[str, Mapping[bytes, bytes]]]:
    raw: Any = message.raw_message
    return [(i.decode(), fields) for i, fields in zip(raw["message_ids"], raw["data"], strict=True)]


@dataclass(frozen=True, slots=True)
class Write:
    """One entry to add to ``stream``."""

    stream: str
    fields: Mapping[str, bytes]


async def commit_batch(
    redis: Redis,
    writes: Sequence[Write],
    *,
    ack_stream: str,
    group: str,
    entry_ids: Sequence[str],
) -> None:
    """Add every output and acknowledge the inputs in one MULTI/EXEC: all or nothing.

    If the worker dies before EXEC, nothing was published and the inputs stay pending
    for a reclaim; after EXEC, the outputs exist and the inputs are acknowledged.
    """
    async with redis.pipeline(transaction=True) as pipe:
        for w in writes:
            pipe.xadd(w.stream, dict(w.fields))  # type: ignore[arg-type]
        if entry_ids:
            pipe.xack(ack_stream, group, *entry_ids)
        await pipe.execute()
