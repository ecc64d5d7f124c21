"""The HTTP API: search, articles, health, and the search page at ``/``.

Built on FastAPI, which validates the query parameters (a bad one is a 422 naming the
parameter and what is wrong with it) and generates the OpenAPI document from the same
signatures and the response models in ``models`` (``schemas/openapi.json``, by
``vestnik schemas``). The index is synchronous: each call runs in a worker thread
(``anyio.to_thread.run_sync``) on a read-only handle (``reader``), so searching never
takes the indexer's write lock.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from vestnik import __version__
from vestnik.api import page
from vestnik.api.models import Article, Problem, SearchResults, Status
from vestnik.api.params import NO_NUL, Agency, ArticleId, Day, Language, QueryText, Site
from vestnik.api.reader import IndexReader
from vestnik.index import (
    MAX_LIMIT,
    Index,
    IndexMissing,
    IndexUnavailable,
    QueryError,
    SearchRequest,
    Sort,
)
from vestnik.metrics import API_REQUESTS, API_SECONDS, REGISTRY
from vestnik.settings import Settings

T = TypeVar("T")
MAX_OFFSET = 10_000  # deeper pages cost the index more than any reader reads
Q_HELP = 'Words (any form), "a phrase", a OR b, -excluded, prefix*.'
DESCRIPTION = (
    "Search the articles vestnik has indexed: words in any form, \"phrases\", OR, "
    "-excluded words, prefix*; filters by site, language, agency and publication day; "
    "syndicated copies folded into their original's hit. A bad parameter is a 422 whose "
    "`detail` names it; 503 means the index cannot be read (not created yet, or its "
    "database is down)."
)
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "The index cannot be read yet, or its database "
          "is down."},
}


def create_app(settings: Settings, *, reader: IndexReader | None = None) -> FastAPI:
    """The API over ``settings.index_url`` (opened read-only on first use)."""
    reader = reader or IndexReader(settings.index_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        reader.close()

    app = FastAPI(title="vestnik", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)  # their UIs load a CDN

    async def on_index(call: Callable[[Index], T]) -> T:
        """``call`` on the index, in a worker thread; a 503 when the index cannot be read."""
        def run() -> T:
            return call(reader.index())

        try:
            return await anyio.to_thread.run_sync(run)
        except IndexMissing as exc:
            raise HTTPException(503, _redact(f"{exc} (yet: the indexer creates it)",
                                             settings.index_url)) from exc
        except IndexUnavailable as exc:
            raise HTTPException(503, _redact(str(exc), settings.index_url)) from exc

    @app.get("/v1/search", response_model=SearchResults, responses=_UNAVAILABLE,
             tags=["search"], summary="Search articles")
    async def search(
        q: Annotated[QueryText, Query(json_schema_extra=NO_NUL, description=Q_HELP)],
        site: Annotated[Site | None, _text("Only this site, e.g. `dnevnik.bg`.")] = None,
        lang: Annotated[Language | None, _text("Only this language (ISO 639-1, e.g. `bg`).")
                        ] = None,
        agency: Annotated[Agency | None, _text("Only articles from this news agency, "
                                               "e.g. `БТА`.")] = None,
        date_from: Annotated[Day | None, Query(alias="from", description="Published on or "
                                               "after this day (YYYY-MM-DD).")] = None,
        date_to: Annotated[Day | None, Query(alias="to", description="Published on or "
                                             "before this day (YYYY-MM-DD).")] = None,
        sort: Annotated[Sort, Query(description="`relevance`, or `date` (newest first).")
                        ] = "relevance",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits per page.")] = 10,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip.")] = 0,
    ) -> SearchResults:
        """Articles matching `q`, best first (or newest first), with facet counts over
        every match."""
        if date_from and date_to and date_from > date_to:
            raise _invalid("from", f"from ({date_from}) is after to ({date_to})", date_from)
        request = SearchRequest(q=q, site=site or None, language=lang or None,
                                source_agency=agency or None, date_from=date_from,
                                date_to=date_to, sort=sort, limit=limit, offset=offset)
        try:
            found = await on_index(lambda index: index.search(request))
        except QueryError as exc:
            raise _invalid("q", str(exc), q) from exc
        return SearchResults.of(found)

    @app.get("/v1/articles/{article_id}", response_model=Article, tags=["articles"],
             responses={404: {"model": Problem, "description": "No such article."},
                        **_UNAVAILABLE}, summary="One article, whole")
    async def article(
        article_id: Annotated[ArticleId, Path(json_schema_extra=NO_NUL,
                                              description="The hit's `article_id`.")],
    ) -> Article:
        """The whole article as the cleaner made it: title, lead, paragraphs, date, agency,
        authors, captions, provenance."""
        found = await on_index(lambda index: index.get(article_id))
        if found is None:
            raise HTTPException(404, f"no article {article_id!r} in the index")
        return Article.model_validate(found.model_dump())

    @app.get("/healthz", response_model=Status, tags=["health"], summary="The process is up")
    async def healthz() -> Status:
        return Status(status="ok")

    @app.get("/readyz", response_model=Status, tags=["health"], summary="The index answers",
             responses=_UNAVAILABLE)
    async def readyz() -> Status | JSONResponse:
        """200 once the index can be read; 503 with the reason until then."""
        try:
            await on_index(lambda index: index.check())
        except HTTPException as exc:
            return _problem(503, str(exc.detail))
        except Exception as exc:  # whatever stops the index from serving: not ready
            return _problem(503, _redact(f"{type(exc).__name__}: {exc}", settings.index_url))
        return Status(status="ready")

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", None) or "unmatched"  # the template: few label values
        API_REQUESTS.labels(name, str(response.status_code)).inc()
        API_SECONDS.labels(name).observe(time.perf_counter() - started)
        return response

    page.mount(app)
    return app


def _text(description: str) -> Any:
    """A text filter's ``Query``: no NUL (said in the document; its type checks it)."""
    return Query(json_schema_extra=NO_NUL, description=description)


def _invalid(param: str, message: str, value: object) -> RequestValidationError:
    """A 422 shaped like FastAPI's own, naming the query parameter."""
    return RequestValidationError([{"type": "value_error", "loc": ("query", param),
                                    "msg": message, "input": value}])


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _redact(text: str, url: str) -> str:
    """``text`` without the password of ``url`` (error messages may quote the URL)."""
    from urllib.parse import urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return text
    return text.replace(password, "***") if password else text
