"""The publication date among the lines around the body: the dated line nearest the title
(``pick_date``), from date lines and short meta lines that carry one ("3 декабря 2020,
18:47 • Алексей Супрун • 3375"), the URL's day to confirm or stand in.
"""

from __future__ import annotations

from datetime import date, datetime

from vestnik.extract._blocks import DATE, PROSE, Block
from vestnik.extract._dates import day_of, find_dated, is_update_line, may_hold_date

__all__ = ["dated_meta_line", "dated_zone", "pick_date"]

META_DATE_MAX_CHARS = 160  # a longer block's date is not the page's
META_DATE_EDGE = 12  # ... nor one this far into it, unless a separator comes before it
_META_DATE_SEPARATORS = frozenset(",•|—–·-:/")


def _date_candidates(
    blocks: list[Block], now: datetime | None, meta_lines: bool = True
) -> list[tuple[int, datetime | date, bool, bool]]:
    """(index, value, absolute, update) of the blocks that state a date: date lines, and
    short meta lines that carry one ("3 декабря 2020, 18:47 • Алексей Супрун • 3375")."""
    out = []
    for i, b in enumerate(blocks):
        if b.kind is DATE:
            found = find_dated(b.text, now)
        elif meta_lines:
            found = _meta_line_date(b, now)
            if found is not None and (
                found[1] > META_DATE_EDGE
                and b.text[: found[1]].rstrip()[-1:] not in _META_DATE_SEPARATORS
                and " " in b.text[: found[1]].strip()  # "programmerguru 24 янв в 17:00"
                and not _stamp_after_label(b.text, found)
            ):
                continue  # a date inside a headline is the headline's topic
        else:
            continue
        if found is not None:
            value, _start, _end, absolute = found
            out.append((i, value, absolute, is_update_line(b.text)))
    return out


def pick_date(
    zone: list[Block], title: str, tail: list[Block], now: datetime | None,
    url_day: date | None = None,
) -> datetime | date | None:
    """The publication date: the dated line nearest the title (after it rather than
    before), absolute dates before relative ones, the header zone before the lines
    around the body (``tail``); a date the URL's path agrees with wins, and the URL's
    day stands in for a relative or missing one."""
    t = next((i for i in range(len(zone) - 1, -1, -1) if zone[i].text == title), len(zone))
    ranked: list[tuple[tuple[bool, bool, bool, float], datetime | date]] = []
    for i, value, absolute, update in _date_candidates(zone, now):
        distance = float(i - t) if i > t else t - i + 0.5
        ranked.append(((update, False, not absolute, distance), value))
    for i, value, absolute, update in _date_candidates(tail, now, meta_lines=False):
        ranked.append(((update, True, not absolute, float(i)), value))
    ranked.sort(key=lambda r: r[0])
    if url_day is not None:
        for key, value in ranked:
            if not key[2] and day_of(value) == url_day:
                return value
    best = ranked[0] if ranked else None
    if best is not None and not best[0][2]:
        return best[1]
    if url_day is None:
        return best[1] if best is not None else None
    if best is not None and isinstance(best[1], datetime):  # "сегодня в 20:12"
        return best[1].replace(year=url_day.year, month=url_day.month, day=url_day.day)
    return url_day


def dated_zone(zone: list[Block], run: list[Block], reach: int) -> list[Block]:
    """The header zone searched for the date: when the title is the run's first line (a
    text dump), the short lines between it and the first paragraph belong to the header
    ("Право на гідність 11:00, сьогодні - Читать новость на русском")."""
    if not run or not zone or zone[-1] is not run[0]:
        return zone
    k = 1
    while k < min(len(run), reach) and run[k].kind is not PROSE:
        k += 1
    return [*zone, *run[1:k]]


def _stamp_after_label(text: str, found: tuple[datetime | date, int, int, bool]) -> bool:
    """A relative time stamp closing a label ("Право на гідність 11:00, сьогодні - Читать
    новость на русском"): a column name or rubric, then when, then the line's end or a
    separator; a headline's topic is a day ("Протест на 12 май"), not "today, 11:00"."""
    value, _start, end, absolute = found
    after = text[end:].lstrip()[:1]
    return not absolute and isinstance(value, datetime) and (
        not after or after in _META_DATE_SEPARATORS)


def _meta_line_date(
    b: Block, now: datetime | None
) -> tuple[datetime | date, int, int, bool] | None:
    """The date in a short line that is not a paragraph ("29 Януари 2018, 17:46 | 9050
    прочитания | Коментари (2)"), as :func:`find_dated` gives it."""
    if b.kind is PROSE or len(b.text) > META_DATE_MAX_CHARS or not may_hold_date(b.text):
        return None
    return find_dated(b.text, now)


def dated_meta_line(b: Block) -> bool:
    """A line of meta data that opens with an absolute date."""
    found = _meta_line_date(b, None)
    return found is not None and found[1] <= META_DATE_EDGE
