"""Entries in long work keep their owner.

Another replica's upkeep reclaims any entry pending longer than ``claim_idle_ms``
(``XAUTOCLAIM``). A batch may take longer than that (a page that uses up its time budget),
so while a batch is worked on, the consumer holding its entries claims them again every
``claim_idle_ms / 3`` (``vestnik.streams.renew``: ``XCLAIM … 0 … JUSTID``, which resets an
entry's idle time without counting a delivery, for the entries still pending on this
consumer only: a renewal never takes an entry back from a replica that reclaimed it; the
commit then leaves such an entry to its new owner).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from vestnik.logs import get_logger
from vestnik.streams import renew


class ClaimKeeper:
    def __init__(self, stream: str, group: str, consumer: str, claim_idle_ms: int) -> None:
        self.stream, self.group, self.consumer = stream, group, consumer
        self.interval_s = max(claim_idle_ms / 3000, 0.005)
        self.log = get_logger(consumer=consumer, task="claims")

    @contextlib.asynccontextmanager
    async def held(self, redis: Redis, entry_ids: Sequence[str]
                   ) -> AsyncIterator[Callable[[Iterable[str]], None]]:
        """Renew the claim on ``entry_ids`` every ``interval_s`` while the block runs;
        the block is given a ``release(ids)`` for the entries it has committed meanwhile
        (acknowledged: no longer this consumer's to renew)."""
        stop = asyncio.Event()
        ids = dict.fromkeys(entry_ids)  # ordered, and the renewal sees each release

        def release(done: Iterable[str]) -> None:
            for entry_id in done:
                ids.pop(entry_id, None)

        task = asyncio.create_task(self._renew_every(redis, ids, stop))
        try:
            yield release
        finally:
            # A flag as well as a cancel: a client library may swallow a cancellation that
            # lands inside one of its commands, and the batch must not wait on the loop.
            stop.set()
            task.cancel()
            await asyncio.wait({task}, timeout=5)

    async def renew(self, redis: Redis, entry_ids: Sequence[str]) -> int:
        """Claim ``entry_ids`` again where this consumer still holds them; how many."""
        return await renew(redis, stream=self.stream, group=self.group,
                           consumer=self.consumer, entry_ids=entry_ids)

    async def _renew_every(self, redis: Redis, held: dict[str, None], stop: asyncio.Event
                           ) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_s)
            if stop.is_set():
                return
            entry_ids = list(held)
            if not entry_ids:
                continue
            try:
                renewed = await self.renew(redis, entry_ids)
            except (RedisError, OSError) as exc:  # Redis away: the next round tries again
                self.log.warning("claim_renewal_failed", error_type=type(exc).__name__,
                                 error=str(exc)[:300])
                continue
            # those committed meanwhile were not this consumer's to renew any more
            lost = sum(1 for entry_id in entry_ids if entry_id in held) - renewed
            if lost > 0:
                self.log.warning("claims_lost", stream=self.stream, entries=lost)
