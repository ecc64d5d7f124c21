"""Dispatch to a front end, then the shared steps: agency credit, language, rejection."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vestnik.extract import Extracted, Page, Rejected
from vestnik.extract._agency import (
    find_dateline_credit,
    find_text_credit,
    strip_trailing_credit,
)
from vestnik.extract._blocks import Draft
from vestnik.extract._lang import SAMPLE_CHARS, detect_language
from vestnik.extract._layout import LOGIN_WALL_MAX_BODY_CHARS
from vestnik.extract._markdown import looks_like_markdown, markdown_to_html
from vestnik.extract._text import parse_text
from vestnik.extract._title import names_site
from vestnik.extract._url import url_kind

if TYPE_CHECKING:
    from vestnik.extract._sitememory import SiteView

__all__ = ["extract_page", "looks_like_html"]

MIN_BODY_CHARS = 150  # less prose than this is not an article
REPEAT_MIN_CHARS = 40  # a paragraph this long said twice in a body is kept once
MIN_DECLARED_BODY_CHARS = 50  # ... unless the page declares itself an article
LISTING_MIN_HEADLINES = 15  # teaser-like blocks on a page that has no real prose run
LISTING_MAX_BODY_CHARS = 400
TEASER_LISTING_MIN_PARAGRAPHS = 5  # HTML: a body of summaries under linked headlines ...
TEASER_LISTING_SHARE = 0.75  # ... for this share of its paragraphs is a listing
DATED_LISTING_MIN_HEADS = 3  # headlines with their own date line ...
DATED_LISTING_MAX_BODY_CHARS = 300  # ... around this little prose: a listing, a calendar
URL_LISTING_MIN_HEADLINES = 15  # teasers that make a home page or a section front a listing
CRUMB_LISTING_MIN_HEADLINES = 20  # ... or a page whose best title is its breadcrumb
FEED_MIN_DAYS = 7  # entries under date lines of this many days make the body a feed
SITE_TITLED_MIN_HEADLINES = 4  # a page titled by the site's own name, among this many
SITE_TITLED_MAX_BODY_CHARS = 3000  # ... headlines, around less text than this: a listing
TEMPLATE_WORDS = 4  # paragraphs opening with the same this many words are one template ...
TEMPLATE_MIN_ENTRIES = 4  # ... and this many of them, ...
TEMPLATE_MIN_SHARE = 0.5  # ... over this share of the body's paragraphs, ...
TEMPLATE_MAX_MEAN_CHARS = 250  # ... each about a headline or a snippet long: a listing
LISTING_MARKS = 2  # marks of a listing (a pager, "Read more" lines, dated entries, ...
LISTING_MARKS_MAX_BODY_CHARS = 4000  # ... dated headlines) around a body shorter than this
MARK_READ_MORE = 2  # "Read more" lines among the body's paragraphs that make a mark
MARK_ENTRY_DAYS = 2  # days of date lines between entries around the body that make a mark
MARK_STAMPED = 2  # paragraphs with a date or time at an edge that make a mark
ENTRY_DAYS_LISTING = 4  # date lines of this many days between entries around ...
ENTRY_DAYS_MAX_BODY_CHARS = 1500  # ... a body shorter than this: a listing on their own
STAMP_MIN_CHARS = 20  # a headline-sized paragraph with a date or time at its start or end
STAMP_MAX_CHARS = 250
STAMP_TAIL_CHARS = 40  # a trailing date or time and its separator fit in this many
SNIPPET_MIN_CHARS = 60  # the undated paragraph that follows such a headline: its snippet
STAMPED_ENTRIES = 3  # this many different dated headlines each over a snippet, ...
STAMPED_ENTRIES_SHARE = 0.1  # ... among at least this share of the body: a listing
LONE_PARAGRAPH_HEADLINES = 50  # a body of one paragraph among this many headlines
CALENDAR_DAYS = 2  # days each over time-led lines, and as many of those as the body has
# paragraphs, near a body under LISTING_MARKS_MAX_BODY_CHARS: a calendar
HEADED_DAYS = 4  # entries under their headline and date of this many days, ...
HEADED_DAY_MAX_BODY_CHARS = 2500  # ... with at most this much body a day: snippets
COMMENT_LINES = 3  # entries' own comment links between the body's paragraphs
_MAX_INPUT_CHARS = 5_000_000

_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>])", re.I)  # a full document
_HAS_VISIBLE = re.compile(r"\w")
_WORD = re.compile(r"[^\W\d_]+")  # words of letters: dates and numbers vary in a template
# a breadcrumb from the home page: "Начало > Законодателство > Закони", "Home » News"
_HOME_CRUMB = re.compile(
    r"(?i:начало|начална страница|главная|главная страница|головна|головна сторінка|home|"
    r"startseite|accueil|inicio)\s*[/›»>|→]"
)


# a date or a time at a paragraph's edge, as a listing prints it on each entry's headline:
# "Първо заседание на Висшия медицински съвет 17.12.2014 г.", "17:18 Шольц: ..."
_STAMP = r"(?:\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})(?:\s*г\.?)?|\d{1,2}:\d{2})"
_LEADING_STAMP = re.compile(r"^\s*[\[(]?" + _STAMP + r"[\])]?\s*[-–—|,:]?\s+\S")
_TRAILING_STAMP = re.compile(r"\S\s*[\[(|,–-]?\s*" + _STAMP + r"[\])]?\s*$")
_STAMP_ONLY = re.compile(_STAMP)
_STAMP_ENDS = frozenset(".г)]")


def looks_like_html(text: str) -> bool:
    return _HTML_START.match(text[:1000]) is not None


def _parse(page: Page, text: str, memory: SiteView | None = None) -> Draft:
    if page.content_type != "text/html" and not looks_like_html(text):
        if not looks_like_markdown(text):
            return parse_text(text, page.fetched_at, page.url, memory)
        text = markdown_to_html(text)
    from vestnik.extract._html import parse_html

    return parse_html(text, page.fetched_at, page.url, memory)


def _credit(draft: Draft) -> str | None:
    """Find the credited agency; strips a trailing "/БГНЕС" from the last paragraph."""
    trailing: str | None = None
    if draft.body:
        last, trailing = strip_trailing_credit(draft.body[-1])
        if trailing is not None:
            if last:
                draft.body[-1] = last
            else:
                draft.body.pop()
    if draft.source:
        return draft.source
    if trailing:
        return trailing
    if draft.body:
        dateline = find_dateline_credit(draft.body[0])
        if dateline:
            return dateline
    return find_text_credit(draft.body[:3])


def _without_repeats(paragraphs: list[str]) -> list[str]:
    """The paragraphs without a second copy of one of REPEAT_MIN_CHARS or more: a page
    holding its text twice (an editor's paste buffer left in it, a print version) gives
    it once; short lines ("* * *", "Photo: ...") may recur."""
    seen: set[str] = set()
    out: list[str] = []
    for p in paragraphs:
        if len(p) >= REPEAT_MIN_CHARS:
            if p in seen:
                continue
            seen.add(p)
        out.append(p)
    return out


def _templated_entries(paragraphs: list[str]) -> int:
    """How many paragraphs open with the body's most common first TEMPLATE_WORDS words
    ("Дневен ред на заседанието на Министерския съвет на 10.12.2014 г.", one per
    meeting), counting only those of headline or snippet length; 0 when they are too few,
    too small a share of the body or too long on average to be a listing's entries (an
    article's timeline of similar paragraphs is prose)."""
    groups: dict[str, list[int]] = {}
    for p in paragraphs:
        words = _WORD.findall(p[:200].lower())
        if len(words) > TEMPLATE_WORDS:
            groups.setdefault(" ".join(words[:TEMPLATE_WORDS]), []).append(len(p))
    if not groups:
        return 0
    sizes = max(groups.values(), key=len)
    if (
        len(sizes) < TEMPLATE_MIN_ENTRIES
        or len(sizes) <= TEMPLATE_MIN_SHARE * len(paragraphs)
        or sum(sizes) > TEMPLATE_MAX_MEAN_CHARS * len(sizes)
    ):
        return 0
    return len(sizes)


def _stamped(paragraph: str) -> bool:
    """A headline-sized paragraph with a date or a time at its start or end."""
    if not STAMP_MIN_CHARS <= len(paragraph) <= STAMP_MAX_CHARS:
        return False
    if _LEADING_STAMP.match(paragraph) is not None:
        return True
    # a date or time ends in a digit, "г." or a bracket: most paragraphs end otherwise,
    # and the search (in the tail only) is the costly part
    tail = paragraph.rstrip()[-1:]
    return (tail.isdigit() or tail in _STAMP_ENDS) and _TRAILING_STAMP.search(
        paragraph, max(0, len(paragraph) - STAMP_TAIL_CHARS)
    ) is not None


def _stamped_entries(paragraphs: list[str], stamped: list[bool]) -> int:
    """Different dated headlines each followed by an undated snippet: a listing's entries
    ("ТРИ НОВИ ТРАНСПЛАНТАЦИИ ЗА 2014 ГОДИНА 15.12.2014 г." over its first lines). The
    same line with other dates over each paragraph is a thread's post header ("17.10.2019,
    14:14 Reply Quote"), not a headline, and counts once."""
    heads: set[str] = set()
    for i in range(len(paragraphs) - 1):
        if stamped[i] and not stamped[i + 1] and len(paragraphs[i + 1]) >= SNIPPET_MIN_CHARS:
            heads.add(_STAMP_ONLY.sub("", paragraphs[i]).strip())
    return len(heads)


def _sample(paragraphs: list[str]) -> str:
    """The first paragraphs, up to what language detection reads."""
    taken: list[str] = []
    size = 0
    for p in paragraphs:
        taken.append(p)
        size += len(p) + 1
        if size >= SAMPLE_CHARS:
            break
    return " ".join(taken)


def _listing_marks(draft: Draft, body_chars: int) -> str | None:
    """Why the body is a listing's by the marks around it, or None.

    Each mark alone occurs in articles too (a star rating reads like a pager, a sidebar
    of "Read more" links, a date line between an article's two sections), so it takes:
    - two marks around a body under LISTING_MARKS_MAX_BODY_CHARS: a pager below it,
      "Read more" lines among its paragraphs, date lines of two or more days between
      entries around it, two or more paragraphs stamped with a date or a time;
    - date lines of ENTRY_DAYS_LISTING days between entries around a short body (a
      column of dated notices or news, a press office's feed);
    - dated headlines each over an undated snippet, STAMPED_ENTRIES or more and a tenth
      of the body (a ministry's news list, a front page's news column);
    - a body of one paragraph among LONE_PARAGRAPH_HEADLINES headlines or more, under no
      headline and date of its own (a front page's one featured text).
    - a calendar: date lines of CALENDAR_DAYS days or more each over a line led by a time
      of day, with at least as many such lines as the body has paragraphs, near a short
      body (a parliament's week of sittings: the run keeps one event's text).  A
      festival's programme inside an article is one day's, or lies in a longer text.
    - snippets under dated headlines: bare date lines of HEADED_DAYS days or more between
      the body's paragraphs, each under a headline the body leaves out and over one of its
      paragraphs, with no more than HEADED_DAY_MAX_BODY_CHARS of body a day (a
      government's news list: linked headline, date, snippet; the run strings the
      snippets together).  A long report with a few dated sections has far more text a
      day, and a thread's post headers hold a name or a time beside the date.
    - comment links between the body's paragraphs, COMMENT_LINES or more: short lines
      naming comments beside a number ("Обсуждение: 6 комментариев", "5 апреля 15:01
      Комментариев"), one per entry of a news front or feed.  An article has one count,
      and its readers' comments come after its text.
    """
    body = draft.body
    stamped = [_stamped(p) for p in body]
    marks = [
        name
        for name, present in (
            ("a pager", draft.pager),
            (f"{draft.read_more} 'read more' lines", draft.read_more >= MARK_READ_MORE),
            (f"entries under {draft.entry_days} dates", draft.entry_days >= MARK_ENTRY_DAYS),
            (f"{sum(stamped)} dated paragraphs", sum(stamped) >= MARK_STAMPED),
        )
        if present
    ]
    if len(marks) >= LISTING_MARKS and body_chars < LISTING_MARKS_MAX_BODY_CHARS:
        return ", ".join(marks) + f" around {body_chars} chars of body"
    if draft.entry_days >= ENTRY_DAYS_LISTING and body_chars < ENTRY_DAYS_MAX_BODY_CHARS:
        return f"entries under {draft.entry_days} dates around {body_chars} chars of body"
    entries = _stamped_entries(body, stamped)
    if entries >= STAMPED_ENTRIES and entries >= STAMPED_ENTRIES_SHARE * len(body):
        return f"{entries} dated headlines over snippets"
    if (
        draft.calendar_days >= CALENDAR_DAYS
        and draft.calendar_times >= len(body)
        and body_chars < LISTING_MARKS_MAX_BODY_CHARS
    ):
        return (
            f"a calendar: {draft.calendar_times} times under {draft.calendar_days} days"
            f" around {body_chars} chars of body"
        )
    if (
        draft.headed_days >= HEADED_DAYS
        and body_chars <= HEADED_DAY_MAX_BODY_CHARS * draft.headed_days
    ):
        return f"snippets under {draft.headed_days} dated headlines, {body_chars} chars of body"
    if draft.comment_lines >= COMMENT_LINES:
        return f"{draft.comment_lines} comment links between the body's paragraphs"
    if len(body) <= 1 and draft.n_headlines >= LONE_PARAGRAPH_HEADLINES and not draft.own_header:
        return f"one paragraph among {draft.n_headlines} headline-like blocks"
    return None


def extract_page(page: Page, memory: SiteView | None = None) -> Extracted | Rejected:
    text = page.text[:_MAX_INPUT_CHARS] if page.text else ""
    if not _HAS_VISIBLE.search(text):
        return Rejected("empty", "no visible text")
    draft = _parse(page, text, memory)
    if draft.n_blocks == 0:
        return Rejected("empty", "no text blocks")
    agency = _credit(draft)
    body_chars = sum(len(p) for p in draft.body)
    article_chars = body_chars + len(draft.title) + len(draft.lead or "")
    if draft.login_wall and body_chars < LOGIN_WALL_MAX_BODY_CHARS:
        return Rejected("login_wall", f"login/subscribe wall, {body_chars} chars of body")
    if (
        not draft.declared_article
        and draft.n_headlines >= LISTING_MIN_HEADLINES
        and body_chars < LISTING_MAX_BODY_CHARS
        # a short post under its own headline and date (a blog's sidebar of post titles
        # around it), unless more headlines carry dates: a listing's shape
        and not (draft.own_header and draft.dated_heads < DATED_LISTING_MIN_HEADS)
    ):
        return Rejected(
            "listing", f"{draft.n_headlines} headline-like blocks, {body_chars} chars of body"
        )
    if (
        draft.dated_heads >= DATED_LISTING_MIN_HEADS
        and body_chars < DATED_LISTING_MAX_BODY_CHARS
    ):
        return Rejected(
            "listing", f"{draft.dated_heads} dated headlines, {body_chars} chars of body"
        )
    if draft.dated_entries >= FEED_MIN_DAYS and not draft.declared_article:
        return Rejected("listing", f"a feed: entries under {draft.dated_entries} dates")
    paragraphs = len(draft.body)
    if (
        not draft.declared_article
        and paragraphs >= TEASER_LISTING_MIN_PARAGRAPHS
        and draft.teaser_led >= TEASER_LISTING_SHARE * paragraphs
    ):
        return Rejected(
            "listing", f"{draft.teaser_led} of {paragraphs} paragraphs follow a linked headline"
        )
    if not draft.declared_article and (entries := _templated_entries(draft.body)):
        return Rejected(
            "listing", f"{entries} of {len(draft.body)} paragraphs open with the same words"
        )
    if not draft.declared_article and (why := _listing_marks(draft, body_chars)):
        return Rejected("listing", why)
    if (
        not draft.declared_article
        and draft.n_headlines >= SITE_TITLED_MIN_HEADLINES
        and body_chars < SITE_TITLED_MAX_BODY_CHARS
        and names_site(draft.title, page.url)
    ):
        return Rejected(
            "listing",
            f"titled by the site's name, {draft.n_headlines} headline-like blocks",
        )
    kind = None if draft.declared_article else url_kind(page.url)
    if kind == "search":
        return Rejected("not_article", "a search page (its URL)")
    if kind is not None and draft.n_headlines >= URL_LISTING_MIN_HEADLINES:
        return Rejected(
            "listing", f"a {kind} page (its URL) with {draft.n_headlines} headline-like blocks"
        )
    if (
        kind is None
        and draft.n_headlines >= CRUMB_LISTING_MIN_HEADLINES
        and _HOME_CRUMB.match(draft.title) is not None
    ):
        return Rejected(
            "listing", f"a breadcrumb for a title and {draft.n_headlines} headline-like blocks"
        )
    if article_chars < (MIN_DECLARED_BODY_CHARS if draft.declared_article else MIN_BODY_CHARS):
        return Rejected("too_short", f"{body_chars} chars of body")
    language = detect_language(_sample(draft.body)) or draft.language
    return Extracted(
        title=draft.title,
        body_paragraphs=tuple(_without_repeats(draft.body)),  # after the size tests
        lead=draft.lead,
        published_at=draft.published,
        source_agency=agency,
        authors=draft.authors,
        captions=tuple(draft.captions),
        comment_count=draft.comment_count,
        language=language,
        extra=dict(draft.extra),
    )
