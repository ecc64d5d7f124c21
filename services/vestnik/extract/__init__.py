"""Article extraction: pure functions from a decoded page to an article or a rejection.

No broker, no I/O: everything here takes strings and data classes and returns data
classes, so it can be tested and benchmarked alone.  The public surface is this
module; the implementation lives in private ``_*.py`` modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vestnik.extract._sitememory import SiteView

ContentType = Literal["text/html", "text/plain"]

__all__ = ["ContentType", "Extracted", "Page", "Rejected", "extract"]


@dataclass(frozen=True, slots=True)
class Page:
    """One fetched page, already decoded to text."""

    url: str
    fetched_at: datetime  # tz-aware
    content_type: ContentType
    text: str
    site: str | None = None  # a hint from the scraper (e.g. "dnevnik.bg"), may be None
    # IANA zone the page's naive times are read in ("Europe/Moscow"); None: Europe/Sofia
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the extractor found on an article page."""

    title: str
    body_paragraphs: tuple[str, ...]
    lead: str | None = None
    published_at: datetime | date | None = None  # a date when the page shows only the day
    source_agency: str | None = None
    authors: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    comment_count: int | None = None
    language: str | None = None  # ISO 639-1
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejected:
    """The page is not an article; ``reason`` is a short stable code."""

    reason: Literal["empty", "not_article", "login_wall", "listing", "too_short"]
    detail: str


def extract(page: Page, memory: SiteView | None = None) -> Extracted | Rejected:
    """Extract the article on ``page`` or say why it is not one.

    ``memory``: what site memory knows of the page's site (its furniture lines, which are
    then neither body nor title); it is told the page's lines in return. None: the page
    alone decides."""
    from vestnik.extract._core import extract_page
    from vestnik.extract._dates import reading_zone

    with reading_zone(page.timezone):
        return extract_page(page, memory)
