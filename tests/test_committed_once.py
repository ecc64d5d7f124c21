"""Each entry is committed once per group, even by a group deleted and made again from id 0
(which delivers again what it had committed and is still in the stream): the stages
acknowledge such an entry without writing its outputs again, and say so in their canonical
line (``outcome=already_done``), which the metrics count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from vestnik import metrics
from vestnik.cleaner import stage as stage_module
from vestnik.cleaner.stage import CleanerStage
from vestnik.settings import Settings
from vestnik.stage import Entry
from vestnik.streams import done_key, ensure_group
from vestnik.upkeep import Upkeep

from .test_cleaner_stage import InProcessPool, fields


@pytest.fixture
async def stage(settings: Settings) -> AsyncIterator[CleanerStage]:
    s = CleanerStage(settings)
    s.pool = InProcessPool()  # type: ignore[assignment]
    yield s
    await s.close()


async def _deliver(redis: Redis, st: CleanerStage) -> list[Entry]:
    reply = await redis.xreadgroup(st.group, st.settings.consumer_name, {st.stream: ">"},
                                   count=100)
    return [(i.decode(), f) for i, f in reply[0][1]]


async def test_the_cleaner_delivered_again_by_a_group_made_again_publishes_each_page_once(
    redis: Redis, stage: CleanerStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[dict[str, object]] = []
    monkeypatch.setattr(stage_module, "record", lines.append)
    st = stage
    await ensure_group(redis, st.stream, st.group)
    for n in range(3):
        await redis.xadd(st.stream, fields(f"https://a.bg/{n}"))  # type: ignore[arg-type]
    await stage.handle(redis, (await _deliver(redis, st))[:2])  # the third: in flight
    assert await redis.xlen(st.settings.articles_stream) == 2
    await redis.xgroup_destroy(st.stream, st.group)  # deleted under the running cleaner
    assert await ensure_group(redis, st.stream, st.group)  # made again from id 0
    lines.clear()
    again = await _deliver(redis, st)
    assert len(again) == 3
    await stage.handle(redis, again)
    assert await redis.xlen(st.settings.articles_stream) == 3, "a page published twice"
    assert [x["outcome"] for x in lines] == ["already_done", "already_done", "article"]
    assert [x.get("dropped") for x in lines] == ["article", "article", None]
    assert (await redis.xpending(st.stream, st.group))["pending"] == 0


def test_an_entry_committed_before_is_counted_under_its_own_outcome() -> None:
    def count() -> float:
        return metrics.REGISTRY.get_sample_value(
            "vestnik_messages_total",
            {"stage": "cleaner", "outcome": "already_done", "reason": ""}) or 0.0

    before = count()
    metrics.record({"stage": "cleaner", "entry_id": "1-0", "outcome": "already_done",
                    "dropped": "article", "duration_ms": 1.5})
    assert count() == before + 1


async def test_an_upkeep_round_forgets_committed_entries_trimmed_off_the_stream(
    redis: Redis, stage: CleanerStage
) -> None:
    st = stage
    await ensure_group(redis, st.stream, st.group)
    for n in range(3):
        await redis.xadd(st.stream, fields(f"https://a.bg/{n}"))  # type: ignore[arg-type]
    entries = await _deliver(redis, st)
    await stage.handle(redis, entries)
    key = done_key(st.stream, st.group)
    assert await redis.zcard(key) == 3
    late = (await redis.xadd(st.stream, fields("https://a.bg/late"))).decode()  # type: ignore[arg-type]
    await Upkeep(st, st.settings).run_once(redis)  # trims the three committed entries
    assert [i.decode() for i, _ in await redis.xrange(st.stream)] == [late]
    assert await redis.zcard(key) == 0, "committed entries kept after they left the stream"
    # with trimming off the stream keeps them, and so does the set
    await stage.handle(redis, await _deliver(redis, st))
    await Upkeep(st, st.settings.model_copy(update={"trim": False})).run_once(redis)
    assert [m.decode() for m in await redis.zrange(key, 0, -1)] == [late]
