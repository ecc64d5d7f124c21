"""What every vestnik worker shares: the broker, the consumer group made at start, logs."""

from __future__ import annotations

import logging
from typing import Any

from faststream import FastStream
from faststream.redis import RedisBroker, RedisRouter
from redis.asyncio import Redis

from vestnik import __version__
from vestnik.logs import get_logger
from vestnik.settings import Settings
from vestnik.streams import ensure_group


def build_app(
    settings: Settings, router: RedisRouter, *, stage: str, stream: str, group: str, **info: Any
) -> FastStream:
    """A FastStream app for one stage; its consumer group exists before it first reads."""
    broker = RedisBroker(
        settings.resolved_redis_url,
        graceful_timeout=settings.graceful_timeout_s,
        # FastStream's own per-message lines go to DEBUG: vestnik logs one line per message.
        log_level=logging.DEBUG,
    )
    broker.include_router(router)
    app = FastStream(broker, logger=None)

    @app.on_startup
    async def _create_group() -> None:
        client: Redis = Redis.from_url(settings.resolved_redis_url)
        async with client:
            await ensure_group(client, stream, group)
        get_logger(stage=stage).info(
            "started", version=__version__, consumer=settings.consumer_name,
            stream=stream, group=group, **info,
        )

    return app
