"""What every vestnik worker shares: the broker, the group made at start, the upkeep loop."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from faststream import FastStream
from faststream.redis import RedisBroker, RedisRouter
from pydantic import BaseModel
from redis.asyncio import Redis

from vestnik import __version__
from vestnik.logs import get_logger
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import ensure_group
from vestnik.upkeep import Upkeep


def describe_outputs(
    router: RedisRouter, outputs: Sequence[tuple[str, type[BaseModel], str]]
) -> None:
    """Declare the streams a stage writes, for the AsyncAPI document.

    The stage writes them itself, in the transaction that acknowledges its input.
    """
    for stream, model, description in outputs:
        router.publisher(stream=stream, schema=model, title=f"{stream}:publish",
                         description=description)


def build_app(settings: Settings, router: RedisRouter, stage: Stage, **info: Any) -> FastStream:
    """A FastStream app for one stage: its group exists before it first reads, and its
    upkeep loop (reclaim, trim, consumer hygiene) runs beside the subscriber."""
    broker = RedisBroker(
        settings.resolved_redis_url,
        graceful_timeout=settings.graceful_timeout_s,
        # FastStream's own per-message lines go to DEBUG: vestnik logs one line per message.
        log_level=logging.DEBUG,
        logger=logging.getLogger("vestnik.faststream"),
    )
    broker.include_router(router)
    app = FastStream(broker, logger=None)
    upkeep = Upkeep(stage, settings)
    log = get_logger(stage=stage.name, consumer=settings.consumer_name)

    @app.on_startup
    async def _create_group() -> None:
        client: Redis = Redis.from_url(settings.resolved_redis_url)
        async with client:
            await ensure_group(client, stage.stream, stage.group)

    @app.after_startup
    async def _start_upkeep() -> None:
        await upkeep.start()
        log.info("started", version=__version__, stream=stage.stream, group=stage.group, **info)

    @app.after_shutdown
    async def _stop_upkeep() -> None:
        await upkeep.stop()
        log.info("stopped")

    return app
