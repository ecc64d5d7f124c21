"""Extraction speed on a folder of pages: pages/s per front end and peak memory.

    .venv/bin/python benchmarks/extract_speed.py dev/pages [--limit N] [--trafilatura]
                                                 [--repeat 3] [--per-page] [--front text]
                                                 [--once]

Reads every *.html (as text/html) and *.txt (as text/plain) page into memory first (with
its URL from the NAME.gold.json or NAME.expected.json beside it, when there is one), then
times vestnik's extract() alone on one core, the fastest of --repeat passes; with
--trafilatura, times trafilatura.extract on the same HTML pages (and on the text dumps
wrapped one <p> per line) in the same run.  ``--once`` extracts every page once and
times nothing: a run for profilers and instruction counters (benchmarks/instructions.sh).
"""

from __future__ import annotations

import argparse
import html
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vestnik.extract._core  # noqa: F401  (extract imports it on its first call)
from vestnik.extract import Page, extract

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)


def _forget() -> None:
    """Empty the extractor's caches (of menus, footers, class names...): every pass sees
    each page for the first time, then warms them on a few pages as a running worker has
    them warm."""
    for name, module in list(sys.modules.items()):
        if name.startswith("vestnik.extract"):
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def _time(
    fn: Callable[[Any], object],
    docs: list[Any],
    repeat: int,
    warm: Sequence[Any] = (),
    per_page: bool = False,
) -> tuple[float, float]:
    """Pages/s (the fastest of ``repeat`` plain passes: a shared machine only ever slows
    a pass down; with ``per_page``, the sum of each page's fastest time over the passes,
    which a busy machine disturbs less) and the peak Python memory of one page (a traced
    pass)."""
    elapsed = float("inf")
    fastest = [float("inf")] * len(docs)
    for _ in range(max(1, repeat)):
        _forget()
        for doc in warm:
            fn(doc)
        started = time.perf_counter()
        for k, doc in enumerate(docs):
            if per_page:
                at = time.perf_counter()
                fn(doc)
                fastest[k] = min(fastest[k], time.perf_counter() - at)
            else:
                fn(doc)
        elapsed = min(elapsed, time.perf_counter() - started)
    if per_page:
        elapsed = sum(fastest)
    peak = 0
    for doc in docs[:100]:  # tracing slows extraction down: kept out of the timed pass
        tracemalloc.start()
        fn(doc)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return len(docs) / elapsed, peak / 2**20


def _url(page: Path) -> str:
    """The page's URL from the gold beside it (its slug is part of the work), or a
    URL without a slug."""
    for suffix in (".gold.json", ".expected.json"):
        gold = page.with_suffix(suffix)
        if gold.is_file():
            url = json.loads(gold.read_text(encoding="utf-8")).get("url")
            if isinstance(url, str) and url:
                return url
    return "https://bench.invalid/a"


def _vestnik(ctype: str) -> Callable[[tuple[str, str]], object]:
    return lambda item: extract(Page(item[0], FETCHED, ctype, item[1]))  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--trafilatura", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; the fastest counts")
    ap.add_argument("--per-page", action="store_true",
                    help="sum each page's fastest time over the passes (a busy machine)")
    ap.add_argument("--front", choices=("html", "text"), help="one front end only")
    ap.add_argument("--once", action="store_true",
                    help="extract each page once, time nothing (for a profiler)")
    args = ap.parse_args()
    rows = []
    for suffix, ctype, front in ((".html", "text/html", "html"), (".txt", "text/plain", "text")):
        if args.front and front != args.front:
            continue
        files = sorted(args.folder.glob(f"*{suffix}"))[: args.limit or None]
        if not files:
            continue
        docs = [f.read_text(encoding="utf-8", errors="replace") for f in files]
        items = [(_url(f), doc) for f, doc in zip(files, docs, strict=True)]
        if args.once:
            for item in items:
                _vestnik(ctype)(item)
            continue
        rate, peak = _time(
            _vestnik(ctype), items, args.repeat, warm=items[:20], per_page=args.per_page
        )
        rows.append((f"vestnik {front}", len(docs), rate, peak))
        if args.trafilatura:
            import trafilatura

            def traf(doc: str, wrap: bool = front == "text") -> object:
                if wrap:
                    doc = "".join(f"<p>{html.escape(b)}</p>" for b in doc.splitlines() if b)
                return trafilatura.extract(doc)

            rate, peak = _time(traf, docs, args.repeat)
            rows.append((f"trafilatura {front}", len(docs), rate, peak))
    if args.once:
        return
    print(f"{'':<18}{'pages':>7}{'pages/s':>10}{'peak MiB per page':>25}")
    for name, n, rate, peak in rows:
        print(f"{name:<18}{n:>7}{rate:>10.0f}{peak:>25.1f}")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
