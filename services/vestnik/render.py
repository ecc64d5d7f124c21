"""Text for people: search hits as the CLI and the demo print them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vestnik.indexer.store import Hit


def one_line(text: str) -> str:
    """``text`` with every run of white space (line breaks too) one space."""
    return " ".join(text.split())


def hit_lines(rank: int, hit: Hit, best: float, count: int) -> list[str]:
    """A hit for people: rank and title; relevance, date, site, copy of; URL; snippet."""
    width = len(str(count))
    indent = " " * (width + 2)
    facts = [f"relevance {_percent(hit.score, best)}", hit.published_at or "no date", hit.site]
    if hit.duplicate_of:
        facts.append(f"copy of {hit.duplicate_of}")
    lines = [f"{rank:>{width}}. {one_line(hit.title)}", indent + "  ·  ".join(facts),
             indent + hit.url]
    return lines + ([indent + one_line(hit.snippet)] if hit.snippet.strip() else [])


def hits_text(hits: Sequence[Hit]) -> str:
    """Every hit, ranked from 1, a blank line between them."""
    return "\n\n".join("\n".join(hit_lines(rank, hit, hits[0].score, len(hits)))
                       for rank, hit in enumerate(hits, 1))


def _percent(score: float, best: float) -> str:
    """``score`` as a percentage of the best hit's."""
    return f"{round(100 * score / best)}%" if best > 0 else "?"
