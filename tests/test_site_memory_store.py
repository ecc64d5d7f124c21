"""Site memory shared through the real Redis: replicas start warm, a URL counts once across
replicas, the keys of a site share a Cluster slot, Redis's copy is bounded, a Redis that
fails never stops the cleaner, and the background refresh writes, reads back, tries again
and stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.crc import key_slot
from redis.exceptions import ConnectionError as RedisConnectionError

from vestnik.extract._sitememory import line_hash
from vestnik.settings import Settings
from vestnik.sitememory import SharedSiteMemory, site_keys

SITE = "novini.example"
MENU = [101, 102, 103]  # line hashes on every page


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def replica(settings: Settings, clock: Clock | None = None, **more: object) -> SharedSiteMemory:
    return SharedSiteMemory(settings.model_copy(update=more), clock or Clock())


def learn_pages(memory: SharedSiteMemory, first: int, n: int) -> None:
    for k in range(first, first + n):
        memory.learn(SITE, f"https://{SITE}/p/{k}", [*MENU, 10_000 + k])


async def test_a_new_replica_starts_warm(settings: Settings, redis: Redis) -> None:
    a = replica(settings)
    await a.sync(redis, [SITE])  # nothing in Redis yet
    learn_pages(a, 0, 12)
    assert a.furniture(SITE, "https://x/new") == frozenset(MENU)
    await a.sync(redis, [SITE])  # a site read already: nothing written before a refresh
    _, urls, _ = site_keys(settings.site_memory_prefix, SITE)
    assert await redis.zcard(urls) == 0 and a.n_pending == 12
    await a.refresh(redis)  # writes what it learned
    assert not a.pending and await redis.zcard(urls) == 12

    b = replica(settings)
    assert b.furniture(SITE, "https://x/new") == frozenset()  # cold before it reads
    await b.sync(redis, [SITE])
    assert b.furniture(SITE, "https://x/new") == frozenset(MENU)


async def test_a_url_two_replicas_learned_counts_once(settings: Settings,
                                                     redis: Redis) -> None:
    a, b = replica(settings), replica(settings)
    learn_pages(a, 0, 12)
    learn_pages(b, 6, 12)  # pages 6-11 learned by both
    for r in (a, b):
        await r.refresh(redis)
    lines, urls, meta = site_keys(settings.site_memory_prefix, SITE)
    assert await redis.zcard(urls) == 18
    assert float(await redis.hget(meta, "pages")) == 18.0
    assert await redis.zscore(lines, (101).to_bytes(8, "big")) == 18.0


async def test_a_sites_keys_share_one_cluster_slot(settings: Settings) -> None:
    keys = site_keys(settings.site_memory_prefix, "dnevnik.bg")
    assert len({key_slot(k.encode()) for k in keys}) == 1
    assert all("{dnevnik.bg}" in k for k in keys)


async def test_redis_keeps_a_sites_heaviest_lines_and_newest_urls(settings: Settings,
                                                                 redis: Redis) -> None:
    a = replica(settings, site_memory_max_lines=16, site_memory_max_urls=10)
    learn_pages(a, 0, 40)  # 3 lines on every page, one of its own on each
    await a.refresh(redis)
    lines, urls, _ = site_keys(settings.site_memory_prefix, SITE)
    assert await redis.zcard(lines) <= 24
    assert await redis.zscore(lines, (101).to_bytes(8, "big")) == 40.0
    assert await redis.zcard(urls) == 10
    assert await redis.ttl(lines) > 0


async def test_a_failing_redis_never_stops_the_cleaner(settings: Settings) -> None:
    gone = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    a = replica(settings)
    learn_pages(a, 0, 12)
    await a.refresh(gone)  # does not raise
    assert a.failing
    await a.sync(gone, [SITE, "other.example"])  # nor does a first look-up
    assert set(a.loaded) == {SITE, "other.example"}  # not asked again before a refresh
    assert a.furniture(SITE, "https://x/new") == frozenset(MENU)  # what it knows stands
    assert a.n_pending == 12  # kept for when Redis is back
    await gone.aclose()


async def test_counts_written_later_fade_by_the_time_between(settings: Settings,
                                                             redis: Redis) -> None:
    """Forward decay in Redis: pages written a half-life later weigh twice as much."""
    clock = Clock()
    a = replica(settings, clock, site_memory_half_life_s=1000.0)
    a.learn(SITE, "https://x/1", [1])
    clock.now += 1000.0
    a.learn(SITE, "https://x/2", [2])
    await a.refresh(redis)
    lines, _, _ = site_keys(settings.site_memory_prefix, SITE)
    one = await redis.zscore(lines, (1).to_bytes(8, "big"))
    two = await redis.zscore(lines, (2).to_bytes(8, "big"))
    assert two == 2 * one


async def test_a_replica_reads_back_the_counts_redis_holds_exactly(settings: Settings,
                                                                   redis: Redis) -> None:
    clock = Clock()
    a = replica(settings, clock, site_memory_half_life_s=777.0)
    for k in range(30):  # weights that are no round numbers
        clock.now += 13.7
        a.learn(SITE, f"https://{SITE}/p/{k}", [*MENU, 10_000 + k % 7, (2**64 - 1) - k % 3])
    await a.refresh(redis)
    b = replica(settings, clock, site_memory_half_life_s=777.0)
    await b.sync(redis, [SITE])
    lines, _, meta = site_keys(settings.site_memory_prefix, SITE)
    held = {int.from_bytes(m, "big"): s
            for m, s in await redis.zrange(lines, 0, -1, withscores=True)}
    table = b.memory.tables[SITE]
    assert table.counts == held
    assert (table.t0, table.pages) == (float(await redis.hget(meta, "t0")),
                                       float(await redis.hget(meta, "pages")))


async def test_pages_learned_while_a_refresh_writes_stay_pending(settings: Settings,
                                                                 redis: Redis) -> None:
    a = replica(settings)
    learn_pages(a, 0, 3)
    pipeline = redis.pipeline

    def learning_meanwhile(*args: object, **kwargs: object) -> object:
        pipe = pipeline(*args, **kwargs)  # type: ignore[arg-type]
        execute = pipe.execute

        async def execute_late(*args: object, **kwargs: object) -> object:
            learn_pages(a, 3, 1)  # a batch cleaned while the pipeline is on its way
            return await execute(*args, **kwargs)  # type: ignore[arg-type]

        pipe.execute = execute_late  # type: ignore[method-assign]
        return pipe

    redis.pipeline = learning_meanwhile  # type: ignore[method-assign]
    try:
        await a.refresh(redis)
    finally:
        redis.pipeline = pipeline  # type: ignore[method-assign]
    assert [url for _, url, _ in a.pending.get(SITE, [])] == [
        line_hash(f"https://{SITE}/p/3").to_bytes(8, "big")], "a page learned meanwhile was lost"
    assert a.n_pending == 1
    await a.refresh(redis)
    _, urls, _ = site_keys(settings.site_memory_prefix, SITE)
    assert await redis.zcard(urls) == 4 and not a.pending and a.n_pending == 0


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 20.0) -> None:
    """Poll ``check`` until it holds; fail saying ``what`` past the deadline."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


async def test_the_background_refresh_writes_what_was_learned_and_reads_it_back(
    settings: Settings, redis: Redis
) -> None:
    a, b = (replica(settings, site_memory_refresh_s=0.05) for _ in range(2))
    await b.sync(redis, [SITE])  # b uses the site: nothing in Redis yet
    b.learn(SITE, f"https://{SITE}/b", [7])
    _, urls, _ = site_keys(settings.site_memory_prefix, SITE)
    a.start(redis)
    b.start(redis)
    try:
        learn_pages(a, 0, 12)  # learned here, in nobody's batch path

        async def written() -> bool:
            return await redis.zcard(urls) == 13

        await until(written, "the pages learned were never written")

        async def read_back() -> bool:
            await b.sync(redis, [SITE])  # a batch of b's uses the site (read already)
            return b.furniture(SITE, "https://x/new") == frozenset(MENU)

        await until(read_back, "b never read back what a wrote")
    finally:
        await a.stop()
        await b.stop()
    assert not a.refreshing and not b.refreshing


async def test_a_refresh_that_fails_is_tried_again_a_period_later(settings: Settings,
                                                                 redis: Redis) -> None:
    a = replica(settings, site_memory_refresh_s=0.05)
    learn_pages(a, 0, 12)
    pipeline = redis.pipeline
    failed = []

    def failing_once(*args: object, **kwargs: object) -> object:
        pipe = pipeline(*args, **kwargs)  # type: ignore[arg-type]
        if not failed:
            async def refuse(*args: object, **kwargs: object) -> object:
                failed.append(True)
                raise RedisConnectionError("Redis went away")

            pipe.execute = refuse  # type: ignore[method-assign]
        return pipe

    redis.pipeline = failing_once  # type: ignore[method-assign]
    _, urls, _ = site_keys(settings.site_memory_prefix, SITE)
    a.start(redis)
    try:
        async def written() -> bool:
            return await redis.zcard(urls) == 12

        await until(written, "the pages of a refresh that failed were never written")
    finally:
        await a.stop()
        redis.pipeline = pipeline  # type: ignore[method-assign]
    assert failed == [True] and not a.failing and a.n_pending == 0


async def test_stopping_cancels_a_refresh_on_its_way_and_keeps_its_pages(
    settings: Settings, redis: Redis
) -> None:
    a = replica(settings, site_memory_refresh_s=0.05)
    learn_pages(a, 0, 12)
    pipeline = redis.pipeline
    on_its_way = asyncio.Event()

    def stuck(*args: object, **kwargs: object) -> object:
        pipe = pipeline(*args, **kwargs)  # type: ignore[arg-type]

        async def never(*args: object, **kwargs: object) -> object:
            on_its_way.set()
            await asyncio.Event().wait()

        pipe.execute = never  # type: ignore[method-assign]
        return pipe

    redis.pipeline = stuck  # type: ignore[method-assign]
    a.start(redis)
    try:
        await asyncio.wait_for(on_its_way.wait(), 20)
        await a.stop()
    finally:
        redis.pipeline = pipeline  # type: ignore[method-assign]
    assert not a.refreshing
    assert a.n_pending == 12 and len(a.pending[SITE]) == 12, "a refresh cancelled lost its pages"
