"""The indexing worker: a FastStream app on the articles stream, writing the search index.

Run it with ``vestnik indexer`` or ``faststream run --factory vestnik.indexer.app:create_app``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import anyio
from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.redis import RedisRouter, StreamSub
from faststream.redis.annotations import Redis, RedisBatchStreamMessage
from pydantic import SkipValidation

from vestnik.contracts import Article, DeadLetter
from vestnik.indexer.store import SqliteIndex, open_index
from vestnik.logs import configure_logging, get_logger
from vestnik.settings import Settings
from vestnik.streams import Write, batch_entries, commit_batch, parse_raw_batch
from vestnik.wire import WireError, dead_letter, decode_model, encode_model
from vestnik.worker import build_app

STAGE = "indexer"


def create_router(settings: Settings, index: SqliteIndex) -> RedisRouter:
    router = RedisRouter()
    log = get_logger(stage=STAGE, consumer=settings.consumer_name)
    dlq_stream = settings.dead_letter_stream(STAGE)
    router.publisher(
        stream=dlq_stream,
        schema=DeadLetter,
        title=f"{dlq_stream}:publish",
        description="Article entries that could not be indexed, with the reason.",
    )

    async def decode_batch(msg: Any) -> list[Article | WireError]:
        return [_decode(fields) for _, fields in batch_entries(msg)]

    @router.subscriber(
        stream=StreamSub(
            settings.articles_stream,
            group=settings.indexer_group,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.batch_size,
            polling_interval=settings.poll_ms,
        ),
        parser=parse_raw_batch,
        decoder=decode_batch,
        ack_policy=AckPolicy.MANUAL,
        title=f"{settings.articles_stream}:consume",
        description="Articles from the cleaner, upserted into the index by article id.",
    )
    async def index_articles(
        articles: SkipValidation[list[Article]],
        message: RedisBatchStreamMessage,
        redis: Redis,
    ) -> None:
        started = time.perf_counter()
        entries = batch_entries(message)
        good = [a for a in articles if isinstance(a, Article)]
        # Several articles may share an id within a batch: the index keeps the last.
        report = await anyio.to_thread.run_sync(index.upsert_many, good)
        writes = [
            Write(dlq_stream, encode_model(_letter(decoded, entry_id, fields, settings)))
            for (entry_id, fields), decoded in zip(entries, articles, strict=True)
            if isinstance(decoded, WireError)
        ]
        await commit_batch(
            redis,
            writes,
            ack_stream=settings.articles_stream,
            group=settings.indexer_group,
            entry_ids=[entry_id for entry_id, _ in entries],
        )
        duration_ms = round((time.perf_counter() - started) * 1000 / max(len(entries), 1), 3)
        for (entry_id, _), decoded in zip(entries, articles, strict=True):
            if isinstance(decoded, Article):
                log.info(
                    "message", stage=STAGE, entry_id=entry_id,
                    event_id=decoded.provenance.event_id, article_id=decoded.article_id,
                    outcome="indexed", duration_ms=duration_ms,
                )
            else:
                log.info(
                    "message", stage=STAGE, entry_id=entry_id, outcome="dead_letter",
                    error_type=decoded.code, reason=decoded.reason[:300], duration_ms=duration_ms,
                )
        log.debug("batch", size=len(entries), inserted=report.inserted, updated=report.updated,
                  unchanged=report.unchanged, duplicates=report.duplicates)

    return router


def _decode(fields: Mapping[bytes, bytes]) -> Article | WireError:
    try:
        return decode_model(fields, Article)
    except WireError as exc:
        return exc


def _letter(
    error: WireError, entry_id: str, fields: Mapping[bytes, bytes], settings: Settings
) -> DeadLetter:
    return dead_letter(
        stage=STAGE,
        error=error,
        source_stream=settings.articles_stream,
        entry_id=entry_id,
        fields=fields,
        max_field_bytes=settings.dead_letter_max_field_bytes,
    )


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(settings)
    index = open_index(settings.index_url)
    app = build_app(
        settings,
        create_router(settings, index),
        stage=STAGE,
        stream=settings.articles_stream,
        group=settings.indexer_group,
        index=settings.index_url,
    )

    @app.after_shutdown
    async def _close_index() -> None:
        index.close()

    return app
