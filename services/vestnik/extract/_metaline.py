"""Combined meta lines: the date and the author on one line.

„Публикувано: 14 ноември 2025, 09:30 | Автор: Мария Петрова“, "Опубликовано: 14 ноября
2025, 09:30 • Автор: Иван Смирнов", "Published: 14 November 2025 · By John Smith": segments
separated by ``|``, ``•``, ``·`` or a spaced dash, one of them a date, another a labelled
byline. The date is read by the date parser as from any date line
(:func:`vestnik.extract._dates.is_date_line` leaves such a byline out of what is not the
date); the authors are read here.
"""

from __future__ import annotations

import re
from datetime import datetime

from vestnik.extract._blocks import find_authors
from vestnik.extract._dates import find_date, may_hold_date

__all__ = ["meta_line_authors", "split_meta_line"]

META_LINE_MAX_CHARS = 200
# "a | b", "a • b", "a · b", "a – b" (a dash needs spaces: "Ким Чен-ын" is one name)
_SEPARATOR = re.compile(r"\s*[|•·]\s*|\s+[–—-]\s+")


def split_meta_line(text: str) -> list[str]:
    """The segments of a meta line, stripped, empty ones dropped."""
    return [s for s in (p.strip() for p in _SEPARATOR.split(text)) if s]


def meta_line_authors(text: str, now: datetime | None) -> tuple[str, ...]:
    """The authors of a line that holds a date and a labelled byline in segments of their
    own; () for any other line."""
    if len(text) > META_LINE_MAX_CHARS or not may_hold_date(text):
        return ()
    segments = split_meta_line(text)
    if len(segments) < 2:
        return ()
    authors: tuple[str, ...] = ()
    dated = False
    for segment in segments:
        names = () if authors else find_authors(segment)
        if names:
            if any(c.isdigit() for name in names for c in name):
                return ()  # a name run into a date ("von Nadja Demel13.12.2022")
            authors = names
        elif not dated and find_date(segment, now) is not None:
            dated = True
    return authors if dated else ()
