"""The server backend: the index in PostgreSQL, shared by any number of indexers.

The same columns as the SQLite backend. Its ``title_terms`` and ``body_terms`` (the
analysed words, space-joined) are matched through a GIN index on the ``tsvector`` of their
terms (``vestnik_terms``, a function beside the table; never a text-search configuration,
so PostgreSQL matches exactly the terms the analyzer made). Only the index holds that
``tsvector``, and it keeps no word positions: a query's ``tsquery`` (``_query.tsquery``)
finds the rows holding its words, and a phrase is then told by the terms themselves (a
``LIKE`` on the space-joined terms). Scoring and snippets are done in Python (``_engine``),
as for SQLite.

Writers run concurrently. A batch first takes transaction-scoped advisory locks on
everything its articles could collide on (their ids, content hashes and fingerprint bands),
in one sorted order, so two copies of one story, or two fetches of one article, are written
one after the other and the second sees the first; no lost update, no duplicate row, no
deadlock. Readers take no lock.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from vestnik.contracts import Article
from vestnik.index import _query, redact
from vestnik.index._base import Copy, IndexMissing, IndexUnavailable, SearchRequest, UpsertReport
from vestnik.index._engine import Engine, filter_params
from vestnik.index._query import Item, Phrase, Query
from vestnik.index._rows import Row, decode_doc, fingerprint_columns, newest_per_id
from vestnik.index._search import Candidate

SCHEMA_VERSION = 3  # 2: fingerprint version 2 (see _dedup); 3: no stored tsvector
_NO_ID = 2**62
_MIGRATION_LOCK = 0x76657374  # "vest"
# What the full-text index holds of a row: its distinct terms (no positions). Its cost,
# about 50 µs a row, is declared, or the planner would compute it for every row rather
# than read the index when a word is in most of them (180 ms against 3 ms in an index of
# 4,000 articles); the SET clause also keeps PostgreSQL from inlining it, which would lose
# that cost.
_TERMS_FUNCTION = """CREATE OR REPLACE FUNCTION vestnik_terms(title_terms text, body_terms text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
    SET search_path = pg_catalog
    AS $$SELECT array_to_tsvector(array_cat(string_to_array(title_terms, ' '),
                                            string_to_array(body_terms, ' ')))$$"""
# The row's terms with a space on each side of every term, the title's apart from the
# text's (no term holds a space or a "|"), for telling phrases by a LIKE.
_PADDED_TERMS = "(' ' || a.title_terms || ' | ' || a.body_terms || ' ')"
# Pending entries of the full-text index (a list scanned by every search until merged)
# are merged when they reach this many kB, not PostgreSQL's default 4 MB: pages of that
# list stay with the index for good, and an index of a few thousand articles was more
# than half such pages.
GIN_PENDING_LIST_KB = 256


def _refingerprint(conn: psycopg.Connection[Any]) -> None:
    """Every stored row's fingerprint and bands computed anew from its stored terms (a new
    fingerprint version); which rows are copies of which stays as it was."""
    rows = conn.execute("SELECT id, body_terms FROM articles").fetchall()
    with conn.cursor() as cursor:
        cursor.executemany(
            "UPDATE articles SET simhash = %(simhash)s, band0 = %(band0)s, band1 = %(band1)s,"
            " band2 = %(band2)s, band3 = %(band3)s WHERE id = %(id)s",
            [{"id": row_id, **fingerprint_columns(terms)} for row_id, terms in rows])


# Each step: SQL statements, or a function of the connection, in one transaction.
# Step 1 makes a new index's table as it is now; later steps bring an older one to it
# (and change nothing in a new one).
_MIGRATIONS: dict[int, tuple[str | Callable[[psycopg.Connection[Any]], None], ...]] = {
    1: (
        """CREATE TABLE articles (
            id bigserial PRIMARY KEY,  -- order of first indexing: the earliest is canonical
            article_id text NOT NULL UNIQUE,
            url text NOT NULL,
            site text NOT NULL,
            title text NOT NULL,
            published_day text,
            published_ts double precision,
            source_agency text,
            language text,
            fetched_us bigint NOT NULL,
            content_hash text NOT NULL,
            simhash bigint,
            band0 integer, band1 integer, band2 integer, band3 integer,
            duplicate_of text,
            title_terms text NOT NULL,
            body_terms text NOT NULL,
            length integer NOT NULL,
            doc bytea NOT NULL
        )""",
        "CREATE INDEX articles_content_hash ON articles (content_hash, id)",
        *(f"CREATE INDEX articles_band{i} ON articles (band{i}, id) WHERE duplicate_of IS NULL"
          for i in range(4)),
        "CREATE INDEX articles_duplicate_of ON articles (duplicate_of)",
    ),
    2: (_refingerprint,),  # fingerprint version 2
    # The tsvector, with word positions, was stored in a column ``tsv`` (more bytes than
    # the text it came from) under a GIN index: only an index of the terms is kept now.
    # A new index has no ``tsv`` to drop. Dropping the column frees its space only as rows
    # are rewritten (or at once with VACUUM FULL, which locks the table meanwhile).
    3: (
        "DROP INDEX IF EXISTS articles_tsv",
        "ALTER TABLE articles DROP COLUMN IF EXISTS tsv",
        _TERMS_FUNCTION,
        "CREATE INDEX IF NOT EXISTS articles_terms ON articles"
        " USING gin (vestnik_terms(title_terms, body_terms))"
        f" WITH (gin_pending_list_limit = {GIN_PENDING_LIST_KB})",
    ),
}

_COLUMNS = ("article_id", "url", "site", "title", "published_day", "published_ts",
            "source_agency", "language", "fetched_us", "content_hash", "simhash", "band0",
            "band1", "band2", "band3", "duplicate_of", "title_terms", "body_terms", "length",
            "doc")
_INSERT_SQL = (f"INSERT INTO articles ({', '.join(_COLUMNS)}) VALUES "
               f"({', '.join(f'%({c})s' for c in _COLUMNS)})")
_UPDATE_SQL = (f"UPDATE articles SET {', '.join(f'{c} = %({c})s' for c in _COLUMNS[1:])} "
               "WHERE id = %(id)s")
EXACT_SQL = """SELECT id, article_id, duplicate_of FROM articles
    WHERE content_hash = %(content_hash)s AND article_id <> %(article_id)s
      AND coalesce(duplicate_of, article_id) <> %(article_id)s
    ORDER BY id LIMIT 1"""
CANDIDATES_SQL = """SELECT article_id, simhash, content_hash FROM articles
    WHERE ((band0 = %(band0)s AND duplicate_of IS NULL AND id < %(before)s)
        OR (band1 = %(band1)s AND duplicate_of IS NULL AND id < %(before)s)
        OR (band2 = %(band2)s AND duplicate_of IS NULL AND id < %(before)s)
        OR (band3 = %(band3)s AND duplicate_of IS NULL AND id < %(before)s))
      AND article_id <> %(article_id)s
    ORDER BY id"""
_FILTERS = """(%(dups)s OR a.duplicate_of IS NULL)
      AND (%(site)s::text IS NULL OR a.site = %(site)s)
      AND (%(language)s::text IS NULL OR a.language = %(language)s)
      AND (%(agency)s::text IS NULL OR a.source_agency = %(agency)s)
      AND (%(date_from)s::text IS NULL OR a.published_day >= %(date_from)s)
      AND (%(date_to)s::text IS NULL OR a.published_day <= %(date_to)s)"""


def _lock_key(kind: str, value: object) -> int:
    digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_keys(rows: Sequence[Row]) -> list[int]:
    """What a batch may collide on, as advisory lock keys, in one global order."""
    keys = set()
    for row in rows:
        keys.add(_lock_key("article", row.article_id))
        keys.add(_lock_key("hash", row.content_hash))
        keys.update(_lock_key(name, band) for name, band in row.bands.items()
                    if band is not None)
    return sorted(keys)


class PostgresIndex(Engine):
    """The article index in a PostgreSQL database (the URL's ``search_path``, if given in
    ``options``, picks the schema), through a small connection pool."""

    def __init__(self, url: str, *, create: bool = True, max_connections: int = 4) -> None:
        self.url = url
        try:
            self._pool = ConnectionPool(url, min_size=1, max_size=max_connections,
                                        kwargs={"autocommit": True}, open=False)
            self._pool.open(wait=True, timeout=10)
        except psycopg.Error as exc:
            raise _unavailable(url, exc) from exc
        except Exception as exc:  # the pool's own timeout: no connection could be made
            raise IndexUnavailable(f"cannot reach PostgreSQL at {redact(url)}: {exc}") from exc
        try:
            self._migrate() if create else self._check_schema()
        except BaseException:
            self._pool.close()
            raise

    # -- schema ----------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Create or migrate the schema, one replica at a time (an advisory lock)."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS vestnik_schema (version integer NOT NULL)")
            row = conn.execute("SELECT max(version) FROM vestnik_schema").fetchone()
            version = int(row[0]) if row and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"index schema version {version} is newer than this "
                                   f"code's ({SCHEMA_VERSION})")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    if callable(statement):
                        statement(conn)
                    else:
                        conn.execute(statement)
                conn.execute("INSERT INTO vestnik_schema (version) VALUES (%s)", (step,))

    def _check_schema(self) -> None:
        row = self._read_one("SELECT to_regclass('vestnik_schema') IS NOT NULL")
        version = self._read_one("SELECT max(version) FROM vestnik_schema")[0] if row[0] else None
        if version is None:
            raise IndexMissing(f"no vestnik index in {redact(self.url)}")
        if int(version) != SCHEMA_VERSION:
            raise RuntimeError(f"index schema version {version}, this code reads "
                               f"{SCHEMA_VERSION}: start the indexer once to migrate it")

    # -- writing ---------------------------------------------------------------------------

    def upsert_many(self, articles: Sequence[Article]) -> UpsertReport:
        batch = newest_per_id(articles)
        if not batch:
            return UpsertReport(0, 0, 0, 0, 0)
        rows = {aid: Row.of(article) for aid, article in batch.items()}
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k",
                             (_lock_keys(list(rows.values())),))
                return self._write_batch(conn, rows)
        except psycopg.OperationalError as exc:
            raise _unavailable(self.url, exc) from exc

    def _write_batch(self, conn: psycopg.Connection[Any], rows: dict[str, Row]) -> UpsertReport:
        known = {str(r[0]): r[1:] for r in conn.execute(
            "SELECT article_id, id, content_hash, fetched_us FROM articles "
            "WHERE article_id = ANY(%s)", (list(rows),))}
        outcomes: Counter[str] = Counter()
        for aid, row in rows.items():
            if aid not in known:
                outcomes.update(self._write(conn, None, row))
                continue
            rowid, content_hash, fetched = known[aid]
            if (row.fetched_us, row.content_hash) <= (fetched, content_hash):
                outcomes["unchanged" if row.content_hash == content_hash else "stale"] += 1
            elif row.content_hash == content_hash:
                conn.execute("UPDATE articles SET fetched_us = %s WHERE id = %s",
                             (row.fetched_us, rowid))
                outcomes["unchanged"] += 1
            else:
                outcomes.update(self._write(conn, rowid, row))
        return UpsertReport(outcomes["inserted"], outcomes["updated"], outcomes["unchanged"],
                            outcomes["stale"], outcomes["duplicate"])

    def _write(self, conn: psycopg.Connection[Any], rowid: int | None, row: Row) -> list[str]:
        canonical = self._canonical_for(conn, row)
        params = {**row.columns, "duplicate_of": canonical}
        if rowid is None:
            conn.execute(_INSERT_SQL, params)
            outcome = "inserted"
        else:
            conn.execute(_UPDATE_SQL, {**params, "id": rowid})
            if canonical is not None:
                conn.execute("UPDATE articles SET duplicate_of = %s WHERE duplicate_of = %s",
                             (canonical, row.article_id))
            outcome = "updated"
        return [outcome] if canonical is None else [outcome, "duplicate"]

    def _canonical_for(self, conn: psycopg.Connection[Any], row: Row) -> str | None:
        # Never prepared: a plan made while the table was small (a walk of every canonical
        # row) would be kept for good; each run is planned with the table as it is then.
        exact = conn.execute(EXACT_SQL, {"content_hash": row.content_hash,
                                         "article_id": row.article_id},
                             prepare=False).fetchone()
        before, found = (exact[0], str(exact[2] or exact[1])) if exact else (_NO_ID, None)
        if row.fingerprint is None:
            return found
        params = {"article_id": row.article_id, "before": before, **row.bands}
        for article_id, simhash, content_hash in conn.execute(CANDIDATES_SQL, params,
                                                                  prepare=False):
            if row.is_copy_of(simhash, content_hash):
                return str(article_id)
        return found

    # -- reading ---------------------------------------------------------------------------

    def _read(self, sql: str, params: Any = None) -> list[Any]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(sql, params).fetchall()
        except psycopg.OperationalError as exc:
            raise _unavailable(self.url, exc) from exc

    def _read_one(self, sql: str, params: Any = None) -> Any:
        return self._read(sql, params)[0]

    def _candidates(self, query: Query, request: SearchRequest, *,
                    with_terms: bool) -> list[Candidate]:
        terms = ", a.title_terms, a.body_terms" if with_terms else ""
        exact, patterns = _phrases(query)
        sql = f"""SELECT a.id, a.article_id, a.site, a.source_agency, a.language,
                a.published_ts, a.length{terms}
            FROM articles AS a
            WHERE {_MATCH} AND {exact} AND {_FILTERS}"""
        params = {"match": _query.tsquery(query), **patterns, **filter_params(request)}
        return [Candidate(*row) for row in self._read(sql, params)]

    def _collection(self, include_duplicates: bool) -> tuple[int, int]:
        n, total = self._read_one("""SELECT count(*), coalesce(sum(length), 0) FROM articles
            WHERE %s OR duplicate_of IS NULL""", (include_duplicates,))
        return int(n), int(total)

    def _doc_freqs(self, items: Sequence[Item], include_duplicates: bool) -> list[int]:
        out = []
        for item in items:
            exact = (f"{_PADDED_TERMS} LIKE ANY(%(item)s)" if isinstance(item, Phrase)
                     else "TRUE")
            sql = f"""SELECT count(*) FROM articles AS a
                WHERE {_MATCH} AND {exact} AND (%(dups)s OR a.duplicate_of IS NULL)"""
            params = {"match": _query.tsquery_item(item), "item": _patterns(item),
                      "dups": include_duplicates}
            out.append(int(self._read_one(sql, params)[0]))
        return out

    def _docs(self, ids: list[int]) -> dict[int, tuple[bytes, str | None]]:
        rows = self._read("SELECT id, doc, duplicate_of FROM articles WHERE id = ANY(%s)",
                          (ids,))
        return {int(r[0]): (bytes(r[1]), r[2]) for r in rows}

    def _copies(self, article_ids: list[str]) -> dict[str, list[Copy]]:
        rows = self._read("""SELECT duplicate_of, article_id, site, url, fetched_us
            FROM articles WHERE duplicate_of = ANY(%s)
            ORDER BY fetched_us, article_id""", (article_ids,))
        out: dict[str, list[Copy]] = {}
        for canonical, article_id, site, url, fetched in rows:
            fetched_at = datetime.fromtimestamp(int(fetched) / 1_000_000, UTC).isoformat()
            out.setdefault(str(canonical), []).append(Copy(article_id, site, url, fetched_at))
        return out

    def get(self, article_id: str) -> Article | None:
        if "\x00" in article_id:  # no id holds one, and PostgreSQL text cannot
            return None
        rows = self._read("SELECT doc FROM articles WHERE article_id = %s", (article_id,))
        return decode_doc(bytes(rows[0][0])) if rows else None

    def count(self) -> int:
        return int(self._read_one("SELECT count(*) FROM articles")[0])

    def ids(self) -> list[str]:
        return [str(r[0]) for r in self._read("SELECT article_id FROM articles ORDER BY id")]

    def check(self) -> None:
        self._read("SELECT 1 FROM articles LIMIT 1")

    def close(self) -> None:
        self._pool.close()


_MATCH = "vestnik_terms(a.title_terms, a.body_terms) @@ CAST(%(match)s AS tsquery)"


def _patterns(item: Item) -> list[str]:
    """``LIKE`` patterns of which ``_PADDED_TERMS`` matches one exactly when ``item``
    matches the row."""
    return ["%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for needle in _query.needles(item)]


def _phrases(query: Query) -> tuple[str, dict[str, list[str]]]:
    """What a row matching ``_query.tsquery(query)`` must also be true of to match
    ``query`` (its phrases: their words in a row), and its parameters."""
    if not _query.has_phrase(query):
        return "TRUE", {}
    checks: list[str] = []
    params: dict[str, list[str]] = {}

    def like(item: Item) -> str:
        name = f"phrase_{len(params)}"
        params[name] = _patterns(item)
        return f"{_PADDED_TERMS} LIKE ANY(%({name})s)"

    for clause in query.clauses:
        if any(isinstance(item, Phrase) for item in clause):
            checks.append("(" + " OR ".join(map(like, clause)) + ")")
    checks.extend(f"NOT {like(item)}" for item in query.excluded if isinstance(item, Phrase))
    return " AND ".join(checks), params


_PASSWORD = re.compile(r"password=\S+")


def _unavailable(url: str, exc: BaseException) -> IndexUnavailable:
    detail = _PASSWORD.sub("password=***", str(exc).strip().splitlines()[0] if str(exc) else "")
    return IndexUnavailable(f"cannot reach PostgreSQL at {redact(url)}: {detail}")
