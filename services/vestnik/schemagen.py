"""``schemas/``: JSON Schema of every contract, the AsyncAPI document of the workers and
the OpenAPI document of the HTTP API, from the code.

``vestnik schemas`` writes them; ``vestnik schemas --check`` (and a test) fails on drift.
The AsyncAPI document is FastStream's (the same as ``faststream docs gen --factory
vestnik.schemagen:docs_app``) for both workers registered on one broker; the OpenAPI one
is FastAPI's (what the API serves at ``/openapi.json``).
"""

from __future__ import annotations

import json

from faststream import FastStream
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

from vestnik import __version__
from vestnik.cleaner.app import create_router as cleaner_router
from vestnik.contracts import CONTRACTS
from vestnik.index import open_index
from vestnik.indexer.app import create_router as indexer_router
from vestnik.indexer.stage import IndexerStage
from vestnik.settings import DEFAULT_REDIS_URL, Settings

DESCRIPTION = (
    "Scrapers publish ScrapeEvents on `vestnik:events`; the cleaner publishes one Article per "
    "page on `vestnik:articles` (or a Rejection, or a DeadLetter); the indexer makes articles "
    "searchable. Every message is one stream entry; vestnik writes a single `__data__` field "
    "of JSON, and reads events in three shapes (see the README)."
)


def docs_app() -> FastStream:
    """Both workers on one broker, with default settings, for documentation only."""
    settings = Settings(redis_url=DEFAULT_REDIS_URL, consumer_name="<replica>")
    broker = RedisBroker(DEFAULT_REDIS_URL)
    broker.include_router(cleaner_router(settings))
    broker.include_router(
        indexer_router(settings, IndexerStage(settings, open_index("sqlite:///:memory:")))
    )
    return FastStream(
        broker,
        specification=AsyncAPI(
            title="vestnik", version=__version__, description=DESCRIPTION,
            schema_version="3.0.0",
        ),
    )


def _json(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def render_all() -> dict[str, str]:
    """File name -> content for everything in ``schemas/``."""
    files = {f"{name}.schema.json": _json(model.model_json_schema())
             for name, model in CONTRACTS.items()}
    files["asyncapi.json"] = _json(docs_app().schema.to_specification().to_jsonable())
    files["openapi.json"] = _json(openapi_document())
    return files


def openapi_document() -> dict[str, object]:
    """The HTTP API's OpenAPI document (creating the app opens no index)."""
    from vestnik.api import create_app

    return create_app(Settings(index_url="sqlite:///:memory:")).openapi()
