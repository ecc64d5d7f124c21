"""What the backends share: a search is parsed, matched by the backend, then scored, faceted,
paged and snippeted here, so every backend gives the same page. A backend supplies the few
reads below (``_candidates``, ``_collection``, ``_doc_freqs``, ``_docs``, ``_copies``)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from datetime import date, datetime

from vestnik.index import _query, _search
from vestnik.index._base import (
    MAX_LIMIT,
    Copy,
    Hit,
    Index,
    QueryError,
    SearchPage,
    SearchRequest,
)
from vestnik.index._query import Item, Query
from vestnik.index._rows import article_text, decode_doc
from vestnik.index._search import Candidate

MAX_OFFSET = 10_000


def filter_params(request: SearchRequest) -> dict[str, object]:
    """The request's filters as the named parameters both backends' SQL takes."""
    return {
        "dups": request.include_duplicates, "site": request.site,
        "language": request.language, "agency": request.source_agency,
        "date_from": request.date_from and request.date_from.isoformat(),
        "date_to": request.date_to and request.date_to.isoformat(),
    }


class Engine(Index):
    """An ``Index`` whose search is done here over a backend's reads."""

    def search(self, request: SearchRequest) -> SearchPage:
        if not 1 <= request.limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        if not 0 <= request.offset <= MAX_OFFSET:
            raise QueryError(f"offset must be between 0 and {MAX_OFFSET}")
        for name in ("site", "language", "source_agency"):  # q's NUL splits words
            if "\x00" in (getattr(request, name) or ""):
                raise QueryError(f"{name} holds a NUL character")
        query = _query.parse(request.q, request.language)
        relevance = request.sort == "relevance"
        rows = self._candidates(query, request, with_terms=relevance)
        facets = _search.facet_counts(rows)
        if relevance:
            n, total_length = self._collection(request.include_duplicates)
            dfs = self._doc_freqs(query.items, request.include_duplicates)
            ordered = _search.scored(rows, query, n, total_length, dfs)
        else:
            ordered = [(0.0, row) for row in _search.by_date(rows)]
        page = ordered[request.offset:request.offset + request.limit]
        return SearchPage(total=len(rows), hits=self._hits(page, query, request),
                          facets=facets)

    def _hits(self, page: list[tuple[float, Candidate]], query: Query,
              request: SearchRequest) -> list[Hit]:
        if not page:
            return []
        docs = self._docs([row.id for _, row in page])
        copies = ({} if request.include_duplicates
                  else self._copies([row.article_id for _, row in page]))
        hits = []
        for score, row in page:
            raw, duplicate_of = docs[row.id]
            article = decode_doc(raw)
            text, marks = _search.snippet(article_text(article), query, article.language)
            published = article.published_at
            hits.append(Hit(
                article_id=article.article_id, url=article.url, site=article.site,
                title=article.title,
                published_at=None if published is None else _iso(published),
                source_agency=article.source_agency, language=article.language,
                snippet=text, highlights=marks, score=score, duplicate_of=duplicate_of,
                copies=tuple(copies.get(article.article_id, ())),
            ))
        return hits

    # -- what a backend reads ------------------------------------------------------------

    @abstractmethod
    def _candidates(self, query: Query, request: SearchRequest, *,
                    with_terms: bool) -> list[Candidate]:
        """Every row matching ``query`` and the request's filters (canonical rows only,
        unless ``include_duplicates``), with their terms when ``with_terms``."""

    @abstractmethod
    def _collection(self, include_duplicates: bool) -> tuple[int, int]:
        """How many rows are searched, and their lengths (in terms) added up."""

    @abstractmethod
    def _doc_freqs(self, items: Sequence[Item], include_duplicates: bool) -> list[int]:
        """For each item, how many searched rows it matches alone."""

    @abstractmethod
    def _docs(self, ids: list[int]) -> dict[int, tuple[bytes, str | None]]:
        """By row id: the stored article, and the canonical it is a copy of."""

    @abstractmethod
    def _copies(self, article_ids: list[str]) -> dict[str, list[Copy]]:
        """By canonical article id: its copies, earliest fetched first."""


def _iso(value: datetime | date) -> str:
    """As the article's JSON writes it (UTC as ``Z``)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
