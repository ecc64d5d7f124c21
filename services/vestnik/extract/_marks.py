"""Marks of a listing, counted around the body run that ``_layout`` picked: teasers and
dated headlines outside it, date lines opening entries inside it or between entries
around it, a calendar's days and times, bare dates under other stories' headlines,
per-entry comment lines, a pager below, "read more" lines. ``_core`` weighs them to tell a
listing, a feed or a calendar from an article; an article shows few of each.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from itertools import pairwise

from vestnik.extract._blocks import (
    COUNT,
    DATE,
    HEADING,
    PROSE,
    SECTION,
    SHORT,
    Block,
    Draft,
)
from vestnik.extract._dates import day_of, find_dated

__all__ = ["COMMENTS_HEADER", "count_dated_heads", "count_teasers", "mark_listing"]

TEASER_MIN_CHARS = 30
TEASER_MAX_CHARS = 300
COMMENTS_HEADER = re.compile(
    r"(?:коментар|комментар|comment|kommentar|commentaire|comentario|discuss)"
)


def count_teasers(blocks: list[Block], start: int, end: int, links: bool) -> int:
    """Headline/teaser-sized blocks outside the body: many of them make a listing page.

    With link information (HTML) only linked or repeated ones count, so that menus of
    short items and a short article's own subheadings do not.
    """
    return sum(
        1
        for b in (*blocks[:start], *blocks[end:])
        if (b.kind is HEADING or b.kind is PROSE)
        and TEASER_MIN_CHARS <= len(b.text) <= TEASER_MAX_CHARS
        and (not links or b.dup or b.link_density >= 0.5)
    )


_TIME_ONLY = re.compile(r"^\d{1,2}[:.]\d{2}$")  # "14:35" above a headline in a news column
DATED_HEAD_MIN_CHARS = 20
DATED_HEAD_MAX_CHARS = 250
ENTRY_DATE_MAX_CHARS = 40  # a date line opening an entry of a feed ...
ENTRY_MIN_CHARS = 80  # ... over a paragraph or headline of this length at least
_ENTRY_KINDS = frozenset({PROSE, HEADING})


def _dated_line(b: Block) -> bool:
    return b.kind is DATE or (len(b.text) <= 5 and _TIME_ONLY.match(b.text) is not None)


def count_dated_heads(blocks: list[Block]) -> int:
    """Headline-sized blocks with a date or a time-only line right above or below them:
    a column of dated headlines is a listing's or a calendar's shape (an article has one,
    its own, and maybe a few in a latest-news box). Dates are known where the blocks were
    refined (around the body run), time-only lines everywhere. Reader comments, each
    dated under its author's name, end the count."""
    n = 0
    last = len(blocks) - 1
    for i, b in enumerate(blocks):
        if (b.kind is SECTION or b.kind is COUNT) and COMMENTS_HEADER.match(b.text.lower()):
            break
        if (
            (b.kind is HEADING or b.kind is PROSE)
            and DATED_HEAD_MIN_CHARS <= len(b.text) <= DATED_HEAD_MAX_CHARS
            and (
                (i > 0 and _dated_line(blocks[i - 1]))
                or (i < last and _dated_line(blocks[i + 1]))
            )
        ):
            n += 1
    return n


def _dated_entries(span: list[Block], now: datetime | None) -> int:
    """The days of the date lines that open an entry inside the body: each after a
    paragraph and over a long paragraph or headline.  Many make a feed of posts, an
    archive (one page, many days); an article's dates sit in its prose, and a live
    report's entries carry times of one day."""
    days: set[date] = set()
    for k in range(1, len(span) - 1):
        b = span[k]
        if (
            b.kind is DATE
            and len(b.text) <= ENTRY_DATE_MAX_CHARS
            and span[k - 1].kind is PROSE
            and span[k + 1].kind in _ENTRY_KINDS
            and len(span[k + 1].text) >= ENTRY_MIN_CHARS
        ):
            found = find_dated(b.text, now)
            if found is not None:
                days.add(day_of(found[0]))
    return len(days)


LOCAL_ENTRY_PREV_CHARS = 40  # a date line between an entry's text of this length ...
LOCAL_ENTRY_NEXT_CHARS = 60  # ... and the next entry's headline or text of this length
LOCAL_ENTRY_LABEL_CHARS = 30  # short lines ("СЪОБЩЕНИЕ", "видео") skipped around it
PAGER_REACH = 8  # blocks below the body searched for a pager
PAGER_MIN_NUMBERS = 3  # "1 2 3": a pager's first page numbers, in order
PAGER_MAX_WORDS = 2  # ... beside at most this many words ("Страници:", "Next")
PAGER_MAX_CHARS = 1200  # a longer line is no pager ("1 2 3 … 217" is 800 characters)
READ_MORE_AFTER = 2  # blocks below the body's last paragraph searched for "Read more"
# a whole line that only invites to read on: one closes each entry of a listing
_READ_MORE_LINE = re.compile(
    r"^\W{0,3}(?:още|виж още|прочети(?:те)? още|виж повече|повече|read more|more|"
    r"continue reading|подробнее|подробности|далее|читать далее|читать полностью|"
    r"weiterlesen|mehr|lire la suite|leer más)\W{0,5}$"
)
_PAGE_NUMBER = re.compile(r"\d{1,3}")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def _local_entry_days(
    blocks: list[Block], start: int, end: int, now: datetime | None, header_window: int,
    after_window: int,
) -> int:
    """The days of the date lines that stand between two entries in and around the body
    run (a header window above it, a few blocks below): a line of text before, past short
    labels, and a headline or paragraph after.  A listing of press releases, notices or
    news prints one per entry; an article has its own date above its headline, and its
    paragraphs seldom sit between date lines of several days."""
    days: set[date] = set()
    lo, hi = max(0, start - header_window), min(len(blocks), end + after_window)
    for k in range(lo, hi):
        b = blocks[k]
        if b.kind is not DATE or len(b.text) > ENTRY_DATE_MAX_CHARS:
            continue
        j = k + 1
        while (
            j < len(blocks)
            and blocks[j].kind is SHORT
            and len(blocks[j].text) < LOCAL_ENTRY_LABEL_CHARS
        ):
            j += 1
        i = k - 1
        while i >= 0 and blocks[i].kind is SHORT and len(blocks[i].text) < LOCAL_ENTRY_LABEL_CHARS:
            i -= 1
        if (
            j < len(blocks)
            and i >= 0
            and blocks[j].kind in _ENTRY_KINDS
            and len(blocks[j].text) >= LOCAL_ENTRY_NEXT_CHARS
            and blocks[i].kind in _ENTRY_KINDS
            and len(blocks[i].text) >= LOCAL_ENTRY_PREV_CHARS
        ):
            found = find_dated(b.text, now)
            if found is not None:
                days.add(day_of(found[0]))
    return len(days)


CALENDAR_REACH = 40  # blocks above the body run searched for a calendar's days
# a line that opens with a time of day: "10:00", "14:30 Заседание на Комисия по ..."
_TIME_LED = re.compile(r"\d{1,2}:\d{2}(?!\d)")


def _calendar(
    blocks: list[Block], start: int, end: int, now: datetime | None, after_window: int
) -> tuple[int, int]:
    """(days, times) of a calendar in and above the body run: date lines each right over
    a line that opens with a time of day ("вторник, 16/12/2014" over "10:00 Заседание на
    ..."), the days counted, and the time-led lines all counted.  An events page or a
    parliament's week groups its items so; an article's own date is one day and sits over
    its headline, not over a time.  The reach goes well above the run, which may keep only
    one event's text of a long calendar."""
    days: set[date] = set()
    lo, hi = max(0, start - CALENDAR_REACH), min(len(blocks), end + after_window)
    # the first character weeds out most lines before the regex (a scan of every block)
    led = [
        b.text[:1].isdigit() and _TIME_LED.match(b.text) is not None
        for b in blocks[lo : min(len(blocks), hi + 1)]
    ]
    for k in range(lo, hi):
        if led[k - lo] or k + 1 - lo >= len(led) or not led[k + 1 - lo]:
            continue
        text = blocks[k].text
        if len(text) <= ENTRY_DATE_MAX_CHARS:
            found = find_dated(text, now)
            if found is not None:
                days.add(day_of(found[0]))
    return len(days), sum(led[: hi - lo])


HEADED_DATE_SPARE_CHARS = 4  # a bare date line: the date and at most "г." or a comma


def _headed_days(blocks: list[Block], kept: list[int], now: datetime | None) -> int:
    """The days of bare date lines between the body's paragraphs, each right under a
    headline left out of the body and right over a paragraph of it: a news list's entries
    (linked headline, date, snippet), whose snippets the run strings together.  An
    article's section dated between its paragraphs has no headline of another story
    above it, and a thread's post headers carry a name or a time beside the date."""
    inside = set(kept)
    days: set[date] = set()
    for k in range(kept[0] + 1, kept[-1]):
        b = blocks[k]
        if (
            b.kind is not DATE
            or k in inside
            or k + 1 not in inside
            or k - 1 in inside
            or len(b.text) > ENTRY_DATE_MAX_CHARS
        ):
            continue
        head = blocks[k - 1]
        if (
            head.kind in _ENTRY_KINDS
            and DATED_HEAD_MIN_CHARS <= len(head.text) <= DATED_HEAD_MAX_CHARS
        ):
            found = find_dated(b.text, now)
            if found is not None and len(b.text) - (found[2] - found[1]) <= HEADED_DATE_SPARE_CHARS:
                days.add(day_of(found[0]))
    return len(days)


COMMENT_LINE_MAX_CHARS = 40  # "Обсуждение: 6 комментариев", "5 апреля 15:01 Комментариев"
_DIGIT = re.compile(r"\d")


def _comment_lines(blocks: list[Block], kept: list[int]) -> int:
    """Short lines naming comments with a number (a count, or the date of the entry they
    belong to) between the body's paragraphs, left out of the body: each entry of a news
    front or feed links its own discussion.  An article shows its one count above or
    below its text, and its readers' comments follow it under one header."""
    inside = set(kept)
    n = 0
    for k in range(kept[0] + 1, kept[-1]):
        text = blocks[k].text
        if (
            k not in inside
            and len(text) <= COMMENT_LINE_MAX_CHARS
            and _DIGIT.search(text) is not None
            and COMMENTS_HEADER.search(text.lower()) is not None
        ):
            n += 1
    return n


def _pager_below(blocks: list[Block], at: int) -> bool:
    """A pager within PAGER_REACH blocks from ``at``: page numbers 1, 2, 3 (or 2, 3, 4)
    one a line, or on one line with at most a label and an arrow word ("Страници: 1 2 3
    … 217", "« 1 2 3 Next »"). A listing's pages go on; an article's text seldom does
    (a star rating of "1 2 3 4 5" is five lines too, which is why this is only one
    mark of a listing among others, see ``_core``)."""
    numbers: list[int] = []
    for b in blocks[at : at + PAGER_REACH]:
        text = b.text
        if len(text) <= 3 and text.isdigit():
            numbers.append(int(text))
            if len(numbers) >= PAGER_MIN_NUMBERS and _counts_up(numbers[-PAGER_MIN_NUMBERS:]):
                return True
            continue
        numbers = []
        if len(text) > PAGER_MAX_CHARS:
            continue
        tokens = text.split()
        found = [int(t) for t in tokens if _PAGE_NUMBER.fullmatch(t)]
        if (
            len(found) >= PAGER_MIN_NUMBERS
            and _counts_up(found[:PAGER_MIN_NUMBERS])
            and sum(1 for t in tokens if _HAS_LETTER.search(t)) <= PAGER_MAX_WORDS
        ):
            return True
    return False


def _counts_up(numbers: list[int]) -> bool:
    """1, 2, 3 or 2, 3, 4: a pager's first numbers (on page 1 the "1" may be no link)."""
    return numbers[0] in (1, 2) and all(b == a + 1 for a, b in pairwise(numbers))


def mark_listing(
    draft: Draft, blocks: list[Block], start: int, end: int, kept: list[int],
    now: datetime | None, header_window: int, after_window: int,
) -> None:
    """Set ``draft``'s marks of a listing around the body it kept (``kept``, not empty,
    out of the run ``blocks[start:end]``; the header window above the run and the window
    below it as the caller reads them)."""
    draft.dated_entries = _dated_entries(blocks[kept[0] : kept[-1] + 1], now)
    draft.entry_days = _local_entry_days(blocks, start, end, now, header_window, after_window)
    draft.pager = _pager_below(blocks, kept[-1] + 1)
    draft.calendar_days, draft.calendar_times = _calendar(blocks, start, end, now, after_window)
    draft.headed_days = _headed_days(blocks, kept, now)
    draft.comment_lines = _comment_lines(blocks, kept)
    draft.read_more = sum(
        1
        for b in blocks[kept[0] : kept[-1] + 1 + READ_MORE_AFTER]
        if len(b.text) < LOCAL_ENTRY_LABEL_CHARS and _READ_MORE_LINE.match(b.text.lower())
    )
