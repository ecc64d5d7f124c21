"""Text for people: search hits as the CLI and the demo print them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vestnik.index import Hit

MARK = ("[", "]")


def one_line(text: str) -> str:
    """``text`` with every run of white space (line breaks too) one space."""
    return " ".join(text.split())


def marked(text: str, highlights: Sequence[tuple[int, int]]) -> str:
    """``text`` with each highlighted span in ``MARK`` brackets."""
    out, last = [], 0
    for start, end in highlights:
        out += [text[last:start], MARK[0], text[start:end], MARK[1]]
        last = end
    return "".join([*out, text[last:]])


def hit_lines(rank: int, hit: Hit, best: float, width: int) -> list[str]:
    """A hit for people: rank and title; relevance, date, site, agency, copy of; URL;
    snippet; the sites of its copies."""
    indent = " " * (width + 2)
    facts = [hit.published_at or "no date", hit.site]
    if best > 0:
        facts.insert(0, f"relevance {_percent(hit.score, best)}")
    if hit.source_agency:
        facts.append(hit.source_agency)
    if hit.duplicate_of:
        facts.append(f"copy of {hit.duplicate_of}")
    lines = [f"{rank:>{width}}. {one_line(hit.title)}", indent + "  ·  ".join(facts),
             indent + hit.url]
    if hit.snippet.strip():
        lines.append(indent + one_line(marked(hit.snippet, hit.highlights)))
    if hit.copies:
        sites = ", ".join(dict.fromkeys(c.site for c in hit.copies))
        lines.append(indent + f"also on: {sites} ({len(hit.copies)} copies)")
    return lines


def hits_text(hits: Sequence[Hit], first_rank: int = 1) -> str:
    """Every hit, ranked from ``first_rank``, a blank line between them."""
    width = len(str(first_rank + len(hits) - 1))
    best = max(hit.score for hit in hits)
    return "\n\n".join("\n".join(hit_lines(rank, hit, best, width))
                       for rank, hit in enumerate(hits, first_rank))


def _percent(score: float, best: float) -> str:
    """``score`` as a percentage of the best hit's."""
    return f"{round(100 * score / best)}%" if best > 0 else "?"
