"""The indexing stage: a batch of article entries -> one index transaction, dead letters."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import anyio
from opentelemetry.trace import Span
from redis.asyncio import Redis

from vestnik import tracing
from vestnik.contracts import Article
from vestnik.index import Index
from vestnik.logs import get_logger
from vestnik.metrics import BATCH_SIZE, INDEX_SECONDS, INDEX_WRITES, record
from vestnik.settings import Settings
from vestnik.stage import Entry, ms_since, queued_ms
from vestnik.streams import Write, commit_batch
from vestnik.wire import WireError, dead_letter, decode_model, encode_model


def _decode(fields: Mapping[bytes, bytes]) -> Article | WireError:
    try:
        return decode_model(fields, Article)
    except WireError as exc:
        return exc


class IndexerStage:
    name: Literal["indexer"] = "indexer"

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index
        self.stream = settings.articles_stream
        self.group = settings.indexer_group
        self.dead_letter_stream = settings.dead_letter_stream(self.name)
        self.batches_in_flight = 1  # the index takes one writer: batches queue there anyway
        self.log = get_logger(stage=self.name, consumer=settings.consumer_name)

    async def handle(self, redis: Redis, entries: Sequence[Entry]) -> None:
        spans = [tracing.start_entry_span("vestnik.index", stage=self.name, stream=self.stream,
                                          entry_id=entry_id, fields=fields)
                 for entry_id, fields in entries]
        try:
            lines = await self._handle(redis, entries, spans)
        except BaseException as exc:
            for span in spans:
                tracing.end_entry_span(span, {"outcome": "failed",
                                              "error_type": type(exc).__name__})
            raise
        for span, line in zip(spans, lines, strict=True):
            tracing.end_entry_span(span, line)

    async def _handle(self, redis: Redis, entries: Sequence[Entry],
                      spans: list[Span]) -> list[dict[str, Any]]:
        received = time.time()
        started = time.perf_counter()
        decoded = [_decode(fields) for _, fields in entries]
        # The index keeps the last of several articles with one id in a batch; it is
        # idempotent, so a redelivered batch changes nothing.
        BATCH_SIZE.labels(self.name).observe(len(entries))
        articles = [a for a in decoded if isinstance(a, Article)]
        with INDEX_SECONDS.time(), tracing.batch_span("vestnik.index.write", spans,
                                                      articles=len(articles)):
            report = await anyio.to_thread.run_sync(self.index.upsert_many, articles)
        index_ms = ms_since(started)
        # each entry with what it turns into: an article only its ack, a bad entry its
        # dead letter; the commit writes and acks only the entries still ours
        outputs = [
            (entry_id, [] if isinstance(item, Article) else [
                Write(self.dead_letter_stream, {**encode_model(dead_letter(
                    stage=self.name, error=item, source_stream=self.stream, entry_id=entry_id,
                    fields=fields, **self.settings.dead_letter_limits())),
                    **tracing.carried(span)})])
            for (entry_id, fields), item, span in zip(entries, decoded, spans, strict=True)
        ]
        commit_started = time.perf_counter()
        with tracing.batch_span("vestnik.commit", spans, entries=len(entries)):
            committed = await commit_batch(
                redis, outputs, stream=self.stream, group=self.group,
                consumer=self.settings.consumer_name,
                claim_idle_ms=self.settings.claim_idle_ms,
                wait_replicas=self.settings.wait_replicas,
                wait_timeout_ms=self.settings.wait_timeout_ms)
        # the batch's phases, wall time, on every entry's line: the index transaction
        # (decoding the articles included) and the commit
        batch = {"batch": len(entries), "index_ms": round(index_ms, 1),
                 "commit_ms": round(ms_since(commit_started), 1)}
        lines = []
        per_message = round((time.perf_counter() - started) * 1000 / max(len(entries), 1), 3)
        for (entry_id, _), item in zip(entries, decoded, strict=True):
            line: dict[str, Any] = {"stage": self.name, "entry_id": entry_id}
            if entry_id in committed.lost:
                # an article was upserted all the same: the index keeps the newest fetch
                line.update(outcome="lost_ownership",
                            dropped="indexed" if isinstance(item, Article) else "dead_letter",
                            holder=committed.lost[entry_id] or None)
            elif entry_id in committed.already_done:  # committed before: its outcome stands
                line.update(outcome="already_done",
                            dropped="indexed" if isinstance(item, Article) else "dead_letter")
            elif isinstance(item, Article):
                line.update(event_id=item.provenance.event_id, article_id=item.article_id,
                            outcome="indexed")
            else:
                line.update(outcome="dead_letter", error_type=item.code,
                            reason=item.reason[:300])
            line["duration_ms"] = per_message
            line.update(queued_ms=queued_ms(entry_id, received), **batch)
            self.log.info("message", **line)
            record(line)
            lines.append(line)
        for result in ("inserted", "updated", "unchanged", "stale", "duplicates"):
            if count := getattr(report, result):
                INDEX_WRITES.labels(result).inc(count)
        self.log.debug("batch", size=len(entries), inserted=report.inserted,
                       updated=report.updated, unchanged=report.unchanged, stale=report.stale,
                       duplicates=report.duplicates)
        return lines

