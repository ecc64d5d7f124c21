"""Redis beyond one server, for real: a local Redis Cluster (three masters, three replicas)
and a Sentinel set-up (a master, a replica, three sentinels), started here on free loopback
ports and always stopped. Real cleaner and indexer processes run across them
(``VESTNIK_WAIT_REPLICAS=1``), a master is killed (SIGKILL) mid-flow, its replica takes
over, and the run ends with the fault harness's conservation report: lost 0, duplicated 0.

The servers are the Redis under test's binary (``redis_under_test.server_binary``: the
bundled 6.2 with ``VESTNIK_TEST_REDIS_SERVER=bundled``); the cluster is made with the
``redis-cli`` on PATH. The producer here publishes one ``XADD`` at a time and waits until
the replicas have what it published (their replication offsets) before a master is killed,
as a producer that cares sends ``WAIT`` after its ``XADD`` (README).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
import redis.cluster
import redis.sentinel

from vestnik.connect import connect, parse
from vestnik.embedded import free_port
from vestnik.publishing import partition_of, publish_files
from vestnik.status import drained, stage_groups, stages_status

from ..redis_under_test import server_binary
from .harness import FETCHED_AT, PAGES, Cluster, Output, Report, event_url

pytestmark = pytest.mark.faults

READY_S = 30.0


# -- servers ----------------------------------------------------------------------------


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port(reserved: set[int]) -> int:
    """A free port whose cluster bus port (+10000) is free too and below 65536, neither
    of them one of the ``reserved`` ports of the servers started before (not yet bound)."""
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(20_000, 55_000)
        if ({port, port + 10_000}.isdisjoint(reserved) and _free(port)
                and _free(port + 10_000)):
            reserved.update((port, port + 10_000))
            return port


class Servers:
    """redis-server processes started in a temp dir, each on a free loopback port."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary, self.workdir = binary, workdir
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.reserved: set[int] = set()

    def start(self, *args: str, sentinel_conf: str | None = None) -> int:
        if "--cluster-enabled" in args:
            port = cluster_port(self.reserved)
        else:
            port = free_port()
            while port in self.reserved or port + 10_000 in self.reserved:
                port = free_port()
            self.reserved.add(port)
        home = self.workdir / str(port)
        home.mkdir()
        log = (home / "log").open("ab")
        if sentinel_conf is not None:
            conf = home / "sentinel.conf"
            conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {home}\n{sentinel_conf}")
            command = [self.binary, str(conf), "--sentinel"]
        else:
            command = [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--dir",
                       str(home), "--save", "", "--appendonly", "no",
                       "--repl-diskless-sync-delay", "0", *args]
        self.procs[port] = subprocess.Popen(command, stdout=log, stderr=log)
        return port

    def kill(self, port: int) -> None:
        proc = self.procs.pop(port)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.kill()
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        self.procs.clear()

    def tail(self, port: int) -> str:
        path = self.workdir / str(port) / "log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def wait_until(check: Callable[[], bool], what: str | Callable[[], str],
               timeout_s: float = READY_S) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(redis.RedisError, OSError):
            if check():
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what() if callable(what) else what}: not after "
                                 f"{timeout_s:.0f} s")
        time.sleep(0.1)


def node(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=5, socket_connect_timeout=2)


def replicated(masters: Iterable[int]) -> bool:
    """Every master's replicas have all it has (replication offsets); a master left
    without a replica (after a failover) has nothing to wait for."""
    for port in masters:
        info = node(port).info("replication")
        offset = int(info["master_repl_offset"])
        replicas = [v for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
        if any(int(r["offset"]) < offset for r in replicas):
            return False
    return True


def sync_client(url: str) -> Any:
    """A blocking client for the set-up ``url`` names (the harness's)."""
    target = parse(url)
    if target.mode == "cluster":
        return redis.cluster.RedisCluster(
            startup_nodes=[redis.cluster.ClusterNode(h, p) for h, p in target.nodes],
            socket_timeout=5)
    if target.mode == "sentinel":
        assert target.service is not None
        return redis.sentinel.Sentinel(list(target.nodes), socket_timeout=5).master_for(
            target.service, socket_timeout=5)
    return redis.Redis.from_url(url)


# -- the harness across partitions -------------------------------------------------------


@dataclasses.dataclass
class HACluster(Cluster):
    """The fault harness's ``Cluster`` on a Sentinel or Cluster URL with ``partitions``:
    events go to their URL's partition (``partition_of``), the outputs are followed on
    every partition, and event entry ids are told apart by partition (``K/<id>``: two
    masters can give the same id)."""

    partitions: int = 1

    def __post_init__(self) -> None:
        url = self.redis_url
        self.redis_url = "redis://127.0.0.1:1/0"  # the base's client (never used), replaced
        super().__post_init__()
        self.client.close()
        self.redis_url = url
        self.settings = self.settings.model_copy(update={"redis_url": url,
                                                        "partitions": self.partitions})
        self.extra_env = {"VESTNIK_PARTITIONS": str(self.partitions), **self.extra_env}
        self.client = sync_client(url)
        self.parts = self.settings.every_partition()

    def _audit_group(self) -> bool:
        made = True
        for part in self.parts:
            try:
                self.client.xgroup_create(part.articles_stream, self.audit_group, id="0",
                                          mkstream=True)
            except redis.ResponseError as exc:
                made = made and "BUSYGROUP" in str(exc)  # there already, or refused
        return made

    def publish_indices(self, indices: Iterable[int], *, poison_every: int = 0,
                        retry_for_s: float = 0.0, fetched_at: str = FETCHED_AT,
                        page_shift: int = 0) -> None:
        """One XADD at a time to the URL's partition, retried while a failover goes on."""
        self._retry(self._audit_group, retry_for_s)
        for i in indices:
            url = event_url(self.run, i)
            k = partition_of(url, self.partitions)
            if poison_every and i % poison_every == poison_every - 1:
                fields = {"__data__": b"{poison " + str(i).encode()}
                kind: str | None = None
            else:
                fields = {"__data__": orjson.dumps({
                    "url": url, "fetched_at": fetched_at, "content_type": "text/plain",
                    "body": PAGES[(i + page_shift) % len(PAGES)]})}
                kind = url
            stream = self.parts[k].events_stream
            entry = self._retry(lambda s=stream, f=fields: self.client.xadd(s, f), retry_for_s)
            self.track(f"{k}/{entry.decode()}", kind, fetched_at)

    @staticmethod
    def _retry(call: Callable[[], Any], retry_for_s: float) -> Any:
        deadline = time.monotonic() + retry_for_s
        while True:
            try:
                return call()
            except (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterError,
                    redis.exceptions.ClusterDownError, redis.exceptions.TryAgainError,
                    redis.ReadOnlyError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def collect(self) -> None:
        for k, part in enumerate(self.parts):
            with contextlib.suppress(redis.RedisError):
                self._collect_partition_articles(k, part.articles_stream)
            for stream, kind in ((part.rejected_stream, "rejected"),
                                 (part.dead_letter_stream("cleaner"), "dead letter (cleaner)"),
                                 (part.dead_letter_stream("indexer"), "dead letter (indexer)")):
                with contextlib.suppress(redis.RedisError):
                    self._collect_partition_tail(k, stream, kind)

    def _collect_partition_articles(self, k: int, stream: str) -> None:
        while True:
            try:
                reply = self.client.xreadgroup(self.audit_group, "harness", {stream: ">"},
                                               count=1000)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                if self._audit_group():
                    continue
                return  # refused for now: the next call retries
            rows = reply[0][1] if reply else []
            if not rows:
                return
            for entry_id, fields in rows:
                self._keep(k, stream, entry_id.decode(), fields, "article")
            self.client.xack(stream, self.audit_group, *[e for e, _ in rows])

    def _collect_partition_tail(self, k: int, stream: str, kind: str) -> None:
        while True:
            after = self._cursors.get(stream)
            rows = self.client.xrange(stream, min=f"({after}" if after else "-", count=1000)
            if not rows:
                return
            for entry_id, fields in rows:
                self._keep(k, stream, entry_id.decode(), fields, kind)
                self._cursors[stream] = entry_id.decode()

    def _keep(self, k: int, stream: str, entry: str, fields: dict[bytes, bytes],
              kind: str) -> None:
        from .harness import _article_output, _letter_output

        out: Output = (_article_output(entry, fields) if kind == "article"
                       else _letter_output(kind, entry, fields))
        self.outputs[(stream, entry)] = dataclasses.replace(
            out, entry_id=f"{k}/{out.entry_id}",
            source=None if out.source is None else f"{k}/{out.source}")

    def _drained(self) -> bool:
        async def check() -> bool:
            client = connect(self.redis_url)
            async with client:
                statuses = await stages_status(client, self.settings)
            return all(s.group(g) is not None for s, (_, _, g) in
                       zip(statuses, stage_groups(self.settings), strict=True)
                       ) and drained(statuses, self.settings)

        try:
            return asyncio.run(check())
        except (redis.RedisError, OSError):
            return False

    def cleanup(self) -> None:
        self.stop_all()
        with contextlib.suppress(Exception):
            self.client.close()


@contextlib.contextmanager
def ha_cluster(url: str, workdir: Path, partitions: int) -> Iterator[HACluster]:
    # small batches: the kill finds the cleaner mid-flow, not done with every partition
    # after one read each
    c = HACluster(url, workdir, extra_env={"VESTNIK_WAIT_REPLICAS": "1",
                                           "VESTNIK_WAIT_TIMEOUT_MS": "500",
                                           "VESTNIK_BATCH_SIZE": "4"},
                  partitions=partitions)
    try:
        yield c
    finally:
        c.cleanup()


@pytest.fixture
def binary() -> str:
    found = server_binary()
    if found is None:
        pytest.skip("no redis-server to start a cluster with")
    return found


def _run(c: HACluster, kill_master: Callable[[], None], masters: Callable[[], list[int]],
         name: str, version: str, first: int = 240, total: int = 360) -> Report:
    """Publish ``first`` events, kill a master once the cleaner's outputs flow (with most
    events not cleaned yet: the report's name says how many), publish the rest through
    the failover, settle, and report."""
    c.publish(0, first, poison_every=12, retry_for_s=60)
    wait_until(lambda: replicated(masters()), "the replicas have every event")
    c.start("cleaner", "cleaner")  # the events wait for it: it starts with a backlog
    c.start("indexer", "indexer")
    c.wait_flowing("cleaner", timeout_s=120)
    c.collect()
    cleaned = sum(o.kind in ("article", "dead letter (cleaner)", "rejected")
                  for o in c.outputs.values())
    kill_master()
    c.publish(first, total - first, poison_every=12, retry_for_s=60)
    wait_until(lambda: replicated(masters()), "the replicas have every event", 60)
    name = (f"Redis {version} {name} ({first - cleaned} of {first} events not yet cleaned "
            "at the kill)")
    report = c.settle(name, timeout_s=240, stall_s=60)
    print(f"\n{name}: {report}")
    return report


def _version(port: int) -> str:
    return str(node(port).info("server")["redis_version"])


# -- Redis Cluster ---------------------------------------------------------------------


def _cluster_nodes(port: int) -> list[dict[str, Any]]:
    rows = []
    for line in node(port).execute_command("CLUSTER", "NODES").decode().splitlines():
        parts = line.split()
        rows.append({"id": parts[0], "port": int(parts[1].split("@")[0].rsplit(":", 1)[1]),
                     "flags": set(parts[2].split(",")), "slots": parts[8:]})
    return rows


def _live_masters(port: int) -> list[int]:
    return sorted(r["port"] for r in _cluster_nodes(port)
                  if "master" in r["flags"] and "fail" not in r["flags"] and r["slots"])


def _cluster_ok(ports: Iterable[int]) -> bool:
    return all(b"cluster_state:ok" in node(p).execute_command("CLUSTER", "INFO")
               for p in ports)


@pytest.fixture
def redis_cluster(binary: str, tmp_path: Path) -> Iterator[tuple[Servers, list[int]]]:
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("no redis-cli to make the cluster with")
    servers = Servers(binary, tmp_path / "cluster")
    (tmp_path / "cluster").mkdir()
    try:
        ports = [servers.start("--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
                               "--cluster-config-file", "nodes.conf") for _ in range(6)]
        for p in ports:
            wait_until(lambda p=p: bool(node(p).ping()),
                       lambda p=p: f"node {p} answers (its log: {servers.tail(p)})")
        made = subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
             "--cluster-replicas", "1", "--cluster-yes"],
            capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
        wait_until(lambda: _cluster_ok(ports), "cluster_state:ok on every node", 60)
        wait_until(lambda: replicated(_live_masters(ports[0])), "replicas in sync", 60)
        yield servers, ports
    finally:
        servers.stop()


def test_cluster_with_a_master_killed_mid_flow_loses_nothing(
        redis_cluster: tuple[Servers, list[int]], tmp_path: Path) -> None:
    servers, ports = redis_cluster
    url = "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports[:3])
    with ha_cluster(url, tmp_path, partitions=6) as c:
        masters = _live_masters(ports[0])
        assert len(masters) == 3
        # the six partitions land on all three masters
        by_master: dict[int, list[int]] = {}
        for k, part in enumerate(c.parts):
            owner = c.client.get_node_from_key(part.events_stream).port
            by_master.setdefault(owner, []).append(k)
        assert sorted(by_master) == masters, by_master
        victim = max(by_master, key=lambda p: len(by_master[p]))
        survivor = next(p for p in ports if p != victim)

        def kill_master() -> None:
            servers.kill(victim)
            # its replica is promoted: three live masters again, none of them the victim
            wait_until(lambda: (len(m := _live_masters(survivor)) == 3 and victim not in m
                                and _cluster_ok(p for p in ports if p != victim)),
                       "a replica took over from the killed master", 60)

        def masters_now() -> list[int]:
            return [p for p in _live_masters(survivor) if p in servers.procs]

        report = _run(c, kill_master, masters_now,
                      f"cluster, 6 partitions, master :{victim} (partitions "
                      f"{by_master[victim]}) killed mid-flow", _version(survivor))
        assert report.lost == 0 and report.duplicated == 0

        # vestnik publish's pipeline, across the slots: each event on its URL's partition
        c.stop_all()
        before = [c.client.xlen(p.events_stream) for p in c.parts]
        urls = [f"https://cluster.example.bg/{c.run}/{i}" for i in range(12)]
        page = tmp_path / "page.txt"
        page.write_text(PAGES[0])
        for url in urls:
            assert asyncio.run(publish_files(c.settings, [page], url=url)) == 1
        grown = [c.client.xlen(p.events_stream) - n for p, n in zip(c.parts, before,
                                                                    strict=True)]
        assert grown == [sum(partition_of(u, 6) == k for u in urls) for k in range(6)]


# -- Sentinel --------------------------------------------------------------------------


def test_sentinel_failover_mid_flow_loses_nothing(binary: str, tmp_path: Path) -> None:
    servers = Servers(binary, tmp_path / "sentinel")
    (tmp_path / "sentinel").mkdir()
    try:
        master = servers.start()
        wait_until(lambda: bool(node(master).ping()), "the master answers")
        replica = servers.start("--replicaof", "127.0.0.1", str(master))
        wait_until(lambda: node(master).info("replication").get("connected_slaves") == 1
                   and replicated([master]), "the replica is in sync")
        conf = (f"sentinel monitor m 127.0.0.1 {master} 2\n"
                "sentinel down-after-milliseconds m 1000\n"
                "sentinel failover-timeout m 3000\n")
        sentinels = [servers.start(sentinel_conf=conf) for _ in range(3)]

        def known() -> bool:
            return all(node(s).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m")
                       and len(node(s).execute_command("SENTINEL", "SENTINELS", "m")) == 2
                       for s in sentinels)

        wait_until(known, "the sentinels know the master and each other", 60)
        url = "redis+sentinel://" + ",".join(f"127.0.0.1:{s}" for s in sentinels) + "/m"
        with ha_cluster(url, tmp_path, partitions=1) as c:
            def master_now() -> int:
                addr = node(sentinels[0]).execute_command(
                    "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m")
                return int(addr[1])

            def kill_master() -> None:
                servers.kill(master)
                wait_until(lambda: master_now() == replica and
                           node(replica).info("replication")["role"] == "master",
                           "the sentinels promoted the replica", 60)

            def masters_now() -> list[int]:
                return [p for p in (master, replica) if p in servers.procs]

            report = _run(c, kill_master, masters_now,
                          f"sentinel, master :{master} killed mid-flow, replica :{replica} "
                          "promoted", _version(replica))
            assert report.lost == 0 and report.duplicated == 0
    finally:
        servers.stop()
