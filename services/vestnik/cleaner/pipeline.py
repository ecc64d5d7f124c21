"""From a validated scrape event to an ``Article`` or a ``Rejection``: pure, no broker.

Used by the cleaning worker and by ``vestnik clean`` alike. ``clean_fields`` gives the
answer as the model's fields without pydantic (``vestnik clean`` writes them out through
``vestnik.plain``); ``clean_event`` validates them into the model.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from vestnik import __version__
from vestnik.extract import Extracted, Page, Rejected, extract
from vestnik.extract._sitememory import SiteView
from vestnik.timezones import SiteZones, page_zone
from vestnik.urls import article_id, canonical_url, site_of

if TYPE_CHECKING:
    from vestnik.contracts import Article, Rejection, ScrapeEvent

CLEANER_VERSION = f"vestnik-cleaner/{__version__}"
_WORD = re.compile(r"\w+")


@cache
def _configured_zones() -> SiteZones:
    """``VESTNIK_SITE_TIMEZONES`` of this process, read once."""
    from vestnik.settings import Settings  # here: `vestnik clean` passes its zones

    return SiteZones(Settings().site_timezones)


class Event(Protocol):
    """What the cleaner reads of a scrape event: a ``ScrapeEvent`` or a ``PlainEvent``."""

    @property
    def event_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def fetched_at(self) -> datetime: ...
    @property
    def content_type(self) -> Literal["text/html", "text/plain"]: ...
    @property
    def body(self) -> str: ...
    @property
    def site(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...


Kind = Literal["article", "rejected"]


def clean_event(
    event: ScrapeEvent, *, entry_id: str | None = None, site_zones: SiteZones | None = None,
    memory: SiteView | None = None,
) -> Article | Rejection:
    """Extract the article in ``event``, or say why the page is not one.

    ``site_zones``: the zone per site (default: ``VESTNIK_SITE_TIMEZONES``); the page's
    naive times are read in ``timezones.page_zone``'s choice. ``memory``: what site memory
    knows of its site (and is told the page's lines)."""
    from vestnik.contracts import Article, Rejection

    kind, fields = clean_fields(event, entry_id=entry_id, site_zones=site_zones, memory=memory)
    return (Article if kind == "article" else Rejection).model_validate(fields)


def clean_fields(
    event: Event, *, entry_id: str | None = None, site_zones: SiteZones | None = None,
    memory: SiteView | None = None,
) -> tuple[Kind, dict[str, Any]]:
    """``clean_event``'s answer before it is validated: "article" and an ``Article``'s
    fields, or "rejected" and a ``Rejection``'s; every field, in the model's order."""
    zones = _configured_zones() if site_zones is None else site_zones
    page = Page(
        url=event.url,
        fetched_at=event.fetched_at,
        content_type=event.content_type,
        text=event.body,
        site=event.site,
        timezone=page_zone(event.url, event_zone=event.timezone, site=event.site,
                           site_zones=zones),
    )
    found = extract(page, memory)
    if isinstance(found, Extracted) and not (found.title.strip() and found.body_paragraphs):
        found = Rejected("not_article", "no title" if found.body_paragraphs else "no body")
    if isinstance(found, Rejected):
        return "rejected", {
            "version": 1,
            "event_id": event.event_id,
            "url": event.url,
            "reason": found.reason,
            "detail": found.detail,
            "cleaner_version": CLEANER_VERSION,
            "source_entry_id": entry_id,
        }
    return "article", article_fields(event, found, entry_id=entry_id)


def build_article(event: ScrapeEvent, found: Extracted, *, entry_id: str | None) -> Article:
    from vestnik.contracts import Article

    return Article.model_validate(article_fields(event, found, entry_id=entry_id))


def article_fields(event: Event, found: Extracted, *, entry_id: str | None) -> dict[str, Any]:
    """An ``Article``'s fields, every one in its order (``version`` first, the provenance's
    nested), not yet validated."""
    url = canonical_url(event.url)
    body_text = "\n\n".join(found.body_paragraphs)
    digest = hashlib.sha256(f"{found.title}\n\n{body_text}".encode()).hexdigest()
    return dict(
        version=1,
        article_id=article_id(url),
        url=url,
        site=event.site or site_of(url),
        title=found.title,
        lead=found.lead,
        body_paragraphs=list(found.body_paragraphs),
        body_text=body_text,
        published_at=found.published_at,
        source_agency=found.source_agency,
        authors=list(found.authors),
        captions=list(found.captions),
        comment_count=found.comment_count,
        language=found.language,
        word_count=len(_WORD.findall(body_text)),
        content_hash=digest,
        provenance=dict(
            event_id=event.event_id,
            fetched_at=event.fetched_at,
            cleaner_version=CLEANER_VERSION,
            source_entry_id=entry_id,
            fetched_url=event.url,
        ),
    )
