"""Score vestnik's extractor against trafilatura on the development set.

Usage::

    .venv/bin/python dev/score.py dev/pages [--only html|text] [--no-trafilatura]
                                            [--worst N] [--show NAME] [--limit N]

For every ``NAME.gold.json`` in DIR, both front ends are run: ``NAME.html`` as
text/html and ``NAME.txt`` (the text dump) as text/plain.  trafilatura gets the HTML
for the HTML row and, for the text row, the dump wrapped as ``<p>`` per block.
The text scored is the lead plus the body paragraphs (vestnik) and the main text
(trafilatura, comments off, tables on: the settings of its own benchmark).

Soft hyphens and zero-width characters are removed from gold and outputs alike.
The gold of this corpus is partial (snippets that must / must not be in the main
text), so the scores are computed against it as follows, per page:

* token recall    = sum over "with" snippets of the bag-of-words overlap between the
                    snippet and the output / number of "with" tokens
* token precision = TP / (TP + FP), FP = tokens of the "without" snippets that
                    occur (as a whole snippet) in the output
* token F1        = harmonic mean; a rejected or empty output scores 0
* snippet P/R/F1  = trafilatura's own metric (whole-snippet substring matching)

Printed: the mean over pages of each, and pages/s of extraction alone (one core).
"""

from __future__ import annotations

import argparse
import html as htmllib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from vestnik.extract import Extracted, Page, extract

_TOKEN = re.compile(r"\w+")
_WS = re.compile(r"\s+")
# invisible characters (soft hyphen, zero-width) are dropped on both sides before
# comparing: some gold snippets keep the soft hyphens of the page
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
FETCHED_AT = datetime(2024, 1, 1, tzinfo=UTC)


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(_INVISIBLE.sub("", text)))


def norm(text: str) -> str:
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


@dataclass
class Scores:
    name: str
    pages: int = 0
    seconds: float = 0.0
    tok_p: list[float] = field(default_factory=list)
    tok_r: list[float] = field(default_factory=list)
    tok_f: list[float] = field(default_factory=list)
    snip_p: list[float] = field(default_factory=list)
    snip_r: list[float] = field(default_factory=list)
    snip_f: list[float] = field(default_factory=list)
    per_page: dict[str, float] = field(default_factory=dict)

    def add(self, page: str, gold: dict[str, list[str]], output: str) -> None:
        out_norm = norm(output)
        out_bag = tokens(output)
        tp = total = 0
        for snippet in gold["with"]:
            bag = tokens(snippet)
            total += sum(bag.values())
            tp += sum(min(n, out_bag[t]) for t, n in bag.items())
        fp = sum(
            sum(tokens(s).values()) for s in gold["without"] if norm(s) and norm(s) in out_norm
        )
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / total if total else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        self.tok_p.append(p)
        self.tok_r.append(r)
        self.tok_f.append(f)
        stp = sum(1 for s in gold["with"] if norm(s) in out_norm)
        sfp = sum(1 for s in gold["without"] if norm(s) in out_norm)
        sp = stp / (stp + sfp) if stp + sfp else 0.0
        sr = stp / len(gold["with"]) if gold["with"] else 0.0
        self.snip_p.append(sp)
        self.snip_r.append(sr)
        self.snip_f.append(2 * sp * sr / (sp + sr) if sp + sr else 0.0)
        self.per_page[page] = f

    def row(self) -> str:
        def mean(xs: list[float]) -> float:
            return sum(xs) / len(xs) if xs else 0.0

        rate = self.pages / self.seconds if self.seconds else 0.0
        return (
            f"{self.name:<28} {mean(self.tok_p):6.3f} {mean(self.tok_r):6.3f} "
            f"{mean(self.tok_f):6.3f}   {mean(self.snip_p):6.3f} {mean(self.snip_r):6.3f} "
            f"{mean(self.snip_f):6.3f}  {rate:8.1f}"
        )


def vestnik_text(result: Extracted | object) -> str:
    if not isinstance(result, Extracted):
        return ""
    parts = [result.lead] if result.lead else []
    return "\n".join([*parts, *result.body_paragraphs])


def dump_as_html(dump: str) -> str:
    blocks = [b.strip() for b in dump.split("\n") if b.strip()]
    paragraphs = "".join(f"<p>{htmllib.escape(b)}</p>" for b in blocks)
    return f"<html><body>{paragraphs}</body></html>"


def run(
    scores: Scores, docs: list[tuple[str, dict[str, list[str]], str]], fn: Callable[[str], str]
) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for name, _, doc in docs:
        t0 = time.perf_counter()
        out = fn(doc)
        scores.seconds += time.perf_counter() - t0
        scores.pages += 1
        outputs[name] = out
    for name, gold, _ in docs:
        scores.add(name, gold, outputs[name])
    return outputs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--only", choices=["html", "text"])
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages per row")
    ap.add_argument("--show", help="print vestnik's output for this page name")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()

    root = Path(args.dir)
    names = sorted(p.name.removesuffix(".gold.json") for p in root.glob("*.gold.json"))
    if args.limit:
        names = names[: args.limit]
    if args.show:
        names = [args.show]
    golds = {n: json.loads((root / f"{n}.gold.json").read_text(encoding="utf-8")) for n in names}

    def vestnik_fn(content_type: str) -> Callable[[str], str]:
        def fn(doc: str) -> str:
            page = Page("https://example.org/a", FETCHED_AT, content_type, doc)  # type: ignore[arg-type]
            return vestnik_text(extract(page))

        return fn

    rows: list[Scores] = []
    kinds = [k for k in ("html", "text") if args.only in (None, k)]
    for kind in kinds:
        suffix = ".html" if kind == "html" else ".txt"
        docs = [(n, golds[n], (root / f"{n}{suffix}").read_text(encoding="utf-8")) for n in names]
        ctype = "text/html" if kind == "html" else "text/plain"
        s = Scores(f"vestnik {kind}")
        outs = run(s, docs, vestnik_fn(ctype))
        rows.append(s)
        if args.show:
            result = extract(Page("https://example.org/a", FETCHED_AT, ctype, docs[0][2]))  # type: ignore[arg-type]
            print(f"==== {kind}: {result if not isinstance(result, Extracted) else ''}")
            if isinstance(result, Extracted):
                print("TITLE:", result.title, "| LEAD:", result.lead)
                print("DATE:", result.published_at)
                print("AUTHORS:", result.authors, "| AGENCY:", result.source_agency)
                print("CAPTIONS:", result.captions, "| LANG:", result.language)
            print(outs[docs[0][0]])
            print("---- gold with:", golds[docs[0][0]]["with"])
            print("---- gold without:", golds[docs[0][0]]["without"])
        if not args.no_trafilatura:
            import trafilatura

            def traf(doc: str, wrap: bool = kind == "text") -> str:
                src = dump_as_html(doc) if wrap else doc
                out = trafilatura.extract(src, include_comments=False, include_tables=True)
                return out or ""

            t = Scores(f"trafilatura {kind}" + (" (dump as <p>)" if kind == "text" else ""))
            run(t, docs, traf)
            rows.append(t)

    print(f"pages: {len(names)}   (token: bag-of-words vs partial gold; snippet: substring)")
    print(f"{'':<28} {'tok P':>6} {'tok R':>6} {'tok F1':>6}   {'snp P':>6} {'snp R':>6} "
          f"{'snp F1':>6}  {'pages/s':>8}")
    for r in rows:
        print(r.row())
    if args.worst:
        for r in rows:
            if not r.name.startswith("vestnik"):
                continue
            worst = sorted(r.per_page.items(), key=lambda kv: kv[1])[: args.worst]
            print(f"worst {r.name}: " + ", ".join(f"{n}={f:.2f}" for n, f in worst))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
