"""What every vestnik worker shares: the broker, the group made at start, the upkeep loop,
and a run that waits for Redis, comes back when its group was lost, and exits non-zero
when it has to give up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, RedisRouter, StreamSub
from faststream.redis.annotations import Redis as RedisDep
from faststream.redis.annotations import RedisBatchStreamMessage
from pydantic import BaseModel, SkipValidation
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.crc import key_slot
from redis.exceptions import ClusterDownError, ReadOnlyError, TryAgainError

from vestnik import __version__, tracing
from vestnik.connect import broker_url, connect, is_cluster
from vestnik.logs import get_logger
from vestnik.probes import ProbeServer, worker_probes
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import ensure_group, is_transient
from vestnik.upkeep import Upkeep


def describe_input(
    router: RedisRouter, settings: Settings, stage: Stage, payload: type[BaseModel],
    description: str,
) -> None:
    """Declare the stream a stage reads, for the AsyncAPI document.

    The worker does not read it through FastStream's subscriber, whose ``XREADGROUP``
    brings up to ``VESTNIK_BATCH_SIZE`` entries whole, however large: its ``StreamReader``
    (``vestnik.reading``) reads in batches bounded by bytes, entries over the limit never
    leaving Redis. This subscriber is registered on the documentation's broker only
    (``vestnik.schemagen``), never started. ``payload`` is the message it documents.
    """

    async def handle_batch(
        entries: Any, message: RedisBatchStreamMessage, redis: RedisDep
    ) -> None:
        raise NotImplementedError("documentation only: vestnik.reading reads this stream")

    handle_batch.__annotations__["entries"] = SkipValidation[list[payload]]  # type: ignore[valid-type]
    handle_batch.__name__ = f"{stage.name}_batch"
    router.subscriber(
        stream=StreamSub(stage.stream, group=stage.group, consumer=settings.consumer_name,
                         batch=True, max_records=settings.batch_size,
                         polling_interval=settings.poll_ms),
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


# Groups this process has read (Redis URL, stream, group): one made again is logged so.
_SEEN_GROUPS: set[tuple[str, str, str]] = set()
# Why an app's upkeep loop gave up, for ``run_worker`` to exit non-zero.
_GAVE_UP: weakref.WeakKeyDictionary[FastStream, BaseException] = weakref.WeakKeyDictionary()
# Why an app's reader ended by itself (its group gone, or a bug), for the restart's line.
_ENDED: weakref.WeakKeyDictionary[FastStream, BaseException] = weakref.WeakKeyDictionary()

# Errors the workers' clients retry themselves, reconnecting with backoff (about 3 s in all),
# besides a lost connection, before the reader sees them (it then backs off too): a Redis
# demoted to a replica (after a failover) must not make a read loop spin.
_CLIENT_RETRIES: list[type[Exception]] = [ReadOnlyError, TryAgainError, ClusterDownError]


def _client_retry() -> Retry:
    return Retry(ExponentialWithJitterBackoff(base=0.1, cap=2.0), retries=5)


def _client(settings: Settings) -> Redis:
    return connect(settings.resolved_redis_url, retry=_client_retry(),
                   retry_on_error=list(_CLIENT_RETRIES))


def check_slots(redis: Redis, settings: Settings) -> None:
    """On a Cluster, every key one commit touches must be in one slot: the input stream and
    all the outputs of a partition. Raises ValueError (the worker does not start) when the
    names of ``settings`` (one partition's) do not share a slot."""
    if not is_cluster(redis):
        return
    names = [settings.events_stream, settings.articles_stream, settings.rejected_stream,
             settings.dead_letter_stream("cleaner"), settings.dead_letter_stream("indexer")]
    if len({key_slot(n.encode()) for n in names}) > 1:
        raise ValueError(
            f"on a Redis Cluster the streams of a partition must share a slot, but "
            f"{', '.join(names)} do not: set VESTNIK_PARTITIONS (names get a hash tag "
            "{pK}) or give the streams one hash tag yourself, e.g. {vestnik}:events")


def build_app(settings: Settings, stage: Stage, *, max_entry_bytes: int | None = None,
              partitions: Sequence[tuple[Settings, Stage]] = (),
              before_reading: Callable[[], Awaitable[None]] | None = None,
              **info: Any) -> FastStream:
    """A FastStream app for one stage: its group exists before it first reads; its reader
    (``vestnik.reading``: reads bounded by ``VESTNIK_READ_MAX_BYTES``, entries over
    ``max_entry_bytes`` dead-lettered without being read) and its upkeep loop (the group
    kept, reclaim, trim, retention, consumer hygiene) run side by side.

    With ``partitions`` (each partition's settings and stage, ``Settings.consumed``), a
    reader and an upkeep loop per partition, all in this app; without, ``stage`` alone.
    ``before_reading`` (the cleaner's extraction processes) runs once the groups exist and
    before the first read, so "started" is logged when the worker can work.

    The broker subscribes to nothing: the app gives the readers their lifecycle (started
    once the groups exist, stopped first on shutdown, their batches in flight finished)."""
    tracing.setup(f"vestnik-{stage.name}")
    # The broker reads and writes nothing (it opens no connection): a URL of one node
    broker = RedisBroker(
        broker_url(settings.resolved_redis_url),
        graceful_timeout=settings.graceful_timeout_s,
        log_level=logging.DEBUG,
        logger=logging.getLogger("vestnik.faststream"),
        retry=_client_retry(),
        retry_on_error=list(_CLIENT_RETRIES),
    )
    app = FastStream(broker, logger=None)
    log = get_logger(stage=stage.name, consumer=settings.consumer_name)

    def _give_up(exc: BaseException) -> None:
        _GAVE_UP[app] = exc
        app.exit()

    def _reader_ended(exc: BaseException) -> None:
        # run_worker starts the app again, which makes the group again if it is gone
        _ENDED[app] = exc
        app.exit()

    parts = [(st, s, Upkeep(st, s, on_fatal=_give_up, max_entry_bytes=max_entry_bytes),
              StreamReader(st, s, lambda s=s: _client(s),  # type: ignore[misc]
                           max_entry_bytes=max_entry_bytes, on_ended=_reader_ended))
             for s, st in (list(partitions) or [(settings, stage)])]
    upkeep = parts[0][2]
    # while the app runs, when VESTNIK_METRICS_PORT is set: the server and its client
    probes: list[tuple[ProbeServer, Redis]] = []

    @app.on_startup
    async def _create_group() -> None:
        client: Redis = connect(settings.resolved_redis_url)
        async with client:
            for st, s, _, _ in parts:
                check_slots(client, s)
                created = await ensure_group(client, st.stream, st.group)
                seen = (settings.resolved_redis_url, st.stream, st.group)
                if created and seen in _SEEN_GROUPS:
                    log.warning("group_recreated", stream=st.stream, group=st.group,
                                from_id="0")
                _SEEN_GROUPS.add(seen)

    @app.after_startup
    async def _start_upkeep() -> None:
        if before_reading is not None:
            await before_reading()
        for _, _, part_upkeep, reader in parts:
            await part_upkeep.start()
            await reader.start()
        if settings.metrics_port is not None:
            client = _client(settings)
            server = ProbeServer(
                worker_probes(stage, settings, upkeep, parts[0][3], client, partitions=parts),
                settings.metrics_host, settings.metrics_port)
            await server.start()
            probes.append((server, client))
        where: dict[str, Any] = {"stream": stage.stream} if len(parts) == 1 else {
            "streams": [st.stream for st, _, _, _ in parts]}
        log.info("started", version=__version__, **where, group=stage.group,
                 **({"probes": probes[0][0].address} if probes else {}), **info)

    @app.on_shutdown
    async def _stop_reading() -> None:
        await asyncio.gather(*(reader.stop() for _, _, _, reader in parts))

    @app.after_shutdown
    async def _stop_upkeep() -> None:
        while probes:
            server, client = probes.pop()
            await server.stop()
            with contextlib.suppress(Exception):
                await client.aclose()
        await asyncio.gather(*(part_upkeep.stop() for _, _, part_upkeep, _ in parts))
        log.info("stopped")

    return app


def _exit_cleanly(signum: int, frame: object) -> None:
    sys.exit(0)


_FIRST_RETRY_S = 0.5
_MAX_RETRY_S = 5.0
# An app that ends by itself more often than this within the window is given up on.
_MAX_RESTARTS = 5
_RESTART_WINDOW_S = 60.0


class _Run:
    """One run of an app: whether it started, and whether a signal asked it to stop.

    The worker takes SIGINT and SIGTERM from FastStream as soon as its app runs (``serve``),
    so a signal is always told apart from the app ending by itself, even one that comes
    while the app is still starting (FastStream's own handler stops the app without saying
    why, and a start it cuts short would be taken for a reader that stopped)."""

    def __init__(self, app: FastStream) -> None:
        self.started = False
        self.stop_requested = False
        app.after_startup(self._started)
        self._app = app

    async def _started(self) -> None:
        self.started = True

    def _stop(self) -> None:
        self.stop_requested = True
        self._app.exit()

    async def serve(self) -> None:
        main = asyncio.ensure_future(self._app.run())
        await asyncio.sleep(0)  # app.run() has put FastStream's handlers in place: replace them
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stop)
        await main


def run_worker(create: Callable[[Settings], FastStream], settings: Settings | None = None) -> None:
    """Run the worker ``create`` builds until it is stopped by a signal (exit code 0).

    * A start that fails for a reason of Redis's (unreachable: still starting or
      restarting; out of memory: ``XGROUP CREATE … MKSTREAM`` is refused under OOM;
      read-only; loading) is retried with backoff for up to ``startup_timeout_s``;
      then the worker exits non-zero.
    * Once started, the reader rides out a lost connection itself. When it stops for good
      (its group is gone: Redis restarted without its data; or its task died of a bug),
      the app ends by itself; it is started again, which makes the group again from id 0
      if it is gone (``group_recreated``). An app
      that keeps ending by itself is given up on.
    * A worker that gives up (its group cannot be made again, the restarts above) exits
      non-zero, so a restart policy brings it back: it never ends with code 0 unless asked.
    """
    settings = settings or Settings()

    def log() -> Any:  # bound when used: ``create`` configures logging
        return get_logger(consumer=settings.consumer_name)

    # counted from the first failed attempt: however long building the app took (imports,
    # opening the index on a busy machine), a worker waits startup_timeout_s for Redis
    deadline: float | None = None
    delay = _FIRST_RETRY_S
    ended_by_itself: list[float] = []
    while True:
        # Until the app installs its own handler (which finishes the batch in flight), and
        # again between attempts (a failed start takes the app's handler with it), a
        # worker has read nothing: SIGTERM ends it cleanly rather than by the default death.
        signal.signal(signal.SIGTERM, _exit_cleanly)
        app = create(settings)
        run = _Run(app)
        try:
            asyncio.run(run.serve())
        except Exception as exc:
            if run.stop_requested:
                return  # asked to stop while starting: nothing was read
            if deadline is None:
                deadline = time.monotonic() + settings.startup_timeout_s
            if run.started or not is_transient(exc) or time.monotonic() + delay > deadline:
                raise
            log().warning("start_failed", error_type=type(exc).__name__, error=str(exc)[:300],
                          retry_in_s=delay)
            signal.signal(signal.SIGTERM, _exit_cleanly)
            time.sleep(delay)
            delay = min(delay * 2, _MAX_RETRY_S)
            continue
        if (reason := _GAVE_UP.get(app)) is not None:
            log().error("worker_gave_up", error_type=type(reason).__name__, error=str(reason)[:500])
            sys.exit(1)
        if run.stop_requested:
            return
        now = time.monotonic()
        ended_by_itself = [t for t in ended_by_itself if now - t < _RESTART_WINDOW_S] + [now]
        if len(ended_by_itself) > _MAX_RESTARTS:
            log().error("worker_gave_up", error="the reader stopped "
                        f"{len(ended_by_itself)} times in {_RESTART_WINDOW_S:.0f} s")
            sys.exit(1)
        why = _ENDED.get(app)  # a lost group (NOGROUP) or what the reader died of
        log().warning("subscriber_stopped", restart=len(ended_by_itself),
                      reason="the reader stopped"
                      + (f" ({type(why).__name__}: {str(why)[:200]})" if why is not None else "")
                      + ": starting it again")
        deadline = None
        delay = _FIRST_RETRY_S
