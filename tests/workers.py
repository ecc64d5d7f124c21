"""Run the real workers in this process against the real Redis, for the end-to-end tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from vestnik.cleaner.app import create_app as cleaner_app
from vestnik.indexer.app import create_app as indexer_app
from vestnik.settings import Settings
from vestnik.status import wait_drained as _wait_drained


@contextlib.asynccontextmanager
async def running_workers(settings: Settings) -> AsyncIterator[None]:
    apps = [cleaner_app(settings), indexer_app(settings)]
    for app in apps:
        await app.start()
    try:
        yield
    finally:
        for app in reversed(apps):
            await app.stop()


async def wait_drained(redis: Redis, settings: Settings, timeout_s: float = 20.0) -> None:
    await _wait_drained(redis, settings, timeout_s)
