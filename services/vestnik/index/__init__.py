"""The search index: one interface (``Index``), a backend per database.

``open_index(url)`` gives the backend a URL names: ``sqlite:///path.db`` (embedded, the
default) or ``postgresql://user@host/db`` (a server several indexers share). Both take
their terms from one analyzer and rank in Python, so the same search gives the same page
on either.
"""

from __future__ import annotations

from vestnik.index._base import (
    FACETS,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    Copy,
    Hit,
    Index,
    IndexMissing,
    IndexUnavailable,
    QueryError,
    SearchIndexError,
    SearchPage,
    SearchRequest,
    Sort,
    UpsertReport,
)

__all__ = [
    "FACETS", "MAX_LIMIT", "MAX_QUERY_CHARS", "Copy", "Hit", "Index", "IndexMissing",
    "IndexUnavailable", "QueryError", "SearchIndexError", "SearchPage", "SearchRequest",
    "Sort", "UpsertReport", "open_index", "redact",
]


def open_index(url: str, *, create: bool = True) -> Index:
    """The index ``url`` names. With ``create`` (the indexer) it is made or migrated;
    without (searching) it must exist: SQLite opens it read-only, and ``IndexMissing``
    says when there is none."""
    if url.startswith("sqlite:///"):
        from vestnik.index.sqlite import SqliteIndex, sqlite_path

        return SqliteIndex(sqlite_path(url), create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from vestnik.index.postgres import PostgresIndex

        return PostgresIndex(url, create=create)
    raise ValueError(
        f"unsupported index URL scheme {url.partition('://')[0] if '://' in url else '(none)'!r}"
        ": use sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: "
        "or postgresql://user:password@host:5432/database"
    )


def redact(url: str) -> str:
    """``url`` with its password, if any, as ``***``."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not (sep and at and ":" in creds):
        return url
    return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
