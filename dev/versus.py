"""vestnik beside trafilatura on any folder of pages with gold, in one run.

Usage::

    .venv/bin/python dev/versus.py dev/full dev/cyr dev/pages [--no-trafilatura]

For each folder and each front end (``NAME.html`` as text/html, ``NAME.txt`` as
text/plain) both extractors run on the same pages and are scored the way ``vestnik
eval`` scores (``vestnik.evaluation``): bag-of-words body P/R/F1 against the gold (full
paragraphs, or the must/must-not snippets of trafilatura's own gold), the title exact
(whitespace-normalised) where the gold has one, the publication date right to the day
where the gold says something about it, and pages/s of the extraction call alone (one
core; trafilatura is given the HTML, or for a text dump one ``<p>`` per line, with its
benchmark settings: no comments, tables on).  A rejected or empty output scores 0.

Needs the ``bench`` extra (trafilatura).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from vestnik.evaluation import (
    Gold,
    body_score,
    date_correct,
    gold_pages,
    title_correct,
)
from vestnik.extract import Extracted, Page, extract

FETCHED = "2026-01-01T00:00:00+00:00"


@dataclass
class Found:
    body: str
    title: str | None
    published: date | datetime | None


@dataclass
class Row:
    name: str
    p: list[float] = field(default_factory=list)
    r: list[float] = field(default_factory=list)
    f: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    seconds: float = 0.0
    empty: int = 0  # articles with no output: rejected, or nothing found

    def add(self, found: Found, gold: Gold) -> None:
        prf = body_score(found.body, gold)
        self.empty += not found.body
        self.p.append(prf.precision)
        self.r.append(prf.recall)
        self.f.append(prf.f1)
        ok = title_correct(found.title, gold)
        if ok is not None:
            self.titles.append(ok)
        ok = date_correct(found.published, gold)
        if ok is not None:
            self.dates.append(ok)

    def line(self) -> str:
        def mean(xs: list[Any]) -> str:
            return f"{sum(xs) / len(xs):.3f}" if xs else "    -"

        rate = len(self.f) / self.seconds if self.seconds else 0.0
        return (f"{self.name:<26}{len(self.f):>6} {mean(self.p):>7} {mean(self.r):>7} "
                f"{mean(self.f):>7} {mean(self.titles):>7} {mean(self.dates):>7} {rate:>9.0f}"
                f"{self.empty:>7}")


def _vestnik(doc: str, ctype: str, url: str, fetched: datetime, gold: Gold) -> Found:
    result = extract(Page(url, fetched, ctype, doc))  # type: ignore[arg-type]
    if not isinstance(result, Extracted):
        return Found("", None, None)
    lead = [result.lead] if result.lead and not gold.lead_apart else []
    return Found("\n".join([*lead, *result.body_paragraphs]), result.title,
                 result.published_at)


def _trafilatura(doc: str, ctype: str, url: str, fetched: datetime, gold: Gold) -> Found:
    import trafilatura

    if ctype == "text/plain":
        doc = "".join(f"<p>{html.escape(line)}</p>" for line in doc.splitlines() if line)
    doc_ = trafilatura.bare_extraction(
        doc, url=url, include_comments=False, include_tables=True, with_metadata=True
    )
    if doc_ is None:
        return Found("", None, None)
    data = doc_ if isinstance(doc_, dict) else doc_.as_dict()
    published: date | None = None
    if data.get("date"):
        try:
            published = date.fromisoformat(str(data["date"])[:10])
        except ValueError:
            published = None
    return Found(data.get("text") or "", data.get("title"), published)


def run(folder: Path, with_trafilatura: bool) -> list[Row]:
    pairs = gold_pages(folder)
    rows: list[Row] = []
    tools: list[tuple[str, Callable[..., Found]]] = [("vestnik", _vestnik)]
    if with_trafilatura:
        tools.append(("trafilatura", _trafilatura))
    for suffix, ctype in ((".html", "text/html"), (".txt", "text/plain")):
        pages = [(p, g) for p, g in pairs if p.suffix == suffix]
        if not pages:
            continue
        for tool, fn in tools:
            row = Row(f"{tool} {'html' if suffix == '.html' else 'text'}")
            for page_file, gold_file in pages:
                raw = json.loads(gold_file.read_text(encoding="utf-8"))
                gold = Gold.from_json(raw, "html" if suffix == ".html" else "text")
                url = raw.get("url") or f"https://eval.vestnik.invalid/{page_file.stem}"
                fetched = datetime.fromisoformat(raw.get("fetched_at") or FETCHED)
                doc = page_file.read_text(encoding="utf-8", errors="replace")
                started = time.perf_counter()
                found = fn(doc, ctype, url, fetched.astimezone(UTC), gold)
                row.seconds += time.perf_counter() - started
                row.add(found, gold)
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--no-trafilatura", action="store_true")
    args = ap.parse_args()
    for folder in args.folders:
        print(f"\n{folder}")
        print(f"{'':<26}{'pages':>6} {'body P':>7} {'body R':>7} {'body F1':>7} "
              f"{'title':>7} {'date':>7} {'pages/s':>9} {'no out':>6}")
        for row in run(folder, not args.no_trafilatura):
            print(row.line())


if __name__ == "__main__":
    main()
