"""Schemathesis, from the API's own OpenAPI document, against the app in-process, on an
index holding the seed articles, on each backend: no request it makes gets a server error,
and every response is what the document says (status, content type, body schema)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from vestnik.api import create_app
from vestnik.settings import Settings

from .api_support import SEED_PAGES, index_articles, later, seed_article, seed_articles
from .index.backends import postgres_schema

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (dev extra) is not "
                                   "installed")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

EXAMPLES = 100  # per backend and mode, over every operation: well under a minute in all
# A query is words to look for, and a schema cannot say that: "¡" or "-word" alone fit it
# but look for nothing, and the index refuses them (a 422 naming `q`, as documented). So a
# schema-valid request may be refused; every other check applies.
NOT_CHECKED = [positive_data_acceptance]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/index.sqlite3"
        index_articles(url, _articles())
        yield url
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        index_articles(url, _articles())
        yield url


def _articles() -> list[Any]:
    return [*seed_articles(), seed_article(SEED_PAGES[1], "https://kopie.example/a", later(1))]


@pytest.fixture(scope="module")
def api_schema(index_url: str) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json",
                                          create_app(Settings(index_url=index_url)))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_generated_request_is_answered_as_documented_and_never_with_a_5xx(
        api_schema: Any, mode: GenerationMode) -> None:
    @given(case=api_schema.as_strategy(mode))
    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def answered_as_documented(case: Any) -> None:
        case.call_and_validate(excluded_checks=NOT_CHECKED)

    answered_as_documented()
