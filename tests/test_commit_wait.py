"""A commit followed by WAIT (VESTNIK_WAIT_REPLICAS): counted when replicas fall short,
sent on the commit's own connection (WAIT counts the replicas that have that connection's
writes: on any other connection it would answer at once)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from vestnik import embedded
from vestnik.metrics import REPLICATION_LAGGING
from vestnik.streams import Write, commit_batch, ensure_group

from .conftest import REDIS_URL
from .redis_under_test import server_binary


def _lagging(stream: str) -> float:
    return REPLICATION_LAGGING.labels(stream)._value.get()


async def _commit(url: str, stream: str, replicas: int, timeout_ms: int,
                  flush: bool = False) -> tuple[str, ...]:
    client: Redis = Redis.from_url(url)
    async with client:
        await client.delete(stream, f"{stream}:out")
        await ensure_group(client, stream, "g")
        entry = (await client.xadd(stream, {"n": "1"})).decode()
        await client.xreadgroup("g", "c", {stream: ">"})
        if flush:  # (a private server) the commit loads the script after NOSCRIPT
            await client.script_flush()
        committed = await commit_batch(
            client, [(entry, [Write(f"{stream}:out", {"k": b"v"})])], stream=stream,
            group="g", consumer="c", claim_idle_ms=10_000, wait_replicas=replicas,
            wait_timeout_ms=timeout_ms)
        assert await client.xlen(f"{stream}:out") == 1
        return committed.acked


@pytest.fixture
def master_and_replica(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    binary = server_binary()
    if binary is None:
        pytest.skip("no redis-server to start a replica with")
    procs: list[subprocess.Popen[bytes]] = []
    ports = [embedded.free_port(), embedded.free_port()]
    try:
        for n, port in enumerate(ports):
            (tmp_path / str(n)).mkdir()
            args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", str(tmp_path / str(n)),
                    "--repl-diskless-sync-delay", "0"]
            if n:
                args += ["--replicaof", "127.0.0.1", str(ports[0])]
            procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL))
        for port in ports:
            embedded.wait_ready(f"redis://127.0.0.1:{port}/0")
        master = redis.Redis(port=ports[0])
        for _ in range(200):
            replica_state = master.info("replication").get("slave0") or {}
            if isinstance(replica_state, dict) and replica_state.get("state") == "online":
                break
            time.sleep(0.05)
        else:
            pytest.fail("the replica never caught up with its master")
        master.close()
        yield f"redis://127.0.0.1:{ports[0]}/0", procs[1]
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
                proc.wait(10)


def test_a_commit_short_of_replicas_is_counted_and_stands() -> None:
    before = _lagging("wait-test:in")
    acked = asyncio.run(_commit(REDIS_URL, "wait-test:in", replicas=1, timeout_ms=50))
    assert len(acked) == 1  # no replica here: the commit stands, and is counted
    assert _lagging("wait-test:in") == before + 1


def test_wait_off_by_default_counts_nothing() -> None:
    before = _lagging("wait-test:off")
    asyncio.run(_commit(REDIS_URL, "wait-test:off", replicas=0, timeout_ms=50))
    assert _lagging("wait-test:off") == before


def test_wait_is_sent_on_the_commits_connection(
        master_and_replica: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, replica = master_and_replica
    before = _lagging("wait-test:rep")
    asyncio.run(_commit(url, "wait-test:rep", replicas=1, timeout_ms=2000, flush=True))
    assert _lagging("wait-test:rep") == before  # the replica has it
    os.kill(replica.pid, signal.SIGSTOP)  # a replica that takes nothing more
    try:
        asyncio.run(_commit(url, "wait-test:rep", replicas=1, timeout_ms=300))
    finally:
        os.kill(replica.pid, signal.SIGCONT)
    # on another connection, WAIT would have found the replica up to date at once
    assert _lagging("wait-test:rep") == before + 1
