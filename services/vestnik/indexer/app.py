"""The indexing worker: a FastStream app on the articles stream, writing the search index.

Run it with ``vestnik indexer`` or ``faststream run --factory vestnik.indexer.app:create_app``.
The work is done by ``IndexerStage``; this module only wires it to the broker.
"""

from faststream import FastStream
from faststream.redis import RedisRouter

from vestnik.cli_errors import mask_url
from vestnik.contracts import Article, DeadLetter
from vestnik.index import open_index
from vestnik.indexer.stage import IndexerStage
from vestnik.logs import configure_logging
from vestnik.settings import Settings
from vestnik.worker import build_app, describe_input, describe_outputs


def create_router(settings: Settings, stage: IndexerStage) -> RedisRouter:
    router = RedisRouter()
    describe_outputs(router, [
        (stage.dead_letter_stream, DeadLetter, "Article entries that could not be indexed."),
    ])
    describe_input(router, settings, stage, Article,
              "Articles from the cleaner, upserted into the index by article id, "
              "one index transaction per batch.")
    return router


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(settings)
    stage = IndexerStage(settings, open_index(settings.index_url))
    # a stage per partition consumed (one: the settings' own streams), sharing the index
    parts = [(s, IndexerStage(s, stage.index)) for s in settings.consumed()]
    # articles are the cleaner's, each from an entry within its limit: no limit of their
    # own (an article holds its text twice), only the read's byte budget
    app = build_app(settings, parts[0][1], partitions=parts,
                    index=mask_url(settings.index_url))  # no password

    @app.after_shutdown
    async def _close_index() -> None:
        stage.index.close()

    return app
