"""How long one SQLite index write takes when the indexer keeps up with a trickle: the
articles of ``tests/index/corpus.py`` upserted a few at a time into a new index file, a
pause between writes, each ``upsert_many`` call timed (``Row.of`` and the transaction).
Prints p50/p95/p99/max in ms; the tail is where SQLite's occasional work lands in a
write's path (a checkpoint, FTS5 merging its segments).

    .venv/bin/python benchmarks/index_commit_latency.py                     # 2,000 articles
    .venv/bin/python benchmarks/index_commit_latency.py --batch 2 --runs 3
    PYTHONPATH=../other-build/services .venv/bin/python benchmarks/index_commit_latency.py

The machine's other work shows in the tail: compare two builds in alternating runs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests.index.corpus, the parity test's article generator
    sys.path.append(str(ROOT))

SEED = 7


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


def one_run(articles: list, batch: int, pause_s: float) -> list[float]:  # type: ignore[type-arg]
    from vestnik.index.sqlite import SqliteIndex

    folder = tempfile.mkdtemp(prefix="vbench-commit-")
    try:
        index = SqliteIndex(str(Path(folder) / "index.sqlite3"))
        times = []
        for start in range(0, len(articles), batch):
            began = time.perf_counter()
            index.upsert_many(articles[start:start + batch])
            times.append((time.perf_counter() - began) * 1000)
            time.sleep(pause_s)
        index.close()
        return times
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=2, help="articles a write (default 2)")
    ap.add_argument("--pause-ms", type=float, default=5.0, help="between writes (default 5)")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    from tests.index.corpus import corpus

    import vestnik

    articles = corpus(max(args.articles, 100), SEED)[:args.articles]
    print(f"vestnik from {Path(vestnik.__file__).parent}; {len(articles)} articles, "
          f"{args.batch} a write, {args.pause_ms:g} ms apart")
    print("| run | writes | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for run in range(1, args.runs + 1):
        times = one_run(articles, args.batch, args.pause_ms / 1000)
        print(f"| {run} | {len(times)} | {percentile(times, 50):.1f} | "
              f"{percentile(times, 95):.1f} | {percentile(times, 99):.1f} | "
              f"{max(times):.1f} |", flush=True)


if __name__ == "__main__":
    main()
