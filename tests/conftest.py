"""Shared fixtures: the Redis under test (see ``redis_under_test``), with stream names
private to each test so tests never see each other's entries; the PostgreSQL under test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from vestnik.settings import Settings

from . import redis_under_test

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

REDIS = redis_under_test.choose()
REDIS_URL = REDIS.url
REDIS_SERVER = REDIS.binary  # for tests that start Redis servers of their own
POSTGRES_URL = os.environ.get("VESTNIK_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
NO_POSTGRES = "no PostgreSQL for the tests"  # .ci/run fails on a skip with this reason


def pytest_report_header() -> str:
    return f"redis under test: {REDIS_URL} (Redis {REDIS.version()}, {REDIS.how})"


def pytest_unconfigure() -> None:
    REDIS.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[
        None, pytest.TestReport, pytest.TestReport]:
    """When the Redis under the tests dies, stop the run with one clear line instead of
    failing every test that follows."""
    report = yield
    if report.failed and (cause := redis_under_test.failure_cause(REDIS_URL)):
        message = f"the Redis under the tests ({REDIS_URL}) stopped answering ({cause})"
        report.longrepr = message
        item.session.shouldstop = f"{message}; the run stops here"
    return report


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    prefix = f"vt-{uuid.uuid4().hex[:10]}:"
    return Settings(
        redis_url=REDIS_URL,
        events_stream=prefix + "events",
        articles_stream=prefix + "articles",
        rejected_stream=prefix + "rejected",
        dead_letter_prefix=prefix + "dlq:",
        site_memory_prefix=prefix + "sitememory:",
        cleaner_group=prefix + "cleaners",
        indexer_group=prefix + "indexers",
        consumer_name=f"test-{uuid.uuid4().hex[:6]}",
        index_url=f"sqlite:///{tmp_path}/index.sqlite3",
        poll_ms=50,
        log_level="WARNING",
    )


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(REDIS_URL)
    yield client
    prefix = settings.events_stream.rsplit(":", 1)[0]
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """``VESTNIK_TEST_POSTGRES_URL``, else the local server; skipped where none answers."""
    psycopg: Any = pytest.importorskip("psycopg", reason=f"{NO_POSTGRES}: psycopg missing")
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"{NO_POSTGRES}: {POSTGRES_URL} does not answer "
                    f"({str(exc).strip().splitlines()[0]}); set VESTNIK_TEST_POSTGRES_URL")
    return POSTGRES_URL
