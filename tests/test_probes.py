"""A worker's probe server: /metrics of real running workers against what they did, and
what /healthz and /readyz answer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis
from starlette.testclient import TestClient

from vestnik import embedded
from vestnik.contracts import DeadLetter, Rejection
from vestnik.index import open_index
from vestnik.probes import Probes, probe_app, worker_probes
from vestnik.reading import StreamReader
from vestnik.settings import Settings
from vestnik.status import wait_drained
from vestnik.upkeep import Upkeep
from vestnik.wire import decode_model

from .conftest import SEEDS

SEED_TEXT = (SEEDS / "000_57d1c5b430fd8800.txt").read_text(encoding="utf-8")
GOOD, POISON, NOT_ARTICLES = 12, 3, 2


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")}
    for name in ("redis_url", "events_stream", "articles_stream", "rejected_stream",
                 "dead_letter_prefix", "cleaner_group", "indexer_group", "index_url"):
        env[f"VESTNIK_{name.upper()}"] = str(getattr(settings, name))
    return env | {"VESTNIK_POLL_MS": "50", "VESTNIK_LOG_FORMAT": "json",
                  "VESTNIK_METRICS_PORT": "0", "VESTNIK_UPKEEP_INTERVAL_S": "0.5"}


class _Worker:
    """A worker process whose log (JSON lines on stderr) goes to a file."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc, self.log = proc, log

    async def address(self, timeout_s: float = 60) -> str:
        """The probe server's address, from the worker's log line saying it serves."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.log.read_text().splitlines():
                if '"probes_serving"' in line:
                    return str(orjson.loads(line)["address"])
            assert self.proc.returncode is None, \
                f"the worker ended before serving its probes: {self.log.read_text()[-2000:]}"
            await asyncio.sleep(0.05)
        raise AssertionError(f"no probes_serving line in {timeout_s} s: "
                             f"{self.log.read_text()[-2000:]}")


@contextlib.asynccontextmanager
async def _workers(settings: Settings, logs: Path) -> AsyncIterator[tuple[_Worker, _Worker]]:
    workers = []
    for name in ("cleaner", "indexer"):
        with (logs / f"{name}.log").open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "vestnik.cli", name, env=_env(settings),
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        workers.append(_Worker(proc, logs / f"{name}.log"))
    try:
        yield workers[0], workers[1]
    finally:
        for worker in workers:
            if worker.proc.returncode is None:
                worker.proc.terminate()
        for worker in workers:
            await asyncio.wait_for(worker.proc.wait(), 30)


async def _entries(redis: Redis, stream: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return await redis.xrange(stream)  # type: ignore[return-value]


def _healthcheck(port: str) -> subprocess.CompletedProcess[str]:
    """The image's health check, with the worker's probe port (the API's: nobody there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")} | {
        "VESTNIK_METRICS_PORT": port, "VESTNIK_API_PORT": str(embedded.free_port())}
    return subprocess.run([sys.executable, "-m", "vestnik.healthcheck"], env=env,
                          capture_output=True, text=True, timeout=30)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample of ``name`` in Prometheus's text format: its labels -> value."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match[1] or "")))
            found[labels] = float(match[2])
    return found


def _messages(text: str, stage: str) -> Counter[tuple[str, str]]:
    """vestnik_messages_total of ``stage``: (outcome, reason) -> count."""
    counts: Counter[tuple[str, str]] = Counter()
    for labels, value in _samples(text, "vestnik_messages_total").items():
        got = dict(labels)
        if got["stage"] == stage and value:
            counts[(got["outcome"], got["reason"])] += int(value)
    return counts


async def test_metrics_of_running_workers_equal_what_they_did(
    redis: Redis, settings: Settings, tmp_path: Path
) -> None:
    for i in range(GOOD):
        await redis.xadd(settings.events_stream, {"__data__": orjson.dumps({
            "url": f"https://a.bg/news/{i}", "fetched_at": "2025-12-07T12:00:00Z",
            "content_type": "text/plain", "body": SEED_TEXT})})
    for i in range(POISON):
        await redis.xadd(settings.events_stream, {"__data__": b"{not json %d" % i})
    for i in range(NOT_ARTICLES):
        await redis.xadd(settings.events_stream, {
            "url": f"https://a.bg/login/{i}", "fetched_at": "2025-12-07T12:00:00Z",
            "content_type": "text/plain", "body": "Вход\n\nПарола\n\nЗабравена парола?"})
    async with _workers(settings, tmp_path) as (cleaner, indexer):
        cleaner_at, indexer_at = await cleaner.address(), await indexer.address()
        await wait_drained(redis, settings, timeout_s=120)
        _, cleaner_text = await asyncio.to_thread(_get, f"{cleaner_at}/metrics")
        _, indexer_text = await asyncio.to_thread(_get, f"{indexer_at}/metrics")

    # what the streams and the index hold: the conservation report of this run
    rejections = Counter(decode_model(f, Rejection).reason
                         for _, f in await _entries(redis, settings.rejected_stream))
    letters = Counter(decode_model(f, DeadLetter).error_type for _, f in
                      await _entries(redis, settings.dead_letter_stream("cleaner")))
    with open_index(settings.index_url, create=False) as index:
        indexed = len(list(index.ids()))
    assert indexed == GOOD and sum(letters.values()) == POISON
    assert sum(rejections.values()) == NOT_ARTICLES

    assert _messages(cleaner_text, "cleaner") == Counter({
        ("article", ""): indexed,
        **{("rejected", reason): n for reason, n in rejections.items()},
        **{("dead_letter", error): n for error, n in letters.items()}})
    assert _messages(indexer_text, "indexer") == Counter({("indexed", ""): indexed})
    writes = {dict(k)["result"]: v for k, v in
              _samples(indexer_text, "vestnik_index_articles_total").items()}
    assert writes.get("inserted") == indexed
    events = settings.events_stream
    assert _samples(cleaner_text, "vestnik_group_pending")[
        (("group", settings.cleaner_group), ("stream", events))] == 0
    assert _samples(cleaner_text, "vestnik_stream_length")[
        (("stream", settings.dead_letter_stream("cleaner")),)] == POISON
    assert _samples(cleaner_text, "vestnik_stream_length")[
        (("stream", settings.rejected_stream),)] == NOT_ARTICLES
    assert _samples(cleaner_text, "vestnik_extract_duration_seconds_count")[()] \
        == GOOD + NOT_ARTICLES


async def test_a_running_worker_is_live_and_ready(
    redis: Redis, settings: Settings, tmp_path: Path
) -> None:
    async with _workers(settings, tmp_path) as (cleaner, _):
        at = await cleaner.address()
        live = await asyncio.to_thread(_get, f"{at}/healthz")
        ready = await asyncio.to_thread(_get, f"{at}/readyz")
        port = at.rsplit(":", 1)[1]
        healthy = await asyncio.to_thread(_healthcheck, port)
    nobody = await asyncio.to_thread(_healthcheck, port)  # the worker is gone
    assert healthy.returncode == 0, healthy.stderr
    assert nobody.returncode == 1 and "nothing answers on ports" in nobody.stderr
    assert live[0] == 200 and orjson.loads(live[1])["status"] == "ok"
    assert ready[0] == 200, ready
    assert orjson.loads(ready[1])["checks"] == {"redis": {"ok": True}, "group": {"ok": True},
                                                "reader": {"ok": True}}


# -- what the checks say, in-process ---------------------------------------------------


class _Stage:
    name = "cleaner"
    batches_in_flight = 1

    def __init__(self, settings: Settings) -> None:
        self.stream, self.group = settings.events_stream, settings.cleaner_group
        self.dead_letter_stream = settings.dead_letter_stream("cleaner")

    async def handle(self, redis: Redis, entries: Any) -> None:
        raise AssertionError("nothing is read here")


@pytest.fixture
def parts(settings: Settings) -> Iterator[tuple[_Stage, Upkeep, StreamReader]]:
    stage = _Stage(settings)
    upkeep = Upkeep(stage, settings)  # type: ignore[arg-type]
    reader = StreamReader(stage, settings, lambda: Redis.from_url(settings.resolved_redis_url),  # type: ignore[arg-type]
                          max_entry_bytes=None, on_ended=lambda exc: None)
    yield stage, upkeep, reader


def _client(probes: Probes) -> TestClient:
    return TestClient(probe_app(probes))


def test_a_worker_whose_upkeep_has_not_ticked_within_its_budget_is_not_live(
    parts: tuple[_Stage, Upkeep, StreamReader], settings: Settings
) -> None:
    stage, upkeep, reader = parts
    probes = worker_probes(stage, settings, upkeep, reader,  # type: ignore[arg-type]
                           Redis.from_url(settings.resolved_redis_url))
    budget_s = upkeep.heartbeat_budget_ms() / 1000
    upkeep.last_round = time.monotonic()
    assert _client(probes).get("/healthz").status_code == 200
    upkeep.last_round = time.monotonic() - budget_s - 1
    answer = _client(probes).get("/healthz")
    assert answer.status_code == 503
    assert "no upkeep round for" in answer.json()["checks"]["upkeep"]["why"]


async def test_a_worker_without_its_group_or_reader_is_not_ready(
    parts: tuple[_Stage, Upkeep, StreamReader], settings: Settings, redis: Redis
) -> None:
    stage, upkeep, reader = parts
    probes = worker_probes(stage, settings, upkeep, reader, redis)  # type: ignore[arg-type]
    checks = await probes.ready()
    assert checks["redis"] == (True, "")
    assert checks["group"][0] is False and settings.cleaner_group in checks["group"][1]
    assert checks["reader"] == (False, "not reading")
    await redis.xgroup_create(settings.events_stream, settings.cleaner_group, id="0",
                              mkstream=True)
    assert (await probes.ready())["group"] == (True, "")


async def test_a_worker_whose_redis_does_not_answer_is_not_ready(
    parts: tuple[_Stage, Upkeep, StreamReader], settings: Settings
) -> None:
    stage, upkeep, reader = parts
    gone = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    checks = await worker_probes(stage, settings, upkeep, reader, gone).ready()  # type: ignore[arg-type]
    assert checks["redis"][0] is False and "ConnectionError" in checks["redis"][1]


def test_probe_answers_are_json_with_each_check(tmp_path: Path) -> None:
    async def ready() -> dict[str, tuple[bool, str]]:
        return {"redis": (True, ""), "group": (False, "no group g on s")}

    async def refresh() -> None:
        raise ConnectionError("Redis away: /metrics still answers")

    client = _client(Probes(lambda: {"upkeep": (True, "")}, ready, refresh))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "failing", "checks": {
        "redis": {"ok": True}, "group": {"ok": False, "why": "no group g on s"}}}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "vestnik_messages_total" in metrics.text
