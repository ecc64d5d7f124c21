"""The cleaning worker: a FastStream app on the scrape-events stream.

Run it with ``vestnik cleaner`` or ``faststream run --factory vestnik.cleaner.app:create_app``.
The work is done by ``CleanerStage``; this module only wires it to the broker.
"""


from typing import Any

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.redis import RedisRouter, StreamSub
from faststream.redis.annotations import Redis, RedisBatchStreamMessage
from pydantic import SkipValidation

from vestnik.cleaner.stage import CleanerStage
from vestnik.contracts import Article, DeadLetter, Rejection, ScrapeEvent
from vestnik.logs import configure_logging
from vestnik.settings import Settings
from vestnik.streams import batch_entries, parse_raw_batch
from vestnik.upkeep import handle_or_remember
from vestnik.worker import build_app, describe_outputs


def create_router(settings: Settings, stage: CleanerStage | None = None) -> RedisRouter:
    """The cleaner's subscriber (and its outputs, for the AsyncAPI document)."""
    stage = stage or CleanerStage(settings)
    router = RedisRouter()
    describe_outputs(router, [
        (settings.articles_stream, Article, "One normalised article per cleaned page."),
        (settings.rejected_stream, Rejection, "Pages that are not articles, with the reason."),
        (stage.dead_letter_stream, DeadLetter, "Scrape events that could not be processed."),
    ])

    async def raw(msg: Any) -> Any:
        return msg.raw_message["data"]

    @router.subscriber(
        stream=StreamSub(settings.events_stream, group=settings.cleaner_group,
                         consumer=settings.consumer_name, batch=True,
                         max_records=settings.batch_size, polling_interval=settings.poll_ms),
        parser=parse_raw_batch,
        decoder=raw,
        ack_policy=AckPolicy.MANUAL,
        title=f"{settings.events_stream}:consume",
        description="Scrape events from any producer (FastStream, __data__ JSON or plain "
                    "fields). Entries are decoded one by one by the stage, so each bad one "
                    "is dead-lettered alone.",
    )
    async def clean_scrape_events(
        events: SkipValidation[list[ScrapeEvent]],  # the payload, as documented
        message: RedisBatchStreamMessage,
        redis: Redis,
    ) -> None:
        await handle_or_remember(redis, stage, batch_entries(message))

    return router


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(settings)
    stage = CleanerStage(settings)
    return build_app(settings, create_router(settings, stage), stage)
