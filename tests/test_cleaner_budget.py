"""The page time budget: extraction in child processes that are replaced past the budget,
and everything that can raise on one page ending as that page's own result."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from vestnik.cleaner import _child, budget, cleaning
from vestnik.cleaner.budget import ExtractorPool, PoolClosed
from vestnik.cleaner.cleaning import (
    Cleaned,
    Failed,
    Furnish,
    Job,
    Located,
    Reported,
    Result,
    Undecodable,
    Where,
    clean_here,
    clean_one,
    peek_page,
)
from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, ScrapeEvent
from vestnik.extract._sitememory import line_hash

from .conftest import SEEDS

SEED = (SEEDS / "003_95b17be52b6e4541.txt").read_text()
CAPTION = "Арменското население напусна Нагорни Карабах"


def slow_page(attributes: int = 40_000) -> str:
    """One element with tens of thousands of attributes: the HTML parser's time grows with
    their square (about 12 s for 40,000 on a busy 2-core machine), all of it in C."""
    attrs = " ".join(f'a{i}="v{i}"' for i in range(attributes))
    return f"<html><body><p {attrs}>Текст на статията.</p></body></html>"


def event(url: str, body: str = SEED, content_type: str = "text/plain") -> ScrapeEvent:
    return ScrapeEvent(url=url, fetched_at=datetime(2025, 12, 7, tzinfo=UTC),
                       content_type=content_type, body=body)


def entry(url: str, body: str = SEED, content_type: str = "text/plain") -> dict[bytes, bytes]:
    return {b"__data__": orjson.dumps({"url": url, "fetched_at": "2025-12-07T00:00:00Z",
                                       "content_type": content_type, "body": body})}


def job(url: str, body: str = SEED, content_type: str = "text/plain") -> Job:
    return Job(f"{len(url)}-0", entry(url, body, content_type))


MAX = 5_000_000


def untimed(results: Sequence[Result]) -> list[Result]:
    """``results`` without their timings."""
    out: list[Result] = []
    for r in results:
        if isinstance(r, Undecodable):
            out.append(replace(r, decode_ms=0.0))
        else:
            page = r.page and replace(r.page, decode_ms=0.0)
            out.append(replace(r, duration_ms=0.0, page=page))
    return out


class Pool(ExtractorPool):
    """The pool with the default entry limit."""

    async def clean(self, jobs: Sequence[Job], *, max_body_bytes: int = MAX,
                    furnish: Furnish | None = None,
                    report: Reported | None = None) -> list[Result]:
        return await super().clean(jobs, max_body_bytes=max_body_bytes, furnish=furnish,
                                   report=report)


@pytest.fixture
async def pool() -> AsyncIterator[Pool]:
    p = Pool(workers=1, budget_s=1.0)
    await p.start()
    yield p
    await p.close()


async def test_a_page_past_its_budget_is_stopped_and_the_pages_after_it_are_cleaned(
    pool: Pool,
) -> None:
    (first_pid,) = pool.pids
    jobs = [job("https://a.bg/1"), job("https://a.bg/slow", slow_page(), "text/html"),
            job("https://a.bg/2"), job("https://a.bg/3")]
    started = time.monotonic()
    results = await pool.clean(jobs)
    took = time.monotonic() - started
    assert [type(r).__name__ for r in results] == ["Cleaned", "Failed", "Cleaned", "Cleaned"], (
        f"the slow page was not stopped at its budget: {results[1]}")
    slow = results[1]
    assert isinstance(slow, Failed) and slow.error_type == "timeout", slow
    assert "1 s budget" in slow.reason and "stopped after 1." in slow.reason, slow.reason
    assert "url https://a.bg/slow" in slow.reason, slow.reason
    assert took < 1.0 + 5, f"the batch took {took:.1f} s: the slow page was not stopped"
    assert pool.pids and pool.pids != [first_pid], "the stopped process was not replaced"
    (again,) = await pool.clean([job("https://a.bg/4")])  # the replacement works
    assert isinstance(again, Cleaned) and again.outcome == "article"


async def test_each_result_is_reported_as_soon_as_it_is_known(pool: Pool) -> None:
    reports: list[tuple[int, str, float]] = []

    def report(position: int, result: Result) -> None:
        kind = result.error_type if isinstance(result, Failed) else type(result).__name__
        reports.append((position, kind, time.monotonic()))

    started = time.monotonic()
    results = await pool.clean([job("https://a.bg/1"), job("https://a.bg/slow", slow_page(),
                                                           "text/html"), job("https://a.bg/2")],
                               report=report)
    assert [(p, kind) for p, kind, _ in reports] == [(0, "Cleaned"), (1, "timeout"),
                                                      (2, "Cleaned")], reports
    assert reports[0][2] - started < 0.5, "the first page waited for the slow one"
    assert [type(r) for r in results] == [Cleaned, Failed, Cleaned]


class Pipe:
    """A child's end of its pipe: what it sent, and when."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, list[Any]]] = []

    def send(self, answers: list[Any]) -> None:
        self.sent.append((time.monotonic(), answers))


def test_a_childs_quick_answers_go_several_to_a_message() -> None:
    pipe, progress = Pipe(), multiprocessing.RawValue("q", _child.IDLE)
    outbox = _child.Outbox(pipe, progress)  # type: ignore[arg-type]
    for k in range(20):  # twenty pages of a millisecond each
        progress.value = _child.progress_word(k)
        time.sleep(0.001)
        outbox.add([(k, ("article", f"id{k}", {}, 1.0, b""))])
    outbox.flush()
    answers = [a for _, sent in pipe.sent for a, _ in sent]
    assert answers == list(range(20))
    assert len(pipe.sent) <= 4, f"{len(pipe.sent)} messages for 20 quick pages"


def test_a_childs_answers_are_sent_once_it_has_been_on_one_page_a_while() -> None:
    pipe, progress = Pipe(), multiprocessing.RawValue("q", _child.IDLE)
    outbox = _child.Outbox(pipe, progress)  # type: ignore[arg-type]
    outbox.add([(0, ("article", "id0", {}, 1.0, b""))])
    progress.value = _child.progress_word(1)  # a slow page starts
    started = time.monotonic()
    deadline = started + 5
    while not pipe.sent and time.monotonic() < deadline:
        time.sleep(0.001)
    assert pipe.sent, "the page done was not sent while the process was on a slow one"
    assert pipe.sent[0][0] - started >= _child.QUIET_S * 0.9
    assert [a for a, _ in pipe.sent[0][1]] == [0]


async def test_the_event_loop_runs_on_while_a_page_is_extracted(pool: Pool) -> None:
    ticks = [time.monotonic()]

    async def tick() -> None:
        while True:
            await asyncio.sleep(0.02)
            ticks.append(time.monotonic())

    ticker = asyncio.create_task(tick())
    try:
        await pool.clean([job("https://a.bg/slow", slow_page(), "text/html")])
    finally:
        ticker.cancel()
    ticks.append(time.monotonic())
    still = max(b - a for a, b in itertools.pairwise(ticks))
    assert still < 0.5, f"the event loop stood still {still:.2f} s while a page was extracted"


async def test_a_batch_is_spread_over_the_processes_and_answered_in_order() -> None:
    pool = Pool(workers=2, budget_s=5.0)
    try:
        await pool.start()
        assert len(set(pool.pids)) == 2
        urls = [f"https://a.bg/{i}" for i in range(7)]
        results = await pool.clean([job(u) for u in urls])
        ids = [r.key for r in results if isinstance(r, Cleaned)]
        expected = [a.article_id for u in urls
                    if isinstance(a := clean_event(event(u), entry_id="1-0"), Article)]
        assert ids == expected
    finally:
        await pool.close()


async def test_two_batches_at_once_share_one_process_without_mixing_answers(
    pool: Pool,
) -> None:
    a, b = await asyncio.gather(pool.clean([job(f"https://a.bg/a{i}") for i in range(5)]),
                                pool.clean([job(f"https://a.bg/b{i}") for i in range(5)]))
    assert len(a) == len(b) == 5
    keys = [{r.key for r in run if isinstance(r, Cleaned)} for run in (a, b)]
    assert len(keys[0]) == len(keys[1]) == 5 and not keys[0] & keys[1]


def _kill_each_new_process(pool: ExtractorPool, times: int, stop: threading.Event) -> None:
    """Kill the pool's process once it is on a page, then its replacement, ``times`` in all."""
    killed: set[int] = set()
    while len(killed) < times and not stop.is_set():
        for pid in pool.pids:
            if pid not in killed:
                time.sleep(0.3)  # on the page by now
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.02)


async def test_a_page_whose_process_dies_is_tried_once_more_then_dead_lettered_as_crashed(
) -> None:
    pool = Pool(workers=1, budget_s=30.0)
    stop = threading.Event()
    try:
        await pool.start()
        killer = threading.Thread(target=_kill_each_new_process, args=(pool, 2, stop))
        killer.start()
        results = await pool.clean([job("https://a.bg/slow", slow_page(), "text/html"),
                                    job("https://a.bg/after")])
        stop.set()
        killer.join()
        crashed, after = results
        assert isinstance(crashed, Failed) and crashed.error_type == "crashed", crashed
        assert "died on this page twice (killed by SIGKILL)" in crashed.reason, crashed.reason
        assert isinstance(after, Cleaned) and after.outcome == "article"
    finally:
        stop.set()
        await pool.close()


async def test_a_process_ignores_sigterm_sent_to_the_whole_process_group(
    pool: Pool,
) -> None:
    (pid,) = pool.pids
    os.kill(pid, signal.SIGTERM)
    os.kill(pid, signal.SIGINT)
    (result,) = await pool.clean([job("https://a.bg/1")])
    assert isinstance(result, Cleaned) and pool.pids == [pid]


async def test_closing_the_pool_mid_batch_raises_so_the_entries_stay_pending(
    pool: Pool,
) -> None:
    batch = asyncio.create_task(pool.clean([job("https://a.bg/slow", slow_page(),
                                                 "text/html")]))
    await asyncio.sleep(0.3)
    await pool.close()
    with pytest.raises(PoolClosed):
        await batch


def test_an_article_that_cannot_be_encoded_is_its_own_failure_naming_the_field() -> None:
    body = SEED.replace(CAPTION, CAPTION + " \udc80")  # as a *_escape codec can produce
    result = clean_one(event("https://a.bg/s", body), "1-0")
    assert isinstance(result, Failed) and result.error_type == "unencodable", result
    assert ("the article cannot be written as UTF-8 JSON: captions[0] holds a lone surrogate "
            "U+DC80 at character") in result.reason, result.reason
    assert "surrogates not allowed" in result.reason


def test_a_bug_in_extraction_is_an_internal_error_naming_the_exception_and_where(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(event: ScrapeEvent, *, entry_id: str | None = None) -> Article:
        raise ValueError("boom")

    monkeypatch.setattr(cleaning, "clean_event", broken)
    result = clean_one(event("https://a.bg/b"), "1-0")
    assert isinstance(result, Failed) and result.error_type == "internal_error"
    assert result.reason.startswith("extraction failed: ValueError: boom (at test_cleaner_"), \
        result.reason


async def test_entries_are_decoded_in_the_extraction_process_not_in_the_worker(
    pool: Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_decoding_here(*args: object, **kwargs: object) -> ScrapeEvent:
        raise AssertionError("the worker decoded an entry: it should only pass its bytes on")

    monkeypatch.setattr(cleaning, "decode_event", no_decoding_here)
    (result,) = await pool.clean([job("https://a.bg/1")])
    assert isinstance(result, Cleaned) and result.outcome == "article", result
    assert result.page is not None and result.page.event_id == event("https://a.bg/1").event_id
    size = len(entry("https://a.bg/1")[b"__data__"])
    assert result.page.about == (f"url https://a.bg/1, content type text/plain, body "
                                 f"{len(SEED):,} characters (entry {size:,} bytes)")


async def test_an_entry_that_cannot_be_decoded_is_its_own_and_the_batch_is_cleaned(
    pool: Pool,
) -> None:
    results = await pool.clean([
        job("https://a.bg/1"), Job("2-0", {b"__data__": b"{not json"}),
        Job("3-0", {b"__data__": b'{"content_type": "text/plain", "body": "x"}'}),
        job("https://a.bg/4")])
    first, bad_json, no_url, last = results
    assert isinstance(first, Cleaned) and isinstance(last, Cleaned), results
    assert isinstance(bad_json, Undecodable) and bad_json.code == "invalid_json", bad_json
    assert isinstance(no_url, Undecodable) and no_url.code == "schema", no_url
    assert "url: Field required" in no_url.reason, no_url.reason
    over = await pool.clean([job("https://a.bg/5")], max_body_bytes=100)
    assert isinstance(over[0], Undecodable) and over[0].code == "too_large", over


async def test_site_memory_is_asked_once_per_batch_for_the_decoded_pages(pool: Pool) -> None:
    asked: list[list[Located]] = []
    furniture = frozenset({line_hash("Арменското население напусна Нагорни Карабах")})

    async def furnish(pages: Sequence[Located]) -> list[frozenset[int]]:
        asked.append(list(pages))
        return [furniture] * len(pages)

    jobs = [job("https://www.a.bg/1?utm_source=x"), Job("2-0", {b"__data__": b"{"}),
            job("https://b.bg/3")]
    results = await pool.clean(jobs, furnish=furnish)
    assert [[(p.site, p.url) for p in pages] for pages in asked] == [
        [("a.bg", "https://a.bg/1"), ("b.bg", "https://b.bg/3")]], "asked other than once"
    here = await clean_here(jobs, max_body_bytes=MAX, furnish=furnish)
    assert untimed(results) == untimed(here), (
        "the extraction process cleaned otherwise than this process")
    cleaned = [r for r in results if isinstance(r, Cleaned)]
    assert len(cleaned) == 2 and all(r.lines for r in cleaned), "no lines to learn from"
    without = await pool.clean(jobs[:1])
    assert isinstance(without[0], Cleaned) and without[0].lines == ()


async def test_a_batch_whose_sites_were_read_off_its_entries_is_one_message(
    pool: Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    messages: list[int] = []
    exchange = budget._Child._exchange

    async def counted(self: budget._Child, message: tuple[object, ...], *args: object) -> None:
        messages.append(len(message[2]))  # type: ignore[arg-type]
        await exchange(self, message, *args)  # type: ignore[arg-type]

    async def furnish(pages: Sequence[Located]) -> list[frozenset[int]]:
        return [frozenset()] * len(pages)

    monkeypatch.setattr(budget._Child, "_exchange", counted)
    results = await pool.clean([job("https://a.bg/1"), job("https://b.bg/2")], furnish=furnish)
    assert all(isinstance(r, Cleaned) for r in results), results
    assert messages == [2], "the extraction process was sent more than the batch's message"


async def test_a_page_whose_site_was_misread_asks_again_and_is_cleaned_with_its_own(
    pool: Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the worker reads off an entry is a guess: a page whose decoded site or URL is
    another's is looked up again, and cleaned with its own site's furniture only."""
    peek = budget.peek_page

    def misread(fields: dict[bytes, bytes], max_body_bytes: int) -> Where | None:
        found = peek(fields, max_body_bytes)
        if found is not None and found.url.endswith("/2"):
            return Where("other.bg", found.url)
        if found is not None and found.url.endswith("/3"):
            return None
        return found

    asked: list[list[tuple[str, str]]] = []
    furniture = frozenset({line_hash(CAPTION)})

    async def furnish(pages: Sequence[Located]) -> list[frozenset[int]]:
        asked.append([(p.site, p.url) for p in pages])
        return [furniture if p.site == "b.bg" else frozenset() for p in pages]

    monkeypatch.setattr(budget, "peek_page", misread)
    jobs = [job("https://a.bg/1"), job("https://b.bg/2"), job("https://b.bg/3")]
    results = await pool.clean(jobs, furnish=furnish)
    assert asked == [[("a.bg", "https://a.bg/1"), ("other.bg", "https://b.bg/2")],
                     [("b.bg", "https://b.bg/2"), ("b.bg", "https://b.bg/3")]]
    monkeypatch.setattr(budget, "peek_page", peek)
    here = await clean_here(jobs, max_body_bytes=MAX, furnish=furnish)
    assert untimed(results) == untimed(here), "a page was cleaned with another's furniture"
    assert [r.page and (r.page.site, r.page.url) for r in results if isinstance(r, Cleaned)] == [
        ("a.bg", "https://a.bg/1"), ("b.bg", "https://b.bg/2"), ("b.bg", "https://b.bg/3")]


async def test_a_misread_page_past_its_budget_is_a_timeout_naming_its_url(
    pool: Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def furnish(pages: Sequence[Located]) -> list[frozenset[int]]:
        return [frozenset()] * len(pages)

    monkeypatch.setattr(budget, "peek_page", lambda fields, max_body_bytes: None)
    results = await pool.clean([job("https://a.bg/slow", slow_page(), "text/html"),
                                job("https://a.bg/after")], furnish=furnish)
    timed_out, after = results
    assert isinstance(timed_out, Failed) and timed_out.error_type == "timeout", timed_out
    assert "url https://a.bg/slow, content type text/html" in timed_out.reason
    assert isinstance(after, Cleaned)


async def test_a_batch_cancelled_mid_page_leaves_no_answer_for_the_next(pool: Pool) -> None:
    (pid,) = pool.pids
    batch = asyncio.create_task(pool.clean([job("https://a.bg/slow", slow_page(),
                                                 "text/html")]))
    await asyncio.sleep(0.3)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    (result,) = await pool.clean([job("https://a.bg/next")])
    assert isinstance(result, Cleaned) and result.page is not None
    assert result.page.about.startswith("url https://a.bg/next"), result.page.about
    assert pool.pids and pool.pids != [pid], "the process busy with the cancelled page was kept"


async def test_peek_page_reads_the_site_and_canonical_url_of_each_shape() -> None:
    from faststream.redis.parser import BinaryMessageFormatV1

    data = {"url": "https://www.A.bg/x?utm_source=y", "fetched_at": "2025-12-07T00:00:00Z",
            "content_type": "text/plain", "body": "x"}
    assert peek_page({b"__data__": orjson.dumps(data)}, MAX) == Where("a.bg", "https://a.bg/x")
    hinted = orjson.dumps({**data, "site": "Dnevnik.bg"})
    assert peek_page({b"__data__": hinted}, MAX) == Where("dnevnik.bg", "https://a.bg/x")
    raw = await BinaryMessageFormatV1.encode(message=data, reply_to=None, headers={},
                                             correlation_id="c1")
    assert peek_page({b"__data__": raw}, MAX) == Where("a.bg", "https://a.bg/x")
    plain = {b"url": b"https://b.bg/1", b"site": b"b", b"body": b"x"}
    assert peek_page(plain, MAX) == Where("b", "https://b.bg/1")
    quoted = 'a quote of "site": "x.bg" and "url": "https://x.bg" in the text ' * 400
    late = {"body": quoted, "fetched_at": "2025-12-07T00:00:00Z", "url": "https://c.bg/2",
            "site": None}  # the keys after a long body
    assert peek_page({b"__data__": orjson.dumps(late)}, MAX) == Where("c.bg", "https://c.bg/2")
    for unread in ({b"__data__": b"{"}, {b"__data__": b"[1]"}, {b"__data__": b'{"url": 5}'},
                   {b"body": b"x"}, {b"url": b"\xff"}):
        assert peek_page(unread, MAX) is None, unread
    assert peek_page({b"__data__": orjson.dumps(data)}, 50) is None  # over the entry limit
