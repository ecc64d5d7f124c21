"""Instructions per article outside extraction, counted by valgrind's callgrind: what the
cleaner and the indexer spend on each article besides ``extract()``, the same figure on
every run whatever else the machine is doing.

    .venv/bin/python benchmarks/overhead_instructions.py                 # 100 pages
    .venv/bin/python benchmarks/overhead_instructions.py --limit 300 --steps row_of,upsert_sqlite
    .venv/bin/python benchmarks/overhead_instructions.py --python "$VESTNIK_BENCH_VENV/bin/python"

Each step is counted twice under ``valgrind --tool=callgrind`` (Debian: ``apt-get install
valgrind``), in a process that prepares the step's inputs (the same pages as
``pipeline_throughput.py``: seeds/, dev/cyr, dev/pages where made, shuffled with seed 7,
the first ``--limit``; everything before the step computed in advance) and then runs the
step over them three times, or once; half the difference over the number of pages (or
articles) is the step's count per item, without what only a first call costs. Passes after
the first find the caches warm (the extractor's, the analyzer's), as in a worker that has
been running. ``PYTHONHASHSEED=0``, numpy's BLAS threads off (they spin while they wait)
and the garbage collector frozen over the prepared inputs, so the two runs differ only by
the step: the same count, give or take a few thousand instructions, on every run.
The steps, in the order a page meets them:

  decode_event    wire.decode_event: the events entry (``__data__`` JSON) to a ScrapeEvent
  extract         vestnik.extract.extract on the decoded page (for scale; instructions.sh)
  build_article   cleaner.pipeline.build_article: the Article from the extraction result
  encode_article  wire.encode_model: the Article as the articles stream's entry
  decode_article  wire.decode_model: the indexer reading that entry back into an Article
  row_of          index._rows.Row.of: analysis, fingerprint, columns, the compressed doc
  upsert_sqlite   SQLite index upsert_many, batches of 64 into a new index (Row.of included),
                  each pass new articles (the index then holds the earlier passes')
  log_line        the canonical log line (JSON, to /dev/null) and the metrics it records

Per page for decode_event and extract, per article for the others (pages that are not
articles have no Article).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

STEPS = ("decode_event", "extract", "build_article", "encode_article", "decode_article",
         "row_of", "upsert_sqlite", "log_line")
BATCH = 64
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


# --- the measured process ---------------------------------------------------------------


def prepare(step: str, dirs: Sequence[Path], limit: int, tmp: Path) -> tuple[Callable[[], Any],
                                                                             int]:
    """The step as a function over its prepared inputs, and how many items it handles."""
    from pipeline_throughput import make_event, page_paths, sample, source_of

    from vestnik.cleaner.pipeline import build_article
    from vestnik.contracts import Article
    from vestnik.extract import Extracted, Page, extract
    from vestnik.wire import decode_event, decode_model, encode_model

    paths = page_paths(dirs)  # only the pages measured are read
    # the upsert of an article already in the index is another path: each of its passes
    # gets pages of its own (three times as many, the same pages when there are fewer)
    count = limit * (3 if step == "upsert_sqlite" else 1)
    sources = [source_of(paths[k]) for k in sample(len(paths), count)]
    events = [make_event(sources, k, seq, "") for seq, k in enumerate(range(len(sources)),
                                                                       start=1)]
    if step == "decode_event":
        return (lambda: [decode_event(e.fields, max_body_bytes=5_000_000) for e in events],
                len(events))
    decoded = [decode_event(e.fields, max_body_bytes=5_000_000) for e in events]
    pages = [Page(d.url, d.fetched_at, d.content_type, d.body) for d in decoded]
    if step == "extract":
        return lambda: [extract(p) for p in pages], len(pages)
    found = [(d, f) for d, f in zip(decoded, map(extract, pages), strict=True)
             if isinstance(f, Extracted) and f.title.strip() and f.body_paragraphs]
    if step == "build_article":
        return (lambda: [build_article(d, f, entry_id=f"{k}-0")
                         for k, (d, f) in enumerate(found)], len(found))
    articles = [build_article(d, f, entry_id=f"{k}-0") for k, (d, f) in enumerate(found)]
    if step == "encode_article":
        return lambda: [encode_model(a) for a in articles], len(articles)
    encoded = [encode_model(a) for a in articles]
    entries = [{k.encode(): v for k, v in fields.items()} for fields in encoded]
    if step == "decode_article":
        return lambda: [decode_model(fields, Article) for fields in entries], len(entries)
    if step == "row_of":
        from vestnik.index._rows import Row

        return lambda: [Row.of(a) for a in articles], len(articles)
    if step == "upsert_sqlite":
        from vestnik.index import open_index

        index = open_index(f"sqlite:///{tmp}/index.sqlite3")
        # the event's number (vbench-N, from 1) says which third of the pages it is in
        chunks = [[a for a in articles
                   if (int(a.provenance.event_id.removeprefix("vbench-")) - 1) // limit == k]
                  for k in range(3)]
        passes = iter(chunks)

        def upsert() -> None:
            chunk = next(passes)
            for i in range(0, len(chunk), BATCH):
                index.upsert_many(chunk[i:i + BATCH])

        return upsert, (len(chunks[1]) + len(chunks[2])) // 2
    if step == "log_line":
        from vestnik.logs import configure_logging, get_logger
        from vestnik.metrics import record
        from vestnik.settings import Settings

        configure_logging(Settings(log_format="json", log_level="INFO"))
        log = get_logger(stage="cleaner", consumer="bench-1")

        def lines() -> None:
            for k, a in enumerate(articles):
                line = {"stage": "cleaner", "entry_id": f"{k}-0",
                        "event_id": a.provenance.event_id, "duration_ms": 2.5,
                        "outcome": "article", "article_id": a.article_id}
                log.info("message", **line)
                record(line)

        return lines, len(articles)
    raise ValueError(f"unknown step {step}")


def inner(step: str, passes: int, dirs: Sequence[Path], limit: int) -> None:
    """Prepare ``step``, run it ``passes`` times, and leave without tearing anything down
    (what the interpreter's exit frees differs with what the passes left)."""
    tmp = tempfile.mkdtemp(prefix="vbench-")
    run, _ = prepare(step, dirs, limit, Path(tmp))
    gc.collect()
    gc.freeze()  # the prepared inputs are never collected again: a pass pays for its own
    for _ in range(passes):
        run()
        gc.collect()
    shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.flush()
    os._exit(0)


# --- the counting -----------------------------------------------------------------------


def count(python: str, step: str, passes: int, dirs: Sequence[Path], limit: int) -> int:
    """Instructions of one process preparing ``step`` and running it ``passes`` times."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "valgrind.log"
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               f"--log-file={log}", python, __file__, "--inner", step, "--passes", str(passes),
               "--limit", str(limit), *[a for d in dirs for a in ("--pages", str(d))]]
        # numpy's OpenBLAS threads spin while they wait: as many instructions as there is
        # time, so none are started
        env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1"}
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)
        text = log.read_text(errors="replace") if log.exists() else ""
        found = _COLLECTED.search(text)
        if done.returncode != 0 or not found:
            raise RuntimeError(f"{step} ({passes}): exit {done.returncode}\n{text[-2000:]}")
        return int(found.group(1))


def per_item(python: str, step: str, dirs: Sequence[Path], limit: int) -> tuple[float, int]:
    """Instructions per item of ``step`` and the number of items."""
    with tempfile.TemporaryDirectory() as tmp:
        _, items = prepare(step, dirs, limit, Path(tmp))  # how many, here, not under valgrind
    # the step's modules compiled to __pycache__ first (a run that compiles a module
    # pays millions of instructions for it: neither of the two counted runs must)
    subprocess.run([python, __file__, "--inner", step, "--passes", "0", "--limit", "1",
                    *[a for d in dirs for a in ("--pages", str(d))]],
                   stdout=subprocess.DEVNULL, check=True)
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(count, python, step, passes, dirs, limit) for passes in (3, 1)]
        three, one = (r.result() for r in runs)
    return (three - one) / 2 / max(1, items), items


def main() -> None:
    from pipeline_throughput import default_page_dirs

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, action="append",
                    help="a folder of pages (repeatable); default: seeds/, dev/cyr, dev/pages")
    ap.add_argument("--limit", type=int, default=100, help="pages (default 100)")
    ap.add_argument("--steps", default=",".join(STEPS), help=", ".join(STEPS))
    ap.add_argument("--python", default=sys.executable,
                    help="the interpreter of the build to count (default: this one)")
    ap.add_argument("--inner", choices=STEPS, help=argparse.SUPPRESS)
    ap.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    dirs = args.pages or default_page_dirs()
    if args.inner:
        inner(args.inner, args.passes, dirs, args.limit)
        return
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    if unknown := set(steps) - set(STEPS):
        ap.error(f"unknown steps: {', '.join(sorted(unknown))}")
    print(f"{args.limit} pages from {', '.join(d.name for d in dirs)}")
    print("| step | items | instructions per item |")
    print("|---|---:|---:|")
    for step in steps:
        n, items = per_item(args.python, step, dirs, args.limit)
        unit = "pages" if step in ("decode_event", "extract") else "articles"
        print(f"| {step} | {items} {unit} | {n / 1e6:,.3f} M |", flush=True)


if __name__ == "__main__":
    main()
