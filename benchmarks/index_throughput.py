"""Index writes on SQLite and PostgreSQL: indexer throughput, the cost of finding a copy's
canonical article as a story's copies pile up, and the size of the index.

    .venv/bin/python benchmarks/index_throughput.py           # 10,000 articles, 20,000 copies
    .venv/bin/python benchmarks/index_throughput.py --quick   # a smoke run
    .venv/bin/python benchmarks/index_throughput.py --backends sqlite --articles 2000
    .venv/bin/python benchmarks/index_throughput.py --postgres-url postgresql://u@host:5432/db

1. Throughput: the articles of ``tests/index/corpus.py`` (originals with exact and near
   copies, re-scrapes and stale re-fetches) upserted in batches of 64 by indexer processes
   (spawned), each with its own index, taking the next batch off one shared counter as the
   replicas of a consumer group take the next entries of a stream: SQLite with one
   process, PostgreSQL with one and with three. Wall time from the moment every process
   is ready (index open, articles loaded) until the last batch is written; CPU time of the
   indexers (their ``time.process_time`` over the same span) and, when the server is on
   this machine, of PostgreSQL (its processes' user + system time read from /proc, before
   and after); and what the rest of the machine used meanwhile (/proc/stat), since shared
   machines are noisy.
2. Copies: one wire story indexed once, then copy after copy of it (each a new URL, so a
   new article id; every tenth an exact copy, the others with one or two words changed), on
   top of the index of part 1. The first and last ``--window`` copies are upserted one at a
   time and timed; those between go in batches of 64. Reports the median time per upsert
   of each window, their ratio, and the median time of ``Row.of`` (analysis and
   fingerprint, done in Python before the database is touched) over the same copies.
3. Size: the index of part 1 (the SQLite file after a WAL checkpoint; on PostgreSQL
   ``pg_total_relation_size('articles')``) over the UTF-8 bytes of the articles' body_text.

PostgreSQL runs use schemas of their own, created for the run and dropped after it.
Prints figures; asserts no timing.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import platform
import queue
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests.index.corpus, the parity test's article generator
    sys.path.insert(0, str(ROOT))

from tests.index.corpus import BG_SENTENCES, make_article, seed_sentences  # noqa: E402

from vestnik.contracts import Article  # noqa: E402
from vestnik.index import Index, UpsertReport, open_index, redact  # noqa: E402
from vestnik.index._rows import Row  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 64
SEED = 7
READY_TIMEOUT_S = 300.0
RUN_TIMEOUT_S = 3600.0
COPY_SITES = ("dnevnik.bg", "novinite.bg", "bta.bg", "ria.ru", "tass.ru", "reuters.com",
              "bbc.co.uk", "pravda.com.ua")
EXACT_EVERY = 10  # every tenth copy is an exact one
_WORD = re.compile(r"^(\W*)(\w{4,})(\W*)$")


# --- the machine ----------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _postgres_info(url: str) -> tuple[str, str]:
    """The server's version, and the settings the figures depend on most."""
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        values = [str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                  for name in ("server_version", *_PG_SETTINGS)]
    return values[0], ", ".join(f"{name} {value}" for name, value
                                in zip(_PG_SETTINGS, values[1:], strict=True))


# Without autovacuum nothing analyses the index's tables: the planner has no statistics.
_PG_SETTINGS = ("autovacuum", "synchronous_commit", "shared_buffers")


def header(backends: Sequence[str], postgres_url: str) -> list[str]:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    pg, settings = (_postgres_info(postgres_url) if "postgres" in backends
                    else ("not run", ""))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    lines = [
        f"date        {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine     {nproc} CPUs ({_cpu_model()}), {platform.system()} {platform.machine()}, "
        f"load average {load} at the start",
        f"software    Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {pg}",
    ]
    if "postgres" in backends:
        lines.append(f"postgres    {redact(postgres_url)}, a new schema per run; {settings}")
    return lines


# --- PostgreSQL: a schema per run, the server's CPU time --------------------------------


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A new schema in the database ``url`` names; the URL whose connections use it."""
    import psycopg

    schema = f"vbench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def with_search_path(url: str, schema: str) -> str:
    """``url`` with ``-csearch_path=schema`` added to its ``options`` (kept, if it has any:
    ``?options=-cplan_cache_mode%3Dforce_custom_plan`` and the like)."""
    base, _, query = url.partition("?")
    params = [p for p in query.split("&") if p]
    option = f"-csearch_path%3D{schema}"
    for i, param in enumerate(params):
        if param.startswith("options="):
            params[i] = f"{param}%20{option}"
            break
    else:
        params.append(f"options={option}")
    return f"{base}?{'&'.join(params)}"


class MachineCpu:
    """CPU seconds every process of this machine has used (busy time in /proc/stat), to
    tell how much of a run's CPU went to other work; None where there is no /proc."""

    def __init__(self) -> None:
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def seconds(self) -> float | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return None
        # user nice system idle iowait irq softirq steal ...: busy is all but idle, iowait
        # and steal (the hypervisor's, not this machine's processes').
        values = [int(v) for v in fields[:8]]
        return (sum(values) - values[3] - values[4] - values[7]) / self._tick


class ServerCpu:
    """CPU seconds used by a PostgreSQL server on this machine: the postmaster's own and
    its reaped children's (cutime, cstime), plus every live child's. None when the server
    is elsewhere (or /proc cannot be read)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.postmaster: int | None = None
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
        backend = int(row[0]) if row else -1
        stat = _stat(backend)
        if stat is not None and stat[0] == "postgres":
            self.postmaster = int(stat[2])

    def seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        own = _stat(self.postmaster)
        if own is None:
            return None
        ticks = sum(int(v) for v in own[12:16])  # utime, stime, cutime, cstime
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                stat = _stat(int(entry.name))
                if stat is not None and stat[2] == str(self.postmaster):
                    ticks += sum(int(v) for v in stat[12:16])
        return ticks / self._tick


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat as fields: [comm, state, ppid, ...] (field 2 onwards)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    return [comm, *text[text.rindex(")") + 2:].split()]


# --- articles ---------------------------------------------------------------------------


def corpus_articles(n: int) -> list[Article]:
    from tests.index.corpus import corpus

    return corpus(max(n, 100), SEED)[:n]


def _change_words(rng: random.Random, paragraphs: Sequence[str], vocabulary: Sequence[str],
                  count: int) -> list[str]:
    """``paragraphs`` with ``count`` words of 4+ letters replaced by others."""
    out = list(paragraphs)
    for _ in range(count):
        p = rng.randrange(len(out))
        tokens = out[p].split(" ")
        spots = [i for i, t in enumerate(tokens) if _WORD.match(t)]
        i = rng.choice(spots)
        match = _WORD.match(tokens[i])
        assert match is not None
        head, core, tail = match.groups()
        replacement = rng.choice([w for w in vocabulary if w.lower() != core.lower()])
        tokens[i] = f"{head}{replacement}{tail}"
        out[p] = " ".join(tokens)
    return out


def wire_copies(n: int, seed: int = SEED) -> list[Article]:
    """One wire story (Bulgarian, about 300 words) and ``n - 1`` copies of it on other
    URLs, fetched later one after the other: every tenth exact, the others with one or two
    words changed."""
    rng = random.Random(seed)
    pool = seed_sentences() + BG_SENTENCES
    sentences = rng.sample(list(pool), 18)
    paragraphs = [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
    vocabulary = sorted({w for s in pool for w in re.findall(r"\w{5,}", s)
                         if not w[0].isdigit()})
    title = "Агенцията съобщи подробности за срещата на министрите"
    published = datetime(2025, 5, 12, 9, 30, tzinfo=UTC)
    first_fetch = published + timedelta(minutes=4)
    out = []
    for i in range(n):
        site = COPY_SITES[i % len(COPY_SITES)]
        body = paragraphs if i % EXACT_EVERY == 0 else _change_words(
            rng, paragraphs, vocabulary, rng.choice((1, 1, 2)))
        out.append(make_article(
            url=f"https://www.{site}/wire/{2025_000_000 + i}-agentsiyata-saobshti",
            site=site, title=title, paragraphs=body, published_at=published,
            source_agency="БТА", language="bg",
            fetched_at=first_fetch + timedelta(seconds=i), entry_seq=i + 1))
    return out


def body_bytes(articles: Sequence[Article]) -> int:
    return sum(len(a.body_text.encode()) for a in articles)


# --- part 1: indexer processes --------------------------------------------------------


@dataclass
class Run:
    backend: str
    processes: int
    articles: int
    wall_s: float
    cpu_s: float  # the indexers'
    server_cpu_s: float | None  # PostgreSQL's, when on this machine
    other_cpu_s: float | None  # everything else this machine ran meanwhile
    report: UpsertReport
    size: int | None = None  # bytes of the index after the run
    batches: list[int] = field(default_factory=list)  # batches written per process


def _indexer(url: str, articles_path: str, n: int, next_batch: Synchronized[int],
             ready: Barrier, results: Any) -> None:
    """One indexer process: load the articles, open the index, wait for the others, then
    take batch after batch off the shared counter and upsert it."""
    try:
        lines = Path(articles_path).read_bytes().splitlines()[:n]
        articles = [Article.model_validate_json(line) for line in lines]
        index = open_index(url)
        ready.wait(READY_TIMEOUT_S)
        cpu0 = time.process_time()
        totals = [0, 0, 0, 0, 0]
        batches = 0
        while True:
            with next_batch.get_lock():
                start = next_batch.value * BATCH
                next_batch.value += 1
            if start >= len(articles):
                break
            report = index.upsert_many(articles[start:start + BATCH])
            batches += 1
            for i, value in enumerate((report.inserted, report.updated, report.unchanged,
                                       report.stale, report.duplicates)):
                totals[i] += value
        cpu = time.process_time() - cpu0
        index.close()
        results.put(("done", cpu, totals, batches))
    except BaseException:
        ready.abort()
        results.put(("error", traceback.format_exc()))


def run_indexers(backend: str, url: str, articles_path: Path, n: int, processes: int,
                 server: ServerCpu | None, machine: MachineCpu) -> Run:
    ctx = mp.get_context("spawn")
    next_batch = ctx.Value("i", 0)
    ready = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    workers = [ctx.Process(target=_indexer, args=(url, str(articles_path), n, next_batch,
                                                  ready, results))
               for _ in range(processes)]
    for w in workers:
        w.start()
    try:
        try:
            ready.wait(READY_TIMEOUT_S)
        except Exception:  # a worker failed before it was ready (it put its traceback)
            _raise_worker_error(results)
            raise
        server0 = server.seconds() if server else None
        machine0, own0 = machine.seconds(), time.process_time()
        started = time.perf_counter()
        done: list[tuple[str, float, list[int], int]] = []
        while len(done) < processes:
            try:
                message = results.get(timeout=RUN_TIMEOUT_S)
            except queue.Empty:
                raise RuntimeError("indexer processes did not finish in time") from None
            if message[0] == "error":
                raise RuntimeError(f"an indexer process failed:\n{message[1]}")
            done.append(message)
        wall = time.perf_counter() - started
        machine1, own1 = machine.seconds(), time.process_time()
        for w in workers:
            w.join(60)
        time.sleep(0.2)  # the postmaster reaps the indexers' backends
        server1 = server.seconds() if server else None
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
                w.join(10)
    totals = [sum(m[2][i] for m in done) for i in range(5)]
    cpu = sum(m[1] for m in done)
    server_cpu = None if server0 is None or server1 is None else server1 - server0
    return Run(backend, processes, n, wall, cpu, server_cpu,
               _others(machine0, machine1, cpu + (own1 - own0) + (server_cpu or 0.0)),
               UpsertReport(*totals), batches=sorted(m[3] for m in done))


def _others(machine0: float | None, machine1: float | None, ours: float) -> float | None:
    """The machine's busy CPU seconds between two readings that were not ``ours``."""
    if machine0 is None or machine1 is None:
        return None
    return max(0.0, machine1 - machine0 - ours)


def _raise_worker_error(results: Any) -> None:
    with contextlib.suppress(queue.Empty):
        message = results.get(timeout=5)
        if message[0] == "error":
            raise RuntimeError(f"an indexer process failed:\n{message[1]}")


def sqlite_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def postgres_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_total_relation_size('articles')").fetchone()
    return int(row[0]) if row else 0


# --- part 2: copies of one story ------------------------------------------------------


@dataclass
class CopyCost:
    backend: str
    copies: int
    window: int
    first_ms: float  # median per upsert, copies 1..window
    last_ms: float  # median per upsert, the last window
    first_cpu_ms: float  # the same, this process's CPU time (all of it, on SQLite)
    last_cpu_ms: float
    first_row_ms: float  # median Row.of over the same copies
    last_row_ms: float
    batched_first_ms: float  # per copy, the first and last batches of 64
    batched_last_ms: float
    not_found: int  # copies indexed as canonical articles of their own
    total_s: float
    other_cpu_s: float | None  # what else this machine ran meanwhile


def copy_costs(backend: str, index: Index, copies: Sequence[Article], window: int,
               server: ServerCpu | None, machine: MachineCpu) -> CopyCost:
    n = len(copies)
    window = max(1, min(window, n // 2))
    single: dict[int, float] = {}
    single_cpu: dict[int, float] = {}
    batched: list[float] = []
    duplicates = 0
    machine0, own0 = machine.seconds(), time.process_time()
    server0 = server.seconds() if server else None
    started = time.perf_counter()
    i = 0
    while i < n:
        if i < window or i >= n - window:
            c0, t0 = time.process_time(), time.perf_counter()
            report = index.upsert_many([copies[i]])
            single[i] = time.perf_counter() - t0
            single_cpu[i] = time.process_time() - c0
            i += 1
        else:
            stop = min(i + BATCH, n - window)
            t0 = time.perf_counter()
            report = index.upsert_many(copies[i:stop])
            batched.append((time.perf_counter() - t0) / (stop - i))
            i = stop
        duplicates += report.duplicates
    total = time.perf_counter() - started
    machine1, own1 = machine.seconds(), time.process_time()
    server1 = server.seconds() if server else None
    server_cpu = 0.0 if server0 is None or server1 is None else server1 - server0
    rows = {}
    for j in single:
        t0 = time.perf_counter()
        Row.of(copies[j])
        rows[j] = time.perf_counter() - t0
    first = range(window)
    last = range(n - window, n)
    edge = max(1, min(5, len(batched) // 2))
    return CopyCost(
        backend, n, window,
        first_ms=_median_ms(single[j] for j in first),
        last_ms=_median_ms(single[j] for j in last),
        first_cpu_ms=_median_ms(single_cpu[j] for j in first),
        last_cpu_ms=_median_ms(single_cpu[j] for j in last),
        first_row_ms=_median_ms(rows[j] for j in first),
        last_row_ms=_median_ms(rows[j] for j in last),
        batched_first_ms=_median_ms(batched[:edge]) if batched else float("nan"),
        batched_last_ms=_median_ms(batched[-edge:]) if batched else float("nan"),
        not_found=(n - 1) - duplicates, total_s=total,
        other_cpu_s=_others(machine0, machine1, own1 - own0 + server_cpu),
    )


def _median_ms(values: Iterable[float]) -> float:
    return float(statistics.median(values)) * 1000


# --- the run ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000,
                        help="articles of the corpus to index (default 10,000)")
    parser.add_argument("--copies", type=int, default=20_000,
                        help="copies of the wire story, its first included (default 20,000)")
    parser.add_argument("--window", type=int, default=50,
                        help="copies timed one by one at each end (default 50)")
    parser.add_argument("--processes", type=int, default=3,
                        help="concurrent indexers in PostgreSQL's second run (default 3)")
    parser.add_argument("--backends", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres (default both)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 640 articles, 300 copies, windows of 20")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown or not backends:
        parser.error(f"--backends takes sqlite and/or postgres, not {args.backends!r}")
    if args.quick:
        args.articles, args.copies, args.window = 640, 300, 20
    if args.articles < 1 or args.copies < 2:
        parser.error("--articles must be at least 1 and --copies at least 2")

    for line in header(backends, args.postgres_url):
        print(line)
    t0 = time.perf_counter()
    articles = corpus_articles(args.articles)
    copies = wire_copies(args.copies)
    total_body = body_bytes(articles)
    print(f"articles    {len(articles):,} of tests/index/corpus.py (seed {SEED}), "
          f"{total_body / 1e6:.1f} MB of body text; {len(copies):,} copies of one wire story "
          f"({len(copies[0].body_text.encode()):,} bytes of body); made in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)

    runs: list[Run] = []
    costs: list[CopyCost] = []
    machine = MachineCpu()
    with tempfile.TemporaryDirectory(prefix="vestnik-bench-") as tmp:
        articles_path = Path(tmp) / "articles.jsonl"
        articles_path.write_bytes(b"\n".join(a.model_dump_json().encode() for a in articles))
        n = len(articles)
        if "sqlite" in backends:
            path = Path(tmp) / "index.sqlite3"
            url = f"sqlite:///{path}"
            run = run_indexers("sqlite", url, articles_path, n, 1, None, machine)
            run.size = sqlite_size(path)
            runs.append(_progress(run))
            with open_index(url) as index:
                costs.append(_progress_copies(
                    copy_costs("sqlite", index, copies, args.window, None, machine)))
        if "postgres" in backends:
            server = ServerCpu(args.postgres_url)
            with postgres_schema(args.postgres_url) as url:
                run = run_indexers("postgres", url, articles_path, n, 1, server, machine)
                run.size = postgres_size(url)
                runs.append(_progress(run))
                with postgres_schema(args.postgres_url) as url_n:
                    run = run_indexers("postgres", url_n, articles_path, n, args.processes,
                                       server, machine)
                    run.size = postgres_size(url_n)
                    runs.append(_progress(run))
                with open_index(url) as index:
                    costs.append(_progress_copies(
                        copy_costs("postgres", index, copies, args.window, server, machine)))
    print()
    print_table(runs, costs, len(articles), total_body)


def _progress(run: Run) -> Run:
    print(f"  ran {run.backend} x{run.processes}: {run.wall_s:.1f} s", file=sys.stderr,
          flush=True)
    return run


def _progress_copies(cost: CopyCost) -> CopyCost:
    print(f"  ran {cost.backend} copies: {cost.total_s:.1f} s", file=sys.stderr, flush=True)
    return cost


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_table(runs: Sequence[Run], costs: Sequence[CopyCost], n: int,
                total_body: int) -> None:
    print(f"1. Indexer throughput: {n:,} articles, batches of {BATCH}, spawned processes")
    print(f"   {'backend':<10} {'indexers':>8} {'wall s':>7} {'articles/s':>10} "
          f"{'indexer CPU s':>13} {'server CPU s':>12} {'CPU ms/article':>14} "
          f"{'others CPU s':>12}")
    for r in runs:
        cpu = r.cpu_s + (r.server_cpu_s or 0.0)
        print(f"   {r.backend:<10} {r.processes:>8} {r.wall_s:>7.1f} {n / r.wall_s:>10,.0f} "
              f"{r.cpu_s:>13.1f} {_seconds(r.server_cpu_s):>12} {1000 * cpu / n:>14.2f} "
              f"{_seconds(r.other_cpu_s):>12}")
    print("   (CPU ms/article: the indexers' and the server's CPU added up, per article;\n"
          "    others CPU s: what the rest of the machine used meanwhile, from /proc/stat)")
    for r in runs:
        rep = r.report
        print(f"   {r.backend} x{r.processes}: inserted {rep.inserted:,}, updated {rep.updated}, "
              f"unchanged {rep.unchanged}, stale {rep.stale}, duplicates {rep.duplicates}; "
              f"batches per indexer {'/'.join(map(str, r.batches))}")
    if costs:
        c0 = costs[0]
        last = f"{c0.copies - c0.window + 1:,}-{c0.copies:,}"
        print()
        print(f"2. Finding the canonical copy: one story, {c0.copies:,} copies "
              f"(1 in {EXACT_EVERY} exact), indexed on top of part 1's articles;\n"
              f"   first: copies 1-{c0.window}, last: copies {last}, one upsert each")
        print(f"   {'backend':<10} {'first ms':>8} {'last ms':>8} {'ratio':>6} "
              f"{'CPU first/last':>14} {'Row.of':>10} {'batched ms/copy':>16} {'missed':>6} "
              f"{'wall s':>6} {'others CPU s':>12}")
        for c in costs:
            print(f"   {c.backend:<10} {c.first_ms:>8.2f} {c.last_ms:>8.2f} "
                  f"{c.last_ms / c.first_ms:>6.2f} "
                  f"{f'{c.first_cpu_ms:.2f}/{c.last_cpu_ms:.2f}':>14} "
                  f"{f'{c.first_row_ms:.2f}/{c.last_row_ms:.2f}':>10} "
                  f"{f'{c.batched_first_ms:.2f} -> {c.batched_last_ms:.2f}':>16} "
                  f"{c.not_found:>6} {c.total_s:>6.1f} {_seconds(c.other_cpu_s):>12}")
        print("   (first, last: median wall time of a one-article upsert; CPU: of this process "
              "over the\n    same upserts (on SQLite all the work; on PostgreSQL the client's); "
              "Row.of: the analysis\n    and fingerprint part (Python, before the database); "
              "batched: per copy, median of the\n    first and last five batches of "
              f"{BATCH} between the windows; missed: copies indexed as\n    canonical "
              "articles of their own, so the story shows as 1 + missed hits)")
    print()
    print(f"3. Index size after part 1 ({n:,} articles, {total_body:,} bytes of body_text)")
    for r in runs:
        if r.size is None:
            continue
        what = ("the SQLite file, after a WAL checkpoint" if r.backend == "sqlite"
                else "pg_total_relation_size('articles')")
        print(f"   {r.backend:<10} x{r.processes}  {r.size / 1e6:>8.1f} MB  "
              f"{r.size / total_body:>5.1f}× body bytes   ({what})")


if __name__ == "__main__":
    main()
