"""The search index: articles in one SQLite file, searchable with FTS5, Bulgarian-aware.

``articles`` holds one row per article id: the full Article JSON, what a hit shows, the
content hash, a SimHash fingerprint with its four 16-bit bands (indexed, for finding
syndicated copies without a scan) and ``duplicate_of``.  ``articles_fts`` (FTS5,
``unicode61 remove_diacritics 2``) holds title and lead+body as written, for quoted phrases
and snippets, and their light stems, for ordinary query terms.  ``forms`` maps each stem to
the written forms seen, so snippets can highlight "войски" for the query "войските".

Every write batch is one ``BEGIN IMMEDIATE`` transaction; with WAL and a busy timeout
several indexer processes can share one file.  Nothing here does I/O beyond that file.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import quote

import orjson

from vestnik.contracts import Article
from vestnik.indexer import _dedup
from vestnik.indexer._stem import stem, stemmed_forms, stems, strip_invisible, tokenize

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000
MAX_QUERY_TERMS = 32
MAX_HIGHLIGHT_FORMS = 256
SNIPPET_TOKENS = 20
HIGHLIGHT = ("[", "]")
ELLIPSIS = "…"
_SQLITE_PREFIX = "sqlite:///"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS articles (
        id INTEGER PRIMARY KEY,  -- order of first indexing: the earliest copy is canonical
        article_id TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        site TEXT NOT NULL,
        title TEXT NOT NULL,
        published_at TEXT,
        content_hash TEXT NOT NULL,
        simhash INTEGER,  -- signed 64-bit; NULL when the body is too short to fingerprint
        band0 INTEGER, band1 INTEGER, band2 INTEGER, band3 INTEGER,
        duplicate_of TEXT,
        doc BLOB NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash)",
    "CREATE INDEX IF NOT EXISTS articles_band0 ON articles(band0)",
    "CREATE INDEX IF NOT EXISTS articles_band1 ON articles(band1)",
    "CREATE INDEX IF NOT EXISTS articles_band2 ON articles(band2)",
    "CREATE INDEX IF NOT EXISTS articles_band3 ON articles(band3)",
    "CREATE INDEX IF NOT EXISTS articles_duplicate_of ON articles(duplicate_of)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
        title, body, title_stem, body_stem, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TABLE IF NOT EXISTS forms (
        stem TEXT NOT NULL, form TEXT NOT NULL, PRIMARY KEY (stem, form)
    ) WITHOUT ROWID""",
)

_NO_ID = 2**62  # above every id: no exact copy bounds the near-copy lookups
_EXISTING_SQL = """SELECT article_id, id, content_hash FROM articles
    WHERE article_id IN (SELECT value FROM json_each(?))"""
# The earliest exact copy that is not one of the article's own copies: the content-hash
# index lists equal hashes in id order, so this reads a row or two however many copies
# there are (a wire story indexed from hundreds of sites).
EXACT_SQL = """SELECT id, article_id, duplicate_of FROM articles
    WHERE content_hash = :content_hash AND article_id != :article_id
      AND coalesce(duplicate_of, article_id) != :article_id
    ORDER BY id LIMIT 1"""
# Near copies share a band: an OR of indexed lookups, never a scan; each lookup stops at
# :before (the exact copy found, which an earlier near copy alone can beat).
CANDIDATES_SQL = """SELECT article_id, simhash, content_hash, duplicate_of FROM articles
    WHERE ((band0 = :band0 AND id < :before) OR (band1 = :band1 AND id < :before)
           OR (band2 = :band2 AND id < :before) OR (band3 = :band3 AND id < :before))
      AND article_id != :article_id
    ORDER BY id"""
_INSERT_SQL = """INSERT INTO articles (article_id, url, site, title, published_at,
        content_hash, simhash, band0, band1, band2, band3, duplicate_of, doc)
    VALUES (:article_id, :url, :site, :title, :published_at, :content_hash, :simhash,
        :band0, :band1, :band2, :band3, :duplicate_of, :doc)"""
_UPDATE_SQL = """UPDATE articles SET url = :url, site = :site, title = :title,
        published_at = :published_at, content_hash = :content_hash, simhash = :simhash,
        band0 = :band0, band1 = :band1, band2 = :band2, band3 = :band3,
        duplicate_of = :duplicate_of, doc = :doc
    WHERE id = :id"""
_FTS_INSERT_SQL = """INSERT INTO articles_fts (rowid, title, body, title_stem, body_stem)
    VALUES (?, ?, ?, ?, ?)"""
_FTS_UPDATE_SQL = """UPDATE articles_fts SET title = ?, body = ?, title_stem = ?, body_stem = ?
    WHERE rowid = ?"""
_REPOINT_SQL = "UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?"
_FORMS_INSERT_SQL = "INSERT OR IGNORE INTO forms (stem, form) VALUES (?, ?)"
_FORMS_SQL = """SELECT form FROM forms WHERE stem IN (SELECT value FROM json_each(?))
    LIMIT ?"""
# bm25 weights, one per FTS column: title, body, title_stem, body_stem.
_SEARCH_SQL = """SELECT a.id, a.article_id, a.url, a.site, a.title, a.published_at,
        a.duplicate_of, bm25(articles_fts, 5.0, 1.0, 5.0, 1.0) AS rank
    FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid
    WHERE articles_fts MATCH :match AND (:include_duplicates OR a.duplicate_of IS NULL)
    ORDER BY rank, a.id
    LIMIT :limit"""
_SNIPPET_SQL = """SELECT snippet(articles_fts, 1, :open, :close, :ellipsis, :tokens)
    FROM articles_fts WHERE articles_fts MATCH :match AND rowid = :id"""
# A "quoted phrase", excluded when a '-' opens it: -"phrase".
_PHRASE = re.compile(r'(?:(?<!\S)(-))?"([^"]*)"')
_STEM_COLUMNS = "{title_stem body_stem}"
_TEXT_COLUMNS = "{title body}"


class IndexMissing(FileNotFoundError):
    """``open_index(url, create=False)`` names a file that does not exist."""


class QueryError(ValueError):
    """A query that cannot be run as written (it only excludes words)."""


@dataclass(frozen=True, slots=True)
class UpsertReport:
    """What one ``upsert_many`` did, counted over the distinct article ids of the batch."""

    inserted: int  # new article ids
    updated: int  # known id, new content_hash: row and FTS entry replaced
    unchanged: int  # known id, same content_hash: nothing written
    duplicates: int  # of inserted + updated, how many are copies of another article


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result; ``score`` is -bm25, so higher is better."""

    article_id: str
    url: str
    site: str
    title: str
    published_at: str | None
    snippet: str
    score: float
    duplicate_of: str | None  # the canonical copy's article_id when this is a copy


class _Known(NamedTuple):
    id: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class _Row:
    """Everything stored for one article, computed before the write lock is taken."""

    article_id: str
    content_hash: str
    fingerprint: int | None
    columns: dict[str, Any]
    fts: tuple[str, str, str, str]
    forms: set[tuple[str, str]]

    @classmethod
    def of(cls, article: Article) -> _Row:
        data = article.model_dump(mode="json")
        lead = article.lead or ""
        tokens = [tokenize(text) for text in (article.title, lead, article.body_text)]
        title_stems, lead_stems, body_stems = ([stem(t) for t in part] for part in tokens)
        fingerprint = _dedup.token_fingerprint(body_stems)
        columns = {
            "article_id": article.article_id, "url": article.url, "site": article.site,
            "title": article.title, "published_at": data["published_at"],
            "content_hash": article.content_hash, "doc": orjson.dumps(data),
            **_fingerprint_columns(fingerprint),
        }
        fts = (
            strip_invisible(article.title),
            strip_invisible("\n\n".join(filter(None, (lead, article.body_text)))),
            " ".join(title_stems),
            " ".join([*lead_stems, *body_stems]),
        )
        forms = stemmed_forms(token for part in tokens for token in part)
        return cls(article.article_id, article.content_hash, fingerprint, columns, fts, forms)


@dataclass(frozen=True, slots=True)
class _Query:
    match: str  # the FTS5 expression a hit must match
    words: list[str]  # the unquoted words, normalised
    terms: list[str]  # their stems
    phrases: list[str]  # the quoted phrases, normalised


class SqliteIndex:
    """The article index in one SQLite file (or ``":memory:"``); safe to share by processes.

    Methods are synchronous; one instance may be used from several threads (calls are
    serialised), e.g. through ``anyio.to_thread``.
    """

    def __init__(self, path: str, *, create: bool = True) -> None:
        """Open (with ``create``, make) the index in ``path``; without ``create`` the file
        must exist and is opened read-only: ``IndexMissing`` when it does not."""
        self.path = path
        self._lock = threading.Lock()
        read_only = not create and path != ":memory:"
        self._conn = _connect_read_only(path) if read_only else _connect(path)
        try:
            if read_only:
                _check_schema(self._conn, path)
            else:
                _create_schema(self._conn)
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self) -> SqliteIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def upsert_many(self, articles: Sequence[Article]) -> UpsertReport:
        """Insert or replace ``articles`` by article id in one transaction; last one wins."""
        batch = _last_per_id(articles)
        if not batch:
            return UpsertReport(0, 0, 0, 0)
        with self._lock:
            # Stem and fingerprint what will probably be written before locking the file.
            known = self._known(batch)
            rows = {aid: _Row.of(a) for aid, a in batch.items() if _changed(known.get(aid), a)}
            with _write_transaction(self._conn):
                return self._write_batch(batch, rows)

    def search(self, query: str, limit: int = 10, *, include_duplicates: bool = False,
               ) -> list[Hit]:
        """Articles matching every word of ``query`` (stemmed) and every quoted phrase in it
        (as written) and none of its -excluded words or -"phrases", best first; copies of
        other articles only with ``include_duplicates``.  ``QueryError`` when the query
        only excludes."""
        parsed = _parse_query(query)
        if parsed is None or limit < 1:
            return []
        params = {"match": parsed.match, "include_duplicates": include_duplicates,
                  "limit": limit}
        with self._lock:
            rows = self._conn.execute(_SEARCH_SQL, params).fetchall()
            highlight = self._highlight(parsed) if rows else ""
            return [_hit(row, self._snippet(row[0], highlight)) for row in rows]

    def get(self, article_id: str) -> Article | None:
        """The stored article, equal to the one indexed, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM articles WHERE article_id = ?", (article_id,)
            ).fetchone()
        return None if row is None else Article.model_validate_json(row[0])

    def count(self) -> int:
        """How many articles (copies included) the index holds."""
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def ids(self) -> list[str]:
        """Every article id, in the order they were first indexed."""
        with self._lock:
            rows = self._conn.execute("SELECT article_id FROM articles ORDER BY id").fetchall()
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        """Close the connection; closing twice is fine."""
        with self._lock:
            self._conn.close()

    def _known(self, batch: dict[str, Article]) -> dict[str, _Known]:
        ids = orjson.dumps(list(batch)).decode()
        rows = self._conn.execute(_EXISTING_SQL, (ids,)).fetchall()
        return {str(aid): _Known(int(rowid), str(chash)) for aid, rowid, chash in rows}

    def _write_batch(self, batch: dict[str, Article], rows: dict[str, _Row]) -> UpsertReport:
        """Write what changed, inside the transaction; ``rows`` were prepared before it."""
        known = self._known(batch)  # again: another process may have written meanwhile
        outcomes: Counter[str] = Counter()
        forms: set[tuple[str, str]] = set()
        for aid, article in batch.items():
            if not _changed(known.get(aid), article):
                outcomes["unchanged"] += 1
                continue
            row = rows.get(aid) or _Row.of(article)
            outcomes.update(self._write(known.get(aid), row))
            forms |= row.forms
        self._conn.executemany(_FORMS_INSERT_SQL, forms)
        return UpsertReport(outcomes["inserted"], outcomes["updated"], outcomes["unchanged"],
                            outcomes["duplicate"])

    def _write(self, known: _Known | None, row: _Row) -> list[str]:
        """Insert or replace one article: "inserted" or "updated", plus "duplicate" when it
        is a copy of another article."""
        canonical = self._canonical_for(row)
        params = {**row.columns, "duplicate_of": canonical}
        if known is None:
            rowid = self._conn.execute(_INSERT_SQL, params).lastrowid
            self._conn.execute(_FTS_INSERT_SQL, (rowid, *row.fts))
        else:
            self._conn.execute(_UPDATE_SQL, {**params, "id": known.id})
            self._conn.execute(_FTS_UPDATE_SQL, (*row.fts, known.id))
            if canonical is not None:  # its own copies now point at its canonical
                self._conn.execute(_REPOINT_SQL, (canonical, row.article_id))
        outcome = "inserted" if known is None else "updated"
        return [outcome] if canonical is None else [outcome, "duplicate"]

    def _canonical_for(self, row: _Row) -> str | None:
        """The article id ``row`` is a copy of: the canonical of the earliest-indexed article
        with the same content hash or a fingerprint within ``MAX_DISTANCE`` bits."""
        exact = self._conn.execute(
            EXACT_SQL, {"content_hash": row.content_hash, "article_id": row.article_id}
        ).fetchone()
        before, found = (exact[0], str(exact[2] or exact[1])) if exact else (_NO_ID, None)
        if row.fingerprint is None:
            return found
        params = {"article_id": row.article_id, "before": before,
                  **{k: row.columns[k] for k in ("band0", "band1", "band2", "band3")}}
        for article_id, simhash, content_hash, duplicate_of in self._conn.execute(
            CANDIDATES_SQL, params
        ):
            if not _is_copy(row, simhash, content_hash):
                continue
            canonical = str(duplicate_of or article_id)
            if canonical != row.article_id:  # not one of this article's own copies
                return canonical
        return found

    def _highlight(self, query: _Query) -> str:
        """What snippets highlight: the query's match, or in the body any written form of
        its stems, its words as typed or its phrases.  Exact terms only: prefix queries
        would merge the doclists of every word sharing the prefix, for every hit."""
        forms = [str(row[0]) for row in self._conn.execute(
            _FORMS_SQL, (orjson.dumps(query.terms).decode(), MAX_HIGHLIGHT_FORMS))]
        marks = dict.fromkeys([*query.words, *query.terms, *forms, *query.phrases])
        return f"({query.match}) OR ({{body}} : ({' OR '.join(map(_quote, marks))}))"

    def _snippet(self, rowid: int, highlight: str) -> str:
        """Some 20 words of the body around the highlighted terms (FTS5 snippet())."""
        params = {"open": HIGHLIGHT[0], "close": HIGHLIGHT[1], "ellipsis": ELLIPSIS,
                  "tokens": SNIPPET_TOKENS, "match": highlight, "id": rowid}
        row = self._conn.execute(_SNIPPET_SQL, params).fetchone()
        return "" if row is None else str(row[0])


def open_index(url: str, *, create: bool = True) -> SqliteIndex:
    """Open the index an URL names: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``
    or ``sqlite:///:memory:``.  ``create=False`` (for reading) opens an existing file
    read-only and raises ``IndexMissing`` rather than make one."""
    return SqliteIndex(sqlite_path(url), create=create)


def sqlite_path(url: str) -> str:
    """The file path in a ``sqlite:///`` URL; ValueError for any other URL."""
    if not url.startswith(_SQLITE_PREFIX):
        # Name only the scheme: other URLs (postgresql://user:password@...) hold secrets.
        scheme = url.partition("://")[0] if "://" in url else "(none)"
        raise ValueError(
            f"unsupported index URL scheme {scheme!r}: only SQLite is supported, as "
            "sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory:"
        )
    path = url.removeprefix(_SQLITE_PREFIX)
    if not path:
        raise ValueError("index URL names no file: use sqlite:///path.db or sqlite:///:memory:")
    return path


def _connect(path: str) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) in WAL mode, any thread."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.OperationalError as exc:
        raise _open_error(path, exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError):
            raise _open_error(path, exc) from exc
        raise
    return conn


def _connect_read_only(path: str) -> sqlite3.Connection:
    """A read-only connection to an index file that must exist; nothing is created."""
    if not os.path.exists(path):
        raise IndexMissing(f"no index at {path!r}")
    uri = f"file:{quote(path)}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None, check_same_thread=False)
    except sqlite3.OperationalError as exc:
        raise _open_error(path, exc) from exc
    return conn


def _check_schema(conn: sqlite3.Connection, path: str) -> None:
    """An existing file opened read-only holds an index this code can read."""
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:  # not a database at all
        raise _open_error(path, exc) from exc
    if version == 0:
        empty = sqlite3.DatabaseError("the file holds no vestnik index")
        raise _open_error(path, empty) from empty
    _refuse_newer(version)


def _refuse_newer(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"index schema version {version} is newer than this code's ({SCHEMA_VERSION})"
        )


def _open_error(path: str, exc: sqlite3.DatabaseError) -> sqlite3.OperationalError:
    return sqlite3.OperationalError(f"cannot open the index at {path!r}: {exc}")


def _create_schema(conn: sqlite3.Connection) -> None:
    with _write_transaction(conn):
        _refuse_newer(int(conn.execute("PRAGMA user_version").fetchone()[0]))
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def _write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE: take the write lock now (waiting up to the busy timeout) rather
    than fail later when a read transaction tries to become a write."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _last_per_id(articles: Iterable[Article]) -> dict[str, Article]:
    """The articles by id, the last of several with one id winning."""
    return {article.article_id: article for article in articles}


def _changed(known: _Known | None, article: Article) -> bool:
    return known is None or known.content_hash != article.content_hash


def _fingerprint_columns(fingerprint: int | None) -> dict[str, int | None]:
    if fingerprint is None:
        return {"simhash": None, "band0": None, "band1": None, "band2": None, "band3": None}
    bands = _dedup.bands(fingerprint)
    return {"simhash": _dedup.to_signed(fingerprint),
            **{f"band{i}": band for i, band in enumerate(bands)}}


def _is_copy(row: _Row, simhash: int | None, content_hash: str) -> bool:
    if content_hash == row.content_hash:
        return True
    if simhash is None or row.fingerprint is None:
        return False
    return _dedup.is_near(row.fingerprint, _dedup.from_signed(simhash))


def _hit(row: Sequence[Any], snippet: str) -> Hit:
    _, article_id, url, site, title, published_at, duplicate_of, rank = row
    return Hit(article_id=article_id, url=url, site=site, title=title,
               published_at=published_at, snippet=snippet, score=-float(rank),
               duplicate_of=duplicate_of)


def _parse_query(text: str) -> _Query | None:
    """The FTS5 expressions for a user query; None when it has no words.

    Bare words are stemmed and must all occur in the stemmed columns; each "quoted phrase"
    must occur as written (case and accents aside).  A word or phrase opened by '-'
    (``-армения``, ``-"нагорни карабах"``) must not occur; a hyphenated ``-word-word``
    excludes the two words in a row.  Every token is quoted for FTS5, so no input can be
    an FTS5 syntax error.  ``QueryError`` when every word is excluded.
    """
    phrases: dict[bool, list[str]] = {False: [], True: []}  # by excluded
    for minus, phrase in _PHRASE.findall(text):
        if words := tokenize(phrase)[:MAX_QUERY_TERMS]:
            phrases[bool(minus)].append(" ".join(words))
    chunks = _PHRASE.sub(" ", text).split()
    words = tokenize(" ".join(c for c in chunks if not c.startswith("-")))[:MAX_QUERY_TERMS]
    terms = list(dict.fromkeys(stem(word) for word in words))
    excluded = [" ".join(stems(c)) for c in chunks if c.startswith("-")]
    clauses = _match_clauses(terms, phrases[False][:MAX_QUERY_TERMS])
    exclusions = _match_clauses([e for e in excluded if e][:MAX_QUERY_TERMS],
                                phrases[True][:MAX_QUERY_TERMS], joiner=" OR ")
    if not clauses:
        if exclusions:
            raise QueryError(f"the query {text.strip()!r} only excludes words: "
                             "add one to look for")
        return None
    match = " AND ".join(clauses)
    if exclusions:
        match = f"({match}) NOT ({' OR '.join(exclusions)})"
    return _Query(match, words, terms, phrases[False][:MAX_QUERY_TERMS])


def _match_clauses(terms: list[str], phrases: list[str], joiner: str = " AND ") -> list[str]:
    """FTS5 clauses: the stems ``terms`` (joined by ``joiner``) in the stemmed columns,
    each phrase as written in the text columns."""
    clauses = [f"{_TEXT_COLUMNS} : {_quote(p)}" for p in phrases]
    if terms:
        clauses.insert(0, f"{_STEM_COLUMNS} : ({joiner.join(map(_quote, terms))})")
    return clauses


def _quote(token: str) -> str:
    """``token`` as an FTS5 string."""
    return '"' + token.replace('"', '""') + '"'
