"""The embedded backend: the index in one SQLite file, matched with FTS5.

``articles`` holds one row per article id: the article itself (JSON, the body once), the
columns filters and sorting read, its analysed ``title_terms``/``body_terms`` (space-joined,
what is matched and scored), its fingerprint bands and ``duplicate_of``. ``articles_fts``
is an FTS5 index over those two term columns whose content is ``articles`` itself, with
the ``ascii`` tokenizer: the terms are already analysed, so FTS5 only splits on spaces.

Every write batch is one ``BEGIN IMMEDIATE`` transaction; with WAL and a busy timeout
several indexer processes can share one file, and readers (``create=False``: a read-only
connection) never wait for a writer. A writer's commit never copies the WAL into the file
(SQLite's automatic checkpoint, tens of milliseconds now and then, would hold up the
next batch): a thread of its own does, every ``CHECKPOINT_EVERY_S`` after writes, in
``PASSIVE`` mode (it waits for no reader or writer).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson

from vestnik.contracts import Article
from vestnik.index import _query
from vestnik.index._base import Copy, IndexMissing, SearchRequest, UpsertReport
from vestnik.index._engine import Engine, filter_params
from vestnik.index._query import Item, Query
from vestnik.index._rows import Row, decode_doc, fingerprint_columns, newest_per_id
from vestnik.index._search import Candidate

SCHEMA_VERSION = 3  # 3: fingerprint version 2 (see _dedup)
BUSY_TIMEOUT_MS = 30_000
CHECKPOINT_EVERY_S = 1.0
PREFIX = "sqlite:///"
_NO_ID = 2**62

_SCHEMA = (
    """CREATE TABLE articles (
        id INTEGER PRIMARY KEY,  -- order of first indexing: the earliest copy is canonical
        article_id TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        site TEXT NOT NULL,
        title TEXT NOT NULL,
        published_day TEXT,      -- ISO day as on the page, for date filters
        published_ts REAL,       -- seconds since the epoch, for sorting by date
        source_agency TEXT,
        language TEXT,
        fetched_us INTEGER NOT NULL,  -- newer wins
        content_hash TEXT NOT NULL,
        simhash INTEGER,  -- signed 64-bit; NULL when the body is too short to fingerprint
        band0 INTEGER, band1 INTEGER, band2 INTEGER, band3 INTEGER,
        duplicate_of TEXT,
        title_terms TEXT NOT NULL,
        body_terms TEXT NOT NULL,
        length INTEGER NOT NULL,  -- terms in title and text
        doc BLOB NOT NULL
    )""",
    "CREATE INDEX articles_content_hash ON articles(content_hash)",
    # Near copies are looked for among canonical rows only: one per story, however many
    # copies it has, so finding a copy's canonical costs the same at its 20,000th copy.
    *(f"CREATE INDEX articles_band{i} ON articles(band{i}) WHERE duplicate_of IS NULL"
      for i in range(4)),
    "CREATE INDEX articles_duplicate_of ON articles(duplicate_of)",
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title_terms, body_terms, content = 'articles', content_rowid = 'id',
        tokenize = 'ascii'
    )""",
)

_KNOWN_SQL = """SELECT article_id, id, content_hash, fetched_us, title_terms, body_terms
    FROM articles WHERE article_id IN (SELECT value FROM json_each(?))"""
# The earliest exact copy that is not one of the article's own copies: the content-hash
# index lists equal hashes in id order, so this reads a row or two however many copies.
EXACT_SQL = """SELECT id, article_id, duplicate_of FROM articles
    WHERE content_hash = :content_hash AND article_id != :article_id
      AND coalesce(duplicate_of, article_id) != :article_id
    ORDER BY id LIMIT 1"""
# Near copies: canonical rows sharing a band, earlier than the exact copy found.
CANDIDATES_SQL = """SELECT article_id, simhash, content_hash FROM articles
    WHERE ((band0 = :band0 AND duplicate_of IS NULL AND id < :before)
        OR (band1 = :band1 AND duplicate_of IS NULL AND id < :before)
        OR (band2 = :band2 AND duplicate_of IS NULL AND id < :before)
        OR (band3 = :band3 AND duplicate_of IS NULL AND id < :before))
      AND article_id != :article_id
    ORDER BY id"""
_COLUMNS = ("article_id", "url", "site", "title", "published_day", "published_ts",
            "source_agency", "language", "fetched_us", "content_hash", "simhash", "band0",
            "band1", "band2", "band3", "duplicate_of", "title_terms", "body_terms", "length",
            "doc")
_INSERT_SQL = (f"INSERT INTO articles ({', '.join(_COLUMNS)}) VALUES "
               f"({', '.join(':' + c for c in _COLUMNS)})")
_UPDATE_SQL = (f"UPDATE articles SET {', '.join(f'{c} = :{c}' for c in _COLUMNS[1:])} "
               "WHERE id = :id")
_FTS_INSERT_SQL = "INSERT INTO articles_fts (rowid, title_terms, body_terms) VALUES (?, ?, ?)"
_FTS_DELETE_SQL = """INSERT INTO articles_fts (articles_fts, rowid, title_terms, body_terms)
    VALUES ('delete', ?, ?, ?)"""
_REPOINT_SQL = "UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?"
_FETCHED_SQL = "UPDATE articles SET fetched_us = max(fetched_us, ?) WHERE id = ?"
_FILTERS = """(:dups OR a.duplicate_of IS NULL)
      AND (:site IS NULL OR a.site = :site)
      AND (:language IS NULL OR a.language = :language)
      AND (:agency IS NULL OR a.source_agency = :agency)
      AND (:date_from IS NULL OR a.published_day >= :date_from)
      AND (:date_to IS NULL OR a.published_day <= :date_to)"""


class SqliteIndex(Engine):
    """The article index in one SQLite file (or ``":memory:"``); safe to share by processes.

    One instance may be used from several threads (calls are serialised)."""

    def __init__(self, path: str, *, create: bool = True,
                 checkpoint_every_s: float = CHECKPOINT_EVERY_S) -> None:
        """Open (with ``create``: make, or migrate) the index in ``path``; without
        ``create`` the file must exist and is opened read-only (``IndexMissing``)."""
        self.path = path
        self.url = PREFIX + path
        self._lock = threading.Lock()
        read_only = not create and path != ":memory:"
        self._conn = _connect_read_only(path) if read_only else _connect(path)
        self._checkpoints: _Checkpointer | None = None
        try:
            if read_only:
                _check_schema(self._conn, path)
            else:
                self._migrate()
                if path != ":memory:":
                    self._conn.execute("PRAGMA wal_autocheckpoint = 0")
                    self._checkpoints = _Checkpointer(path, checkpoint_every_s)
        except BaseException:
            self._conn.close()
            raise

    def _migrate(self) -> None:
        """Bring the file to ``SCHEMA_VERSION`` in one transaction: create it, or rebuild a
        version-1 index from the articles it stores."""
        with _write_transaction(self._conn):
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise RuntimeError(_newer(version))
            if version == SCHEMA_VERSION:
                return
            if version == 2:  # the same tables: only the fingerprints change
                self._refingerprint()
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                return
            old: list[Article] = []
            if version == 1:
                old = [decode_doc(r[0]) for r in
                       self._conn.execute("SELECT doc FROM articles ORDER BY id")]
                for table in ("articles_fts", "forms", "articles"):
                    self._conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA:
                self._conn.execute(statement)
            for start in range(0, len(old), 500):
                chunk = newest_per_id(old[start:start + 500])
                self._write_batch({aid: Row.of(a) for aid, a in chunk.items()})
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _refingerprint(self) -> None:
        """Every stored row's fingerprint and bands computed anew from its stored terms
        (a new fingerprint version); which rows are copies of which stays as it was."""
        rows = self._conn.execute("SELECT id, body_terms FROM articles").fetchall()
        self._conn.executemany(
            "UPDATE articles SET simhash = :simhash, band0 = :band0, band1 = :band1, "
            "band2 = :band2, band3 = :band3 WHERE id = :id",
            ({"id": row_id, **fingerprint_columns(terms)} for row_id, terms in rows))

    # -- writing ---------------------------------------------------------------------------

    def upsert_many(self, articles: Sequence[Article]) -> UpsertReport:
        batch = newest_per_id(articles)
        if not batch:
            return UpsertReport(0, 0, 0, 0, 0)
        rows = {aid: Row.of(article) for aid, article in batch.items()}  # before the lock
        with self._lock, _write_transaction(self._conn):
            report = self._write_batch(rows)
        if self._checkpoints is not None:
            self._checkpoints.wrote()
        return report

    def _write_batch(self, rows: dict[str, Row]) -> UpsertReport:
        ids = orjson.dumps(list(rows)).decode()
        known = {str(r[0]): r[1:] for r in self._conn.execute(_KNOWN_SQL, (ids,))}
        outcomes: Counter[str] = Counter()
        for aid, row in rows.items():
            if aid not in known:
                outcomes.update(self._insert(row))
                continue
            rowid, content_hash, fetched, old_title, old_body = known[aid]
            if (row.fetched_us, row.content_hash) <= (fetched, content_hash):
                outcomes["unchanged" if row.content_hash == content_hash else "stale"] += 1
            elif row.content_hash == content_hash:
                self._conn.execute(_FETCHED_SQL, (row.fetched_us, rowid))
                outcomes["unchanged"] += 1
            else:
                outcomes.update(self._update(rowid, row, old_title, old_body))
        return UpsertReport(outcomes["inserted"], outcomes["updated"], outcomes["unchanged"],
                            outcomes["stale"], outcomes["duplicate"])

    def _insert(self, row: Row) -> list[str]:
        canonical = self._canonical_for(row)
        rowid = self._conn.execute(_INSERT_SQL, {**row.columns, "duplicate_of": canonical}
                                   ).lastrowid
        self._conn.execute(_FTS_INSERT_SQL, (rowid, row.columns["title_terms"],
                                             row.columns["body_terms"]))
        return ["inserted"] if canonical is None else ["inserted", "duplicate"]

    def _update(self, rowid: int, row: Row, old_title: str, old_body: str) -> list[str]:
        canonical = self._canonical_for(row)
        self._conn.execute(_FTS_DELETE_SQL, (rowid, old_title, old_body))
        self._conn.execute(_UPDATE_SQL, {**row.columns, "duplicate_of": canonical, "id": rowid})
        self._conn.execute(_FTS_INSERT_SQL, (rowid, row.columns["title_terms"],
                                             row.columns["body_terms"]))
        if canonical is not None:  # its own copies now point at its canonical
            self._conn.execute(_REPOINT_SQL, (canonical, row.article_id))
        return ["updated"] if canonical is None else ["updated", "duplicate"]

    def _canonical_for(self, row: Row) -> str | None:
        """The article id ``row`` is a copy of: the canonical of the earliest-indexed
        article with the same content hash, or an earlier canonical article whose
        fingerprint is within a few bits."""
        exact = self._conn.execute(
            EXACT_SQL, {"content_hash": row.content_hash, "article_id": row.article_id}
        ).fetchone()
        before, found = (exact[0], str(exact[2] or exact[1])) if exact else (_NO_ID, None)
        if row.fingerprint is None:
            return found
        params = {"article_id": row.article_id, "before": before, **row.bands}
        for article_id, simhash, content_hash in self._conn.execute(CANDIDATES_SQL, params):
            if row.is_copy_of(simhash, content_hash):
                return str(article_id)
        return found

    # -- reading ---------------------------------------------------------------------------

    def _read(self, sql: str, params: Any = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _candidates(self, query: Query, request: SearchRequest, *,
                    with_terms: bool) -> list[Candidate]:
        terms = ", a.title_terms, a.body_terms" if with_terms else ""
        sql = f"""SELECT a.id, a.article_id, a.site, a.source_agency, a.language,
                a.published_ts, a.length{terms}
            FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid
            WHERE articles_fts MATCH :match AND {_FILTERS}"""
        params = {"match": _query.fts5(query), **filter_params(request)}
        return [Candidate(*row) for row in self._read(sql, params)]

    def _collection(self, include_duplicates: bool) -> tuple[int, int]:
        n, total = self._read("""SELECT count(*), coalesce(sum(length), 0) FROM articles
            WHERE ? OR duplicate_of IS NULL""", (include_duplicates,))[0]
        return int(n), int(total)

    def _doc_freqs(self, items: Sequence[Item], include_duplicates: bool) -> list[int]:
        sql = """SELECT count(*) FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid
            WHERE articles_fts MATCH ? AND (? OR a.duplicate_of IS NULL)"""
        return [int(self._read(sql, (_query.fts5_item(item), include_duplicates))[0][0])
                for item in items]

    def _docs(self, ids: list[int]) -> dict[int, tuple[bytes, str | None]]:
        rows = self._read("""SELECT id, doc, duplicate_of FROM articles
            WHERE id IN (SELECT value FROM json_each(?))""", (orjson.dumps(ids).decode(),))
        return {int(r[0]): (bytes(r[1]), r[2]) for r in rows}

    def _copies(self, article_ids: list[str]) -> dict[str, list[Copy]]:
        rows = self._read("""SELECT duplicate_of, article_id, site, url, fetched_us
            FROM articles WHERE duplicate_of IN (SELECT value FROM json_each(?))
            ORDER BY fetched_us, article_id""", (orjson.dumps(article_ids).decode(),))
        out: dict[str, list[Copy]] = {}
        for canonical, article_id, site, url, fetched in rows:
            out.setdefault(str(canonical), []).append(
                Copy(article_id, site, url, _iso_from_us(int(fetched))))
        return out

    def get(self, article_id: str) -> Article | None:
        rows = self._read("SELECT doc FROM articles WHERE article_id = ?", (article_id,))
        return decode_doc(rows[0][0]) if rows else None

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM articles")[0][0])

    def ids(self) -> list[str]:
        return [str(r[0]) for r in self._read("SELECT article_id FROM articles ORDER BY id")]

    def check(self) -> None:
        self._read("SELECT 1 FROM articles LIMIT 1")

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
        with self._lock:
            self._conn.close()


class _Checkpointer:
    """Copies a writer's WAL into the database file in a thread of its own: every
    ``every_s`` after a write, ``PRAGMA wal_checkpoint(PASSIVE)`` on a connection of its
    own (SQLite lets the writer go on meanwhile; a checkpoint busy elsewhere, another
    indexer's, is left to it). The file's last connection to close checkpoints the rest."""

    def __init__(self, path: str, every_s: float) -> None:
        self._path, self._every_s = path, every_s
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vestnik-checkpoint",
                                        daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        self._dirty.set()

    def close(self) -> None:
        self._closing.set()
        self._dirty.set()
        self._thread.join(BUSY_TIMEOUT_MS / 1000)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._dirty.wait()
                if self._closing.wait(self._every_s):
                    return
                self._dirty.clear()
                try:
                    conn = conn or _connect(self._path)
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the next write tries again
                    from vestnik.logs import get_logger  # rare: not at import

                    get_logger(task="index").warning("checkpoint_failed", path=self._path,
                                                     error=str(exc)[:300])
        finally:
            if conn is not None:
                conn.close()


def _iso_from_us(value: int) -> str:
    return datetime.fromtimestamp(value / 1_000_000, UTC).isoformat()


def sqlite_path(url: str) -> str:
    """The file path in a ``sqlite:///`` URL: ``sqlite:///relative.db``,
    ``sqlite:////abs/path.db`` or ``sqlite:///:memory:``."""
    path = url.removeprefix(PREFIX)
    if not path:
        raise ValueError("index URL names no file: use sqlite:///path.db or sqlite:///:memory:")
    return path


def _wal(conn: sqlite3.Connection) -> None:
    """WAL mode. Switching a new file to it needs the file to itself, and SQLite answers
    "database is locked" at once, without its busy handler, while another process is
    making the same new file: try again until the busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _connect(path: str) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) in WAL mode, any thread."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.OperationalError as exc:
        raise _open_error(path, exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _wal(conn)
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
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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
        if _holds_nothing(conn, path):  # made by an indexer that has not migrated it yet
            raise IndexMissing(f"no index at {path!r}, an empty file: its indexer has not "
                               "made it yet")
        empty = sqlite3.DatabaseError("the file holds no vestnik index")
        raise _open_error(path, empty) from empty
    if version != SCHEMA_VERSION:
        raise RuntimeError(f"index schema version {version}, this code reads "
                           f"{SCHEMA_VERSION}: start the indexer once to migrate it"
                           if version < SCHEMA_VERSION else _newer(version))


def _holds_nothing(conn: sqlite3.Connection, path: str) -> bool:
    """The file is an empty database (or empty bytes): what an indexer's first connection
    leaves before its schema transaction commits."""
    try:
        return int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) == 0
    except sqlite3.DatabaseError as exc:
        raise _open_error(path, exc) from exc


def _newer(version: int) -> str:
    return f"index schema version {version} is newer than this code's ({SCHEMA_VERSION})"


def _open_error(path: str, exc: sqlite3.DatabaseError) -> sqlite3.OperationalError:
    return sqlite3.OperationalError(f"cannot open the index at {path!r}: {exc}")


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
