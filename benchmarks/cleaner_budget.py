"""What the page time budget costs: cleaning pages in an extraction process vs in-process.

    .venv/bin/python benchmarks/cleaner_budget.py --pages 2000

The cleaner decodes and cleans each entry in an extraction process
(``vestnik.cleaner.budget``), so a page past ``VESTNIK_PAGE_TIMEOUT_S`` can be stopped.
This prints the time per page of ``decode_entry`` and ``clean_decoded`` (decode the entry,
extract, build and encode the article) called in this process, and through a pool of one
process with the entries of a batch sent together (as the worker does: one message, which
the process answers with the decoded pages and then with the cleaned ones; without site
memory, as here, never a second) or one entry per batch. The overhead per page is
counted in CPU time (this process's and the extraction process's, from /proc: Linux),
which a busy machine does not blur as it does wall time; the wall time beyond what the
extraction process spent decoding and cleaning (each result reports it) is printed beside
it. Then what a stopped page costs besides its budget: killing its process and starting
the next one. The pages are the seed pages, as text dumps and as HTML, under distinct
URLs; each figure is the best of ``--rounds`` interleaved runs (the machines are shared).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from vestnik.cleaner.budget import ExtractorPool
from vestnik.cleaner.cleaning import (
    Cleaned,
    Failed,
    Job,
    Result,
    Undecodable,
    clean_decoded,
    decode_entry,
)

ROOT = Path(__file__).resolve().parents[1]
FETCHED = datetime(2025, 12, 7, tzinfo=UTC)
MAX_BODY_BYTES = 5_000_000


def _as_html(text: str) -> str:
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    body = "".join(f"<p>{html.escape(b)}</p>" for b in blocks[1:])
    return (f"<html><head><title>{html.escape(blocks[0])}</title></head><body><article>"
            f"<h1>{html.escape(blocks[0])}</h1>{body}</article></body></html>")


def _jobs(count: int) -> list[Job]:
    texts = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    pages = [(t, "text/plain") for t in texts] + [(_as_html(t), "text/html") for t in texts]
    jobs = []
    for i in range(count):
        body, content_type = pages[i % len(pages)]
        jobs.append(Job(f"{i}-0", _entry(f"https://bench.example.bg/{i}", body,
                                         content_type)))
    return jobs


def _entry(url: str, body: str, content_type: str) -> dict[bytes, bytes]:
    return {b"__data__": orjson.dumps({"url": url, "body": body, "content_type": content_type,
                                       "fetched_at": FETCHED.isoformat()})}


def _spent_ms(result: Result) -> float:
    """Milliseconds the extraction process spent on a page (decoding and cleaning)."""
    if isinstance(result, Undecodable):
        return result.decode_ms
    return result.duration_ms + (result.page.decode_ms if result.page is not None else 0.0)


def _slow_page(attributes: int = 40_000) -> str:
    attrs = " ".join(f'a{i}="v{i}"' for i in range(attributes))
    return f"<html><body><p {attrs}>Текст.</p></body></html>"


def _cpu_s(pids: Sequence[int]) -> float:
    """CPU time (user + system) used so far by ``pids`` (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


@dataclass
class Run:
    wall: float  # seconds from the first page sent to the last result
    cpu: float  # CPU seconds of this process
    child_cpu: float = 0.0  # CPU seconds of the extraction process
    inside: float = 0.0  # wall seconds the extraction process spent decoding and cleaning

    @property
    def total_cpu(self) -> float:
        return self.cpu + self.child_cpu


def _in_process(jobs: Sequence[Job]) -> Run:
    started, cpu = time.perf_counter(), time.process_time()
    for job in jobs:
        held = decode_entry(job.fields, max_body_bytes=MAX_BODY_BYTES)
        assert not isinstance(held, Undecodable), held
        clean_decoded(held, job.entry_id)
    return Run(time.perf_counter() - started, time.process_time() - cpu)


async def _through_pool(pool: ExtractorPool, jobs: Sequence[Job], batch: int) -> Run:
    inside = 0.0
    started, cpu, child = time.perf_counter(), time.process_time(), _cpu_s(pool.pids)
    for at in range(0, len(jobs), batch):
        results = await pool.clean(jobs[at:at + batch], max_body_bytes=MAX_BODY_BYTES)
        assert all(isinstance(r, Cleaned) for r in results), results
        inside += sum(map(_spent_ms, results)) / 1000
    return Run(time.perf_counter() - started, time.process_time() - cpu,
               _cpu_s(pool.pids) - child, inside)


async def _replacement(pool: ExtractorPool, good: Job, rounds: int) -> list[float]:
    """Seconds a stopped page costs besides its budget: the kill, and the next process
    started (forkserver: forked from a server that has the extractor imported)."""
    slow = Job("0-1", _entry("https://bench.example.bg/slow", _slow_page(), "text/html"))
    own = _in_process([good]).wall
    costs = []
    for _ in range(rounds):
        started = time.perf_counter()
        slow_result, _ = await pool.clean([slow, good], max_body_bytes=MAX_BODY_BYTES)
        assert isinstance(slow_result, Failed) and slow_result.error_type == "timeout"
        costs.append(time.perf_counter() - started - pool.budget_s - own)
    return costs


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    jobs = _jobs(args.pages)
    _in_process(jobs[:50])  # warm: imports, regexes, caches
    pool = ExtractorPool(workers=1, budget_s=0.5)
    started = time.perf_counter()
    await pool.start()
    start_s = time.perf_counter() - started
    inproc: list[Run] = []
    runs: dict[int, list[Run]] = {args.batch_size: [], 1: []}
    try:
        await pool.clean(jobs[:50], max_body_bytes=MAX_BODY_BYTES)
        for _ in range(args.rounds):  # interleaved: the machine's load hits each alike
            inproc.append(_in_process(jobs))
            for batch, found in runs.items():
                found.append(await _through_pool(pool, jobs, batch))
        replace = await _replacement(pool, jobs[0], args.rounds)
    finally:
        await pool.close()

    n, us = len(jobs), 1e6 / len(jobs)
    base = min(r.cpu for r in inproc)
    print(f"{n} pages (seed pages as text and HTML), best of {args.rounds} interleaved "
          f"runs, 1 extraction process; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs; µs per page")
    print(f"  {'':<24} {'CPU here':>9} {'CPU child':>10} {'CPU total':>10} {'wall':>7}")
    print(f"  {'in-process':<24} {base * us:9.0f} {'':>10} {base * us:10.0f} "
          f"{min(r.wall for r in inproc) * us:7.0f}")
    for batch, found in runs.items():
        here, child = min(r.cpu for r in found), min(r.child_cpu for r in found)
        total = min(r.total_cpu for r in found)
        print(f"  {f'pool, {batch} page(s)/batch':<24} {here * us:9.0f} {child * us:10.0f} "
              f"{total * us:10.0f} {min(r.wall for r in found) * us:7.0f}   overhead "
              f"{(total - base) * us:+.0f} µs/page ({(total - base) / base:+.1%}); wall "
              f"beyond decoding and cleaning {min(r.wall - r.inside for r in found) * us:.0f}")
    print(f"  pool start (first process ready): {start_s * 1000:.0f} ms")
    print(f"  a stopped page, besides its budget (kill + next process ready): median "
          f"{statistics.median(replace) * 1000:.0f} ms, max {max(replace) * 1000:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
