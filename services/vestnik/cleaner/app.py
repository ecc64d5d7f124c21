"""The cleaning worker: a FastStream app on the scrape-events stream.

Run it with ``vestnik cleaner`` or ``faststream run --factory vestnik.cleaner.app:create_app``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.redis import RedisRouter, StreamSub
from faststream.redis.annotations import Redis, RedisBatchStreamMessage
from pydantic import SkipValidation

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, DeadLetter, Rejection, ScrapeEvent
from vestnik.logs import configure_logging, get_logger
from vestnik.settings import Settings
from vestnik.streams import Write, batch_entries, commit_batch, parse_raw_batch
from vestnik.wire import WireError, dead_letter, decode_event, encode_model
from vestnik.worker import build_app

STAGE = "cleaner"


def create_router(settings: Settings) -> RedisRouter:
    """The cleaner's subscriber and publishers, ready to include in a broker."""
    router = RedisRouter()
    log = get_logger(stage=STAGE, consumer=settings.consumer_name)
    dlq_stream = settings.dead_letter_stream(STAGE)

    router.publisher(
        stream=settings.articles_stream,
        schema=Article,
        title=f"{settings.articles_stream}:publish",
        description="One normalised article per cleaned page.",
    )
    router.publisher(
        stream=settings.rejected_stream,
        schema=Rejection,
        title=f"{settings.rejected_stream}:publish",
        description="Pages that are not articles, with the reason.",
    )
    router.publisher(
        stream=dlq_stream,
        schema=DeadLetter,
        title=f"{dlq_stream}:publish",
        description="Scrape events that could not be processed, with the reason.",
    )

    async def decode_batch(msg: Any) -> list[ScrapeEvent | WireError]:
        return [_decode(fields, settings.max_body_bytes) for _, fields in batch_entries(msg)]

    @router.subscriber(
        stream=StreamSub(
            settings.events_stream,
            group=settings.cleaner_group,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.batch_size,
            polling_interval=settings.poll_ms,
        ),
        parser=parse_raw_batch,
        decoder=decode_batch,
        ack_policy=AckPolicy.MANUAL,
        title=f"{settings.events_stream}:consume",
        description="Scrape events from any producer (FastStream, __data__ JSON or plain fields).",
    )
    async def clean_scrape_events(
        events: SkipValidation[list[ScrapeEvent]],
        message: RedisBatchStreamMessage,
        redis: Redis,
    ) -> None:
        entries = batch_entries(message)
        writes: list[Write] = []
        lines: list[dict[str, Any]] = []
        for (entry_id, fields), decoded in zip(entries, events, strict=True):
            started = time.perf_counter()
            write, line = _process(decoded, entry_id, fields, settings, dlq_stream)
            line["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
            writes.append(write)
            lines.append(line)
        await commit_batch(
            redis,
            writes,
            ack_stream=settings.events_stream,
            group=settings.cleaner_group,
            entry_ids=[entry_id for entry_id, _ in entries],
        )
        for line in lines:
            log.info("message", **line)

    return router


def _decode(fields: Mapping[bytes, bytes], max_bytes: int) -> ScrapeEvent | WireError:
    try:
        return decode_event(fields, max_body_bytes=max_bytes)
    except WireError as exc:
        return exc


def _process(
    decoded: ScrapeEvent | WireError,
    entry_id: str,
    fields: Mapping[bytes, bytes],
    settings: Settings,
    dlq_stream: str,
) -> tuple[Write, dict[str, Any]]:
    """The one write an entry turns into, and its canonical log line."""
    line: dict[str, Any] = {"stage": STAGE, "entry_id": entry_id}
    error: Exception
    if isinstance(decoded, WireError):
        error = decoded
    else:
        line["event_id"] = decoded.event_id
        try:
            result = clean_event(decoded, entry_id=entry_id)
        except Exception as exc:  # a bug in extraction must not stop the worker
            error = exc
        else:
            if isinstance(result, Article):
                line.update(outcome="article", article_id=result.article_id)
                return Write(settings.articles_stream, encode_model(result)), line
            line.update(outcome="rejected", reason=result.reason)
            return Write(settings.rejected_stream, encode_model(result)), line
    letter = dead_letter(
        stage=STAGE,
        error=error,
        source_stream=settings.events_stream,
        entry_id=entry_id,
        fields=fields,
        max_field_bytes=settings.dead_letter_max_field_bytes,
    )
    line.update(outcome="dead_letter", error_type=letter.error_type, reason=letter.reason[:300])
    return Write(dlq_stream, encode_model(letter)), line


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(settings)
    return build_app(
        settings,
        create_router(settings),
        stage=STAGE,
        stream=settings.events_stream,
        group=settings.cleaner_group,
    )
