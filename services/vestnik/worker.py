"""What every vestnik worker shares: the broker, the group made at start, the upkeep loop,
and a start that waits for Redis."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, RedisRouter, StreamSub
from faststream.redis.annotations import Redis as RedisDep
from faststream.redis.annotations import RedisBatchStreamMessage
from pydantic import BaseModel, SkipValidation
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from vestnik import __version__
from vestnik.logs import get_logger
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import batch_entries, ensure_group, parse_raw_batch
from vestnik.upkeep import Upkeep, handle_or_remember


async def _raw_entries(msg: Any) -> Any:
    return msg.raw_message["data"]


def subscribe(
    router: RedisRouter, settings: Settings, stage: Stage, payload: type[BaseModel],
    description: str,
) -> None:
    """Feed ``stage`` from its stream's consumer group, in batches.

    Entries reach the stage undecoded (the parser and decoder leave them as they are) so
    each bad one is dead-lettered alone, and acknowledgement is manual: the stage acks
    inside the transaction that publishes its outputs. ``payload`` only documents the
    message in the AsyncAPI document.
    """

    async def handle_batch(
        entries: Any, message: RedisBatchStreamMessage, redis: RedisDep
    ) -> None:
        await handle_or_remember(redis, stage, batch_entries(message))

    handle_batch.__annotations__["entries"] = SkipValidation[list[payload]]  # type: ignore[valid-type]
    handle_batch.__name__ = f"{stage.name}_batch"
    router.subscriber(
        stream=StreamSub(stage.stream, group=stage.group, consumer=settings.consumer_name,
                         batch=True, max_records=settings.batch_size,
                         polling_interval=settings.poll_ms),
        parser=parse_raw_batch,
        decoder=_raw_entries,
        ack_policy=AckPolicy.MANUAL,
        title=f"{stage.stream}:consume",
        description=description,
    )(handle_batch)


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


def _exit_cleanly(signum: int, frame: object) -> None:
    sys.exit(0)


# what a Redis that is not there (yet, or for a moment) raises while a worker starts
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
_FIRST_RETRY_S = 0.5
_MAX_RETRY_S = 5.0


def run_worker(create: Callable[[Settings], FastStream], settings: Settings | None = None) -> None:
    """Run the worker ``create`` builds until it is stopped.

    A Redis that cannot be reached before the worker has started (it is still starting,
    or restarting) is waited for, retrying with backoff for up to
    ``startup_timeout_s``, rather than ending the process; once started, the subscriber
    rides out a lost connection itself.
    """
    settings = settings or Settings()
    deadline = time.monotonic() + settings.startup_timeout_s
    delay = _FIRST_RETRY_S
    while True:
        # Until the app installs its own handler (which finishes the batch in flight), and
        # again between attempts (a failed start takes the app's handler with it), a
        # worker has read nothing: SIGTERM ends it cleanly rather than by the default death.
        signal.signal(signal.SIGTERM, _exit_cleanly)
        app = create(settings)
        started = False

        @app.after_startup
        async def _started() -> None:
            nonlocal started
            started = True

        try:
            asyncio.run(app.run())
            return
        except _UNREACHABLE as exc:
            if started or time.monotonic() + delay > deadline:
                raise
            get_logger(consumer=settings.consumer_name).warning(
                "start_failed", error_type=type(exc).__name__, error=str(exc), retry_in_s=delay
            )
            signal.signal(signal.SIGTERM, _exit_cleanly)
            time.sleep(delay)
            delay = min(delay * 2, _MAX_RETRY_S)
