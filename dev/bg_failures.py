"""List the worst pages of a dev/make_bgset.py set: low body F1, wrong title, wrong date.

Usage::

    .venv/bin/python dev/bg_failures.py [OUT_DIR] [--worst 15] [--show NAME]

Runs vestnik's evaluation (``vestnik.evaluation.evaluate``) on OUT_DIR (default dev/bg)
and prints the ``--worst`` pages by body F1, then every page whose title or date is
wrong, each with what the extractor found next to the gold and the page's layout, date
style and injected noise from OUT_DIR/index.tsv.  ``--show NAME`` prints the extracted
body of one page against the gold, paragraph by paragraph (``-`` gold only, ``+``
extracted only).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "services"))

from vestnik.evaluation import PageResult, evaluate, norm  # noqa: E402
from vestnik.extract import Extracted, Page, Rejected, extract  # noqa: E402


def run(folder: Path, name: str) -> tuple[dict[str, Any], Extracted | Rejected]:
    gold = json.loads((folder / f"{name}.gold.json").read_text(encoding="utf-8"))
    page = Page(url=gold["url"], content_type="text/plain",
                fetched_at=datetime.fromisoformat(gold["fetched_at"]).astimezone(UTC),
                text=(folder / f"{name}.txt").read_text(encoding="utf-8"))
    return gold, extract(page)


def describe(r: PageResult, meta: dict[str, list[str]], folder: Path) -> str:
    name = r.name.removesuffix(".txt")
    gold, found = run(folder, name)
    layout = "/".join(meta.get(name, ["?"])[1:])
    line = (f"{name:<44} F1 {r.body.f1:.3f} P {r.body.precision:.3f} R {r.body.recall:.3f}"
            f"  [{layout}]")
    if isinstance(found, Rejected):
        return f"{line}\n    rejected: {found.reason}: {found.detail}"
    if r.title_ok is False:
        line += f"\n    title: got {found.title!r}\n           want {gold['title']!r}"
    if r.date_ok is False:
        line += (f"\n    date: got {found.published_at} want {gold['published_at']} "
                 f"(fetched {gold['fetched_at']})")
    return line


def show(folder: Path, name: str) -> None:
    gold, found = run(folder, name)
    if isinstance(found, Rejected):
        print(f"rejected: {found.reason}: {found.detail}")
        return
    print(f"title: {found.title!r}\ndate: {found.published_at}\nlead: {found.lead!r}")
    want = [norm(p) for p in gold["body_paragraphs"]]
    got = [norm(p) for p in ([found.lead] if found.lead else []) + list(found.body_paragraphs)]
    for p in want:
        print(("  " if p in got else "- ") + p[:150])
    for p in got:
        if p not in want:
            print("+ " + p[:150])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default=str(HERE / "bg"))
    ap.add_argument("--worst", type=int, default=15)
    ap.add_argument("--show", help="one page's extracted body against the gold")
    args = ap.parse_args()
    folder = Path(args.out)
    if args.show:
        show(folder, args.show)
        return 0
    meta: dict[str, list[str]] = {}
    index = folder / "index.tsv"
    if index.is_file():
        for row in index.read_text(encoding="utf-8").splitlines()[1:]:
            cells = row.split("\t")
            meta[cells[0]] = cells[1:]
    results = evaluate(folder)
    print(f"worst {args.worst} by body F1 (of {len(results)}):")
    for r in sorted(results, key=lambda r: (r.body.f1, r.name))[: args.worst]:
        print(describe(r, meta, folder))
    wrong = [r for r in results if r.title_ok is False or r.date_ok is False]
    print(f"\ntitle or date wrong ({sum(r.title_ok is False for r in results)} titles, "
          f"{sum(r.date_ok is False for r in results)} dates, {len(wrong)} pages):")
    for r in wrong:
        print(describe(r, meta, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
