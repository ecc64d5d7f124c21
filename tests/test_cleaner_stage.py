"""The cleaning stage on the real Redis: one entry's failure, at any step, is that entry's
dead letter while the rest of its batch is published; entries in long work keep their owner;
a batch never waits for site memory's refresh.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from vestnik import wire
from vestnik.cleaner import cleaning
from vestnik.cleaner.cleaning import Furnish, Job, Reported, Result, clean_here
from vestnik.cleaner.pipeline import clean_event
from vestnik.cleaner.stage import CleanerStage
from vestnik.contracts import Article, DeadLetter, Rejection, ScrapeEvent
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.sitememory import site_keys
from vestnik.stage import Entry
from vestnik.streams import ensure_group
from vestnik.wire import decode_model

from .conftest import REDIS_URL, SEEDS

SEED = (SEEDS / "003_95b17be52b6e4541.txt").read_text()
OTHER = "another-replica"


def slow_page(attributes: int = 40_000) -> str:
    """Tens of thousands of attributes on one element: seconds in the HTML parser's C code."""
    attrs = " ".join(f'a{i}="v{i}"' for i in range(attributes))
    return f"<html><body><p {attrs}>Текст на статията.</p></body></html>"


def fields(url: str, body: str = SEED, content_type: str = "text/plain") -> dict[str, bytes]:
    return {"__data__": orjson.dumps({"url": url, "fetched_at": "2025-12-07T12:00:00Z",
                                      "content_type": content_type, "body": body})}


class InProcessPool:
    """The pool's contract (one result per job, in order) without processes, so a test can
    change what decoding and cleaning do in this process."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def clean(self, jobs: Sequence[Job], *, max_body_bytes: int,
                    furnish: Furnish | None = None,
                    report: Reported | None = None) -> list[Result]:
        return await clean_here(jobs, max_body_bytes=max_body_bytes, furnish=furnish,
                                report=report)


@pytest.fixture
async def stage(settings: Settings) -> AsyncIterator[CleanerStage]:
    s = CleanerStage(settings.model_copy(update={"claim_idle_ms": 300, "page_timeout_s": 2.0}))
    yield s
    await s.close()


async def _read(redis: Redis, st: CleanerStage, *entries: dict[str, bytes]) -> list[Entry]:
    """Publish ``entries`` and read them as the stage's consumer, as its subscriber would."""
    await ensure_group(redis, st.stream, st.group)
    for f in entries:
        await redis.xadd(st.stream, f)  # type: ignore[arg-type]
    reply = await redis.xreadgroup(st.group, st.settings.consumer_name, {st.stream: ">"},
                                   count=100)
    return [(i.decode(), f) for i, f in reply[0][1]]


async def _outputs(redis: Redis, st: CleanerStage) -> dict[str, Any]:
    s = st.settings
    out: dict[str, Any] = {}
    for _, f in await redis.xrange(s.articles_stream):
        a = decode_model(f, Article)
        out[a.provenance.source_entry_id or ""] = a
    for _, f in await redis.xrange(s.rejected_stream):
        r = decode_model(f, Rejection)
        out[r.source_entry_id or ""] = r
    for _, f in await redis.xrange(st.dead_letter_stream):
        d = decode_model(f, DeadLetter)
        out[d.entry_id] = d
    return out


async def test_an_unencodable_article_is_dead_lettered_alone_and_its_batch_published(
    redis: Redis, stage: CleanerStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def with_surrogate(event: ScrapeEvent, *, entry_id: str | None = None, **kw: Any) -> Any:
        found = clean_event(event, entry_id=entry_id, **kw)
        if "surrogate" in event.url and isinstance(found, Article):  # as *_escape gives
            return found.model_copy(update={"captions": ["снимка: архив \udc80"]})
        return found

    monkeypatch.setattr(cleaning, "clean_event", with_surrogate)
    stage.pool = InProcessPool()  # type: ignore[assignment]
    entries = await _read(redis, stage, fields("https://a.bg/1"), fields("https://a.bg/surrogate"),
                          fields("https://a.bg/2"))
    await stage.handle(redis, entries)  # raises if the entry failed the whole batch

    out = await _outputs(redis, stage)
    first, bad, second = (out[i] for i, _ in entries)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert isinstance(bad, DeadLetter) and bad.error_type == "unencodable", bad
    assert bad.reason.startswith("the article cannot be written as UTF-8 JSON: captions[0] "
                                 "holds a lone surrogate U+DC80 at character 14"), bad.reason
    assert orjson.loads(bad.fields["__data__"])["url"] == "https://a.bg/surrogate"
    assert (await redis.xpending(stage.stream, stage.group))["pending"] == 0


async def test_a_bug_while_decoding_one_entry_is_its_internal_error_not_the_batchs(
    redis: Redis, stage: CleanerStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    decode = wire.decode_event

    def buggy(f: Any, *, max_body_bytes: int) -> ScrapeEvent:
        event = decode(f, max_body_bytes=max_body_bytes)
        if event.url.endswith("/bug"):
            raise TypeError("an unexpected bug")
        return event

    monkeypatch.setattr(cleaning, "decode_event", buggy)
    stage.pool = InProcessPool()  # type: ignore[assignment]
    entries = await _read(redis, stage, fields("https://a.bg/bug"), fields("https://a.bg/ok"))
    await stage.handle(redis, entries)
    out = await _outputs(redis, stage)
    bad, good = (out[i] for i, _ in entries)
    assert isinstance(bad, DeadLetter) and bad.error_type == "internal_error", bad
    assert bad.reason == "TypeError: an unexpected bug"
    assert isinstance(good, Article)


async def test_a_slow_page_is_a_timeout_dead_letter_saying_what_is_known_of_it(
    redis: Redis, stage: CleanerStage
) -> None:
    page = slow_page()
    entries = await _read(redis, stage, fields("https://a.bg/slow", page, "text/html"),
                          fields("https://a.bg/after"))
    await stage.handle(redis, entries)
    out = await _outputs(redis, stage)
    slow, after = (out[i] for i, _ in entries)
    assert isinstance(slow, DeadLetter) and slow.error_type == "timeout", slow
    assert slow.reason.startswith("cleaning the page took longer than its 2 s budget: "
                                  "stopped after 2."), slow.reason
    assert (f"url https://a.bg/slow, content type text/html, body {len(page):,} characters "
            f"(entry {len(entries[0][1][b'__data__']):,} bytes)") in slow.reason, slow.reason
    assert isinstance(after, Article)


async def test_the_pages_cleaned_before_a_slow_one_are_published_while_it_runs(
    redis: Redis, stage: CleanerStage
) -> None:
    entries = await _read(redis, stage, fields("https://a.bg/quick"),
                          fields("https://a.bg/slow", slow_page(), "text/html"))
    handled = asyncio.create_task(stage.handle(redis, entries))
    published_at = None
    async with asyncio.timeout(30):
        while not await redis.xlen(stage.settings.articles_stream):
            assert not handled.done(), "the batch ended before its first page was published"
            await asyncio.sleep(0.01)
        published_at = time.monotonic()
        running = not handled.done()
        pending = (await redis.xpending(stage.stream, stage.group))["pending"]
        await handled
    assert running, "the quick page was published only once the slow one was done"
    assert pending == 1, f"{pending} entries pending: the quick one was not acknowledged"
    out = await _outputs(redis, stage)
    quick, slow = (out[i] for i, _ in entries)
    assert isinstance(quick, Article)
    assert isinstance(slow, DeadLetter) and slow.error_type == "timeout", slow
    assert time.monotonic() - published_at > 0.5  # the slow page ran on for its budget


async def _reclaim_all_the_time(redis: Redis, st: CleanerStage, claimed: list[str],
                                stop: asyncio.Event) -> None:
    """Another replica's upkeep, reclaiming entries idle past ``claim_idle_ms``, often."""
    while not stop.is_set():
        reply = await redis.xautoclaim(st.stream, st.group, OTHER,
                                       min_idle_time=st.settings.claim_idle_ms, start_id="0-0")
        claimed += [i.decode() for i, _ in reply[1]]
        await asyncio.sleep(0.05)


async def test_entries_in_long_work_are_not_reclaimed_by_another_replica(
    redis: Redis, stage: CleanerStage
) -> None:
    assert stage.settings.claim_idle_ms / 1000 < stage.settings.page_timeout_s
    entries = await _read(redis, stage, fields("https://a.bg/1"),
                          fields("https://a.bg/slow", slow_page(), "text/html"),
                          fields("https://a.bg/2"))
    claimed: list[str] = []
    stop = asyncio.Event()
    other = asyncio.create_task(_reclaim_all_the_time(redis, stage, claimed, stop))
    try:
        await stage.handle(redis, entries)
    finally:
        stop.set()
    await asyncio.wait_for(other, 10)  # its own failure, if any, shows here
    assert not claimed, f"another replica reclaimed entries still in work: {sorted(set(claimed))}"
    out = await _outputs(redis, stage)
    assert [type(out[i]).__name__ for i, _ in entries] == ["Article", "DeadLetter", "Article"]
    assert (await redis.xpending(stage.stream, stage.group))["pending"] == 0


async def test_a_renewal_never_takes_an_entry_back_from_the_replica_that_reclaimed_it(
    redis: Redis, stage: CleanerStage
) -> None:
    mine, theirs = (i for i, _ in await _read(redis, stage, fields("https://a.bg/1"),
                                               fields("https://a.bg/2")))
    await redis.xclaim(stage.stream, stage.group, OTHER, 0, [theirs], justid=True)
    assert await stage.claims.renew(redis, [mine, theirs]) == 1
    owners = {p["message_id"].decode(): p["consumer"].decode() for p in
              await redis.xpending_range(stage.stream, stage.group, "-", "+", 10)}
    assert owners == {mine: stage.settings.consumer_name, theirs: OTHER}


async def test_an_entry_reclaimed_mid_batch_is_left_to_its_new_owner(
    redis: Redis, stage: CleanerStage
) -> None:
    # the page after the slow one is not cleaned (nor committed) before the slow one ends
    entries = await _read(redis, stage, fields("https://a.bg/slow", slow_page(), "text/html"),
                          fields("https://a.bg/1"), fields("https://a.bg/2"))
    stolen = entries[1][0]
    batch = asyncio.create_task(stage.handle(redis, entries))
    await asyncio.sleep(0.5)  # a replica that took it, e.g. after this one stalled
    await redis.xclaim(stage.stream, stage.group, OTHER, 0, [stolen], justid=True)
    await batch
    out = await _outputs(redis, stage)
    assert stolen not in out, "published an entry another replica owns"
    assert [type(out[i]).__name__ for i, _ in (entries[0], entries[2])] == [
        "DeadLetter", "Article"]
    pending = await redis.xpending_range(stage.stream, stage.group, "-", "+", 10)
    assert [(p["message_id"].decode(), p["consumer"].decode()) for p in pending] == [
        (stolen, OTHER)]


async def test_site_memory_learns_each_cleaned_page_of_a_batch_under_its_site_and_url(
    redis: Redis, stage: CleanerStage
) -> None:
    assert stage.site_memory is not None
    entries = await _read(redis, stage, fields("https://www.a.bg/1?utm_source=x"),
                          fields("https://b.bg/2"), {"__data__": b"{not json"})
    await stage.handle(redis, entries)
    tables = stage.site_memory.memory.tables
    assert sorted(tables) == ["a.bg", "b.bg"]
    assert tables["a.bg"].seen("https://a.bg/1") and tables["b.bg"].seen("https://b.bg/2")
    assert tables["a.bg"].pages == tables["b.bg"].pages == 1.0
    assert stage.site_memory.n_pending == 2
    assert set(stage.site_memory.loaded) == {"a.bg", "b.bg"}, "its sites were not read first"


async def test_a_batch_does_not_wait_for_a_site_memory_refresh_on_its_way(
    redis: Redis, settings: Settings
) -> None:
    """A refresh held on its way (its Redis slow) while a batch of a site already read is
    cleaned: the batch is published with the local copy; the refresh writes both pages once
    let go. A batch that waited for it would wait as long as it is held (no timeout)."""
    st = CleanerStage(settings.model_copy(update={"site_memory_refresh_s": 0.05,
                                                  "site_memory_timeout_s": 3600.0}),
                      pool=InProcessPool())  # type: ignore[arg-type]
    memory = st.site_memory
    assert memory is not None
    sync = memory._sync
    on_its_way, let_go = asyncio.Event(), asyncio.Event()

    async def held(client: Redis, sites: set[str], write: bool) -> None:
        if write:  # the refresh's round trip (a first look-up's goes on)
            on_its_way.set()
            await let_go.wait()
        await sync(client, sites, write)

    memory._sync = held  # type: ignore[method-assign]
    first = await _read(redis, st, fields("https://a.bg/1"))
    # a.bg read before its first batch, its page learned (no refresh is on its way)
    await asyncio.wait_for(st.handle(redis, first), 20)
    await st.start()
    try:
        await asyncio.wait_for(on_its_way.wait(), 20)
        entries = await _read(redis, st, fields("https://a.bg/2"))
        await asyncio.wait_for(st.handle(redis, entries), 20)  # held: no refresh done
        assert not let_go.is_set()
        assert isinstance((await _outputs(redis, st))[entries[0][0]], Article)
        assert memory.memory.tables["a.bg"].seen("https://a.bg/2")
        let_go.set()
        _, urls, _ = site_keys(st.settings.site_memory_prefix, "a.bg")
        deadline = time.monotonic() + 20
        while await redis.zcard(urls) < 2:
            assert time.monotonic() < deadline, "the refresh let go never wrote the pages"
            await asyncio.sleep(0.02)
    finally:
        let_go.set()
        await st.close()
    assert not memory.refreshing and st._refresh_client is None


@pytest.mark.parametrize("workers", [2, 3])
async def test_a_page_read_while_a_slow_one_is_in_work_goes_to_another_process(
    redis: Redis, settings: Settings, workers: int
) -> None:
    """With several extraction processes the reader hands the stage several batches at
    once: a quick page published while a slow one holds a process is published at once,
    not after the slow one's budget."""
    st = CleanerStage(settings.model_copy(update={
        "claim_idle_ms": 300, "page_timeout_s": 3.0, "extract_workers": workers,
        "poll_ms": 100}))
    reader = StreamReader(st, st.settings, lambda: Redis.from_url(REDIS_URL),
                          max_entry_bytes=None, on_ended=lambda exc: None)
    await ensure_group(redis, st.stream, st.group)
    await st.start()
    await reader.start()
    try:
        slow = await redis.xadd(st.stream, fields("https://a.bg/slow", slow_page(),  # type: ignore[arg-type]
                                                  "text/html"))
        deadline = time.monotonic() + 10
        while not (await redis.xpending(st.stream, st.group))["pending"]:
            assert time.monotonic() < deadline, "the slow page was never read"
            await asyncio.sleep(0.01)
        sent = time.monotonic()
        await redis.xadd(st.stream, fields("https://a.bg/quick"))  # type: ignore[arg-type]
        while not await redis.xlen(st.settings.articles_stream):
            assert time.monotonic() < sent + 20, "the quick page was never published"
            await asyncio.sleep(0.01)
        waited = time.monotonic() - sent
        pending = await redis.xpending_range(st.stream, st.group, min="-", max="+", count=10)
        assert [p["message_id"] for p in pending] == [slow], (
            f"the quick page was published only once the slow one was done ({waited:.1f} s)")
    finally:
        await reader.stop()
        await st.close()
