"""The cleaning stage: a batch of scrape-event entries -> articles, rejections, dead letters.

Each entry goes as it was read to an extraction process, which decodes it, cleans it
(extracts, builds, encodes) under the page time budget and sends back the entry to publish
(``budget.py``); this process looks up site memory's furniture for the pages (for their
site and URL as read off the entries, before they are sent; again for a decoded page whose
own differ: a site never read is read from Redis first, the rest is the local copy, which
a background task refreshes), and writes, logs and counts the outcomes. Whatever one entry
raises, at any of these steps, becomes that entry's dead letter, and the rest of its batch
is published. While the batch is worked on, this consumer keeps its claim on the entries
(``claims.py``); the commit writes the outputs of the entries it still holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from opentelemetry.trace import Span
from redis.asyncio import Redis

from vestnik import tracing
from vestnik.cleaner.budget import ExtractorPool
from vestnik.cleaner.claims import ClaimKeeper
from vestnik.cleaner.cleaning import (
    Cleaned,
    Failed,
    Job,
    Located,
    Result,
    Undecodable,
)
from vestnik.connect import connect
from vestnik.logs import get_logger
from vestnik.metrics import BATCH_SIZE, EXTRACT_SECONDS, record
from vestnik.settings import Settings
from vestnik.sitememory import SharedSiteMemory
from vestnik.stage import Entry, ms_since, queued_ms
from vestnik.streams import Write, commit_batch
from vestnik.wire import WireError, dead_letter, encode_model

Line = dict[str, Any]


class CleanerStage:
    name: Literal["cleaner"] = "cleaner"

    def __init__(self, settings: Settings, pool: ExtractorPool | None = None,
                 site_memory: SharedSiteMemory | None = None) -> None:
        self.settings = settings
        self.stream = settings.events_stream
        self.group = settings.cleaner_group
        self.dead_letter_stream = settings.dead_letter_stream(self.name)
        # one batch per extraction process: a page read while one is on a slow page
        # goes to another instead of waiting behind it
        self.batches_in_flight = settings.extract_workers
        self.log = get_logger(stage=self.name, consumer=settings.consumer_name)
        # the partitions a worker consumes share one pool of extraction processes
        self.pool = pool or ExtractorPool(settings.extract_workers, settings.page_timeout_s)
        # what the worker's partitions learn of each site, shared with the other replicas
        self.site_memory = site_memory or (SharedSiteMemory(settings) if settings.site_memory
                                           else None)
        self._refresh_client: Redis | None = None  # site memory's refresh's, once started
        self.claims = ClaimKeeper(self.stream, self.group, settings.consumer_name,
                                  settings.claim_idle_ms)

    async def start(self) -> None:
        """Start the extraction processes (the first batch would, otherwise) and site
        memory's refresh, in the background through a client of its own, so that no batch
        waits for it (a stage sharing a site memory already refreshed starts none)."""
        await self.pool.start()
        if self.site_memory is not None and not self.site_memory.refreshing:
            self._refresh_client = connect(self.settings.resolved_redis_url)
            self.site_memory.start(self._refresh_client)

    async def close(self) -> None:
        """Stop the refresh (what was learned since the last one is not written) and the
        extraction processes."""
        try:
            if self._refresh_client is not None:
                assert self.site_memory is not None
                client, self._refresh_client = self._refresh_client, None
                try:
                    await self.site_memory.stop()
                finally:
                    await client.aclose()
        finally:
            await self.pool.close()

    async def handle(self, redis: Redis, entries: Sequence[Entry]) -> None:
        """Clean the batch and commit its pages as their results come (``_Batch.next_group``
        says when): a batch with a slow page publishes the pages it has done without
        waiting for it, and a quick one is one commit. A batch that raises leaves the
        pages it did not commit pending, to be delivered again."""
        received = time.time()
        BATCH_SIZE.labels(self.name).observe(len(entries))
        spans = [tracing.start_entry_span("vestnik.clean", stage=self.name, stream=self.stream,
                                          entry_id=entry_id, fields=fields)
                 for entry_id, fields in entries]
        batch = _Batch(entries, spans, received)
        try:
            async with self.claims.held(redis, [entry_id for entry_id, _ in entries]) as release:
                extraction = asyncio.ensure_future(self._extract(redis, batch))
                try:
                    while group := await batch.next_group(extraction):
                        await self._commit(redis, batch, group)
                        release(entries[i][0] for i in group)
                    extraction.result()  # what stopped the pages not reported, if anything
                finally:
                    if not extraction.done():
                        extraction.cancel()
                        await asyncio.wait({extraction})
                    elif not extraction.cancelled():
                        extraction.exception()  # seen: raised above, or a commit's error is
        except BaseException as exc:
            for i, span in enumerate(spans):
                if i not in batch.committed:
                    tracing.end_entry_span(span, {"outcome": "failed",
                                                  "error_type": type(exc).__name__})
            raise

    async def _extract(self, redis: Redis, batch: _Batch) -> None:
        """The batch through the extraction processes, each result reported to ``batch``
        as it comes; ``site_memory_ms``: the time waiting for site memory's look-ups."""
        furnish = None
        if self.site_memory is not None:
            async def furnish(pages: Sequence[Located]) -> list[frozenset[int]]:
                started = time.perf_counter()
                try:
                    return await self._furniture(redis, pages)
                finally:
                    batch.site_memory_ms += ms_since(started)
        await self.pool.clean([Job(entry_id, fields) for entry_id, fields in batch.entries],
                              max_body_bytes=self.settings.max_body_bytes,
                              furnish=furnish, report=batch.report)

    async def _commit(self, redis: Redis, batch: _Batch, group: Sequence[int]) -> None:
        """Write and acknowledge the pages of ``group`` (positions in the batch), then log
        each one's canonical line: its time until its result (``extract_ms``), site
        memory's so far (``site_memory_ms``) and its commit's (``commit_ms``)."""
        results = [batch.results[i] for i in group]
        if self.site_memory is not None:
            self._learn(results)
        outcomes = [self._outcome(batch.entries[i], result, batch.spans[i])
                    for i, result in zip(group, results, strict=True)]
        spans = [batch.spans[i] for i in group]
        # each output carries its entry's trace on to the next stage
        writes = [(batch.entries[i][0],
                   [Write(write.stream, {**write.fields, **tracing.carried(span)})])
                  for i, (write, _), span in zip(group, outcomes, spans, strict=True)]
        started = time.perf_counter()
        with tracing.batch_span("vestnik.commit", spans, entries=len(group)):
            committed = await commit_batch(
                redis, writes, stream=self.stream, group=self.group,
                consumer=self.settings.consumer_name,
                claim_idle_ms=self.settings.claim_idle_ms,
                wait_replicas=self.settings.wait_replicas,
                wait_timeout_ms=self.settings.wait_timeout_ms)
        batch.committed.update(group)
        phases = {"batch": len(batch.entries), "committed_with": len(group),
                  "commit_ms": round(ms_since(started), 1)}
        if self.site_memory is not None:
            phases["site_memory_ms"] = round(batch.site_memory_ms, 1)
        for i, (_, line), span in zip(group, outcomes, spans, strict=True):
            entry_id = batch.entries[i][0]
            line.update(queued_ms=queued_ms(entry_id, batch.received),
                        extract_ms=round(batch.done_ms[i], 1), **phases)
            if entry_id in committed.lost:  # another replica holds it now: its outcome counts
                line.update(outcome="lost_ownership", dropped=line.get("outcome"),
                            holder=committed.lost[entry_id] or None)
            elif entry_id in committed.already_done:  # committed before: its outcome stands
                line.update(outcome="already_done", dropped=line.get("outcome"))
            self.log.info("message", **line)
            record(line)
            tracing.end_entry_span(span, line)

    def _outcome(self, entry: Entry, result: Result, span: Span) -> tuple[Write, Line]:
        """The one write an entry turns into, and its canonical log line."""
        entry_id, fields = entry
        line: Line = {"stage": self.name, "entry_id": entry_id}
        if isinstance(result, Undecodable):  # bad input (WireError), or a bug in decoding
            started = time.perf_counter()
            outcome = self._dead_letter(entry_id, fields, _wire_error(
                WireError(result.code, result.reason)), line)
            line["duration_ms"] = round(result.decode_ms + ms_since(started), 3)
            return outcome
        if result.page is not None:
            line["event_id"] = result.page.event_id
        line["duration_ms"] = round(
            (result.page.decode_ms if result.page is not None else 0.0)
            + result.duration_ms, 3)
        EXTRACT_SECONDS.observe(result.duration_ms / 1000)
        tracing.child_span(span, "vestnik.extract", duration_ms=result.duration_ms)
        try:
            return self._write(result, line)
        except Exception as exc:
            return self._dead_letter(entry_id, fields, _wire_error(exc), line)

    async def _furniture(self, redis: Redis,
                         pages: Sequence[Located]) -> list[frozenset[int]]:
        """Site memory's furniture of each page (its site and canonical URL), once it has
        what Redis knows of the sites it never read (never raises; the sites it has are
        refreshed in the background)."""
        assert self.site_memory is not None
        await self.site_memory.sync(redis, [page.site for page in pages])
        return [self.site_memory.furniture(page.site, page.url) for page in pages]

    def _learn(self, results: Sequence[Result]) -> None:
        """Site memory learns the lines of every page cleaned (articles and rejections)."""
        assert self.site_memory is not None
        for result in results:
            if isinstance(result, Cleaned) and result.lines and result.page is not None:
                self.site_memory.learn(result.page.site, result.page.url, result.lines)

    def _write(self, result: Result, line: Line) -> tuple[Write, Line]:
        s = self.settings
        if isinstance(result, Failed):
            raise WireError(result.error_type, result.reason)
        assert isinstance(result, Cleaned)
        if result.outcome == "article":
            line.update(outcome="article", article_id=result.key)
            return Write(s.articles_stream, result.fields), line
        line.update(outcome="rejected", reason=result.key)
        return Write(s.rejected_stream, result.fields), line

    def _dead_letter(self, entry_id: str, fields: Mapping[bytes, bytes], error: WireError,
                     line: Line) -> tuple[Write, Line]:
        s = self.settings
        letter = dead_letter(stage=self.name, error=error, source_stream=self.stream,
                             entry_id=entry_id, fields=fields, **s.dead_letter_limits())
        line.update(outcome="dead_letter", error_type=letter.error_type,
                    reason=letter.reason[:300])
        return Write(self.dead_letter_stream, encode_model(letter)), line


def _printable(text: str) -> str:
    """``text`` as UTF-8 can carry it: lone surrogates written as ``\\udc80``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _wire_error(exc: Exception) -> WireError:
    """A dead letter's code and reason for ``exc``: its own for a ``WireError``, else an
    ``internal_error`` naming the exception."""
    if isinstance(exc, WireError):
        return WireError(exc.code, _printable(exc.reason))
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return WireError("internal_error", _printable(text))


class _Batch:
    """A batch in work: its pages' results as the extraction processes report them, in
    the order they come, and which pages are committed."""

    def __init__(self, entries: Sequence[Entry], spans: Sequence[Span],
                 received: float) -> None:
        self.entries, self.spans, self.received = entries, spans, received
        self.started = time.perf_counter()
        self.results: dict[int, Result] = {}
        self.done_ms: dict[int, float] = {}  # each page's time until its result
        self.site_memory_ms = 0.0
        self.committed: set[int] = set()
        self._ready: list[int] = []  # reported, not yet in a commit
        self._arrived = asyncio.Event()

    def report(self, i: int, result: Result) -> None:
        self.results[i] = result
        self.done_ms[i] = ms_since(self.started)
        self._ready.append(i)
        self._arrived.set()

    async def next_group(self, extraction: asyncio.Future[Any]) -> list[int]:
        """The pages reported since the last group, in batch order, once there are any
        (the extraction processes send their answers a few at a time: ``budget.py``);
        empty once ``extraction`` has ended and every page it reported is taken."""
        while not self._ready and not extraction.done():
            self._arrived.clear()
            arrived: asyncio.Future[Any] = asyncio.ensure_future(self._arrived.wait())
            try:
                await asyncio.wait({extraction, arrived}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                arrived.cancel()
        group, self._ready = sorted(self._ready), []
        return group
