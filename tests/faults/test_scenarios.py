"""Lose nothing: every scrape event ends indexed or dead-lettered, whatever is killed.

Real worker processes (``vestnik cleaner``/``indexer``) against the real Redis. Run alone
with ``pytest -m faults``. Each scenario ends with a conservation report and asserts
lost = duplicated = stale = 0 and index rows = distinct articles
(``Report.assert_conserved``); its waits fail as soon as nothing moves.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson
import pytest
import redis

from vestnik.embedded import free_port

from ..conftest import REDIS_SERVER, REDIS_URL
from .harness import FETCHED_AT, Cluster, Report, cluster, event_url

pytestmark = pytest.mark.faults


@pytest.fixture
def c(tmp_path: Path) -> Iterator[Cluster]:
    yield from cluster(REDIS_URL, tmp_path)


def _settle(c: Cluster, name: str, timeout_s: float = 180.0) -> Report:
    return c.settle(name, timeout_s=timeout_s)


def test_ten_thousand_events_without_faults_all_indexed_and_nothing_pending(c: Cluster) -> None:
    c.start("cleaner", "cleaner")
    c.start("indexer", "indexer")
    for start in range(0, 10_000, 1000):
        c.publish(start, 1000)
    report = _settle(c, "1 no faults")
    assert report.indexed == 10_000 and report.dead_lettered == 0


def test_cleaner_killed_repeatedly_with_two_replicas_loses_nothing(c: Cluster) -> None:
    c.start("cleaner-a", "cleaner")
    c.start("cleaner-b", "cleaner")
    c.start("indexer", "indexer")

    def kill_a(n: int) -> None:
        if n % 2 == 1:
            c.kill("cleaner-a", signal.SIGKILL)
            c.start("cleaner-a", "cleaner")

    c.publish_slowly(3000, chunk=300, pause_s=0.3, between=kill_a)
    report = _settle(c, "2 kill -9 cleaner x5 (2 replicas)")
    assert report.indexed == 3000


def test_indexer_killed_while_events_flow_loses_nothing(c: Cluster) -> None:
    c.start("cleaner", "cleaner")
    c.start("indexer", "indexer")

    def kill_indexer(n: int) -> None:
        if n in (2, 5):
            c.kill("indexer", signal.SIGKILL)
            c.start("indexer", "indexer")

    c.publish_slowly(2000, chunk=250, pause_s=0.3, between=kill_indexer, flowing="indexer")
    report = _settle(c, "3 kill -9 indexer x2")
    assert report.indexed == 2000


def test_one_percent_poison_is_dead_lettered_with_reasons_and_the_rest_indexed(
    c: Cluster,
) -> None:
    c.start("cleaner", "cleaner")
    c.start("indexer", "indexer")
    c.publish(0, 3000, poison_every=100)
    report = _settle(c, "4 1% poison")
    assert report.dead_lettered == 30 and report.indexed == 2970
    letters = [orjson.loads(f[b"__data__"]) for _, f in
               c.client.xrange(c.settings.dead_letter_stream("cleaner"))]
    assert {d["error_type"] for d in letters} == {"invalid_json"}
    assert all(d["reason"] for d in letters)


def test_re_scrapes_published_out_of_order_leave_the_newest_in_the_index(c: Cluster) -> None:
    """Scrapes of the same 300 pages with other content, the newest first, then older ones
    (and, for half of them, newer still), read by two indexers: every row ends holding the
    newest scrape published of its page (the report's stale counts those that do not)."""
    c.start("cleaner", "cleaner")
    c.start("indexer-a", "indexer")
    c.start("indexer-b", "indexer")
    c.publish_indices(range(300), fetched_at="2025-12-08T09:00:00+02:00", page_shift=1)
    c.wait_drained()
    c.publish_indices(range(300), fetched_at=FETCHED_AT)  # older: must not replace them
    c.publish_indices(range(0, 300, 2), fetched_at="2025-12-09T09:00:00+02:00", page_shift=2)
    report = _settle(c, "10 re-scrapes out of order, 2 indexers")
    assert report.indexed == 300 and report.published == 750


def test_failing_index_writes_end_indexed_and_an_always_failing_one_dead_lettered(
    c: Cluster,
) -> None:
    always = event_url(c.run, 7)
    c.start("cleaner", "cleaner")
    c.start("indexer", "faulty-indexer", FAULT_RATE="0.1", FAULT_ALWAYS_FAIL_URL=always,
            VESTNIK_MAX_DELIVERIES="6")  # a 10% fault hits 6 times in a row ~1e-6
    c.publish_slowly(1500, chunk=150, pause_s=0.1)
    report = _settle(c, "5 index writes fail 10% + one always")
    assert report.indexed == 1499 and report.dead_lettered == 1
    (letter,) = [orjson.loads(f[b"__data__"]) for _, f in
                 c.client.xrange(c.settings.dead_letter_stream("indexer"))]
    assert letter["error_type"] == "max_deliveries" and "never indexes" in letter["reason"]


def _met_redis_gone(c: Cluster, seen: dict[str, int]) -> bool:
    """Every worker logged a failed Redis call after its first ``seen[name]`` log lines."""
    return all(any("Connection" in str(e.get("error_type")) for e in c.log_events(name)[since:])
               for name, since in seen.items())


def _logged_start_failed(c: Cluster) -> bool:
    """Every worker logged a failed start (and none gave up)."""
    for name, proc in c.procs.items():
        if (code := proc.poll()) is not None:
            raise AssertionError(f"the {name} exited with code {code} while Redis was not up")
    return all(any(e.get("event") == "start_failed" for e in c.log_events(name))
               for name in c.procs)


def _redis_server(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    binary = REDIS_SERVER
    assert binary, "a redis-server binary is needed for this scenario"
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
         "--appendfsync", "always", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    return proc


def test_redis_restarted_mid_flow_workers_resume_and_nothing_acknowledged_is_lost(
    tmp_path: Path,
) -> None:
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    server = _redis_server(port, data)
    try:
        for c in cluster(f"redis://127.0.0.1:{port}/0", tmp_path):
            c.start("cleaner", "cleaner")
            c.start("indexer", "indexer")
            c.publish(0, 800)
            c.wait_flowing()
            seen = {name: len(c.log_events(name)) for name in c.procs}
            redis.Redis(port=port).shutdown(nosave=True)  # AOF (fsync always) keeps it all
            server.wait(timeout=30)
            c.wait_for(partial(_met_redis_gone, c, seen), "the workers never noticed Redis gone",
                       timeout_s=60)
            server = _redis_server(port, data)
            c.client = redis.Redis(port=port)
            c.publish(800, 800, retry_for_s=30)
            report = _settle(c, "6 redis restarted (AOF)")
            assert report.indexed == 1600
            assert all(p.poll() is None for p in c.procs.values()), "a worker died"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_workers_started_before_redis_wait_for_it_and_lose_nothing(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    server: subprocess.Popen[bytes] | None = None
    try:
        for c in cluster(f"redis://127.0.0.1:{port}/0", tmp_path):
            c.start("cleaner", "cleaner")
            c.start("indexer", "indexer")
            # no Redis yet: both retry their start
            c.wait_for(partial(_logged_start_failed, c), "the workers never tried to reach Redis",
                       timeout_s=60)
            assert all(p.poll() is None for p in c.procs.values()), "a worker gave up"
            server = _redis_server(port, data)
            c.publish(0, 300, retry_for_s=30)
            report = _settle(c, "9 workers started before Redis")
            assert report.indexed == 300
            assert all(p.poll() is None for p in c.procs.values()), "a worker died"
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def test_replicas_scaled_one_to_three_to_one_mid_flow_lose_nothing(c: Cluster) -> None:
    c.start("cleaner-0", "cleaner")
    c.start("indexer-0", "indexer")

    def scale(n: int) -> None:
        if n == 2:
            for i in (1, 2):
                c.start(f"cleaner-{i}", "cleaner")
                c.start(f"indexer-{i}", "indexer")
        if n == 6:
            for i in (1, 2):
                c.kill(f"cleaner-{i}", signal.SIGTERM)
                c.kill(f"indexer-{i}", signal.SIGTERM)

    c.publish_slowly(3000, chunk=300, pause_s=0.4, between=scale)
    report = _settle(c, "7 scaled 1 -> 3 -> 1")
    assert report.indexed == 3000


@pytest.mark.parametrize("processes", ["1", "2"])  # with two: two batches in flight
def test_sigterm_mid_flow_exits_cleanly_and_redelivers_at_most_what_was_in_flight(
    tmp_path: Path, processes: str
) -> None:
    for c in cluster(REDIS_URL, tmp_path, VESTNIK_TRIM="false",
                     VESTNIK_EXTRACT_WORKERS=processes):
        c.start("cleaner", "cleaner")
        c.start("indexer", "indexer")
        c.publish(0, 2000)
        c.wait_flowing()  # not a fixed sleep: a slow machine is still starting the cleaner
        started = time.monotonic()
        assert c.kill("cleaner", signal.SIGTERM) == 0
        assert time.monotonic() - started < float(c.env()["VESTNIK_GRACEFUL_TIMEOUT_S"]) + 5
        c.start("cleaner", "cleaner")
        # what the stopped cleaner had fetched but not started is reclaimed, never
        # published twice: the report's duplicated counts it
        report = _settle(c, f"8 SIGTERM mid-flow, {processes} extraction process(es)")
        assert report.indexed == 2000
