"""Scoring extraction against gold: bag-of-words body P/R/F1, exact titles, dates to the day.

Gold comes in two shapes, both JSON beside the page (``NAME.gold.json`` or
``NAME.expected.json`` next to ``NAME.html`` / ``NAME.txt``):

* full gold: ``body`` (text) or ``body_paragraphs`` (list), as in ``seeds/``;
* partial gold (trafilatura's evaluation set): ``with`` (snippets that must be in the
  body) and ``without`` (snippets that must not). Recall is the token overlap with the
  ``with`` snippets; a ``without`` snippet found whole in the output counts its tokens
  as false positives.

A gold of ``{"reject": true}`` marks a page that is no article (a listing, a section
front): it is scored as rejected or not, apart from the articles.

``title`` and ``published_at`` are scored where the gold has them (a gold
``published_at`` of null means the page shows no date: a date found there is wrong), and
so are the other fields of ``seeds/``'s gold (:data:`FIELDS`: ``lead``, ``source_agency``,
``captions``, ``comment_count``, ``language``), each exactly (strings whitespace-normalised,
captions as the list they are), null or an empty list meaning the page shows none.
``text_published_at``, where present, is the date as the page's text dump shows it and
stands in for ``published_at`` when the text front end is scored (null: the dump shows
no date, e.g. the HTML had it only in a ``<meta>`` tag).  ``fetched_at`` is when the
page was fetched, for relative dates ("сьогодні, 18:06"); 2026-01-01 UTC when absent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

_TOKEN = re.compile(r"\w+")
_WS = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(_INVISIBLE.sub("", text)))


def norm(text: str) -> str:
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, tp: float, fp: float, fn: float) -> PRF:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return cls(p, r, 2 * p * r / (p + r) if p + r else 0.0)


# the gold's other fields, scored exactly where the gold states them
FIELDS = ("lead", "source_agency", "captions", "comment_count", "language")


@dataclass(frozen=True, slots=True)
class Gold:
    title: str | None = None
    body: str | None = None
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    published_at: str | None = None
    has_date: bool = False  # the gold says something about the date (a value or null)
    lead_apart: bool = False  # the gold has its own ``lead``: the body is scored without it
    fields: tuple[tuple[str, Any], ...] = ()  # (name, value) of the FIELDS the gold states
    reject: bool = False  # the page is no article: the extractor should reject it

    @classmethod
    def from_json(cls, obj: dict[str, Any], front_end: str = "html") -> Gold:
        """The gold of one page as the ``front_end`` ("html" or "text") is scored."""
        date_key = ("text_published_at" if front_end == "text" and "text_published_at" in obj
                    else "published_at")
        body = obj.get("body")
        if body is None and isinstance(obj.get("body_paragraphs"), list):
            body = "\n".join(obj["body_paragraphs"])
        with_ = tuple(obj.get("with") or ())
        return cls(
            title=obj.get("title") or None,
            body=None if with_ else body,
            with_snippets=with_,
            without_snippets=tuple(obj.get("without") or ()),
            published_at=obj.get(date_key),
            has_date=date_key in obj,
            lead_apart="lead" in obj,
            fields=tuple((name, obj[name]) for name in FIELDS if name in obj),
            reject=obj.get("reject") is True,
        )


def body_score(output: str, gold: Gold) -> PRF:
    """Bag-of-words precision, recall and F1 of ``output`` against the gold body."""
    out = tokens(output)
    if gold.with_snippets:
        out_norm = norm(output)
        tp = fn = 0
        for snippet in gold.with_snippets:
            bag = tokens(snippet)
            hit = sum(min(n, out[t]) for t, n in bag.items())
            tp += hit
            fn += sum(bag.values()) - hit
        fp = sum(sum(tokens(s).values()) for s in gold.without_snippets
                 if norm(s) and norm(s) in out_norm)
        return PRF.of(tp, fp, fn)
    ref = tokens(gold.body or "")
    common = sum((out & ref).values())
    return PRF.of(common, sum(out.values()) - common, sum(ref.values()) - common)


def title_correct(title: str | None, gold: Gold) -> bool | None:
    """Exact (whitespace-normalised) title match; None when the gold has no title."""
    if gold.title is None:
        return None
    return norm(title or "") == norm(gold.title)


def date_correct(found: date | datetime | None, gold: Gold) -> bool | None:
    """Right to the day; None when the gold says nothing about the date."""
    if not gold.has_date:
        return None
    if gold.published_at is None:
        return found is None
    if found is None:
        return False
    return found.isoformat()[:10] == str(gold.published_at)[:10]


def field_correct(found: Any, gold: Any) -> bool:
    """One of :data:`FIELDS` exactly: strings whitespace-normalised, lists item by item in
    order; None, an empty string and an empty list are all "none"."""
    if isinstance(gold, list) or isinstance(found, list | tuple):
        return [norm(str(x)) for x in found or ()] == [norm(str(x)) for x in gold or ()]
    if isinstance(gold, str) or isinstance(found, str):
        return norm(found or "") == norm(gold or "")
    return bool(found == gold)


def fields_correct(found: Any, gold: Gold) -> tuple[tuple[str, bool], ...]:
    """Each field the gold states, right or not in ``found`` (an ``Extracted``; None for a
    page the extractor rejected, which shows none of them)."""
    return tuple((name, field_correct(getattr(found, name, None), value))
                 for name, value in gold.fields)


def mean(values: Iterable[float]) -> float:
    xs = list(values)
    return sum(xs) / len(xs) if xs else 0.0


# -- a folder of pages with gold ---------------------------------------------------------

_PAGE_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain"}


@dataclass(frozen=True, slots=True)
class PageResult:
    name: str
    front_end: str  # "html" or "text"
    body: PRF
    title_ok: bool | None
    date_ok: bool | None
    rejected: str | None  # the reason, when the extractor said "not an article"
    seconds: float
    fields: tuple[tuple[str, bool], ...] = ()  # the gold's other FIELDS, right or not
    wanted_reject: bool = False  # the gold says the page is no article


def gold_pages(folder: Any) -> list[tuple[Any, Any]]:
    """(page file, gold file) pairs in ``folder``, sorted by name."""
    from pathlib import Path

    root = Path(folder)
    pairs = []
    for gold in sorted([*root.glob("*.gold.json"), *root.glob("*.expected.json")]):
        stem = gold.name.removesuffix(".gold.json").removesuffix(".expected.json")
        pairs += [(root / f"{stem}{ext}", gold) for ext in _PAGE_TYPES
                  if (root / f"{stem}{ext}").is_file()]
    return pairs


def evaluate(folder: Any) -> list[PageResult]:
    """Run the extractor on every page with gold in ``folder`` and score it."""
    import json
    import time
    from datetime import UTC

    from vestnik.extract import Extracted, Page, extract

    results = []
    for page_file, gold_file in gold_pages(folder):
        raw = json.loads(gold_file.read_text(encoding="utf-8"))
        ctype = _PAGE_TYPES[page_file.suffix]
        gold = Gold.from_json(raw, "html" if ctype == "text/html" else "text")
        fetched = raw.get("fetched_at") or "2026-01-01T00:00:00+00:00"
        page = Page(url=raw.get("url") or f"https://eval.vestnik.invalid/{page_file.stem}",
                    fetched_at=datetime.fromisoformat(fetched).astimezone(UTC),
                    content_type=ctype,  # type: ignore[arg-type]
                    text=page_file.read_text(encoding="utf-8", errors="replace"))
        started = time.perf_counter()
        found = extract(page)
        seconds = time.perf_counter() - started
        front = "html" if ctype == "text/html" else "text"
        name = page_file.name
        if gold.reject:
            results.append(PageResult(name, front, PRF(0.0, 0.0, 0.0), None, None,
                                      None if isinstance(found, Extracted) else found.reason,
                                      seconds, wanted_reject=True))
        elif isinstance(found, Extracted):
            lead = [found.lead] if found.lead and not gold.lead_apart else []
            text = "\n".join([*lead, *found.body_paragraphs])
            results.append(PageResult(name, front, body_score(text, gold),
                                      title_correct(found.title, gold),
                                      date_correct(found.published_at, gold), None, seconds,
                                      fields_correct(found, gold)))
        else:
            results.append(PageResult(name, front, PRF(0.0, 0.0, 0.0),
                                      None if gold.title is None else False,
                                      date_correct(None, gold), found.reason, seconds,
                                      fields_correct(None, gold)))
    return results


def summary(results: list[PageResult]) -> list[str]:
    """One line per front end: its articles' pages, body P/R/F1, title and date accuracy,
    how many were rejected (wrongly), pages/s; under it, the other fields' accuracy and
    the share of the non-articles (gold ``"reject": true``) rejected."""
    lines = [f"{'front end':<10}{'pages':>6}{'body P':>8}{'body R':>8}{'body F1':>8}"
             f"{'title':>8}{'date':>8}{'rejected':>9}{'pages/s':>9}"]
    for front in ("html", "text"):
        rows = [r for r in results if r.front_end == front and not r.wanted_reject]
        others = [r for r in results if r.front_end == front and r.wanted_reject]
        if others:
            lines.append(f"{front:<10}non-articles rejected: "
                         f"{sum(r.rejected is not None for r in others)} of {len(others)}")
        if not rows:
            continue
        titles = [r.title_ok for r in rows if r.title_ok is not None]
        dates = [r.date_ok for r in rows if r.date_ok is not None]
        seconds = sum(r.seconds for r in rows)
        lines.append(
            f"{front:<10}{len(rows):>6}{mean(r.body.precision for r in rows):>8.3f}"
            f"{mean(r.body.recall for r in rows):>8.3f}{mean(r.body.f1 for r in rows):>8.3f}"
            f"{_rate(titles):>8}{_rate(dates):>8}{sum(r.rejected is not None for r in rows):>9}"
            f"{len(rows) / seconds if seconds else 0.0:>9.0f}"
        )
        right: Counter[str] = Counter()
        stated: Counter[str] = Counter()
        for r in rows:
            for name, ok in r.fields:
                stated[name] += 1
                right[name] += ok
        if stated:
            lines.append(f"{'':<10}" + ", ".join(
                f"{name} {right[name] / stated[name]:.3f} of {stated[name]}"
                for name in FIELDS if stated[name]))
    return lines


def _rate(flags: list[bool]) -> str:
    return f"{sum(flags) / len(flags):.3f}" if flags else "-"
