"""The cleaning worker: a FastStream app on the scrape-events stream.

Run it with ``vestnik cleaner`` or ``faststream run --factory vestnik.cleaner.app:create_app``.
The work is done by ``CleanerStage``; this module only wires it to the broker.
"""

from faststream import FastStream
from faststream.redis import RedisRouter

from vestnik.cleaner.stage import CleanerStage
from vestnik.contracts import Article, DeadLetter, Rejection, ScrapeEvent
from vestnik.logs import configure_logging
from vestnik.settings import Settings
from vestnik.worker import build_app, describe_input, describe_outputs


def create_router(settings: Settings, stage: CleanerStage | None = None) -> RedisRouter:
    """The cleaner's input and outputs, for the AsyncAPI document."""
    stage = stage or CleanerStage(settings)
    router = RedisRouter()
    describe_outputs(router, [
        (settings.articles_stream, Article, "One normalised article per cleaned page."),
        (settings.rejected_stream, Rejection, "Pages that are not articles, with the reason."),
        (stage.dead_letter_stream, DeadLetter, "Scrape events that could not be processed."),
    ])
    describe_input(router, settings, stage, ScrapeEvent,
              "Scrape events from any producer (FastStream, __data__ JSON or plain fields). "
              "Entries are decoded one by one by the stage, so each bad one is "
              "dead-lettered alone.")
    return router


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(settings)
    stage = CleanerStage(settings)
    # a stage per partition consumed (one: the settings' own streams), sharing the pool
    parts = [(s, CleanerStage(s, stage.pool, stage.site_memory)) for s in settings.consumed()]
    # an entry over the limit is dead-lettered as too_large without being read
    # the extraction processes: started once the groups exist, before the first read and
    # the "started" line (a failed start leaves none behind), stopped after the batch in
    # flight and the upkeep loop have finished
    app = build_app(settings, parts[0][1], max_entry_bytes=settings.max_body_bytes,
                    partitions=parts, before_reading=stage.start)
    app.after_shutdown(stage.close)
    return app
