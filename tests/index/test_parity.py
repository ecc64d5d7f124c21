"""The same search over the same articles gives the same page on SQLite and on PostgreSQL:
the same hits in the same order, with the same scores, snippets, copies and facets, for a
corpus of 1,200 articles (copies, re-scrapes, stale re-fetches, four languages) and a fixed
list of queries (inflections, phrases, OR, exclusions, prefixes, filters, sorts, pages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vestnik.index import Index, SearchPage, open_index

from .backends import postgres_schema
from .corpus import QUERIES, corpus

BATCH = 64


@pytest.fixture(scope="module")
def both(postgres_url: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[tuple[Index, Index]]:
    articles = corpus()
    folder: Path = tmp_path_factory.mktemp("parity")
    with postgres_schema(postgres_url) as url, \
            open_index(f"sqlite:///{folder}/index.sqlite3") as sqlite, open_index(url) as pg:
        for start in range(0, len(articles), BATCH):
            batch = articles[start:start + BATCH]
            assert sqlite.upsert_many(batch) == pg.upsert_many(batch)
        yield sqlite, pg


def _outcome(index: Index, request: object) -> SearchPage | str:
    try:
        return index.search(request)  # type: ignore[arg-type]
    except Exception as exc:  # the same error on both is parity too
        return f"{type(exc).__name__}: {exc}"


def test_both_backends_hold_the_same_articles(both: tuple[Index, Index]) -> None:
    sqlite, pg = both
    assert sqlite.count() == pg.count() >= 1_000
    assert sqlite.ids() == pg.ids()
    for article_id in sqlite.ids()[::50]:
        assert sqlite.get(article_id) == pg.get(article_id)


@pytest.mark.parametrize("request_", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_the_same_query_gives_the_same_page_on_both_backends(
    both: tuple[Index, Index], request_: object
) -> None:
    sqlite, pg = both
    on_sqlite, on_pg = _outcome(sqlite, request_), _outcome(pg, request_)
    assert on_sqlite == on_pg, f"{request_}:\n sqlite: {on_sqlite}\n postgres: {on_pg}"


def test_the_query_list_is_long_and_most_queries_find_something(
    both: tuple[Index, Index],
) -> None:
    sqlite, _ = both
    pages = [_outcome(sqlite, r) for r in QUERIES]
    found = [p for p in pages if isinstance(p, SearchPage) and p.total]
    assert len(QUERIES) >= 30 and len(found) >= len(QUERIES) - 5
