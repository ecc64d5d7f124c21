"""Shared fixtures: the real Redis at 127.0.0.1:6379 (or VESTNIK_TEST_REDIS_URL), with
stream names private to each test so tests never see each other's entries."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from vestnik.settings import Settings

REDIS_URL = os.environ.get("VESTNIK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    prefix = f"vt-{uuid.uuid4().hex[:10]}:"
    return Settings(
        redis_url=REDIS_URL,
        events_stream=prefix + "events",
        articles_stream=prefix + "articles",
        rejected_stream=prefix + "rejected",
        dead_letter_prefix=prefix + "dlq:",
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
    try:
        await client.ping()
    except Exception as exc:  # pragma: no cover - the machine's Redis is down
        pytest.fail(f"no Redis at {REDIS_URL}: {exc}")
    yield client
    prefix = settings.events_stream.rsplit(":", 1)[0]
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
