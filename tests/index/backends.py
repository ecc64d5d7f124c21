"""Index URLs for tests, one per backend: a SQLite file in the test's folder, or a private
schema in the PostgreSQL under test (dropped afterwards)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A new schema in the PostgreSQL under test; the URL whose connections use it."""
    import psycopg

    schema = f"vt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextlib.contextmanager
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty index of the backend ``request.param`` names."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/index.sqlite3"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url
