"""The indexing worker: a FastStream app on the articles stream, writing the search index.

Run it with ``vestnik indexer`` or ``faststream run --factory vestnik.indexer.app:create_app``.
The work is done by ``IndexerStage``; this module only wires it to the broker.
"""


from typing import Any

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.redis import RedisRouter, StreamSub
from faststream.redis.annotations import Redis, RedisBatchStreamMessage
from pydantic import SkipValidation

from vestnik.contracts import Article, DeadLetter
from vestnik.indexer.stage import IndexerStage
from vestnik.indexer.store import open_index
from vestnik.logs import configure_logging
from vestnik.settings import Settings
from vestnik.streams import batch_entries, parse_raw_batch
from vestnik.upkeep import handle_or_remember
from vestnik.worker import build_app, describe_outputs


def create_router(settings: Settings, stage: IndexerStage) -> RedisRouter:
    router = RedisRouter()
    describe_outputs(router, [
        (stage.dead_letter_stream, DeadLetter, "Article entries that could not be indexed."),
    ])

    async def raw(msg: Any) -> Any:
        return msg.raw_message["data"]

    @router.subscriber(
        stream=StreamSub(settings.articles_stream, group=settings.indexer_group,
                         consumer=settings.consumer_name, batch=True,
                         max_records=settings.batch_size, polling_interval=settings.poll_ms),
        parser=parse_raw_batch,
        decoder=raw,
        ack_policy=AckPolicy.MANUAL,
        title=f"{settings.articles_stream}:consume",
        description="Articles from the cleaner, upserted into the index by article id, "
                    "one index transaction per batch.",
    )
    async def index_articles(
        articles: SkipValidation[list[Article]],  # the payload, as documented
        message: RedisBatchStreamMessage,
        redis: Redis,
    ) -> None:
        await handle_or_remember(redis, stage, batch_entries(message))

    return router


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(settings)
    stage = IndexerStage(settings, open_index(settings.index_url))
    app = build_app(settings, create_router(settings, stage), stage, index=settings.index_url)

    @app.after_shutdown
    async def _close_index() -> None:
        stage.index.close()

    return app
