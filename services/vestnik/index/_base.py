"""The index interface every backend implements, and the values it takes and returns.

One abstract class, one module per backend (``sqlite``, ``postgres``). Everything a search
depends on beyond matching (analysis, the query's meaning, scoring, snippets, facets'
shape, copies folded into hits) is computed here in Python from what the backends store,
so the same request over the same articles gives the same page on every backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Literal

from vestnik.contracts import Article

Sort = Literal["relevance", "date"]
FACETS = ("site", "source_agency", "language")
MAX_QUERY_CHARS = 500
MAX_LIMIT = 100


class SearchIndexError(Exception):
    """Base of the index's own errors."""


class IndexMissing(SearchIndexError, FileNotFoundError):
    """Opening an index for reading that does not exist (nothing is created)."""


class QueryError(SearchIndexError, ValueError):
    """A query that cannot be run as written (empty, only exclusions, too long)."""


class IndexUnavailable(SearchIndexError, ConnectionError):
    """The index's database cannot be reached (PostgreSQL down, wrong credentials)."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What to look for: the query text (words in any form, "phrases", OR, -excluded,
    prefix*) and the filters, sort and page. ``date_from``/``date_to`` are days, both
    inclusive, compared with the article's publication day."""

    q: str
    site: str | None = None
    language: str | None = None
    source_agency: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: Sort = "relevance"
    limit: int = 10
    offset: int = 0
    include_duplicates: bool = False  # copies as hits of their own, not folded


@dataclass(frozen=True, slots=True)
class Copy:
    """A syndicated copy folded into the hit of its canonical article."""

    article_id: str
    site: str
    url: str
    fetched_at: str  # ISO 8601


@dataclass(frozen=True, slots=True)
class Hit:
    """One result. ``score`` is relative to nothing (BM25; 0 when sorted by date);
    ``snippet`` is one line of the body with ``highlights`` as (start, end) character
    offsets into it."""

    article_id: str
    url: str
    site: str
    title: str
    published_at: str | None  # ISO 8601: a time, or a day
    source_agency: str | None
    language: str | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    score: float
    duplicate_of: str | None  # the canonical copy's article_id when this is a copy
    copies: tuple[Copy, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of hits, how many match in all, and facet counts over all the matches
    (canonical articles): ``facets["site"]["dnevnik.bg"] == 12``."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UpsertReport:
    """What one ``upsert_many`` did, counted over the distinct article ids of the batch."""

    inserted: int  # new article ids
    updated: int  # known id, newer fetch, new content: row replaced
    unchanged: int  # known id, same content: nothing written
    stale: int  # known id, fetched no later than the indexed copy: ignored (newer wins)
    duplicates: int  # of inserted + updated, how many are copies of another article


class Index(ABC):
    """A search index of articles. Methods are synchronous and thread-safe; the workers
    and the API call them through a thread (``anyio.to_thread``)."""

    url: str

    @abstractmethod
    def upsert_many(self, articles: Sequence[Article]) -> UpsertReport:
        """Insert or replace ``articles`` by article id, in one transaction. The copy with
        the latest ``provenance.fetched_at`` wins, whatever the order of arrival: an
        older fetch never overwrites a newer one (within a batch too)."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchPage:
        """The page of hits for ``request``; ``QueryError`` for a query that cannot run."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None:
        """The stored article, equal to the one indexed, or None."""

    @abstractmethod
    def count(self) -> int:
        """How many articles (copies included) the index holds."""

    @abstractmethod
    def ids(self) -> list[str]:
        """Every article id, in the order they were first indexed."""

    @abstractmethod
    def check(self) -> None:
        """Raise when the index cannot serve (for readiness probes)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; closing twice is fine."""

    def __enter__(self) -> Index:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
