"""The promise when Redis and the machines around it turn hostile: a replica paused while it
holds entries, Redis restarted without its data, Redis out of memory for a long time, a
group deleted under the workers, a group that cannot be made again.

Real worker processes against real Redis servers (private ones where Redis itself is
broken). Each scenario ends with the conservation report (lost, duplicated and stale 0);
its waits fail as soon as nothing moves. Run alone with
``pytest -m faults -k hostile``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
import pytest
import redis
import redis.asyncio

from vestnik import embedded
from vestnik.contracts import Article
from vestnik.index import open_index
from vestnik.status import pipeline_status
from vestnik.urls import article_id, canonical_url

from ..conftest import REDIS_SERVER, REDIS_URL
from .conftest import REPORTS
from .harness import FETCHED_AT, Cluster, Report, cluster

pytestmark = pytest.mark.faults

NEWER = "2025-12-08T09:00:00+02:00"


def _settle(c: Cluster, name: str, timeout_s: float = 180.0, note: str = "") -> Report:
    return c.settle(name, timeout_s=timeout_s, note=note)


def _wait(c: Cluster, done: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    """Until ``done()``: fails once the pipeline stops moving (``Cluster.wait_for``)."""
    c.wait_for(done, what, timeout_s=timeout_s)


def _redis_server(port: int, workdir: Path, *options: str) -> subprocess.Popen[bytes]:
    """A redis-server of the line under test that keeps nothing on disk."""
    assert REDIS_SERVER, "a redis-server binary is needed for this scenario"
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    embedded.wait_ready(f"redis://127.0.0.1:{port}/0")
    return proc


_cluster = contextlib.contextmanager(cluster)


@dataclass
class PrivateRedis:
    """A redis-server of the scenario's own, which keeps nothing on disk."""

    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = _redis_server(self.port, self.workdir)

    def crash(self) -> None:
        """Gone at once, and with it every stream and group (no persistence)."""
        redis.Redis(port=self.port).shutdown(nosave=True)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@contextlib.contextmanager
def _private_cluster(tmp_path: Path, **env: str) -> Iterator[tuple[Cluster, PrivateRedis]]:
    server = PrivateRedis(embedded.free_port(), tmp_path / "redis")
    server.workdir.mkdir()
    server.start()
    try:
        with _cluster(f"redis://127.0.0.1:{server.port}/0", tmp_path, **env) as c:
            yield c, server
    finally:
        server.stop()


def _logged(c: Cluster, name: str, event: str, **fields: object) -> list[dict[str, object]]:
    return [e for e in c.log_events(name)
            if e.get("event") == event and all(e.get(k) == v for k, v in fields.items())]


def _wait_logged(c: Cluster, name: str, event: str, what: str, timeout_s: float = 90,
                 **fields: object) -> None:
    """Until worker ``name`` logs ``event`` (with ``fields``); fails at once if it exits."""
    def seen() -> bool:
        if (code := c.procs[name].poll()) is not None:
            raise AssertionError(f"the {name} exited with code {code} instead: {what}")
        return bool(_logged(c, name, event, **fields))
    _wait(c, seen, f"the {name} never logged {event}: {what}", timeout_s)


# -- a replica paused while it holds entries ----------------------------------------------


def _held(c: Cluster, consumer: str) -> list[str]:
    rows = c.client.xpending_range(c.settings.events_stream, c.settings.cleaner_group,
                                   min="-", max="+", count=10_000, consumername=consumer)
    return [r["message_id"].decode() for r in rows]


def _pause_holding_entries(c: Cluster, name: str, consumer: str) -> list[str]:
    """SIGSTOP ``name`` at a moment it holds entries; those entries."""
    proc = c.procs[name]
    caught: list[str] = []

    def holding() -> bool:
        proc.send_signal(signal.SIGSTOP)
        held = _held(c, consumer)
        time.sleep(0.1)  # a command it sent just before it stopped is served by now
        if held and _held(c, consumer) == held:
            caught.extend(held)
            return True
        proc.send_signal(signal.SIGCONT)
        return False

    c.wait_for(holding, f"{name} was never caught holding entries", timeout_s=60,
               poll_s=0.03)
    return caught


def _pending_anywhere(c: Cluster, ids: list[str]) -> list[str]:
    pipe = c.client.pipeline(transaction=False)
    for i in ids:
        pipe.xpending_range(c.settings.events_stream, c.settings.cleaner_group, min=i, max=i,
                            count=1)
    return [i for i, rows in zip(ids, pipe.execute(), strict=True) if rows]


def _indexed(c: Cluster, urls: list[str]) -> dict[str, Article | None]:
    index = open_index(c.settings.index_url)
    try:
        return {u: index.get(article_id(canonical_url(u))) for u in urls}
    finally:
        index.close()


def _fetched(article: Article | None) -> datetime | None:
    return None if article is None else article.provenance.fetched_at


def _stalled(c: Cluster) -> dict[str, int]:
    """Stalled replicas of the cleaners' group: name -> entries held."""
    async def status() -> dict[str, int]:
        async with redis.asyncio.Redis.from_url(c.redis_url) as client:
            statuses = await pipeline_status(client, c.settings)
        group = next(s for s in statuses if s.stream == c.settings.events_stream).group(
            c.settings.cleaner_group)
        return {} if group is None else {w.name: w.pending for w in group.stalled}
    return asyncio.run(status())


def test_a_paused_cleaner_resumed_after_its_entries_were_reclaimed_publishes_nothing_stale(
    tmp_path: Path,
) -> None:
    with _cluster(REDIS_URL, tmp_path, VESTNIK_TRIM="false") as c:
        paused = f"{c.run}-cleaner-a"
        c.start("cleaner-a", "cleaner", VESTNIK_CONSUMER_NAME=paused, VESTNIK_LOG_LEVEL="INFO")
        c.start("cleaner-b", "cleaner")
        c.start("indexer", "indexer")
        c.publish(0, 1500)
        c.wait_flowing()
        held = _pause_holding_entries(c, "cleaner-a", paused)
        try:
            # while it sleeps: visible as stalled, holding its entries until they are taken
            _wait(c, lambda: paused in _stalled(c), "status never showed the paused cleaner "
                  "as stalled", timeout_s=30)
            # another replica reclaims its entries and finishes them; they are indexed
            _wait(c, lambda: not _pending_anywhere(c, held), "the paused cleaner's entries were "
                  "never reclaimed and finished by the other one", timeout_s=90)
            events = {i.decode(): orjson.loads(f[b"__data__"]) for i, f in
                      (c.client.xrange(c.settings.events_stream, min=e, max=e)[0]
                       for e in held)}
            urls = [events[e]["url"] for e in held]
            old = datetime.fromisoformat(FETCHED_AT)
            _wait(c, lambda: all(_fetched(a) == old for a in _indexed(c, urls).values()),
                  "the reclaimed entries' articles were never indexed")
            # newer scrapes of the same pages (other content) are published and indexed
            c.publish_indices([int(u.rsplit("/", 1)[1]) for u in urls], fetched_at=NEWER,
                              page_shift=1)
            newer = datetime.fromisoformat(NEWER)
            _wait(c, lambda: all(_fetched(a) == newer for a in _indexed(c, urls).values()),
                  "the newer scrapes were never indexed")
        finally:
            c.procs["cleaner-a"].send_signal(signal.SIGCONT)
        # the resumed cleaner finishes its stale batch, sees the entries are no longer its
        # own, and drops their outputs
        def outcomes() -> dict[str, object]:
            return {str(e["entry_id"]): e["outcome"] for e in _logged(c, "cleaner-a", "message")
                    if e["entry_id"] in held}
        _wait(c, lambda: len(outcomes()) == len(held),
              "the resumed cleaner never finished the batch it had held")
        assert set(outcomes().values()) == {"lost_ownership"}, \
            f"the resumed cleaner committed entries it no longer owned: {outcomes()}"
        report = _settle(c, "hostile 1 paused cleaner resumed after its entries were "
                         "reclaimed", note=f" (paused holding {len(held)})")
        assert report.indexed == 1500 and report.dead_lettered == 0
        assert all(_fetched(a) == newer for a in _indexed(c, urls).values()), \
            "a stale article replaced a newer one in the index"
        published = [orjson.loads(f[b"__data__"])["provenance"]["source_entry_id"]
                     for _, f in c.client.xrange(c.settings.articles_stream)]
        twice = sorted(e for e in set(held) if published.count(e) > 1)
        assert not twice, f"the paused cleaner published its stale outputs too: {twice}"
        assert all(p.poll() is None for p in c.procs.values()), "a worker died"


# -- Redis restarted without its data ------------------------------------------------------


def test_redis_restarted_empty_mid_flow_workers_make_their_groups_again_and_go_on(
    tmp_path: Path,
) -> None:
    with _private_cluster(tmp_path) as (c, server):
        c.start("cleaner", "cleaner")
        c.start("indexer", "indexer")
        c.publish(0, 800)
        c.wait_flowing()
        before = len(c.published)
        server.crash()  # no persistence: streams, groups and pending entries gone
        server.start()  # empty
        c.publish(800, 800, retry_for_s=30)  # events published after the restart
        for name in ("cleaner", "indexer"):
            _wait_logged(c, name, "group_recreated", "it should make its group again")
        c.wait_drained(180)
        written_off = c.write_off(before)
        report = _settle(c, "hostile 2 redis restarted empty (no persistence)",
                         note=f" (of the first 800, {written_off} went with Redis)")
        assert report.indexed == 1600 - written_off
        assert [p.poll() for p in c.procs.values()] == [None, None], "a worker exited"


def test_a_group_deleted_under_a_running_cleaner_is_made_again_and_its_subscriber_restarted(
    tmp_path: Path,
) -> None:
    with _cluster(REDIS_URL, tmp_path) as c:
        # its upkeep loop, which would make the group again, is slow here: the subscriber
        # meets the missing group first
        c.start("cleaner", "cleaner", VESTNIK_UPKEEP_INTERVAL_S="600")
        c.start("indexer", "indexer")
        c.publish(0, 300)
        c.wait_flowing()
        # FastStream's read fails with NOGROUP and stops the subscriber for good (its app
        # then ends by itself, which used to end the worker with exit code 0)
        c.client.xgroup_destroy(c.settings.events_stream, c.settings.cleaner_group)
        c.publish(300, 300)
        _wait_logged(c, "cleaner", "group_recreated", "it should make its group again")
        report = _settle(c, "hostile 3 cleaners' group deleted mid-flow")
        assert report.indexed == 600
        assert _logged(c, "cleaner", "subscriber_stopped"), "the subscriber was not restarted"
        assert c.procs["cleaner"].poll() is None, "the cleaner exited"


def test_a_worker_whose_group_cannot_be_made_again_exits_non_zero(tmp_path: Path) -> None:
    with _private_cluster(tmp_path) as (c, _server):
        c.start("cleaner", "cleaner")
        c.publish(0, 50)
        c.wait_flowing()
        # the stream's key is taken by something else: no group can be made on it
        c.client.delete(c.settings.events_stream)
        c.client.set(c.settings.events_stream, "not a stream")
        proc = c.procs["cleaner"]
        try:
            _wait(c, lambda: proc.poll() is not None,
                  "the cleaner went on without a group it cannot make")
        finally:
            c.procs.pop("cleaner")
            if (code := proc.poll()) is None:
                proc.kill()
                proc.wait(timeout=30)
        REPORTS.append(("hostile 4 group cannot be made again", f"cleaner exit code={code}"))
        assert code != 0, "the cleaner gave up with exit code 0: a restart policy ignores it"
        assert _logged(c, "cleaner", "worker_gave_up"), "the cleaner did not say why it ended"


# -- Redis out of memory for a long time ---------------------------------------------------


def _fill_until_refused(client: redis.Redis, key: str = "vf-filler") -> None:
    """Fill Redis until even a small write is refused (OOM)."""
    for size in (10_000, 1000, 100, 10):
        with contextlib.suppress(redis.exceptions.OutOfMemoryError):
            while True:
                client.hset(key, f"{size}-{time.monotonic_ns()}", "x" * size)


def _hold_at_the_limit(client: redis.Redis, hold_s: float, key: str = "vf-filler") -> None:
    """Keep Redis at its memory limit for ``hold_s``: filled until writes are refused, and
    filled again each second after a little was freed, as when other clients' writes come
    and go (a few writes get through in between: the hostile part)."""
    deadline = time.monotonic() + hold_s
    while True:
        _fill_until_refused(client, key)
        if time.monotonic() >= deadline:
            return
        time.sleep(min(0.8, max(0.0, deadline - time.monotonic())))
        client.hdel(key, *client.hkeys(key)[:40])
        time.sleep(0.2)


def test_a_long_oom_dead_letters_no_good_event(tmp_path: Path) -> None:
    with _private_cluster(tmp_path, VESTNIK_MAX_DELIVERIES="2") as (c, server):
        c.start("cleaner", "cleaner")
        c.start("indexer", "indexer")
        c.publish(0, 1500)
        c.wait_flowing()
        admin = redis.Redis(port=server.port)
        used = int(admin.info("memory")["used_memory"])
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", str(used + 3_000_000))
        env = c.env()
        # five times what it takes to use up every delivery by reclaims alone
        hold_s = 5 * int(env["VESTNIK_CLAIM_IDLE_MS"]) / 1000 * int(env["VESTNIK_MAX_DELIVERIES"])
        _hold_at_the_limit(admin, hold_s)
        refused = [e for name in ("cleaner", "indexer") for e in c.log_events(name)
                   if "OutOfMemoryError" in str(e.get("error_type"))
                   or "OOM" in str(e.get("error"))]
        admin.config_set("maxmemory", "0")
        admin.delete("vf-filler")
        assert refused, "the workers never met the OOM: the scenario proves nothing"
        c.wait_drained(180)
        letters = [orjson.loads(f[b"__data__"]) for stage in ("cleaner", "indexer")
                   for _, f in c.client.xrange(c.settings.dead_letter_stream(stage))]
        assert not letters, (f"{len(letters)} good events dead-lettered for Redis's OOM, e.g. "
                             f"{letters[0]['error_type']}: {letters[0]['reason'][:200]}")
        report = _settle(c, "hostile 5 long OOM", note=f" (at the memory limit {hold_s:.0f} s "
                         f"with VESTNIK_MAX_DELIVERIES=2; {len(refused)} refused writes logged)")
        assert report.indexed == 1500
        assert all(p.poll() is None for p in c.procs.values()), "a worker died"


# -- Redis demoted to a replica for a while (a failover) -----------------------------------


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_redis_read_only_for_a_while_is_waited_out_without_spinning_or_dead_letters(
    tmp_path: Path,
) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("reads CPU time from /proc")
    with _private_cluster(tmp_path, VESTNIK_MAX_DELIVERIES="2") as (c, server):
        c.start("cleaner", "cleaner")
        c.start("indexer", "indexer")
        admin = redis.Redis(port=server.port)
        env = c.env()

        def refused(name: str, since: int) -> list[dict[str, object]]:
            return [e for e in c.log_events(name)[since:]
                    if "READONLY" in str(e) or "ReadOnlyError" in str(e)]

        def read_only_for(hold_s: float) -> dict[str, float]:
            """Demote Redis (a replica of a primary nobody runs) for ``hold_s`` once every
            worker has met it, then promote it, as after a failover; CPU seconds each
            worker used meanwhile."""
            logged = {name: len(c.log_events(name)) for name in c.procs}
            admin.replicaof("127.0.0.1", str(embedded.free_port()))
            _wait(c, lambda: all(refused(name, logged[name]) for name in c.procs),
                  "the workers never met READONLY: the scenario would prove nothing")
            cpu = {name: _cpu_s(p.pid) for name, p in c.procs.items()}
            time.sleep(hold_s)  # how long Redis stays read-only
            spent = {name: _cpu_s(p.pid) - cpu[name] for name, p in c.procs.items()}
            admin.replicaof("NO", "ONE")
            return spent

        # mid-flow: commits are refused; longer than the deliveries reclaims would use up
        c.publish(0, 1500)
        c.wait_flowing()
        hold_s = 3 * int(env["VESTNIK_CLAIM_IDLE_MS"]) / 1000 * int(env["VESTNIK_MAX_DELIVERIES"])
        read_only_for(hold_s)
        c.wait_drained(180)
        # idle: only the workers' reads (XREADGROUP is a write) are refused
        idle_s = 4.0
        spent = read_only_for(idle_s)
        busy = {name: round(s / idle_s, 2) for name, s in spent.items() if s > 0.25 * idle_s}
        assert not busy, f"workers spun while Redis was read-only (CPU share): {busy}"
        c.publish(1500, 500)
        c.wait_drained(180)
        letters = [orjson.loads(f[b"__data__"]) for stage in ("cleaner", "indexer")
                   for _, f in c.client.xrange(c.settings.dead_letter_stream(stage))]
        assert not letters, f"{len(letters)} good events dead-lettered for READONLY"
        report = _settle(c, "hostile 6 redis read-only (a replica) for a while",
                         note=f" (read-only {hold_s:.0f} s mid-flow, then {idle_s:.0f} s idle "
                         "using CPU " + ", ".join(f"{n} {s:.2f} s" for n, s in spent.items())
                         + ")")
        assert report.indexed == 2000
        assert all(p.poll() is None for p in c.procs.values()), "a worker died"


def test_workers_started_while_redis_is_out_of_memory_wait_for_it(tmp_path: Path) -> None:
    with _private_cluster(tmp_path) as (c, server):
        admin = redis.Redis(port=server.port)
        used = int(admin.info("memory")["used_memory"])
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", str(used + 1_000_000))
        _fill_until_refused(admin)  # XGROUP CREATE … MKSTREAM is refused now
        c.start("cleaner", "cleaner")
        c.start("indexer", "indexer")
        for name in ("cleaner", "indexer"):
            _wait_logged(c, name, "start_failed", "it should wait for memory at start",
                         error_type="OutOfMemoryError")
        assert [p.poll() for p in c.procs.values()] == [None, None], "a worker gave up"
        admin.config_set("maxmemory", "0")
        admin.delete("vf-filler")
        c.publish(0, 300)
        report = _settle(c, "hostile 7 workers started while Redis was out of memory")
        assert report.indexed == 300
        assert all(p.poll() is None for p in c.procs.values()), "a worker died"
