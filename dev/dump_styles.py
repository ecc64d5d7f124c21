"""How the text front end fares on the same pages dumped the ways scrapers dump them.

Usage::

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python dev/dump_styles.py dev/full dev/cyr dev/sites

For every ``NAME.html`` with gold in each folder, the page is sent as text/plain in four
styles and extracted; body F1 and exact titles are scored as ``vestnik eval`` scores them
(a rejected page scores 0):

* ``blocks``: the development sets' own dump (``NAME.txt``: a line per block, blocks of
  text apart, as ``seeds/`` are);
* ``markdown``: html2text's Markdown (headings ``#``, links ``[text](url)``, lists);
* ``get_text``: BeautifulSoup's ``get_text("\\n")``, a line per text node: a paragraph
  broken at each of its links, the page's own whitespace kept;
* ``lines``: the same with every line stripped and the empty ones dropped.

Needs the ``bench`` extra (html2text, beautifulsoup4).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from vestnik.evaluation import Gold, body_score, gold_pages, mean, title_correct
from vestnik.extract import Extracted, Page, extract

FETCHED = "2026-01-01T00:00:00+00:00"


def markdown(html: str) -> str:
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0  # a paragraph on one line, as html2text's users set it
    return str(converter.handle(html))


def get_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    return str(soup.get_text("\n"))


def lines(html: str) -> str:
    return "\n".join(line.strip() for line in get_text(html).split("\n") if line.strip())


STYLES: dict[str, Callable[[str], str] | None] = {
    "blocks": None, "markdown": markdown, "get_text": get_text, "lines": lines,
}


def score(folder: Path) -> dict[str, tuple[list[float], list[bool]]]:
    found: dict[str, tuple[list[float], list[bool]]] = {s: ([], []) for s in STYLES}
    for page, gold_file in gold_pages(folder):
        if page.suffix != ".html":
            continue
        raw = json.loads(gold_file.read_text(encoding="utf-8"))
        gold = Gold.from_json(raw, "text")
        fetched = datetime.fromisoformat(raw.get("fetched_at") or FETCHED).astimezone(UTC)
        html = page.read_text(encoding="utf-8", errors="replace")
        dump = page.with_suffix(".txt")
        for style, make in STYLES.items():
            if make is None and not dump.is_file():
                continue
            text = dump.read_text(encoding="utf-8") if make is None else make(html)
            result = extract(Page(raw.get("url") or "https://dev.invalid/a", fetched,
                                  "text/plain", text))
            f1s, titles = found[style]
            if isinstance(result, Extracted):
                lead = [result.lead] if result.lead and not gold.lead_apart else []
                f1s.append(body_score("\n".join([*lead, *result.body_paragraphs]), gold).f1)
                ok = title_correct(result.title, gold)
            else:
                f1s.append(0.0)
                ok = None if gold.title is None else False
            if ok is not None:
                titles.append(ok)
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path)
    args = ap.parse_args()
    print(f"{'set':<12}{'style':<10}{'pages':>6}{'body F1':>9}{'title':>7}{'rejected':>9}")
    for folder in args.folders:
        for style, (f1s, titles) in score(folder).items():
            if f1s:
                print(f"{folder!s:<12}{style:<10}{len(f1s):>6}{mean(f1s):>9.3f}"
                      f"{mean(titles):>7.3f}{sum(f == 0.0 for f in f1s):>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
