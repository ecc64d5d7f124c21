"""A worker's HTTP side: ``/healthz`` (live), ``/readyz`` (ready) and ``/metrics``.

Served on ``VESTNIK_METRICS_PORT`` by uvicorn in the worker's own event loop, so an answer
at all already says the loop turns. What live and ready mean is the worker's to say
(``vestnik.worker``): this module only answers with it, 200 or 503 and a JSON body of the
checks, and renders the registry for Prometheus after letting the worker refresh its gauges.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vestnik import metrics
from vestnik.logs import get_logger
from vestnik.metrics import REGISTRY
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import group_exists
from vestnik.upkeep import Upkeep

# each check: its name -> passed, and a word on why not
Checks = Mapping[str, tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class Probes:
    live: Callable[[], Checks]
    ready: Callable[[], Awaitable[Checks]]
    refresh: Callable[[], Awaitable[None]]


def worker_probes(stage: Stage, settings: Settings, upkeep: Upkeep, reader: StreamReader,
                  redis: Redis,
                  partitions: Sequence[tuple[Stage, Settings, Upkeep, StreamReader]] = (),
                  ) -> Probes:
    """A worker's checks, over every partition it consumes (``partitions``; none given:
    the one ``stage``, ``settings``, ``upkeep`` and ``reader``).

    Live: the loop answers (it serves this) and every upkeep loop has finished a round
    within its heartbeat budget, Redis up or down: restarting a worker does not bring Redis
    back. Ready: Redis answers, every stage's group exists and every reader is reading.
    """
    started = time.monotonic()
    parts = list(partitions) or [(stage, settings, upkeep, reader)]

    def live() -> Checks:
        budget_s = upkeep.heartbeat_budget_ms() / 1000
        rounds = [u.last_round for _, _, u, _ in parts]
        oldest = None if None in rounds else min(r for r in rounds if r is not None)
        since = time.monotonic() - (started if oldest is None else oldest)
        return {"upkeep": (since <= budget_s,
                           "" if since <= budget_s else
                           f"no upkeep round for {since:.1f} s (budget {budget_s:.0f} s)")}

    async def ready() -> Checks:
        missing: list[str] = []
        try:
            await asyncio.wait_for(redis.ping(), timeout=2)
            for st, _, _, _ in parts:
                if not await asyncio.wait_for(group_exists(redis, st.stream, st.group),
                                              timeout=2):
                    missing.append(f"no group {st.group} on {st.stream}")
            redis_ok: tuple[bool, str] = (True, "")
        except Exception as exc:  # any failure to answer is "not ready", with its reason
            redis_ok = (False, f"{type(exc).__name__}: {exc}"[:300])
            missing = [f"no group {st.group} on {st.stream}" for st, _, _, _ in parts]
        reading = all(r.running for _, _, _, r in parts)
        return {"redis": redis_ok,
                "group": (not missing, "; ".join(missing)),
                "reader": (reading, "" if reading else "not reading")}

    async def refresh() -> None:
        streams: dict[str, str | None] = {}
        for st, s, _, _ in parts:
            streams |= {st.stream: st.group, st.dead_letter_stream: None,
                        **({s.rejected_stream: None} if st.name == "cleaner" else {})}
        await metrics.refresh(redis, streams)

    return Probes(live, ready, refresh)


def _answer(checks: Checks) -> JSONResponse:
    ok = all(passed for passed, _ in checks.values())
    body = {"status": "ok" if ok else "failing",
            "checks": {name: {"ok": passed, **({"why": why} if why else {})}
                       for name, (passed, why) in checks.items()}}
    return JSONResponse(body, status_code=200 if ok else 503)


def probe_app(probes: Probes) -> Starlette:
    async def healthz(request: Request) -> Response:
        return _answer(probes.live())

    async def readyz(request: Request) -> Response:
        return _answer(await probes.ready())

    async def metrics(request: Request) -> Response:
        with contextlib.suppress(Exception):  # Redis away: the counters are still worth it
            await asyncio.wait_for(probes.refresh(), timeout=5)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/healthz", healthz), Route("/readyz", readyz),
                             Route("/metrics", metrics)])


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the worker handles SIGTERM and SIGINT itself: uvicorn must not take them


class ProbeServer:
    """uvicorn serving ``probe_app`` as a task of the running loop, on a socket bound at
    ``start`` (port 0: any free one; ``port`` then says which)."""

    def __init__(self, probes: Probes, host: str, port: int) -> None:
        self.host, self.port = host, port
        # uvicorn's own lines (started, shutting down) are not the worker's log: warnings only
        self.server = _Server(uvicorn.Config(probe_app(probes), log_config=None,
                                             log_level="warning", access_log=False,
                                             lifespan="off"))
        self.task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Bind (an OSError, e.g. the port taken, is raised here) and serve."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(128)  # connections queue from here on, until uvicorn accepts them
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self.task = asyncio.create_task(self.server.serve(sockets=[sock]))
        get_logger().info("probes_serving", address=self.address,
                          paths=["/healthz", "/readyz", "/metrics"])

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, timeout=5)
        self.task = None
