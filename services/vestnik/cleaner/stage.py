"""The cleaning stage: a batch of scrape-event entries -> articles, rejections, dead letters."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from redis.asyncio import Redis

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article
from vestnik.logs import get_logger
from vestnik.settings import Settings
from vestnik.stage import Entry
from vestnik.streams import Write, commit_batch
from vestnik.wire import dead_letter, decode_event, encode_model


class CleanerStage:
    name: Literal["cleaner"] = "cleaner"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stream = settings.events_stream
        self.group = settings.cleaner_group
        self.dead_letter_stream = settings.dead_letter_stream(self.name)
        self.log = get_logger(stage=self.name, consumer=settings.consumer_name)

    async def handle(self, redis: Redis, entries: Sequence[Entry]) -> None:
        outputs: list[tuple[str, list[Write]]] = []
        lines: list[dict[str, Any]] = []
        for entry_id, fields in entries:
            started = time.perf_counter()
            write, line = self._process(entry_id, fields)
            line["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
            outputs.append((entry_id, [write]))  # each entry's outputs with it
            lines.append(line)
        # the commit writes outputs and acks only for the entries still ours
        committed = await commit_batch(
            redis, outputs, stream=self.stream, group=self.group,
            consumer=self.settings.consumer_name, claim_idle_ms=self.settings.claim_idle_ms)
        for line in lines:
            if line["entry_id"] in committed.lost:
                line.update(dropped=line["outcome"], outcome="lost_ownership",
                            holder=committed.lost[line["entry_id"]] or None)
            self.log.info("message", **line)

    def _process(
        self, entry_id: str, fields: Mapping[bytes, bytes]
    ) -> tuple[Write, dict[str, Any]]:
        """The one write an entry turns into, and its canonical log line."""
        s = self.settings
        line: dict[str, Any] = {"stage": self.name, "entry_id": entry_id}
        error: Exception
        try:
            event = decode_event(fields, max_body_bytes=s.max_body_bytes)
            line["event_id"] = event.event_id
            result = clean_event(event, entry_id=entry_id)
        except Exception as exc:  # bad input (WireError) or a bug in extraction: never stops
            error = exc
        else:
            if isinstance(result, Article):
                line.update(outcome="article", article_id=result.article_id)
                return Write(s.articles_stream, encode_model(result)), line
            line.update(outcome="rejected", reason=result.reason)
            return Write(s.rejected_stream, encode_model(result)), line
        letter = dead_letter(stage=self.name, error=error, source_stream=self.stream,
                             entry_id=entry_id, fields=fields,
                             max_field_bytes=s.dead_letter_max_field_bytes)
        line.update(outcome="dead_letter", error_type=letter.error_type,
                    reason=letter.reason[:300])
        return Write(self.dead_letter_stream, encode_model(letter)), line
