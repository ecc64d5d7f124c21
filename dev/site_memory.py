"""Site memory on folders of pages with gold: per site, body F1 and title accuracy without
it and with it, and what it costs.

Usage::

    .venv/bin/python dev/site_memory.py dev/bg dev/pages [--front text|html|both]
        [--min-count 5] [--min-pages 10] [--repeat 3] [--sites-only]

A folder's pages are grouped into sites: by the ``layout`` column of its ``index.tsv``
where there is one (``dev/bg``: eight generated layouts, several "sites" sharing their
furniture), by the gold's ``site`` where given, else by ``site_key`` of the gold's URL.
Three ways to run, each scored like ``vestnik eval``:

* **cold**: no site memory (what the extractor does on its own);
* **leave-one-out**: the site's memory learned from all its *other* pages of the set,
  then the page extracted (transductive: the other pages are pages of the same set);
* **online**: the pages of a site in name order, each extracted with what the earlier
  ones taught, then learned (how the cleaner meets a site; the first ``min-pages`` are
  cold).

The cost is the extraction time with the site memory (its lines hashed and looked up,
its furniture marked, then learned) against the same pages cold, each page's fastest of
``--repeat`` runs, as a share of the cold time.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from vestnik.evaluation import Gold, body_score, gold_pages, mean, title_correct
from vestnik.extract import Extracted, Page, Rejected, extract
from vestnik.extract._sitememory import SiteTable, SiteView, site_key

FETCHED = "2026-01-01T00:00:00+00:00"


@dataclass
class Item:
    name: str
    site: str
    page: Page
    gold: Gold
    reject: bool = False  # a page that is not an article: it should be rejected


@dataclass
class Score:
    f1: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    marked: int = 0
    rejected: list[bool] = field(default_factory=list)  # non-articles: rejected or not

    def add(self, found: Extracted | Rejected, gold: Gold, marked: int = 0,
            reject: bool = False) -> None:
        self.marked += marked
        if reject:
            self.rejected.append(isinstance(found, Rejected))
            return
        if isinstance(found, Extracted):
            lead = [found.lead] if found.lead and not gold.lead_apart else []
            self.f1.append(body_score("\n".join([*lead, *found.body_paragraphs]), gold).f1)
            ok = title_correct(found.title, gold)
        else:
            self.f1.append(0.0)
            ok = None if gold.title is None else False
        if ok is not None:
            self.titles.append(ok)

    def text(self) -> str:
        titles = f"{sum(self.titles) / len(self.titles):.2f}" if self.titles else "-"
        if not self.f1:
            return f"{sum(self.rejected)}/{len(self.rejected)} rej."
        return f"{mean(self.f1):.3f} {titles:>5}"


def _layouts(folder: Path) -> dict[str, str]:
    index = folder / "index.tsv"
    if not index.is_file():
        return {}
    with index.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {r["name"]: r["layout"] for r in rows if r.get("layout")}


def load(folder: Path, fronts: set[str]) -> list[Item]:
    layouts = _layouts(folder)
    items = []
    for page_file, gold_file in gold_pages(folder):
        ctype = "text/html" if page_file.suffix in (".html", ".htm") else "text/plain"
        front = "html" if ctype == "text/html" else "text"
        if front not in fronts:
            continue
        raw: dict[str, Any] = json.loads(gold_file.read_text(encoding="utf-8"))
        url = raw.get("url") or f"https://eval.vestnik.invalid/{page_file.stem}"
        stem = page_file.stem
        site = layouts.get(stem) or raw.get("site") or site_key(url)
        fetched = raw.get("fetched_at") or FETCHED
        page = Page(url=url, fetched_at=datetime.fromisoformat(fetched).astimezone(UTC),
                    content_type=ctype,  # type: ignore[arg-type]
                    text=page_file.read_text(encoding="utf-8", errors="replace"))
        items.append(Item(f"{folder.name}/{page_file.name}", f"{folder.name}:{site}", page,
                          Gold.from_json(raw, front), bool(raw.get("reject"))))
    return items


def lines_of(item: Item) -> list[int]:
    view = SiteView()
    extract(item.page, view)
    return view.lines


def leave_one_out(items: list[Item], args: argparse.Namespace,
                  lines: dict[str, list[int]]) -> Score:
    """Each page with the memory of the site's other pages."""
    table = SiteTable(half_life=0.0, max_lines=10**9)
    for it in items:
        table.learn(it.name, lines[it.name])
    score = Score()
    for it in items:
        own = set(lines[it.name])
        if table.pages - 1 >= args.min_pages:
            furniture = frozenset(h for h, c in table.counts.items()
                                  if c - (h in own) >= args.min_count)
        else:
            furniture = frozenset()
        view = SiteView(furniture)
        score.add(extract(it.page, view), it.gold, view.marked, it.reject)
    return score


def online(items: list[Item], args: argparse.Namespace) -> Score:
    """Pages in name order, each extracted with what the earlier ones taught."""
    table = SiteTable(half_life=0.0, max_lines=1024)
    score = Score()
    for it in sorted(items, key=lambda i: i.name):
        view = SiteView(table.furniture(args.min_count, args.min_pages))
        score.add(extract(it.page, view), it.gold, view.marked, it.reject)
        table.learn(it.name, view.lines)
    return score


def timing(items: list[Item], args: argparse.Namespace) -> tuple[float, float]:
    """Seconds cold and with site memory (warm: every site learned from its pages),
    each page's fastest of ``repeat`` runs."""
    tables: dict[str, SiteTable] = {}
    for it in items:
        tables.setdefault(it.site, SiteTable(half_life=0.0)).learn(it.name, lines_of(it))
    cold = warm = 0.0
    for it in items:
        table = tables[it.site]
        best_cold = best_warm = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            extract(it.page)
            best_cold = min(best_cold, time.perf_counter() - t)
            t = time.perf_counter()
            view = SiteView(table.furniture(args.min_count, args.min_pages, own=True))
            extract(it.page, view)
            table.learn(it.name, view.lines)  # a URL learned already: hashed, not counted
            best_warm = min(best_warm, time.perf_counter() - t)
        cold += best_cold
        warm += best_warm
    return cold, warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--front", choices=["text", "html", "both"], default="both")
    ap.add_argument("--min-count", type=float, default=5.0)
    ap.add_argument("--min-pages", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sites-only", action="store_true",
                    help="Leave out sites with fewer pages than --min-pages + 1.")
    args = ap.parse_args()
    fronts = {"text", "html"} if args.front == "both" else {args.front}
    for front in sorted(fronts):
        items = [it for folder in args.folders for it in load(folder, {front})]
        if not items:
            continue
        sites: dict[str, list[Item]] = defaultdict(list)
        for it in items:
            sites[it.site].append(it)
        lines = {it.name: lines_of(it) for it in items}
        print(f"\n{front}: {len(items)} pages, {len(sites)} sites "
              f"(min count {args.min_count:g}, min pages {args.min_pages:g})")
        print(f"{'site':<34}{'pages':>6}   {'cold F1 title':>13}   {'leave-one-out':>13}"
              f"{'marked':>7}   {'online':>13}{'marked':>7}")
        totals = {"cold": Score(), "loo": Score(), "online": Score()}
        small = Score()
        for site, group in sorted(sites.items()):
            cold = Score()
            for it in group:
                cold.add(extract(it.page), it.gold, reject=it.reject)
            if len(group) <= args.min_pages:
                for it in group:
                    small.add(extract(it.page), it.gold, reject=it.reject)
                    totals["loo"].add(extract(it.page), it.gold, reject=it.reject)
                    totals["online"].add(extract(it.page), it.gold, reject=it.reject)
                totals["cold"].f1 += cold.f1
                totals["cold"].titles += cold.titles
                totals["cold"].rejected += cold.rejected
                continue
            loo = leave_one_out(group, args, lines)
            onl = online(group, args)
            for key, s in (("cold", cold), ("loo", loo), ("online", onl)):
                totals[key].f1 += s.f1
                totals[key].titles += s.titles
                totals[key].marked += s.marked
                totals[key].rejected += s.rejected
            print(f"{site[:33]:<34}{len(group):>6}   {cold.text():>13}   {loo.text():>13}"
                  f"{loo.marked / len(group):>7.1f}   {onl.text():>13}"
                  f"{onl.marked / len(group):>7.1f}")
        if small.f1:
            print(f"{'(sites of <= min pages: cold)':<34}{len(small.f1):>6}   "
                  f"{small.text():>13}")
        print(f"{'all':<34}{len(items):>6}   {totals['cold'].text():>13}   "
              f"{totals['loo'].text():>13}{totals['loo'].marked / len(items):>7.1f}   "
              f"{totals['online'].text():>13}{totals['online'].marked / len(items):>7.1f}")
        for key, s in totals.items():
            if s.rejected:
                print(f"non-articles rejected, {key}: {sum(s.rejected)}/{len(s.rejected)}")
        cold_s, warm_s = timing(items, args)
        print(f"time: cold {cold_s * 1000 / len(items):.3f} ms/page, with site memory "
              f"{warm_s * 1000 / len(items):.3f} ms/page: +{(warm_s / cold_s - 1) * 100:.1f}%")


if __name__ == "__main__":
    main()
