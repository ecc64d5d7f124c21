"""Real worker processes against a real Redis, and the conservation report that ends every
fault scenario: published, indexed, rejected, dead-lettered, lost, duplicated."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import redis
import redis.asyncio

from vestnik.index import open_index
from vestnik.settings import Settings
from vestnik.status import drained, stage_groups, stages_status
from vestnik.urls import article_id, canonical_url

from ..conftest import SEEDS

PAGES = [p.read_text() for p in sorted(SEEDS.glob("*.txt"))]
FETCHED_AT = "2025-12-07T12:00:00+02:00"
FAULTY_INDEXER = Path(__file__).with_name("faulty_indexer.py")


def event_url(run: str, i: int) -> str:
    return f"https://faults.example.bg/{run}/{i}"


@dataclass
class Cluster:
    """Streams, groups and an index private to one scenario, and its worker processes."""

    redis_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = f"vf-{self.run}:"
        self.settings = Settings(
            redis_url=self.redis_url, events_stream=p + "events", articles_stream=p + "articles",
            rejected_stream=p + "rejected", dead_letter_prefix=p + "dlq:",
            cleaner_group=p + "cleaners", indexer_group=p + "indexers",
            index_url=f"sqlite:///{self.workdir}/index.sqlite3",
        )
        self.client = redis.Redis.from_url(self.redis_url)
        self.published: list[str] = []  # urls of good events
        self.poison: list[str] = []  # entry ids of poison events

    def env(self, **more: str) -> dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "VESTNIK_REDIS_URL": self.redis_url,
            "VESTNIK_EVENTS_STREAM": s.events_stream,
            "VESTNIK_ARTICLES_STREAM": s.articles_stream,
            "VESTNIK_REJECTED_STREAM": s.rejected_stream,
            "VESTNIK_DEAD_LETTER_PREFIX": s.dead_letter_prefix,
            "VESTNIK_CLEANER_GROUP": s.cleaner_group,
            "VESTNIK_INDEXER_GROUP": s.indexer_group,
            "VESTNIK_INDEX_URL": s.index_url,
            "VESTNIK_CLAIM_IDLE_MS": "1500",
            "VESTNIK_UPKEEP_INTERVAL_S": "0.3",
            "VESTNIK_POLL_MS": "200",
            "VESTNIK_BATCH_SIZE": "50",
            "VESTNIK_GRACEFUL_TIMEOUT_S": "10",
            "VESTNIK_LOG_FORMAT": "json",
            "VESTNIK_LOG_LEVEL": "WARNING",
            **self.extra_env,
            **more,
        }

    # -- processes ---------------------------------------------------------------------

    def start(self, name: str, stage: str, **env: str) -> subprocess.Popen[bytes]:
        command = ([sys.executable, str(FAULTY_INDEXER)] if stage == "faulty-indexer"
                   else [sys.executable, "-m", "vestnik.cli", stage])
        log = (self.workdir / f"{name}.log").open("ab")
        proc = subprocess.Popen(command, env=self.env(**env), stdout=log, stderr=log)
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        return proc.wait(timeout=60)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    # -- traffic -----------------------------------------------------------------------

    def publish(self, start: int, count: int, *, poison_every: int = 0,
                retry_for_s: float = 0.0) -> None:
        """Publish good events ``start..start+count`` (every ``poison_every``-th a poison
        one instead), retrying while Redis is away for up to ``retry_for_s``."""
        self.publish_indices(range(start, start + count), poison_every=poison_every,
                             retry_for_s=retry_for_s)

    def publish_indices(self, indices: Iterable[int], *, poison_every: int = 0,
                        retry_for_s: float = 0.0, fetched_at: str = FETCHED_AT,
                        page_shift: int = 0) -> None:
        """Publish the good events ``indices`` (as ``publish``); a later ``fetched_at`` and
        another ``page_shift`` make newer scrapes of the same URLs with other content."""
        pipe = self.client.pipeline(transaction=False)
        kinds: list[str | None] = []
        for i in indices:
            if poison_every and i % poison_every == poison_every - 1:
                pipe.xadd(self.settings.events_stream, {"__data__": b"{poison " + str(i).encode()})
                kinds.append(None)
            else:
                url = event_url(self.run, i)
                event = {"url": url, "fetched_at": fetched_at, "content_type": "text/plain",
                         "body": PAGES[(i + page_shift) % len(PAGES)]}
                pipe.xadd(self.settings.events_stream, {"__data__": orjson.dumps(event)})
                kinds.append(url)
        deadline = time.monotonic() + retry_for_s
        while True:
            try:
                ids = pipe.execute()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for entry_id, url in zip(ids, kinds, strict=True):
            if url is None:
                self.poison.append(entry_id.decode())
            else:
                self.published.append(url)

    def publish_slowly(self, total: int, chunk: int, pause_s: float,
                       between: Callable[[int], None] = lambda _i: None, **kw: int) -> None:
        for n, start in enumerate(range(0, total, chunk)):
            self.publish(start, min(chunk, total - start), **kw)
            between(n)
            time.sleep(pause_s)

    def wait_flowing(self, timeout_s: float = 60.0) -> None:
        """Until the cleaners have published an article: the workers are past their start
        (which takes seconds on a slow machine) and mid-flow."""
        deadline = time.monotonic() + timeout_s
        while not self.client.xlen(self.settings.articles_stream):
            if time.monotonic() > deadline:
                raise AssertionError(f"no article in {timeout_s}s: {self.groups()}")
            time.sleep(0.05)

    def log_events(self, name: str) -> list[dict[str, object]]:
        """The JSON log lines a worker process has written so far (under ``name``)."""
        lines = (self.workdir / f"{name}.log").read_bytes().splitlines()
        out = []
        for line in lines:
            with contextlib.suppress(orjson.JSONDecodeError):
                event = orjson.loads(line)
                if isinstance(event, dict):
                    out.append(event)
        return out

    def write_off(self, published_before: int) -> int:
        """Forget the first ``published_before`` good events that never reached the index:
        Redis lost them with its data (restarted without persistence), which no worker can
        help. Returns how many; the report then covers the rest."""
        index = open_index(self.settings.index_url)
        try:
            ids = set(index.ids())
        finally:
            index.close()
        before, after = self.published[:published_before], self.published[published_before:]
        kept = [u for u in before if article_id(canonical_url(u)) in ids]
        self.published = kept + after
        return len(before) - len(kept)

    # -- the end -----------------------------------------------------------------------

    def wait_drained(self, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._drained():
            if time.monotonic() > deadline:
                raise AssertionError(f"not drained in {timeout_s}s: {self.groups()}")
            time.sleep(0.2)

    def groups(self) -> list[dict[str, object]]:
        out = []
        for stream in (self.settings.events_stream, self.settings.articles_stream):
            with contextlib.suppress(redis.ResponseError):
                out += [{"stream": stream, **dict(g)} for g in self.client.xinfo_groups(stream)]
        return out

    def _drained(self) -> bool:
        return asyncio.run(_drained(self.redis_url, self.settings))

    def report(self) -> Report:
        index = open_index(self.settings.index_url)
        try:
            rows, ids = index.count(), index.ids()
        finally:
            index.close()
        dead = [orjson.loads(f[b"__data__"]) for _, f in
                self.client.xrange(self.settings.dead_letter_stream("cleaner"))]
        dead += [orjson.loads(f[b"__data__"]) for _, f in
                 self.client.xrange(self.settings.dead_letter_stream("indexer"))]
        expected = {article_id(canonical_url(u)) for u in self.published}
        dead_ids = {d["entry_id"] for d in dead if d["stage"] == "cleaner"}
        dead_articles = {orjson.loads(d["fields"]["__data__"])["article_id"]
                         for d in dead if d["stage"] == "indexer"}
        indexed = set(ids) & expected
        return Report(
            published=len(self.published) + len(self.poison),
            indexed=len(indexed),
            rejected=int(self.client.xlen(self.settings.rejected_stream)),
            dead_lettered=len(dead),
            lost=len(expected - indexed - dead_articles) + len(set(self.poison) - dead_ids),
            duplicated=rows - len(set(ids)),
            index_rows=rows,
            distinct_articles=len(expected - dead_articles),
        )

    def cleanup(self) -> None:
        self.stop_all()
        with_prefix = list(self.client.scan_iter(match=f"vf-{self.run}:*"))
        if with_prefix:
            self.client.delete(*with_prefix)
        self.client.close()


@dataclass(frozen=True)
class Report:
    published: int
    indexed: int
    rejected: int
    dead_lettered: int
    lost: int
    duplicated: int
    index_rows: int
    distinct_articles: int

    def __str__(self) -> str:
        return (f"published={self.published} indexed={self.indexed} rejected={self.rejected} "
                f"dead_lettered={self.dead_lettered} lost={self.lost} "
                f"duplicated={self.duplicated} index_rows={self.index_rows} "
                f"distinct_articles={self.distinct_articles}")


def cluster(redis_url: str, workdir: Path, **env: str) -> Iterator[Cluster]:
    c = Cluster(redis_url, workdir, extra_env=env)
    try:
        yield c
    finally:
        c.cleanup()


async def _drained(redis_url: str, settings: Settings) -> bool:
    """Both stages have read and acknowledged everything: vestnik's own rule (ids compared,
    not Redis's lag, which 6.2 does not report)."""
    async with redis.asyncio.Redis.from_url(redis_url) as client:
        statuses = await stages_status(client, settings)
    return all(s.group(g) is not None for s, (_, _, g) in
               zip(statuses, stage_groups(settings), strict=True)) and drained(statuses, settings)
