"""Partitioned streams (VESTNIK_PARTITIONS): the names, the partition of a URL, a worker
consuming all partitions or a subset, and status and draining over every partition."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from redis.asyncio import Redis

from vestnik.connect import connect
from vestnik.index import open_index
from vestnik.publishing import partition_of, publish_files
from vestnik.settings import Settings, parse_ranges, partitioned
from vestnik.status import pipeline_status, stage_groups, streams_of, wait_drained
from vestnik.worker import check_slots

from .conftest import SEEDS
from .workers import running_workers


def test_names_of_a_partition_carry_a_hash_tag() -> None:
    assert partitioned("vestnik:events", 3) == "vestnik:{p3}:events"
    assert partitioned("vestnik:dlq:", 0) == "vestnik:{p0}:dlq:"
    assert partitioned("events", 2) == "{p2}:events"
    s = Settings(partitions=4).partition(3)
    assert (s.events_stream, s.articles_stream, s.rejected_stream) == (
        "vestnik:{p3}:events", "vestnik:{p3}:articles", "vestnik:{p3}:rejected")
    assert s.dead_letter_stream("cleaner") == "vestnik:{p3}:dlq:cleaner"
    one = Settings()
    assert one.partition(0) is one  # one partition: the names as set
    assert [x.events_stream for x in one.consumed()] == ["vestnik:events"]


def test_subsets() -> None:
    assert parse_ranges("0-3,6") == {0, 1, 2, 3, 6}
    assert Settings(partitions=8, partition_subset="0-3,6").partition_ids() == [0, 1, 2, 3, 6]
    assert Settings(partitions=3).partition_ids() == [0, 1, 2]
    for bad in ("3-1", "x", ",", "-1"):
        with pytest.raises(ValueError):
            Settings(partitions=8, partition_subset=bad)
    with pytest.raises(ValueError, match="VESTNIK_PARTITIONS is 4"):
        Settings(partitions=4, partition_subset="2-5").partition_ids()


def test_status_and_draining_cover_every_partition_not_only_the_subset() -> None:
    s = Settings(partitions=3, partition_subset="1")
    assert len(streams_of(s)) == 15
    assert [g[1] for g in stage_groups(s)][:2] == ["vestnik:{p0}:events",
                                                  "vestnik:{p0}:articles"]


def test_the_partition_of_a_url_is_sha1s_first_8_hex_digits_mod_n() -> None:
    url = "https://www.example.bg/новини/1"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()
    assert partition_of(url, 6) == int(digest[:8], 16) % 6
    assert partition_of(url, 1) == 0
    counts = [0] * 6
    for i in range(600):
        counts[partition_of(f"https://example.bg/{i}", 6)] += 1
    assert min(counts) > 60  # spread


@pytest.mark.skipif(shutil.which("sha1sum") is None, reason="no sha1sum")
def test_the_readmes_bash_one_liner_agrees() -> None:
    readme = Path("README.md").read_text()
    line = next(ln for ln in readme.splitlines() if "sha1sum" in ln and "K=" in ln)
    url = "https://www.example.bg/a/1"
    out = subprocess.run(["bash", "-c", f"URL='{url}'; N=6; {line.strip()}; echo $K"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert int(out) == partition_of(url, 6)


@pytest.mark.skipif(shutil.which("node") is None, reason="no node")
def test_the_readmes_node_one_liner_agrees() -> None:
    readme = Path("README.md").read_text()
    line = next(ln for ln in readme.splitlines() if "createHash" in ln)
    url = "https://www.example.bg/новини/2"
    script = f"const url = {url!r}, n = 6;\n{line.strip()}\nconsole.log(k);"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert int(out) == partition_of(url, 6)


async def test_workers_consume_every_partition(settings: Settings, redis: Redis) -> None:
    s = settings.model_copy(update={"partitions": 3})
    files = sorted(SEEDS.glob("*.txt"))[:6]
    async with running_workers(s):
        sent = await publish_files(s, files, repeat=2)
        await wait_drained(redis, s, timeout_s=120)
    statuses = await pipeline_status(redis, s)
    events = [x for x in statuses if x.role == "events"]
    assert [x.stream for x in events] == [f"{settings.events_stream[:-6]}{{p{k}}}:events"
                                          for k in range(3)]
    assert sum(1 for x in events if x.groups) == 3  # a group on each partition
    rejected = sum(x.length for x in statuses if x.role == "rejected")
    dead = sum(x.length for x in statuses if x.role.startswith("dead letters"))
    index = open_index(s.index_url)
    try:
        indexed = index.count()
    finally:
        index.close()
    assert indexed and indexed + rejected + dead == sent


def test_on_a_cluster_a_partitions_streams_must_share_a_slot() -> None:
    cluster = connect("redis+cluster://127.0.0.1:1")  # never connected: the names alone
    with pytest.raises(ValueError, match="share a slot"):
        check_slots(cluster, Settings())
    check_slots(cluster, Settings(partitions=6).partition(5))
    check_slots(connect("redis://127.0.0.1:1/0"), Settings())  # one server: any names


async def test_dead_letters_and_rejections_of_every_partition_on_the_command_line(
        settings: Settings, redis: Redis) -> None:
    from vestnik.wire import WireError, dead_letter, encode_model

    from .test_cli_redis import VESTNIK, _env

    s = settings.model_copy(update={"partitions": 3})
    env = _env(s) | {"VESTNIK_PARTITIONS": "3"}
    ids = {}
    for k in (0, 2):
        part = s.partition(k)
        letter = dead_letter(stage="cleaner", error=WireError("schema", f"bad in {k}"),
                             source_stream=part.events_stream, entry_id="1-0",
                             fields={b"__data__": b'{"body": "x"}'})
        ids[k] = (await redis.xadd(part.dead_letter_stream("cleaner"),
                                   encode_model(letter))).decode()  # type: ignore[arg-type]

    def vestnik(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*VESTNIK, *args], env=env, capture_output=True, text=True,
                              timeout=120)

    listed = vestnik("dlq", "list")
    assert listed.returncode == 0 and "bad in 0" in listed.stdout and "bad in 2" in listed.stdout
    assert "bad in 2" not in vestnik("dlq", "list", "--partition", "0").stdout
    shown = vestnik("dlq", "show", ids[2])
    assert shown.returncode != 0 and "--partition" in shown.stderr
    assert "bad in 2" in vestnik("dlq", "show", ids[2], "--partition", "2").stdout
    assert "replayed 1" in vestnik("dlq", "replay", ids[2], "--partition", "2").stdout
    assert await redis.xlen(s.partition(2).events_stream) == 1  # back on its partition
    assert vestnik("rejected", "list", "--partition", "5").returncode != 0
