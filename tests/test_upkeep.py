"""Reclaim, delivery limit, safe trimming, consumer hygiene, the group kept, retention and
the heartbeat, on the real Redis (a private one where Redis must refuse writes)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

import orjson
import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, RedisError

from vestnik import embedded
from vestnik import upkeep as upkeep_module
from vestnik.contracts import DeadLetter
from vestnik.dlq import list_letters, replay
from vestnik.metrics import REGISTRY
from vestnik.settings import Settings
from vestnik.stage import Entry, last_error_key, workers_key
from vestnik.streams import Write, commit_batch, ensure_group
from vestnik.upkeep import (
    GroupLost,
    Upkeep,
    handle_or_remember,
    remember_failure,
    safe_trim_floor,
)
from vestnik.wire import decode_model

from .test_streams import fill_until_refused, free_memory


class FlakyStage:
    """Acks what it handles (writing one entry to ``output`` for each, when given); fails
    the first ``failures`` deliveries of each entry."""

    name = "cleaner"

    def __init__(self, settings: Settings, failures: int = 0, output: str | None = None) -> None:
        self.stream = settings.events_stream
        self.group = settings.cleaner_group
        self.dead_letter_stream = settings.dead_letter_stream("cleaner")
        self.consumer = settings.consumer_name
        self.claim_idle_ms = settings.claim_idle_ms
        self.output = output  # a stream each handled entry writes one entry to
        self.failures = failures
        self.seen: dict[str, int] = {}
        self.done: list[str] = []

    async def handle(self, redis: Redis, entries: Sequence[Entry]) -> None:
        for entry_id, _ in entries:
            self.seen[entry_id] = self.seen.get(entry_id, 0) + 1
            if self.seen[entry_id] <= self.failures:
                raise RuntimeError(f"index unavailable ({entry_id})")
        await commit_batch(
            redis, [(i, [Write(self.output, {"n": i.encode()})] if self.output else [])
                    for i, _ in entries],
            stream=self.stream, group=self.group, consumer=self.consumer,
            claim_idle_ms=self.claim_idle_ms)
        self.done += [i for i, _ in entries]


def _tuned(settings: Settings, **kw: object) -> Settings:
    return settings.model_copy(update={"claim_idle_ms": 10, **kw})


async def _deliver(redis: Redis, settings: Settings, consumer: str, n: int) -> list[str]:
    """Publish n entries and read them as ``consumer`` without acknowledging: a replica
    that fetched them and died."""
    await ensure_group(redis, settings.events_stream, settings.cleaner_group)
    for i in range(n):
        await redis.xadd(settings.events_stream, {"n": str(i)})
    reply = await redis.xreadgroup(settings.cleaner_group, consumer,
                                   {settings.events_stream: ">"}, count=n)
    return [i.decode() for i, _ in reply[0][1]]


async def test_entries_pending_on_a_dead_consumer_are_reclaimed_and_handled_once(
    redis: Redis, settings: Settings
) -> None:
    ids = await _deliver(redis, settings, "dead-replica", 5)
    stage = FlakyStage(settings)
    upkeep = Upkeep(stage, _tuned(settings))
    await asyncio.sleep(0.05)
    assert await upkeep.reclaim(redis) == 5
    assert stage.done == ids
    assert (await redis.xpending(settings.events_stream, settings.cleaner_group))["pending"] == 0
    assert await upkeep.reclaim(redis) == 0  # nothing handled twice


async def test_entry_failing_past_the_delivery_limit_is_dead_lettered_with_its_last_error(
    redis: Redis, settings: Settings
) -> None:
    (entry_id,) = await _deliver(redis, settings, "replica-a", 1)
    stage = FlakyStage(settings, failures=100)
    tuned = _tuned(settings, max_deliveries=3)
    upkeep = Upkeep(stage, tuned)
    fields = (await redis.xrange(settings.events_stream))[0][1]
    assert not await handle_or_remember(redis, stage, [(entry_id, fields)])  # delivery 1
    for _ in range(4):  # deliveries 2 and 3 fail, the 4th claim gives up
        await asyncio.sleep(0.02)
        await upkeep.reclaim(redis)
    assert stage.seen[entry_id] == 3
    (letter,) = [decode_model(f, DeadLetter)
                 for _, f in await redis.xrange(stage.dead_letter_stream)]
    assert letter.error_type == "max_deliveries" and letter.delivery_count == 3
    assert "index unavailable" in letter.reason and letter.entry_id == entry_id
    assert letter.fields == {"n": "0"}
    assert (await redis.xpending(settings.events_stream, settings.cleaner_group))["pending"] == 0


async def test_trim_keeps_every_entry_some_group_has_not_acknowledged(
    redis: Redis, settings: Settings
) -> None:
    stream = settings.events_stream
    await ensure_group(redis, stream, "fast")
    await ensure_group(redis, stream, "slow")
    ids = [(await redis.xadd(stream, {"n": str(i)})).decode() for i in range(10)]
    fast = await redis.xreadgroup("fast", "f", {stream: ">"}, count=10)
    await redis.xack(stream, "fast", *[i for i, _ in fast[0][1]])
    await redis.xreadgroup("slow", "s", {stream: ">"}, count=4)  # read 4, acked none
    assert await safe_trim_floor(redis, stream) == ids[0]  # slow still holds the first
    await redis.xack(stream, "slow", ids[0], ids[1])
    assert await safe_trim_floor(redis, stream) == ids[2]
    upkeep = Upkeep(FlakyStage(settings), settings)
    assert await upkeep.trim(redis) == 2
    remaining = [i.decode() for i, _ in await redis.xrange(stream)]
    assert remaining == ids[2:]  # 2..3 pending on slow, 4..9 unread by slow
    await redis.xack(stream, "slow", ids[2], ids[3])
    assert await upkeep.trim(redis) == 2  # up to what slow has read, not past it
    assert [i.decode() for i, _ in await redis.xrange(stream)] == ids[4:]


async def test_trim_removes_nothing_from_a_stream_no_group_reads(
    redis: Redis, settings: Settings
) -> None:
    await redis.xadd(settings.events_stream, {"n": "1"})
    assert await safe_trim_floor(redis, settings.events_stream) is None


async def test_idle_consumer_holding_nothing_is_removed_but_one_holding_entries_is_kept(
    redis: Redis, settings: Settings
) -> None:
    await _deliver(redis, settings, "holds-one", 1)
    await redis.xgroup_createconsumer(settings.events_stream, settings.cleaner_group,
                                      "holds-none")
    await asyncio.sleep(0.05)
    upkeep = Upkeep(FlakyStage(settings), _tuned(settings, consumer_max_idle_ms=60_000))
    assert await upkeep.remove_idle_consumers(redis) == []  # not idle long enough
    upkeep.settings = _tuned(settings, consumer_max_idle_ms=20)
    assert await upkeep.remove_idle_consumers(redis) == ["holds-none"]
    names = {c["name"].decode() for c in
             await redis.xinfo_consumers(settings.events_stream, settings.cleaner_group)}
    assert names == {"holds-one"}


async def test_dead_letters_replay_to_their_source_stream_with_original_bytes(
    redis: Redis, settings: Settings
) -> None:
    from vestnik.wire import WireError, dead_letter, encode_model

    fields = {b"url": b"https://a.bg/1", b"body": b"\xff\xfe cp1251?"}
    letter = dead_letter(stage="cleaner", error=WireError("undecodable", "bad bytes"),
                         source_stream=settings.events_stream, entry_id="1-0", fields=fields)
    dlq = settings.dead_letter_stream("cleaner")
    await redis.xadd(dlq, encode_model(letter))  # type: ignore[arg-type]
    listed = await list_letters(redis, dlq)
    assert [type(x).__name__ for _, x in listed] == ["DeadLetter"]
    new_ids = await replay(redis, dlq)
    assert len(new_ids) == 1 and await redis.xlen(dlq) == 0
    (_, replayed), = await redis.xrange(settings.events_stream)
    assert replayed == fields
    assert orjson.loads(encode_model(letter)["__data__"])["reason"] == "bad bytes"


# -- the group, Redis refusing writes, retention, stalled replicas --------------------------


async def test_a_group_that_is_gone_is_made_again_from_the_start(
    redis: Redis, settings: Settings
) -> None:
    upkeep = Upkeep(FlakyStage(settings), settings)
    assert await ensure_group(redis, settings.events_stream, settings.cleaner_group)
    assert not await upkeep.keep_group(redis)  # there: nothing to do
    await redis.delete(settings.events_stream)  # what a Redis restarted empty looks like
    await redis.xadd(settings.events_stream, {"n": "after the restart"})
    assert await upkeep.keep_group(redis)
    reply = await redis.xreadgroup(settings.cleaner_group, "c", {settings.events_stream: ">"})
    assert [f for _, f in reply[0][1]] == [{b"n": b"after the restart"}]  # from id 0


async def test_a_group_that_cannot_be_made_again_makes_the_loop_give_up(
    redis: Redis, settings: Settings
) -> None:
    given_up: list[BaseException] = []
    upkeep = Upkeep(FlakyStage(settings), _tuned(settings, upkeep_interval_s=0.05),
                    on_fatal=given_up.append)
    await ensure_group(redis, settings.events_stream, settings.cleaner_group)
    await upkeep.start()
    try:
        await redis.delete(settings.events_stream)
        await redis.set(settings.events_stream, "not a stream")  # someone else's key now
        for _ in range(100):
            if given_up:
                break
            await asyncio.sleep(0.02)
    finally:
        await upkeep.stop()
    assert [type(e) for e in given_up] == [GroupLost], "the loop went on without its group"
    assert "WRONGTYPE" in str(given_up[0])


async def test_reclaim_waits_a_claim_idle_period_after_redis_refused_writes(
    redis: Redis, settings: Settings
) -> None:
    upkeep = Upkeep(FlakyStage(settings), _tuned(settings, claim_idle_ms=300))
    assert upkeep.may_reclaim()  # a fresh start: nothing suggests a holder was stuck
    await ensure_group(redis, settings.events_stream, settings.cleaner_group)
    original = upkeep.beat

    async def refused(_redis: Redis) -> None:
        raise OutOfMemoryError("command not allowed when used memory > 'maxmemory'.")

    upkeep.beat = refused  # type: ignore[method-assign]
    assert not await upkeep._beat_if_writable(redis)
    assert not upkeep.may_reclaim()
    upkeep.beat = original  # type: ignore[method-assign]
    assert await upkeep._beat_if_writable(redis)
    assert not upkeep.may_reclaim(), "reclaimed as soon as Redis took a write again"
    await asyncio.sleep(0.35)
    assert upkeep.may_reclaim()


async def test_entries_held_through_a_long_oom_are_committed_by_their_holder_not_dead_lettered(
    settings: Settings,
) -> None:
    """Redis refuses writes for longer than claim_idle x max_deliveries: the holder's commit
    waits it out, the other replica's upkeep rounds take nothing, no delivery is counted."""
    with embedded.private_redis() as url:
        redis: Redis = Redis.from_url(url)
        tuned = _tuned(settings.model_copy(update={"redis_url": url}), claim_idle_ms=100,
                       max_deliveries=2, consumer_name="other-replica")
        ids = await _deliver(redis, tuned, "holder", 3)
        fields = {i: f for i, f in await redis.xrange(tuned.events_stream)}
        await fill_until_refused(redis)
        holder = FlakyStage(tuned, output=tuned.articles_stream)
        holder.consumer = "holder"
        commit = asyncio.ensure_future(holder.handle(
            redis, [(i, fields[i.encode()]) for i in ids]))
        other = Upkeep(FlakyStage(tuned), tuned)
        for _ in range(12):  # 1.2 s of refused writes: six claim-idle periods
            with contextlib.suppress(RedisError):
                await other.run_once(redis)
            await asyncio.sleep(0.1)
        counts = {x["message_id"].decode(): (x["consumer"].decode(), x["times_delivered"])
                  for x in await redis.xpending_range(tuned.events_stream, tuned.cleaner_group,
                                                      min="-", max="+", count=10)}
        assert counts == {i: ("holder", 1) for i in ids}, "deliveries counted against Redis"
        assert not commit.done(), "the holder's commit ended while Redis refused writes"
        await free_memory(redis)
        await asyncio.wait_for(commit, 10)
        for _ in range(5):
            await other.run_once(redis)
        assert holder.done == ids and await redis.xlen(tuned.articles_stream) == 3
        assert await redis.xlen(tuned.dead_letter_stream("cleaner")) == 0
        await redis.aclose()


async def test_dead_letters_and_rejections_past_their_retention_or_length_are_trimmed(
    redis: Redis, settings: Settings
) -> None:
    day_ms = 86_400_000
    now_ms = int(time.time() * 1000)
    tuned = settings.model_copy(update={"dead_letter_retention": 7 * 86_400.0,
                                        "dead_letter_maxlen": 0,
                                        "rejected_retention": 0.0, "rejected_maxlen": 500})
    dlq, rejected = tuned.dead_letter_stream("cleaner"), tuned.rejected_stream
    for age_days in (9, 8, 6, 1):
        await redis.xadd(dlq, {"age_days": str(age_days)}, id=f"{now_ms - age_days * day_ms}-0")
    for i in range(3000):
        await redis.xadd(rejected, {"n": str(i)})
    upkeep = Upkeep(FlakyStage(tuned), tuned)
    removed = await upkeep.retain(redis)
    assert [f[b"age_days"] for _, f in await redis.xrange(dlq)] == [b"6", b"1"]
    length = await redis.xlen(rejected)
    assert 500 <= length < 1000, length  # MAXLEN ~: whole nodes, so about 500
    (_, last), = await redis.xrevrange(rejected, count=1)
    assert last == {b"n": b"2999"}  # the newest kept
    assert removed == 2 + 3000 - length
    indexer = Upkeep(FlakyStage(tuned), tuned)
    indexer.stage.name = "indexer"  # type: ignore[misc]
    assert [s for s, _, _ in indexer.retained_streams()] == [dlq]  # rejections: the cleaner's


async def test_a_replica_past_its_heartbeat_stays_listed_until_the_grace_then_is_forgotten(
    redis: Redis, settings: Settings
) -> None:
    key = workers_key(settings.events_stream, settings.cleaner_group)
    now_ms = int(time.time() * 1000)
    await redis.zadd(key, {"stalled-a-minute": now_ms - 60_000,
                           "gone-two-hours": now_ms - 7_200_000})
    upkeep = Upkeep(FlakyStage(settings), settings.model_copy(
        update={"stalled_worker_grace_s": 3600.0}))
    await upkeep.beat(redis)
    members = {m.decode(): s for m, s in await redis.zrange(key, 0, -1, withscores=True)}
    assert set(members) == {"stalled-a-minute", settings.consumer_name}
    assert members[settings.consumer_name] > now_ms + upkeep.heartbeat_budget_ms() - 1000


# -- whole rounds, as a replica's background loop runs them ---------------------------------


async def _old_letters(redis: Redis, stream: str, ages_days: Sequence[int]) -> None:
    now_ms = int(time.time() * 1000)
    for age in ages_days:
        await redis.xadd(stream, {"age_days": str(age)}, id=f"{now_ms - age * 86_400_000}-0")


async def test_one_upkeep_round_reclaims_trims_applies_retention_and_tidies_the_group(
    redis: Redis, settings: Settings
) -> None:
    tuned = _tuned(settings, dead_letter_retention=7 * 86_400.0, dead_letter_maxlen=0,
                   rejected_retention=7 * 86_400.0, rejected_maxlen=0,
                   consumer_max_idle_ms=20)
    stream, group = tuned.events_stream, tuned.cleaner_group
    held = await _deliver(redis, tuned, "dead-replica", 3)  # fetched, never acknowledged
    unread = [(await redis.xadd(stream, {"n": f"late {i}"})).decode() for i in range(2)]
    await redis.xgroup_createconsumer(stream, group, "gone-replica")  # holds nothing
    await _old_letters(redis, tuned.dead_letter_stream("cleaner"), (30, 8, 1))
    await _old_letters(redis, tuned.rejected_stream, (9, 2))
    await asyncio.sleep(0.05)  # past claim_idle_ms and consumer_max_idle_ms
    stage = FlakyStage(tuned, output=tuned.articles_stream)
    upkeep = Upkeep(stage, tuned)

    await upkeep.run_once(redis)

    assert stage.done == held, "the round did not reclaim the dead replica's entries"
    assert await redis.xlen(tuned.articles_stream) == 3
    assert [i.decode() for i, _ in await redis.xrange(stream)] == unread, (
        "the round did not trim what every group had acknowledged (or trimmed unread entries)")
    assert [f[b"age_days"] for _, f in await redis.xrange(
        tuned.dead_letter_stream("cleaner"))] == [b"1"], "dead letters past retention kept"
    assert [f[b"age_days"] for _, f in await redis.xrange(tuned.rejected_stream)] == [b"2"], (
        "rejections past retention kept")
    consumers = {c["name"].decode() for c in await redis.xinfo_consumers(stream, group)}
    assert "gone-replica" not in consumers and "dead-replica" not in consumers
    expiry = await redis.zscore(workers_key(stream, group), tuned.consumer_name)
    assert expiry is not None and expiry > time.time() * 1000, "no heartbeat"


async def test_one_upkeep_round_makes_a_lost_group_again_and_reads_from_the_start(
    redis: Redis, settings: Settings
) -> None:
    stream, group = settings.events_stream, settings.cleaner_group
    await ensure_group(redis, stream, group)
    await redis.delete(stream)  # Redis restarted empty
    first = (await redis.xadd(stream, {"n": "published meanwhile"})).decode()
    await Upkeep(FlakyStage(settings), settings).run_once(redis)
    groups = [g["name"].decode() for g in await redis.xinfo_groups(stream)]
    assert groups == [group], "the round did not make the group again"
    reply = await redis.xreadgroup(group, "c", {stream: ">"})
    assert [i.decode() for i, _ in reply[0][1]] == [first], "the new group skipped entries"


async def test_the_background_loop_runs_rounds_until_stopped(
    redis: Redis, settings: Settings
) -> None:
    tuned = _tuned(settings, upkeep_interval_s=0.05)
    stream = tuned.events_stream
    held = await _deliver(redis, tuned, "dead-replica", 2)
    stage = FlakyStage(tuned)
    upkeep = Upkeep(stage, tuned)
    await upkeep.start()
    try:
        for _ in range(100):
            if stage.done and await redis.xlen(stream) == 0:
                break
            await asyncio.sleep(0.02)
        assert stage.done == held, "the loop reclaimed nothing"
        assert await redis.xlen(stream) == 0, "the loop never trimmed the acknowledged entries"
        late = await redis.xadd(stream, {"n": "late"})
        await redis.xreadgroup(tuned.cleaner_group, "dead-replica", {stream: ">"})
        for _ in range(100):  # a later round handles what died after the first
            if len(stage.done) == 3:
                break
            await asyncio.sleep(0.02)
        assert stage.done == [*held, late.decode()], "no round after the first"
    finally:
        await upkeep.stop()
    key = workers_key(stream, tuned.cleaner_group)
    assert await redis.zscore(key, tuned.consumer_name) is None, "a stopped replica still beats"


# -- giving up on an entry: the letter, the note, the line it is counted from --------------


async def test_a_failed_delivery_is_noted_with_its_error_for_a_week_cut_to_500_characters(
    redis: Redis, settings: Settings
) -> None:
    stage = FlakyStage(settings)
    await remember_failure(redis, stage, ["1-0", "2-0"], ValueError("x" * 1000))
    key = last_error_key(stage)
    notes = await redis.hgetall(key)
    assert notes == {b"1-0": b"ValueError: " + b"x" * 488, b"2-0": b"ValueError: " + b"x" * 488}
    assert 7 * 86_400 - 60 <= await redis.ttl(key) <= 7 * 86_400
    await remember_failure(redis, stage, [], ValueError("nothing to note"))
    assert await redis.hlen(key) == 2


async def test_noting_a_failure_while_redis_is_away_raises_nothing(settings: Settings) -> None:
    away: Redis = Redis.from_url(f"redis://127.0.0.1:{embedded.free_port()}/0")
    try:
        await remember_failure(away, FlakyStage(settings), ["1-0"], RuntimeError("index down"))
    finally:
        await away.aclose()


async def test_an_entry_past_the_limit_becomes_one_dead_letter_counted_as_such(
    redis: Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[dict[str, object]] = []
    monkeypatch.setattr(upkeep_module, "record", lines.append)
    (entry_id,) = await _deliver(redis, settings, "replica-a", 1)
    stage = FlakyStage(settings, failures=100)
    tuned = _tuned(settings, max_deliveries=2)
    upkeep = Upkeep(stage, tuned)
    for _ in range(3):  # delivery 1 died with its replica, 2 fails, the claim after gives up
        await asyncio.sleep(0.02)
        await upkeep.reclaim(redis)
    assert stage.seen == {entry_id: 1}
    (letter,) = [decode_model(f, DeadLetter)
                 for _, f in await redis.xrange(stage.dead_letter_stream)]
    assert letter.reason == (f"failed 2 deliveries; last error: "
                             f"RuntimeError: index unavailable ({entry_id})")
    assert (letter.delivery_count, letter.error_type, letter.source_stream) == (
        2, "max_deliveries", settings.events_stream)
    assert await redis.hget(last_error_key(stage), entry_id) is None, "the note outlived it"
    assert lines == [{"stage": "cleaner", "entry_id": entry_id, "outcome": "dead_letter",
                      "error_type": "max_deliveries", "reason": letter.reason,
                      "delivery_count": 2}]


async def test_a_dead_letter_without_a_noted_error_says_only_how_many_deliveries_failed(
    redis: Redis, settings: Settings
) -> None:
    (entry_id,) = await _deliver(redis, settings, "killed-replica", 1)
    fields = (await redis.xrange(settings.events_stream))[0][1]
    upkeep = Upkeep(FlakyStage(settings), _tuned(settings, dead_letter_max_field_bytes=3))
    await redis.xclaim(settings.events_stream, settings.cleaner_group, upkeep.consumer, 0,
                       [entry_id])
    await upkeep._give_up(redis, (entry_id, {**fields, b"body": b"abcdefgh"}), 6)
    (letter,) = [decode_model(f, DeadLetter)
                 for _, f in await redis.xrange(settings.dead_letter_stream("cleaner"))]
    assert letter.reason == "failed 5 deliveries" and letter.delivery_count == 5
    assert letter.entry_id == entry_id
    assert letter.fields == {"n": "0", "body": "abc"}, "the settings' limits were not applied"
    assert letter.truncated_fields == ["body"]


async def test_an_entry_taken_by_another_replica_before_its_dead_letter_is_left_to_it(
    redis: Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[dict[str, object]] = []
    monkeypatch.setattr(upkeep_module, "record", lines.append)
    (entry_id,) = await _deliver(redis, settings, "other-replica", 1)
    fields = (await redis.xrange(settings.events_stream))[0][1]
    stage = FlakyStage(settings)
    await remember_failure(redis, stage, [entry_id], RuntimeError("index down"))
    await Upkeep(stage, settings)._give_up(redis, (entry_id, fields), 9)
    assert await redis.xlen(stage.dead_letter_stream) == 0
    assert await redis.hget(last_error_key(stage), entry_id) is not None
    assert lines == [{"stage": "cleaner", "entry_id": entry_id, "outcome": "lost_ownership",
                      "dropped": "dead_letter", "holder": "other-replica"}]


# -- what the mutation run found untested -----------------------------------------------------


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"{name}_total", labels) or 0.0


async def test_a_round_counts_what_it_reclaimed_trimmed_retained_and_made_again(
    redis: Redis, settings: Settings
) -> None:
    tuned = _tuned(settings, dead_letter_retention=86_400.0, dead_letter_maxlen=0)
    stream, group = tuned.events_stream, tuned.cleaner_group
    dlq = tuned.dead_letter_stream("cleaner")
    await ensure_group(redis, stream, group)
    await redis.delete(stream)  # the group is gone
    before = {
        "made": _metric("vestnik_groups_recreated", stream=stream, group=group),
        "reclaimed": _metric("vestnik_reclaimed", stage="cleaner"),
        "trim": _metric("vestnik_trimmed", stream=stream, why="trim"),
        "retention": _metric("vestnik_trimmed", stream=dlq, why="retention"),
        "failed": _metric("vestnik_failed_deliveries", stage="cleaner",
                          error_type="RuntimeError"),
    }
    await _old_letters(redis, dlq, (3, 2))
    upkeep = Upkeep(FlakyStage(tuned), tuned)
    await upkeep.run_once(redis)  # makes the group again
    await _deliver(redis, tuned, "dead-replica", 3)
    await asyncio.sleep(0.03)
    await upkeep.run_once(redis)  # reclaims and handles 3, trims them
    failing = Upkeep(FlakyStage(tuned, failures=1), tuned)
    await _deliver(redis, tuned, "dead-replica", 2)
    await asyncio.sleep(0.03)
    await failing.reclaim(redis)  # two deliveries fail
    assert _metric("vestnik_groups_recreated", stream=stream, group=group) == before["made"] + 1
    assert _metric("vestnik_reclaimed", stage="cleaner") == before["reclaimed"] + 5
    assert _metric("vestnik_trimmed", stream=stream, why="trim") == before["trim"] + 3
    assert _metric("vestnik_trimmed", stream=dlq, why="retention") == before["retention"] + 2
    assert _metric("vestnik_failed_deliveries", stage="cleaner",
                   error_type="RuntimeError") == before["failed"] + 2


async def test_reclaim_goes_through_every_page_of_idle_entries(
    redis: Redis, settings: Settings
) -> None:
    ids = await _deliver(redis, settings, "dead-replica", 7)
    stage = FlakyStage(settings)
    upkeep = Upkeep(stage, _tuned(settings, batch_size=2))
    await asyncio.sleep(0.03)
    assert await upkeep.reclaim(redis) == 7
    assert stage.done == ids


async def test_a_round_reclaims_nothing_while_redis_refuses_the_heartbeat(
    redis: Redis, settings: Settings
) -> None:
    await _deliver(redis, settings, "dead-replica", 2)
    stage = FlakyStage(settings)
    upkeep = Upkeep(stage, _tuned(settings, claim_idle_ms=300))
    await asyncio.sleep(0.35)  # idle past claim_idle_ms
    original = upkeep.beat

    async def refused(_redis: Redis) -> None:
        raise OutOfMemoryError("command not allowed when used memory > 'maxmemory'.")

    upkeep.beat = refused  # type: ignore[method-assign]
    await upkeep.run_once(redis)
    assert stage.done == [], "entries taken while Redis refused this replica's writes"
    upkeep.beat = original  # type: ignore[method-assign]
    await upkeep.run_once(redis)
    assert stage.done == [], "entries taken as soon as Redis took a write again"
    await asyncio.sleep(0.35)
    await upkeep.run_once(redis)
    assert len(stage.done) == 2


async def test_a_redis_that_is_away_is_waited_for_not_a_lost_group(settings: Settings) -> None:
    away: Redis = Redis.from_url(f"redis://127.0.0.1:{embedded.free_port()}/0")
    upkeep = Upkeep(FlakyStage(settings), settings)
    try:
        with pytest.raises(RedisConnectionError):
            await upkeep.keep_group(away)
    finally:
        await away.aclose()


async def test_a_round_failing_on_redis_away_makes_reclaim_wait_a_claim_idle_period(
    settings: Settings,
) -> None:
    tuned = _tuned(settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{embedded.free_port()}/0"}),
        upkeep_interval_s=0.02, claim_idle_ms=60_000)
    upkeep = Upkeep(FlakyStage(tuned), tuned)
    assert upkeep.may_reclaim()
    await upkeep.start()
    try:
        for _ in range(100):
            if not upkeep.may_reclaim():
                break
            await asyncio.sleep(0.02)
    finally:
        await upkeep.stop()
    assert upkeep._healthy_since is None, "a failed round left reclaiming allowed"


async def test_a_stopped_replica_leaves_its_group_only_when_it_holds_nothing(
    redis: Redis, settings: Settings
) -> None:
    stream, group = settings.events_stream, settings.cleaner_group
    await ensure_group(redis, stream, group)
    idle = Upkeep(FlakyStage(settings), settings)
    await redis.xgroup_createconsumer(stream, group, idle.consumer)
    holding = Upkeep(FlakyStage(settings), settings.model_copy(
        update={"consumer_name": "holding-replica"}))
    await _deliver(redis, settings, "holding-replica", 1)
    await redis.xgroup_createconsumer(stream, group, "someone-else")
    for upkeep in (idle, holding):
        await upkeep.start()
        await upkeep.stop()
    names = {c["name"].decode() for c in await redis.xinfo_consumers(stream, group)}
    assert names == {"holding-replica", "someone-else"}


async def test_the_trim_floor_is_just_past_what_the_slowest_group_read(
    redis: Redis, settings: Settings
) -> None:
    stream = settings.events_stream
    for i in range(1, 6):
        await redis.xadd(stream, {"n": str(i)}, id=f"7-{i}")
    await ensure_group(redis, stream, "a-slow")  # listed first
    await ensure_group(redis, stream, "b-fast")
    read = await redis.xreadgroup("a-slow", "s", {stream: ">"}, count=2)
    await redis.xack(stream, "a-slow", *[i for i, _ in read[0][1]])
    read = await redis.xreadgroup("b-fast", "f", {stream: ">"}, count=4)
    await redis.xack(stream, "b-fast", *[i for i, _ in read[0][1]])
    assert await safe_trim_floor(redis, stream) == "7-3"  # a-slow read 7-1 and 7-2
    assert await Upkeep(FlakyStage(settings), settings).trim(redis) == 2
    assert await Upkeep(FlakyStage(settings), settings).trim(redis) == 0


async def test_retention_counts_both_cuts_of_one_stream_and_holds_to_the_second(
    redis: Redis, settings: Settings
) -> None:
    tuned = settings.model_copy(update={"dead_letter_retention": 1.0, "dead_letter_maxlen": 1})
    dlq = tuned.dead_letter_stream("cleaner")
    await _old_letters(redis, dlq, (2, 1))
    for i in range(300):
        await redis.xadd(dlq, {"n": str(i)})
    removed = await Upkeep(FlakyStage(tuned), tuned).retain(redis)
    left = await redis.xlen(dlq)
    assert left < 300 and removed == 302 - left, (removed, left)
    week = settings.model_copy(update={"dead_letter_retention": 7 * 86_400.0,
                                       "dead_letter_maxlen": 0})
    now_ms = int(time.time() * 1000)
    await redis.delete(dlq)
    await redis.xadd(dlq, {"n": "just past"}, id=f"{now_ms - 7 * 86_400_000 - 120_000}-0")
    await redis.xadd(dlq, {"n": "just within"}, id=f"{now_ms - 7 * 86_400_000 + 120_000}-0")
    assert await Upkeep(FlakyStage(week), week).retain(redis) == 1
    assert [f for _, f in await redis.xrange(dlq)] == [{b"n": b"just within"}]


async def test_a_heartbeat_holds_three_rounds_and_five_seconds(
    redis: Redis, settings: Settings
) -> None:
    upkeep = Upkeep(FlakyStage(settings), settings.model_copy(update={"upkeep_interval_s": 2.0}))
    assert upkeep.heartbeat_budget_ms() == 11_000
    now_ms = time.time() * 1000
    await upkeep.beat(redis)
    expiry = await redis.zscore(workers_key(settings.events_stream, settings.cleaner_group),
                                settings.consumer_name)
    assert expiry is not None and now_ms + 10_900 <= expiry <= now_ms + 12_000


async def test_handling_reports_whether_the_entries_were_handled(
    redis: Redis, settings: Settings
) -> None:
    (entry_id,) = await _deliver(redis, settings, settings.consumer_name, 1)
    fields = (await redis.xrange(settings.events_stream))[0][1]
    assert await handle_or_remember(redis, FlakyStage(settings), [(entry_id, fields)])
    assert await safe_trim_floor(redis, settings.events_stream) is not None
    assert await Upkeep(FlakyStage(settings), settings).trim(redis) == 1
    await redis.delete(settings.events_stream)
    await redis.xadd(settings.events_stream, {"n": "unread"})
    assert await Upkeep(FlakyStage(settings), settings).trim(redis) == 0  # no group: nothing
