"""What a stage is to the machinery that feeds it: a stream, a group, and a batch handler.

The FastStream subscriber and the reclaimer (``vestnik.upkeep``) both hand entries to
``Stage.handle``. A handler writes its outputs and acknowledges its inputs in one
transaction, and raises (acknowledging nothing) when the failure may pass, e.g. Redis or
the index being away: the entries stay pending and are delivered again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from redis.asyncio import Redis

from vestnik.contracts import Stage as StageName

Entry = tuple[str, Mapping[bytes, bytes]]  # (stream entry id, fields)


class Stage(Protocol):
    @property
    def name(self) -> StageName: ...

    stream: str
    group: str
    dead_letter_stream: str
    # how many batches its reader hands it at once (the cleaner: one per extraction
    # process, so a page that arrives while one process is on a slow page takes another)
    batches_in_flight: int

    async def handle(self, redis: Redis, entries: Sequence[Entry]) -> None: ...


def last_error_key(stage: Stage) -> str:
    """A hash remembering, per pending entry, why its last delivery failed."""
    return f"{stage.stream}:last-error:{stage.group}"


def workers_key(stream: str, group: str) -> str:
    """A sorted set of the live replicas of a group: consumer name -> time (ms) its last
    heartbeat expires. Redis cannot tell: before 7.2 a consumer that only polls an empty
    stream is never registered in the group, and its idle time never resets."""
    return f"{stream}:workers:{group}"


def queued_ms(entry_id: str, now: float) -> float | None:
    """How long the entry waited in its stream until ``now`` (``time.time()``), in ms: from
    the time Redis added it (its id's milliseconds, Redis's clock) to when it was read
    (this host's clock; a skew between the two shows here). None for an id Redis did not
    make of a time."""
    try:
        added = int(entry_id.split("-", 1)[0])
    except ValueError:
        return None
    return round(now * 1000 - added, 1)


def ms_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()``): a batch phase's wall time."""
    return (time.perf_counter() - started) * 1000
