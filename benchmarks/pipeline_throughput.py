"""Throughput of every part of the path, side by side in one run, on the same pages.

    .venv/bin/python benchmarks/pipeline_throughput.py            # 2,000 events, 20 s latency
    .venv/bin/python benchmarks/pipeline_throughput.py --quick    # a smoke run (200 events)
    .venv/bin/python benchmarks/pipeline_throughput.py --pages dev/bg --events 1000 --json

The pages: ``seeds/`` and, where they were made, ``dev/cyr`` (``dev/make_cyrset.py``) and
``dev/pages`` (``dev/make_devset.py``), or the folders given with ``--pages``; ``--events``
of them (shuffled, seed 7; repeated when there are fewer pages), each event with a URL of
its own (the page's URL plus ``?vb=N``), so each is a distinct article. Every event is one
``__data__`` JSON entry (url, fetched_at, content_type, body as text, event_id), the shape
FastStream producers send, so every step below moves the very same bytes.

1. transport ceiling: a hand-written redis-py loop (XREADGROUP a batch, XADD the entries to
   another stream and XACK them in one pipeline) over a pre-filled stream; beside it, the
   same with vestnik's own plumbing (``streams.read_batch`` and ``commit_batch``, the Lua
   scripts the workers use, bounded by bytes);
2. FastStream: a RedisBroker app with a batch ``StreamSub`` whose handler republishes
   every message (``broker.publish(..., pipeline=)``), acknowledged by FastStream;
3. the bare extractor (``vestnik.extract.extract``) over the decoded pages, in this
   process; beside it, the cleaner's whole work per page in this process (``decode_event``
   and ``clean_one``: extract, build the article, encode it);
4. the cleaner alone: a ``vestnik cleaner`` process on a pre-filled events stream, until
   its group has nothing new and nothing pending;
5. the indexer alone, SQLite and PostgreSQL: a ``vestnik indexer`` process on a pre-filled
   articles stream (the articles step 4's cleaner wrote), until its group is drained;
6. the whole path, one indexer with one and with two cleaners: the events published
   (pipelined) while the workers run, until both groups are drained (every article is
   then in the index: the indexer acknowledges after its index transaction);
7. latency: events published one by one at half the rate step 6 measured for one cleaner
   and one indexer, for ``--latency-seconds``; per article, the time from just before its
   XADD until a reader of the SQLite index (polling every 2 ms) first sees its row, and
   until the cleaner's commit put it on the articles stream (the entry id's milliseconds,
   Redis's clock); and where that time went, phase by phase (``PHASES``), from the
   workers' canonical log lines (``queued_ms``, ``extract_ms``, ``index_ms``, …) and the
   entries' ids, with each phase's mean over the slowest 1% of articles.

The ratios printed after the table compare the steps that ran, among them the best the
whole path could reach per CPU-second (were cleaning in-process, 3b, and the SQLite
indexer alone, 5, all it cost) against the bare extractor.

Workers are started, logged ``started`` (their log goes to a file, at INFO: the
per-message line is part of their cost, as deployed) and each cleaner and indexer is fed
one warm-up event or article first, so its extraction process is up and its caches are
not cold. For 4–6 the worker processes are then stopped (SIGSTOP), the stream filled, and
continued (SIGCONT): the clock starts when they are continued, not at their start-up.
CPU time: the workers' processes and their descendants (the extraction processes) from
/proc/<pid>/stat (utime + stime + reaped children), Redis's from ``INFO cpu``
(used_cpu_sys + used_cpu_user), PostgreSQL's server processes from /proc when it runs on
this machine, this process's own for the in-process steps; ``other``: what the rest of
the machine used meanwhile (/proc/stat). Redis and PostgreSQL are shared: their figures
include anyone else's work at the time (the idle rates are printed first). Streams are
private to the run (a uuid prefix) and deleted after it; PostgreSQL gets a schema of its
own. Prints figures; asserts no timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from redis.asyncio import Redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:  # index_throughput: the machine's header, PostgreSQL's CPU
    sys.path.insert(0, str(BENCH))

from index_throughput import (  # noqa: E402
    DEFAULT_POSTGRES_URL,
    MachineCpu,
    ServerCpu,
    header,
    postgres_schema,
)

from vestnik.cleaner.cleaning import Cleaned, clean_one  # noqa: E402
from vestnik.extract import Page, extract  # noqa: E402
from vestnik.files import LOCAL_URL_BASE, content_type_for, page_files  # noqa: E402
from vestnik.settings import Settings  # noqa: E402
from vestnik.streams import Write, commit_batch, read_batch  # noqa: E402
from vestnik.urls import article_id, canonical_url  # noqa: E402
from vestnik.wire import WireError, decode_event  # noqa: E402

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
SEED = 7
POLL_S = 0.005  # how often a drained group is looked for
INDEX_POLL_S = 0.002  # how often the latency step's reader looks at the index
START_TIMEOUT_S = 120.0
RUN_TIMEOUT_S = 1800.0
_STARTED = re.compile(rb'"event": "started"')


# --- pages and events (pure) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One page on disk, decoded: what every event made from it carries."""

    name: str  # the folder's name and the file's, for reports
    url: str
    content_type: str
    text: str


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    source: int  # index in the sources
    url: str
    article_id: str  # of the article it would become
    fields: dict[bytes, bytes]  # as read from the stream


def with_tag(url: str, tag: str) -> str:
    """``url`` with ``vb=tag`` added to its query: a URL of its own (and so an article id
    of its own) whose path, the slug the extractor reads, is the page's."""
    base, hash_, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}vb={tag}{hash_}{fragment}"


def page_url(path: Path) -> str:
    """The page's URL from the gold or expected file beside it (the slug is part of the
    work), else one made from its name as ``vestnik publish`` makes it."""
    for suffix in (".gold.json", ".expected.json"):
        gold = path.with_suffix(suffix)
        if gold.is_file():
            with contextlib.suppress(ValueError, OSError):
                url = json.loads(gold.read_text(encoding="utf-8")).get("url")
                if isinstance(url, str) and url.startswith(("http://", "https://")):
                    return url
    return f"{LOCAL_URL_BASE.rstrip('/')}/{path.stem}"


def default_page_dirs(root: Path = ROOT) -> list[Path]:
    """seeds/, then dev/cyr and dev/pages where they were made."""
    return [d for d in (root / "seeds", root / "dev" / "cyr", root / "dev" / "pages")
            if d.is_dir() and any(d.iterdir())]


def page_paths(dirs: Sequence[Path]) -> list[Path]:
    """The pages (*.html, *.txt…) in ``dirs``, in order, each folder's sorted by name."""
    return [p for p in page_files(dirs) if content_type_for(p) is not None]


def source_of(path: Path) -> Source:
    ctype = content_type_for(path)
    assert ctype is not None
    text = path.read_bytes().decode("utf-8", errors="replace")
    return Source(f"{path.parent.name}/{path.name}", page_url(path), ctype, text)


def load_sources(dirs: Sequence[Path]) -> list[Source]:
    return [source_of(p) for p in page_paths(dirs)]


def sample(count: int, n: int, seed: int = SEED) -> list[int]:
    """``n`` indices into ``count`` items: a shuffled pass over all of them, again and
    again when ``n`` is larger."""
    if count <= 0:
        return []
    rng = random.Random(seed)
    order: list[int] = []
    while len(order) < n:
        one = list(range(count))
        rng.shuffle(one)
        order += one
    return order[:n]


def event_fields(source: Source, url: str, event_id: str) -> dict[bytes, bytes]:
    data = {"url": url, "fetched_at": FETCHED.isoformat(), "content_type": source.content_type,
            "body": source.text, "event_id": event_id}
    return {b"__data__": orjson.dumps(data)}


def make_event(sources: Sequence[Source], k: int, seq: int, tag: str) -> Event:
    url = with_tag(sources[k].url, f"{tag}{seq}")
    return Event(seq, k, url, article_id(canonical_url(url)),
                 event_fields(sources[k], url, f"vbench-{tag}{seq}"))


# --- figures (pure) -------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100) of ``values``; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def per(n: float, seconds: float | None) -> float:
    return n / seconds if seconds else math.nan


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def is_drained(stream_info: Mapping[str, Any], groups: Sequence[Mapping[str, Any]],
               group: str) -> bool:
    """Whether ``group`` has been delivered every entry of the stream (its last delivered
    id is the stream's last generated id) and acknowledged them all (nothing pending),
    from ``XINFO STREAM`` and ``XINFO GROUPS`` replies (keys and values str or bytes)."""
    last = _text(stream_info.get("last-generated-id"))
    for g in groups:
        if _text(g.get("name")) == group:
            return int(g.get("pending") or 0) == 0 and _text(g.get("last-delivered-id")) == last
    return False


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _strs(info: Mapping[Any, Any]) -> dict[str, Any]:
    return {_text(k): v for k, v in info.items()}


def entry_ms(entry_id: str | bytes) -> int:
    """The milliseconds part of a stream entry id: when Redis added it."""
    return int(_text(entry_id).split("-", 1)[0])


@dataclass
class Step:
    """One row of the table."""

    key: str
    name: str
    items: int  # events, messages or articles: what ``unit`` says
    unit: str
    wall_s: float
    cpu_s: float  # the processes doing the work (this one for in-process steps)
    redis_cpu_s: float | None = None
    pg_cpu_s: float | None = None
    other_cpu_s: float | None = None
    note: str = ""

    @property
    def total_cpu_s(self) -> float:
        return self.cpu_s + (self.redis_cpu_s or 0.0) + (self.pg_cpu_s or 0.0)

    @property
    def per_s(self) -> float:
        return per(self.items, self.wall_s)

    @property
    def per_cpu_s(self) -> float:
        return per(self.items, self.total_cpu_s)


@dataclass
class Latency:
    rate: float  # events/s published
    seconds: float
    published: int
    expected: int  # articles expected (pages the cleaner turns into articles)
    searchable_ms: list[float] = field(default_factory=list)
    cleaned_ms: list[float] = field(default_factory=list)
    # per article seen, each phase's time (``PHASES``), from the workers' canonical lines
    phases: list[dict[str, float]] = field(default_factory=list)

    def summary(self, values: Sequence[float]) -> dict[str, float]:
        return {f"p{q}": percentile(values, q) for q in (50, 95, 99)} | {
            "max": max(values) if values else math.nan}


# The latency step's phases of one article, in order, and what each is: consecutive spans
# from the instants t0 (just before the XADD), t1 (the events entry's id: Redis added it),
# t2 = t1 + the cleaner's queued_ms (its read), t3 = t2 + extract_ms, t4 (the articles
# entry's id: the cleaner's commit added it), t5 = t4 + the indexer's queued_ms (its
# read), t6 = t5 + index_ms (the index transaction committed), t7 (the row seen), so they
# add up to publish -> searchable; below them, parts of a span and the batches (the
# handoff: the extraction processes' wall time of a one-entry batch beyond its page's work
# and site memory, nan for larger batches).
PHASES: tuple[tuple[str, str], ...] = (
    ("publish", "publish (XADD of the event)"),
    ("events_wait", "in the events stream until the cleaner reads it"),
    ("extract", "cleaner: in the extraction processes until its result (wall)"),
    ("cleaner_commit", "cleaner: outcomes and commit until the article's XADD"),
    ("articles_wait", "in the articles stream until the indexer reads it"),
    ("index", "indexer: the index transaction (wall)"),
    ("seen", "until the poller sees the row"),
    ("searchable", "publish → searchable (the sum)"),
    ("page_work", "of extract: this page's own decode and clean"),
    ("site_memory", "of extract: site memory's look-up"),
    ("handoff", "of extract, a batch of one: the rest (the handoff)"),
    ("cleaner_commit_all", "cleaner: the commit, whole"),
    ("cleaner_batch", "cleaner: entries in the batch"),
    ("cleaner_group", "cleaner: entries in the article's commit"),
    ("indexer_batch", "indexer: entries in the batch"),
)


def message_lines(text: str, outcome: str) -> dict[str, dict[str, Any]]:
    """A worker's canonical lines (JSON log) of ``outcome``, by article id."""
    found: dict[str, dict[str, Any]] = {}
    for raw in text.splitlines():
        if '"message"' not in raw:
            continue
        with contextlib.suppress(ValueError):
            line = orjson.loads(raw)
            if line.get("event") == "message" and line.get("outcome") == outcome:
                found[line["article_id"]] = line
    return found


def article_phases(sent: float, seen: float, cleaner: Mapping[str, Any],
                   indexer: Mapping[str, Any]) -> dict[str, float]:
    """One article's phases (``PHASES``, ms) from its publish time, the time its row was
    seen (``time.time()``) and the cleaner's and indexer's canonical lines of it."""
    t0, t7 = sent * 1000, seen * 1000
    t1 = float(entry_ms(cleaner["entry_id"]))
    t2 = t1 + cleaner["queued_ms"]
    t3 = t2 + cleaner["extract_ms"]
    t4 = float(entry_ms(indexer["entry_id"]))
    t5 = t4 + indexer["queued_ms"]
    t6 = t5 + indexer["index_ms"]
    return {
        "publish": t1 - t0, "events_wait": t2 - t1, "extract": t3 - t2,
        "cleaner_commit": t4 - t3, "articles_wait": t5 - t4, "index": t6 - t5,
        "seen": t7 - t6, "searchable": t7 - t0,
        "page_work": float(cleaner["duration_ms"]),
        "site_memory": float(cleaner.get("site_memory_ms", 0.0)),
        "handoff": (cleaner["extract_ms"] - cleaner["duration_ms"]
                    - cleaner.get("site_memory_ms", 0.0)) if cleaner["batch"] == 1 else math.nan,
        "cleaner_commit_all": float(cleaner["commit_ms"]),
        "cleaner_batch": float(cleaner["batch"]),
        "cleaner_group": float(cleaner.get("committed_with", cleaner["batch"])),
        "indexer_batch": float(indexer["batch"]),
    }


def phase_table(rows: Sequence[Mapping[str, float]], tail: float = 99.0) -> list[str]:
    """p50/p95/p99/max of each phase over ``rows``, and each phase's mean over the
    articles whose publish -> searchable is at or over its ``tail`` percentile: what the
    tail is made of."""
    cut = percentile([r["searchable"] for r in rows], tail)
    slow = [r for r in rows if r["searchable"] >= cut]
    out = [f"| phase (ms; batches in entries) | p50 | p95 | p99 | max | mean, slowest "
           f"{100 - tail:g}% ({len(slow)}) |", "|---|---:|---:|---:|---:|---:|"]
    for key, what in PHASES:
        values = [r[key] for r in rows if not math.isnan(r[key])]  # nan: not measured
        tail_values = [r[key] for r in slow if not math.isnan(r[key])]
        mean = sum(tail_values) / len(tail_values) if tail_values else math.nan
        out.append(f"| {what} | " + " | ".join(
            _num(percentile(values, q), 1) for q in (50, 95, 99, 100)) + f" | {_num(mean, 1)} |")
    return out


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def table(steps: Sequence[Step]) -> list[str]:
    head = ("| step | items | wall s | items/s | CPU s (workers) | Redis CPU s | PostgreSQL "
            "CPU s | items/CPU-s | other CPU s |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in steps:
        lines.append(
            f"| {s.name} | {s.items:,} {s.unit} | {s.wall_s:.2f} | {_num(s.per_s)} | "
            f"{s.cpu_s:.2f} | {_num(s.redis_cpu_s, 2)} | {_num(s.pg_cpu_s, 2)} | "
            f"{_num(s.per_cpu_s)} | {_num(s.other_cpu_s, 2)} |")
    return lines


def ratios(steps: Mapping[str, Step], articles_per_event: float) -> list[tuple[str, float,
                                                                              float]]:
    """(what, by wall time, per CPU-second) for the comparisons the issue asks for."""
    out: list[tuple[str, float, float]] = []

    def add(what: str, a: str, b: str, scale: float = 1.0) -> None:
        if a in steps and b in steps:
            out.append((what, ratio(steps[a].per_s, steps[b].per_s * scale),
                        ratio(steps[a].per_cpu_s, steps[b].per_cpu_s * scale)))

    add("whole path, 1 cleaner ÷ bare extractor", "path1", "extract")
    add("whole path, 2 cleaners ÷ bare extractor", "path2", "extract")
    add("cleaner alone ÷ bare extractor", "cleaner", "extract")
    add("cleaner in-process ÷ bare extractor", "clean_inproc", "extract")
    add("FastStream ÷ transport ceiling", "faststream", "transport")
    add("vestnik plumbing ÷ transport ceiling", "plumbing", "transport")
    # the indexer's articles/s against the articles one cleaner makes per second
    add("indexer SQLite ÷ one cleaner's articles", "index_sqlite", "cleaner",
        articles_per_event)
    add("indexer PostgreSQL ÷ one cleaner's articles", "index_postgres", "cleaner",
        articles_per_event)
    # What the whole path could reach at best, were cleaning in-process (3b) and the
    # SQLite indexer alone (5, its Redis included) all it cost: no extraction process,
    # no cleaner worker, no transport of the events.
    if {"extract", "clean_inproc", "index_sqlite"} <= steps.keys():
        bare, clean, index = steps["extract"], steps["clean_inproc"], steps["index_sqlite"]
        ape = articles_per_event  # events a second: one over the seconds an event costs
        wall = ratio(1.0, ratio(1.0, clean.per_s) + ape * ratio(1.0, index.per_s))
        cpu = ratio(1.0, ratio(1.0, clean.per_cpu_s) + ape * ratio(1.0, index.per_cpu_s))
        out.append(("its best: cleaner in-process + indexer alone ÷ bare extractor",
                    ratio(wall, bare.per_s), ratio(cpu, bare.per_cpu_s)))
    return out


# --- processes and CPU ------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on; None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (the extraction processes, the fork server)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root``'s process tree: each live process's user and system time
    and its reaped children's (utime, stime, cutime, cstime)."""
    ticks = 0
    for pid in descendants(root):
        stat = _stat(pid)
        if stat is not None:
            ticks += sum(int(v) for v in stat[11:15])
    return ticks / _TICK


def own_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` alone (utime + stime), without its children."""
    stat = _stat(pid)
    return 0.0 if stat is None else (int(stat[11]) + int(stat[12])) / _TICK


async def redis_cpu(r: Redis) -> float:
    info = _strs(await r.info("cpu"))
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


class Worker:
    """A ``vestnik cleaner`` or ``vestnik indexer`` process, its log in a file."""

    def __init__(self, stage: str, env: Mapping[str, str], log_dir: Path, n: int = 0) -> None:
        self.stage = stage
        self.log_path = log_dir / f"{stage}-{n}-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "vestnik.cli", stage],
                                     env=dict(env), stdout=self._log, stderr=subprocess.STDOUT)

    def _started(self) -> bool:
        if self.proc.poll() is not None:
            tail = self.log_path.read_bytes()[-2000:].decode(errors="replace")
            raise RuntimeError(f"vestnik {self.stage} exited ({self.proc.returncode}):\n{tail}")
        return bool(_STARTED.search(self.log_path.read_bytes()))

    async def started(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._started():
            if time.monotonic() > deadline:
                raise RuntimeError(f"vestnik {self.stage} did not start in time")
            await asyncio.sleep(0.02)

    def cpu(self) -> float:
        return tree_cpu(self.proc.pid)

    def signal_tree(self, sig: int) -> None:
        for pid in descendants(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def stop(self) -> None:
        self.signal_tree(signal.SIGCONT)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class Meter:
    """CPU readings before and after a timed span: the workers', Redis's, PostgreSQL's,
    this process's and the machine's."""

    def __init__(self, r: Redis, workers: Sequence[Worker], pg: ServerCpu | None,
                 machine: MachineCpu, in_process: bool = False) -> None:
        self.r, self.workers, self.pg, self.machine = r, workers, pg, machine
        self.in_process = in_process
        self.started = 0.0

    async def _read(self) -> tuple[float, float, float | None, float, float | None]:
        workers = sum(w.cpu() for w in self.workers)
        self._roots.append(sum(own_cpu(w.proc.pid) for w in self.workers))
        return (workers, await redis_cpu(self.r), self.pg.seconds() if self.pg else None,
                time.process_time(), self.machine.seconds())

    async def start(self) -> None:
        self._roots: list[float] = []
        self._before = await self._read()
        self.started = time.perf_counter()

    @property
    def roots_cpu_s(self) -> float:
        """CPU of the worker processes themselves over the span (without the extraction
        processes below them)."""
        return self._roots[-1] - self._roots[0] if len(self._roots) > 1 else 0.0

    async def stop(self, key: str, name: str, items: int, unit: str, note: str = "") -> Step:
        wall = time.perf_counter() - self.started
        after = await self._read()
        w0, r0, p0, own0, m0 = self._before
        w1, r1, p1, own1, m1 = after
        own = own1 - own0
        cpu = own if self.in_process else w1 - w0
        pg = None if p0 is None or p1 is None else p1 - p0
        ours = (w1 - w0) + (r1 - r0) + (pg or 0.0) + own
        other = None if m0 is None or m1 is None else max(0.0, m1 - m0 - ours)
        if self.workers and any(w.stage == "cleaner" for w in self.workers):
            note = (f"{note}; " if note else "") + (
                f"worker processes {self.roots_cpu_s:.2f} CPU s, extraction processes "
                f"{cpu - self.roots_cpu_s:.2f}")
        return Step(key, name, items, unit, wall, cpu, r1 - r0, pg, other, note)


# --- Redis helpers ----------------------------------------------------------------------


async def fill(r: Redis, stream: str, entries: Sequence[Mapping[bytes, bytes] | Mapping[str,
                                                                                       bytes]],
               chunk: int = 200) -> None:
    """XADD ``entries`` in pipelines of ``chunk``."""
    for i in range(0, len(entries), chunk):
        pipe = r.pipeline(transaction=False)
        for fields in entries[i:i + chunk]:
            pipe.xadd(stream, dict(fields))  # type: ignore[arg-type]
        await pipe.execute()


async def drained(r: Redis, *pairs: tuple[str, str]) -> bool:
    """Every (stream, group) drained, read in one transaction (one instant)."""
    pipe = r.pipeline(transaction=True)
    for stream, _ in pairs:
        pipe.xinfo_stream(stream)
        pipe.xinfo_groups(stream)
    try:
        replies = await pipe.execute()
    except Exception as exc:  # a stream or a group not made yet
        if "no such key" in str(exc).lower():
            return False
        raise
    return all(is_drained(_strs(replies[2 * i]), [_strs(g) for g in replies[2 * i + 1]], group)
               for i, (_, group) in enumerate(pairs))


async def wait_drained(r: Redis, *pairs: tuple[str, str], timeout_s: float = RUN_TIMEOUT_S,
                       workers: Sequence[Worker] = ()) -> None:
    deadline = time.monotonic() + timeout_s
    while not await drained(r, *pairs):
        for w in workers:
            if w.proc.poll() is not None:
                raise RuntimeError(f"vestnik {w.stage} exited; its log: {w.log_path}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not drained in {timeout_s:.0f} s: {pairs}")
        await asyncio.sleep(POLL_S)


async def delete_prefix(r: Redis, prefix: str) -> None:
    keys = [k async for k in r.scan_iter(match=f"{prefix}*", count=1000)]
    for i in range(0, len(keys), 500):
        await r.delete(*keys[i:i + 500])


# --- the run ----------------------------------------------------------------------------


@dataclass
class Plan:
    redis_url: str
    prefix: str
    tmp: Path
    batch_size: int
    postgres_url: str | None
    sources: list[Source]
    events: list[Event]
    latency_s: float


def stage_env(plan: Plan, part: str, index_url: str | None = None) -> dict[str, str]:
    p = f"{plan.prefix}{part}:"
    env = {
        **os.environ,
        "VESTNIK_REDIS_URL": plan.redis_url,
        "VESTNIK_EVENTS_STREAM": p + "events",
        "VESTNIK_ARTICLES_STREAM": p + "articles",
        "VESTNIK_REJECTED_STREAM": p + "rejected",
        "VESTNIK_DEAD_LETTER_PREFIX": p + "dlq:",
        "VESTNIK_INDEX_URL": index_url or f"sqlite:///{plan.tmp}/{part}.sqlite3",
        "VESTNIK_BATCH_SIZE": str(plan.batch_size),
        "VESTNIK_LOG_FORMAT": "json",
        "VESTNIK_LOG_LEVEL": "INFO",
    }
    env.pop("VESTNIK_METRICS_PORT", None)
    env.pop("VESTNIK_PARTITIONS", None)
    return env


def settings_of(env: Mapping[str, str]) -> Settings:
    return Settings(redis_url=env["VESTNIK_REDIS_URL"],
                    events_stream=env["VESTNIK_EVENTS_STREAM"],
                    articles_stream=env["VESTNIK_ARTICLES_STREAM"],
                    rejected_stream=env["VESTNIK_REJECTED_STREAM"],
                    dead_letter_prefix=env["VESTNIK_DEAD_LETTER_PREFIX"],
                    index_url=env["VESTNIK_INDEX_URL"], batch_size=int(env["VESTNIK_BATCH_SIZE"]))


@contextlib.contextmanager
def workers_of(*workers: Worker) -> Iterator[list[Worker]]:
    out = list(workers)
    try:
        yield out
    finally:
        for w in out:
            w.stop()


async def transport(r: Redis, plan: Plan, machine: MachineCpu) -> Step:
    """1. XREADGROUP a batch, XADD every entry to another stream and XACK, one pipeline."""
    src, dst, group = plan.prefix + "t:in", plan.prefix + "t:out", "bench"
    await fill(r, src, [e.fields for e in plan.events])
    await r.xgroup_create(src, group, id="0")
    meter = Meter(r, [], None, machine, in_process=True)
    await meter.start()
    moved = 0
    while moved < len(plan.events):
        reply: Any = await r.xreadgroup(group, "c", {src: ">"}, count=plan.batch_size,
                                        block=100)
        if not reply:
            continue
        entries = reply[0][1]
        pipe = r.pipeline(transaction=False)
        for _, fields in entries:
            pipe.xadd(dst, fields)
        pipe.xack(src, group, *[entry_id for entry_id, _ in entries])
        await pipe.execute()
        moved += len(entries)
    step = await meter.stop("transport", "1. transport ceiling (redis-py loop)", moved,
                            "messages")
    await delete_prefix(r, plan.prefix + "t:")
    return step


async def plumbing(r: Redis, plan: Plan, machine: MachineCpu) -> Step:
    """1b. The same with vestnik's read_batch and commit_batch (the workers' scripts)."""
    src, dst, group = plan.prefix + "p:in", plan.prefix + "p:out", "bench"
    s = Settings()
    await fill(r, src, [e.fields for e in plan.events])
    await r.xgroup_create(src, group, id="0")
    meter = Meter(r, [], None, machine, in_process=True)
    await meter.start()
    moved = 0
    while moved < len(plan.events):
        batch = await read_batch(r, stream=src, group=group, consumer="c",
                                 count=plan.batch_size, max_bytes=s.read_max_bytes,
                                 max_entry_bytes=s.max_body_bytes)
        if not batch.entries:
            await asyncio.sleep(0.001)
            continue
        await commit_batch(r, [(entry_id, [Write(dst, fields)])  # type: ignore[arg-type]
                               for entry_id, fields in batch.entries],
                           stream=src, group=group, consumer="c", claim_idle_ms=30_000)
        moved += len(batch.entries)
    step = await meter.stop("plumbing", "1b. vestnik plumbing (read_batch + commit_batch)",
                            moved, "messages")
    await delete_prefix(r, plan.prefix + "p:")
    return step


async def faststream_step(r: Redis, plan: Plan, machine: MachineCpu) -> Step:
    """2. A FastStream app: a batch StreamSub whose handler republishes each message."""
    import logging

    from faststream.redis import RedisBroker, StreamSub
    from faststream.redis.annotations import Redis as RedisDep

    src, dst, group = plan.prefix + "f:in", plan.prefix + "f:out", "bench"
    n = len(plan.events)
    await fill(r, src, [e.fields for e in plan.events])
    await r.xgroup_create(src, group, id="0")  # from the start: FastStream's would be "$"
    quiet = logging.getLogger("vbench.faststream")
    quiet.setLevel(logging.WARNING)
    broker = RedisBroker(plan.redis_url, logger=quiet)
    done = asyncio.Event()
    moved = 0

    @broker.subscriber(stream=StreamSub(src, group=group, consumer="c", batch=True,
                                        max_records=plan.batch_size, polling_interval=100))
    async def republish(body: list[dict[str, Any]], redis: RedisDep) -> None:
        nonlocal moved
        pipe = redis.pipeline(transaction=False)
        for item in body:
            await broker.publish(item, stream=dst, pipeline=pipe)
        await pipe.execute()
        moved += len(body)
        if moved >= n:
            done.set()

    meter = Meter(r, [], None, machine, in_process=True)
    await meter.start()  # from before the broker connects and its subscriber starts
    await broker.start()
    await asyncio.wait_for(done.wait(), RUN_TIMEOUT_S)
    while True:  # FastStream acknowledges after the handler returns
        if not int((await r.xpending(src, group))["pending"]):
            break
        await asyncio.sleep(0.001)
    step = await meter.stop("faststream", "2. FastStream batch subscriber, republishing",
                            moved, "messages")
    await broker.stop()
    await delete_prefix(r, plan.prefix + "f:")
    return step


async def in_process(r: Redis, plan: Plan, machine: MachineCpu) -> tuple[Step, Step, list[bool]]:
    """3. The bare extractor, then decode_event + clean_one, in this process."""
    pages = [Page(e.url, FETCHED, plan.sources[e.source].content_type,  # type: ignore[arg-type]
                  plan.sources[e.source].text) for e in plan.events]
    meter = Meter(r, [], None, machine, in_process=True)
    forget_caches()  # each pass starts as a worker does: caches empty, one page seen
    extract(pages[0])
    await meter.start()
    for page in pages:
        extract(page)
    bare = await meter.stop("extract", "3. bare extractor (extract(), in-process)",
                            len(pages), "pages")
    bare.redis_cpu_s = None  # Redis has no part in it
    articles = []
    forget_caches()
    extract(pages[0])
    await meter.start()
    for e in plan.events:
        try:
            event = decode_event(e.fields, max_body_bytes=5_000_000)
        except WireError:  # an empty page: the worker dead-letters it
            articles.append(False)
            continue
        result = clean_one(event, f"{e.seq}-0")
        articles.append(isinstance(result, Cleaned) and result.outcome == "article")
    whole = await meter.stop("clean_inproc", "3b. decode + extract + build + encode, "
                             "in-process", len(plan.events), "pages")
    whole.redis_cpu_s = None
    return bare, whole, articles


def forget_caches() -> None:
    """Empty the extractor's caches (as benchmarks/extract_speed.py does between passes)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("vestnik.extract"):
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


async def warm(r: Redis, worker: Worker, stream: str, fields: Mapping[Any, bytes],
               pairs: Sequence[tuple[str, str]]) -> None:
    """One entry through a worker that has just started: its extraction process is up
    and it reads."""
    await worker.started()
    await r.xadd(stream, dict(fields))
    await wait_drained(r, *pairs, timeout_s=START_TIMEOUT_S, workers=[worker])


async def cleaner_alone(r: Redis, plan: Plan, machine: MachineCpu
                        ) -> tuple[Step, list[dict[bytes, bytes]]]:
    """4. One cleaner on a pre-filled events stream. Returns its step and the articles it
    wrote (the warm-up's first)."""
    env = stage_env(plan, "c")
    s = settings_of(env)
    warm_event = make_event(plan.sources, plan.events[0].source, 0, "warm")
    with workers_of(Worker("cleaner", env, plan.tmp)) as (cleaner,):
        await warm(r, cleaner, s.events_stream, warm_event.fields,
                   [(s.events_stream, s.cleaner_group)])
        cleaner.signal_tree(signal.SIGSTOP)
        await fill(r, s.events_stream, [e.fields for e in plan.events])
        meter = Meter(r, [cleaner], None, machine)
        await meter.start()
        cleaner.signal_tree(signal.SIGCONT)
        await wait_drained(r, (s.events_stream, s.cleaner_group), workers=[cleaner])
        step = await meter.stop("cleaner", "4. cleaner alone (1 process + its extraction "
                                "process)", len(plan.events), "pages")
    written: Any = await r.xrange(s.articles_stream)
    articles: list[dict[bytes, bytes]] = [fields for _, fields in written]
    rejected = await r.xlen(s.rejected_stream)
    step.note = f"{len(articles) - 1} articles, {rejected} rejected; {step.note}"
    await delete_prefix(r, f"{plan.prefix}c:")
    return step, articles


async def indexer_alone(r: Redis, plan: Plan, machine: MachineCpu, backend: str,
                        articles: Sequence[Mapping[bytes, bytes]]) -> Step:
    """5. One indexer on a pre-filled articles stream (the cleaner's articles)."""
    part = f"i{backend[:2]}"
    with contextlib.ExitStack() as stack:
        pg: ServerCpu | None = None
        index_url = None
        if backend == "postgres":
            assert plan.postgres_url
            index_url = stack.enter_context(postgres_schema(plan.postgres_url))
            pg = ServerCpu(plan.postgres_url)
        env = stage_env(plan, part, index_url)
        s = settings_of(env)
        pair = (s.articles_stream, s.indexer_group)
        with workers_of(Worker("indexer", env, plan.tmp)) as (indexer,):
            await warm(r, indexer, s.articles_stream, articles[0], [pair])
            indexer.signal_tree(signal.SIGSTOP)
            await fill(r, s.articles_stream, articles[1:])
            meter = Meter(r, [indexer], pg, machine)
            await meter.start()
            indexer.signal_tree(signal.SIGCONT)
            await wait_drained(r, pair, workers=[indexer])
            name = "SQLite" if backend == "sqlite" else "PostgreSQL"
            step = await meter.stop(f"index_{backend}", f"5. indexer alone, {name}",
                                    len(articles) - 1, "articles")
        step.note = f"{_index_count(s.index_url)} rows"
    await delete_prefix(r, f"{plan.prefix}{part}:")
    return step


def _index_count(url: str) -> int:
    from vestnik.index import open_index

    index = open_index(url)
    try:
        return index.count()
    finally:
        index.close()


async def whole_path(r: Redis, plan: Plan, machine: MachineCpu, cleaners: int) -> Step:
    """6. One indexer and ``cleaners`` cleaners; the events published while they run."""
    part = f"w{cleaners}"
    env = stage_env(plan, part)
    s = settings_of(env)
    pairs = [(s.events_stream, s.cleaner_group), (s.articles_stream, s.indexer_group)]
    with workers_of(Worker("indexer", env, plan.tmp)) as workers:
        await workers[0].started()
        for k in range(cleaners):  # one at a time, so each is fed its warm-up event
            workers.append(Worker("cleaner", env, plan.tmp, k))
            warm_event = make_event(plan.sources, plan.events[k].source, k, f"warm{part}-")
            await warm(r, workers[-1], s.events_stream, warm_event.fields, pairs)
            workers[-1].signal_tree(signal.SIGSTOP)
        workers[0].signal_tree(signal.SIGSTOP)
        meter = Meter(r, workers, None, machine)
        await meter.start()
        for w in workers:
            w.signal_tree(signal.SIGCONT)
        await fill(r, s.events_stream, [e.fields for e in plan.events], chunk=500)
        await wait_drained(r, *pairs, workers=workers)
        step = await meter.stop(f"path{cleaners}", f"6. whole path, {cleaners} cleaner"
                                f"{'s' if cleaners > 1 else ''} + 1 indexer (SQLite)",
                                len(plan.events), "events")
    step.note = f"{_index_count(s.index_url) - cleaners} articles indexed; {step.note}"
    await delete_prefix(r, f"{plan.prefix}{part}:")
    return step


async def latency(r: Redis, plan: Plan, rate: float, is_article: Sequence[bool]) -> Latency:
    """7. Events one by one at ``rate``; publish -> on the articles stream -> in the index."""
    env = stage_env(plan, "l")
    s = settings_of(env)
    pairs = [(s.events_stream, s.cleaner_group), (s.articles_stream, s.indexer_group)]
    count = max(1, int(rate * plan.latency_s))
    # the pages of the other steps, whose outcome (article or not) step 3 saw
    order = [plan.events[i].source for i in sample(len(plan.events), count, SEED + 1)]
    by_source = dict.fromkeys(range(len(plan.sources)), False)
    for e, ok in zip(plan.events, is_article, strict=True):
        by_source[e.source] = by_source[e.source] or ok
    sent: dict[str, float] = {}
    expected: set[str] = set()
    seen: dict[str, float] = {}
    cleaned: dict[str, float] = {}
    result = Latency(rate, plan.latency_s, count, 0)
    with workers_of(Worker("indexer", env, plan.tmp)) as workers:
        await workers[0].started()
        workers.append(Worker("cleaner", env, plan.tmp))
        warm_event = make_event(plan.sources, order[0], 0, "warml-")
        await warm(r, workers[1], s.events_stream, warm_event.fields, pairs)
        await r.xgroup_create(s.articles_stream, "vbench-watch", id="$")
        path = s.index_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        last_row = conn.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
        stop = asyncio.Event()

        async def publish() -> None:
            start = time.perf_counter()
            for k, source in enumerate(order):
                delay = start + k / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                url = with_tag(plan.sources[source].url, f"lat{k}")
                aid = article_id(canonical_url(url))
                at = time.time()
                fields = event_fields(plan.sources[source], url, f"vbench-lat{k}-{at:.6f}")
                sent[aid] = at
                if by_source[source]:
                    expected.add(aid)
                await r.xadd(s.events_stream, fields)  # type: ignore[arg-type]

        async def poll_index() -> None:
            nonlocal last_row
            while not stop.is_set():
                rows = conn.execute("SELECT rowid, article_id FROM articles WHERE rowid > ? "
                                    "ORDER BY rowid", (last_row,)).fetchall()
                now = time.time()
                for rowid, aid in rows:
                    seen.setdefault(aid, now)
                    last_row = max(last_row, rowid)
                await asyncio.sleep(INDEX_POLL_S)

        async def watch_articles() -> None:
            while not stop.is_set():
                reply: Any = await r.xreadgroup("vbench-watch", "w",
                                                {s.articles_stream: ">"}, count=1000,
                                                noack=True)
                for _, entries in reply or []:
                    for entry_id, fields in entries:
                        aid = orjson.loads(fields[b"__data__"])["article_id"]
                        cleaned.setdefault(aid, entry_ms(entry_id) / 1000)
                await asyncio.sleep(0.05)

        pollers = [asyncio.create_task(poll_index()), asyncio.create_task(watch_articles())]
        await publish()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if expected <= seen.keys():
                break
            await asyncio.sleep(0.05)
        await wait_drained(r, *pairs, timeout_s=30, workers=workers)
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*pollers)
        conn.close()
    # the workers' logs are complete once they are stopped
    indexed = message_lines(workers[0].log_path.read_text(errors="replace"), "indexed")
    articles = message_lines(workers[1].log_path.read_text(errors="replace"), "article")
    result.expected = len(expected)
    result.searchable_ms = [(seen[a] - sent[a]) * 1000 for a in expected if a in seen]
    result.cleaned_ms = [(cleaned[a] - sent[a]) * 1000 for a in expected if a in cleaned]
    result.phases = [article_phases(sent[a], seen[a], articles[a], indexed[a])
                     for a in expected if a in seen and a in articles and a in indexed]
    await delete_prefix(r, f"{plan.prefix}l:")
    return result


def _postgres_ok(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5):
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"


async def redis_idle_rate(r: Redis, seconds: float = 1.0) -> float:
    """Redis's CPU per second while this run does nothing (anyone else's load)."""
    before = await redis_cpu(r)
    await asyncio.sleep(seconds)
    return (await redis_cpu(r) - before) / seconds


async def run(plan: Plan, steps_wanted: set[str]) -> tuple[list[Step], Latency | None, dict[str,
                                                                                         Any]]:
    r: Redis = Redis.from_url(plan.redis_url)
    machine = MachineCpu()
    steps: list[Step] = []
    lat: Latency | None = None
    extra: dict[str, Any] = {}
    async with r:
        try:
            extra["redis_idle_cpu_per_s"] = await redis_idle_rate(r)
            extra["redis_version"] = _text(_strs(await r.info("server"))["redis_version"])
            if "transport" in steps_wanted:
                steps.append(await transport(r, plan, machine))
                steps.append(await plumbing(r, plan, machine))
            if "faststream" in steps_wanted:
                steps.append(await faststream_step(r, plan, machine))
            bare, whole, is_article = await in_process(r, plan, machine)
            steps += [bare, whole]
            extra["articles_per_event"] = sum(is_article) / max(1, len(is_article))
            articles: list[dict[bytes, bytes]] = []
            if steps_wanted & {"cleaner", "indexer"}:
                step, articles = await cleaner_alone(r, plan, machine)
                steps.append(step)
            if "indexer" in steps_wanted:
                steps.append(await indexer_alone(r, plan, machine, "sqlite", articles))
                if plan.postgres_url:
                    steps.append(await indexer_alone(r, plan, machine, "postgres", articles))
            if "path" in steps_wanted or "latency" in steps_wanted:
                steps.append(await whole_path(r, plan, machine, 1))
            if "path" in steps_wanted:
                steps.append(await whole_path(r, plan, machine, 2))
            if "latency" in steps_wanted:
                single = next(s for s in steps if s.key == "path1")
                lat = await latency(r, plan, single.per_s / 2, is_article)
        finally:
            await delete_prefix(r, plan.prefix)
    return steps, lat, extra


def report(steps: Sequence[Step], lat: Latency | None, extra: Mapping[str, Any],
           lines: Sequence[str]) -> list[str]:
    out = [*lines, ""]
    out += table(steps)
    notes = [f"{s.name.split(' ', 1)[0]} {s.note}" for s in steps if s.note]
    if notes:
        out += ["", "notes: " + "; ".join(notes)]
    by_key = {s.key: s for s in steps}
    out += ["", "| ratio | by wall time | per CPU-second |", "|---|---:|---:|"]
    for what, wall, cpu in ratios(by_key, extra.get("articles_per_event", 1.0)):
        out.append(f"| {what} | {_num(wall, 2)} | {_num(cpu, 2)} |")
    if lat is not None:
        out += ["", f"latency at {lat.rate:,.0f} events/s (half of 6's single pair) for "
                f"{lat.seconds:g} s: {lat.published:,} events, {lat.expected:,} articles "
                f"expected, {len(lat.searchable_ms):,} seen in the index",
                "| publish → | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for what, values in (("searchable (row seen in the SQLite index)", lat.searchable_ms),
                             ("on the articles stream (cleaner's commit)", lat.cleaned_ms)):
            q = lat.summary(values)
            out.append(f"| {what} | {_num(q['p50'], 1)} | {_num(q['p95'], 1)} | "
                       f"{_num(q['p99'], 1)} | {_num(q['max'], 1)} |")
        if lat.phases:
            out += ["", f"where the time goes ({len(lat.phases):,} articles, from the workers' "
                    "canonical lines):", *phase_table(lat.phases)]
    return out


def as_json(steps: Sequence[Step], lat: Latency | None, extra: Mapping[str, Any],
            lines: Sequence[str]) -> str:
    by_key = {s.key: s for s in steps}
    doc = {
        "header": list(lines),
        "steps": [asdict(s) | {"per_s": s.per_s, "per_cpu_s": s.per_cpu_s} for s in steps],
        "ratios": [{"what": w, "wall": a, "cpu": b}
                   for w, a, b in ratios(by_key, extra.get("articles_per_event", 1.0))],
        "latency": None if lat is None else {
            "rate": lat.rate, "seconds": lat.seconds, "published": lat.published,
            "expected": lat.expected, "searchable_ms": lat.summary(lat.searchable_ms),
            "cleaned_ms": lat.summary(lat.cleaned_ms), "seen": len(lat.searchable_ms),
            "phases": {key: lat.summary([r[key] for r in lat.phases if not math.isnan(r[key])])
                       for key, _ in PHASES}},
        **extra,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str).replace("NaN", "null")


STEPS = ("transport", "faststream", "cleaner", "indexer", "path", "latency")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, action="append",
                    help="a folder of pages (repeatable); default: seeds/, dev/cyr, dev/pages")
    ap.add_argument("--events", type=int, help="events per step (default 2,000; quick 200)")
    ap.add_argument("--latency-seconds", type=float,
                    help="how long step 7 publishes (default 20; quick 3)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--quick", action="store_true", help="a smoke run: 200 events, 3 s")
    ap.add_argument("--steps", default=",".join(STEPS),
                    help=f"comma-separated, of {', '.join(STEPS)} (3 always runs)")
    ap.add_argument("--postgres-url", default=os.environ.get("VESTNIK_TEST_POSTGRES_URL",
                                                             DEFAULT_POSTGRES_URL))
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--logs", type=Path, help="keep the workers' logs in this folder")
    args = ap.parse_args()
    wanted = {s.strip() for s in args.steps.split(",") if s.strip()}
    if unknown := wanted - set(STEPS):
        ap.error(f"unknown steps: {', '.join(sorted(unknown))}")
    n = args.events or (200 if args.quick else 2000)
    latency_s = args.latency_seconds or (3.0 if args.quick else 20.0)
    dirs = args.pages or default_page_dirs()
    sources = load_sources(dirs)
    if not sources:
        ap.error(f"no pages (*.html, *.txt) in {', '.join(map(str, dirs))}")
    events = [make_event(sources, k, seq, "") for seq, k in
              enumerate(sample(len(sources), n), start=1)]
    postgres_url: str | None = None
    pg_note = "not asked for"
    if "indexer" in wanted and not args.no_postgres:
        why = _postgres_ok(args.postgres_url)
        postgres_url = None if why else args.postgres_url
        pg_note = why or "a schema of its own"
    lines = header(["postgres"] if postgres_url else [], postgres_url or "")
    redis_url = os.environ.get("VESTNIK_REDIS_URL", "redis://127.0.0.1:6379/0")
    fronts = {"text/html": 0, "text/plain": 0}
    for e in events:
        fronts[sources[e.source].content_type] += 1
    size = sum(len(e.fields[b"__data__"]) for e in events) / len(events)
    lines += [
        f"pages       {len(sources):,} from {', '.join(_rel(d) for d in dirs)}; {n:,} events "
        f"({fronts['text/html']:,} HTML, {fronts['text/plain']:,} text), "
        f"{size / 1024:,.1f} KiB per entry on average",
        f"workers     batch {args.batch_size}, other settings their defaults, log at INFO to "
        f"a file; PostgreSQL: {pg_note}",
    ]
    with tempfile.TemporaryDirectory(prefix="vbench-") as tmp:
        plan = Plan(redis_url, f"vbench-{uuid.uuid4().hex[:8]}:", Path(tmp), args.batch_size,
                    postgres_url, sources, events, latency_s)
        try:
            steps, lat, extra = asyncio.run(run(plan, wanted))
        finally:
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
    lines.append(f"redis       {extra['redis_version']} at {redis_url}, "
                 f"{extra['redis_idle_cpu_per_s'] * 1000:.0f} ms CPU per s before the run "
                 "(anyone else's)")
    if args.json:
        print(as_json(steps, lat, extra, lines))
    else:
        print("\n".join(report(steps, lat, extra, lines)))


def _rel(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return path.name


if __name__ == "__main__":
    main()
