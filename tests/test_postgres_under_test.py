"""The PostgreSQL the tests use: VESTNIK_TEST_POSTGRES_URL, else the local server. Where none
answers, every test that needs it is skipped with one reason (and .ci/run fails on it)."""

from __future__ import annotations

import uuid

import psycopg


def test_the_postgresql_under_test_takes_a_private_schema_and_a_round_trip(
    postgres_url: str,
) -> None:
    schema = f"vt_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        try:
            conn.execute(f"CREATE TABLE {schema}.t (word text)")
            conn.execute(f"INSERT INTO {schema}.t VALUES (%s)", ("Карабах",))
            row = conn.execute(f"SELECT word FROM {schema}.t").fetchone()
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    assert row == ("Карабах",)
