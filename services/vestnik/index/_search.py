"""Scoring, ordering, facets and snippets: pure functions over what a backend returns for
the rows that match, so every backend ranks and shows the same hits the same way.

Relevance is BM25 (k1 = 1.2, b = 0.75, Lucene's idf) over the analysed terms, a title
occurrence weighing ``TITLE_WEIGHT`` body occurrences; ties go to the smaller article id.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from vestnik.index import _analysis
from vestnik.index._base import FACETS
from vestnik.index._query import Item, Phrase, Prefix, Query, Word

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
SNIPPET_WORDS = 24
ELLIPSIS = "…"
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A matching row as a backend returns it; the terms only when scoring needs them."""

    id: int
    article_id: str
    site: str
    source_agency: str | None
    language: str | None
    published_ts: float | None
    length: int
    title_terms: str | None = None
    body_terms: str | None = None


def facet_counts(rows: Sequence[Candidate]) -> dict[str, dict[str, int]]:
    """Per facet, how many matching rows have each value (most first, then by value)."""
    out: dict[str, dict[str, int]] = {}
    for name in FACETS:
        counts = Counter(v for r in rows if (v := getattr(r, name)) is not None)
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def by_date(rows: Sequence[Candidate]) -> list[Candidate]:
    """Newest first; undated last; ties by article id."""
    return sorted(rows, key=lambda r: (r.published_ts is None, -(r.published_ts or 0.0),
                                       r.article_id))


def _count(item: Item, tokens: list[str], counts: Counter[str]) -> int:
    if isinstance(item, Word):
        return sum(counts[form] for form in item.forms)
    if isinstance(item, Prefix):
        return sum(c for term, c in counts.items() if item.matches(term))
    return _phrase_count(item, tokens)


def _phrase_count(phrase: Phrase, tokens: list[str]) -> int:
    found = 0
    for variant in phrase.variants:
        size, first = len(variant), variant[0]
        found += sum(1 for i, token in enumerate(tokens)
                     if token == first and tuple(tokens[i:i + size]) == variant)
    return found


def idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def scored(rows: Sequence[Candidate], query: Query, n: int, total_length: int,
           dfs: Sequence[int]) -> list[tuple[float, Candidate]]:
    """(score, row), best first; ``dfs`` are the rows each of ``query.items`` matches
    among the ``n`` searched, whose lengths add up to ``total_length``."""
    items = query.items
    weights = [idf(n, df) for df in dfs]
    average = total_length / n if n else 1.0
    out = []
    for row in rows:
        title = (row.title_terms or "").split()
        body = (row.body_terms or "").split()
        title_counts, body_counts = Counter(title), Counter(body)
        norm = K1 * (1 - B + B * row.length / average) if average else K1
        score = 0.0
        for item, weight in zip(items, weights, strict=True):
            tf = (TITLE_WEIGHT * _count(item, title, title_counts)
                  + _count(item, body, body_counts))
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
        out.append((round(score, 9), row))
    out.sort(key=lambda pair: (-pair[0], pair[1].article_id))
    return out


# -- snippets --------------------------------------------------------------------------


def _marks(query: Query) -> tuple[set[str], tuple[str, ...]]:
    """The terms a snippet highlights, and the prefixes."""
    terms: set[str] = set()
    prefixes: list[str] = []
    for item in query.items:
        if isinstance(item, Word):
            terms.update(item.forms)
        elif isinstance(item, Prefix):
            prefixes.append(item.prefix)
            terms.update(item.stems)
        else:
            terms.update(t for variant in item.variants for t in variant)
    return terms, tuple(prefixes)


def snippet(text: str, query: Query, language: str | None,
            words: int = SNIPPET_WORDS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Some ``words`` words of ``text`` around the most query terms, on one line, and the
    (start, end) offsets of the highlighted words in it."""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return "", ()
    terms, prefixes = _marks(query)
    marked = []
    for start, end in spans:
        analysed = _analysis.index_terms(text[start:end], language)
        term = analysed[0] if analysed else ""
        marked.append(term in terms or (bool(prefixes) and term.startswith(prefixes)))
    first = _best_window(marked, words)
    last = min(first + words, len(spans)) - 1
    begin, finish = spans[first][0], spans[last][1]
    if last == len(spans) - 1:
        finish = len(text.rstrip())
    return _one_line(text, begin, finish, [spans[i] for i in range(first, last + 1)
                                           if marked[i]], first > 0, finish < len(text.rstrip()))


def _best_window(marked: list[bool], words: int) -> int:
    """The first word of a window of ``words`` words holding the most marks: the best
    window, moved to open three words before its first mark."""
    best, best_count, count = 0, -1, 0
    for i, flag in enumerate(marked):
        count += flag
        if i >= words:
            count -= marked[i - words]
        start = max(0, i - words + 1)
        if count > best_count:
            best, best_count = start, count
    if best_count <= 0:
        return 0
    first_mark = next(i for i in range(best, len(marked)) if marked[i])
    return max(0, first_mark - 3)


def _one_line(text: str, begin: int, end: int, marks: list[tuple[int, int]], before: bool,
              after: bool) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``text[begin:end]`` with every run of white space one space, and the marks' offsets
    moved into it."""
    out: list[str] = [ELLIPSIS] if before else []
    length = len(out[0]) if before else 0
    position: dict[int, int] = {}
    in_space = False
    for index in range(begin, end):
        char = text[index]
        position[index] = length
        if char.isspace():
            if not in_space:
                out.append(" ")
                length += 1
            in_space = True
            continue
        in_space = False
        out.append(char)
        length += 1
    position[end] = length
    if after:
        out.append(ELLIPSIS)
    return "".join(out), tuple((position[s], position[e]) for s, e in marks)
