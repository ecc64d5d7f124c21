"""The cleaner's way in and out without pydantic, for ``vestnik clean`` (issue 16: a quick
start; pydantic and the contracts' models are more than a third of its import time).

``vestnik.contracts`` stays the contract; this module only takes the common case and says
None to anything else, and then the caller goes through the models:

- ``plain_event``: a scrape event as ``vestnik clean`` reads it from a file (url,
  fetched_at, content_type, body, charset), when it is plainly valid: the ``ScrapeEvent``
  it would validate to, as a ``PlainEvent`` with the same fields and values;
- ``plain_json``: a model's fields (``cleaner.pipeline.clean_fields``) as its
  ``model_dump(mode="json")`` would give them.

Tests hold both equal to the models on the seeds and the dev sets' pages, field for field,
so a field or rule added to a contract and not here fails them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

EVENT_NS = uuid.UUID("8d5b1f57-3f1e-4c55-9a3e-7f3b7b6f0a11")
"""The namespace of the event ids derived from url and fetched_at."""


def derived_event_id(url: str, fetched_at: datetime) -> str:
    """A scrape event's id when its producer gives none: the same scrape, the same id."""
    return str(uuid.uuid5(EVENT_NS, f"{url}|{fetched_at.isoformat()}"))


@dataclass(frozen=True, slots=True)
class PlainEvent:
    """A ``ScrapeEvent``'s fields, validated as it validates them (``plain_event``)."""

    version: Literal[1]
    event_id: str
    url: str
    fetched_at: datetime
    content_type: Literal["text/html", "text/plain"]
    body: str
    charset: str | None
    site: str | None
    timezone: str | None


def plain_event(obj: dict[str, str]) -> PlainEvent | None:
    """The event ``ScrapeEvent.model_validate(obj)`` gives, for an ``obj`` of url,
    fetched_at (ISO 8601 with an offset), content_type (no parameters), body and charset
    (or none) that it accepts; None for any other."""
    if set(obj) - {"url", "fetched_at", "content_type", "body", "charset"}:
        return None
    url, ctype, body = obj.get("url"), obj.get("content_type"), obj.get("body")
    charset = obj.get("charset")
    if not (isinstance(url, str) and 0 < len(url) <= 8192 and isinstance(body, str)
            and body.strip() and ctype in ("text/html", "text/plain")
            and (charset is None or (isinstance(charset, str) and len(charset) <= 40))):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        fetched_at = datetime.fromisoformat(obj.get("fetched_at", ""))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
    except (TypeError, ValueError):
        return None
    if fetched_at.tzinfo is None:
        return None
    return PlainEvent(version=1, event_id=derived_event_id(url, fetched_at), url=url,
                      fetched_at=fetched_at,
                      content_type="text/html" if ctype == "text/html" else "text/plain",
                      body=body, charset=charset,
                      site=None, timezone=None)


_ZERO = timedelta(0)


def _json_time(value: datetime) -> str | None:
    """``value`` as pydantic writes a datetime: ISO 8601, ``Z`` for a zero offset; None
    for an offset in seconds (pydantic drops them)."""
    offset = value.utcoffset()
    if offset is None:
        return value.isoformat()
    if offset % timedelta(minutes=1):
        return None
    text = value.isoformat()
    return f"{text[:-6]}Z" if offset == _ZERO else text


def plain_json(value: Any) -> Any:
    """A model's fields (nested: dicts, lists) as its ``model_dump(mode="json")`` gives
    them, when they hold only strings, numbers, booleans, None, days and times with whole
    minutes of offset; else None. The fields must be all of the model's, in its order."""
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    if isinstance(value, datetime):
        return _json_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        items = [plain_json(v) for v in value]
        return None if any(i is None and v is not None for i, v in zip(items, value,
                                                                          strict=True)) else items
    if isinstance(value, dict):
        fields = {k: plain_json(v) for k, v in value.items()}
        if any(fields[k] is None and v is not None for k, v in value.items()):
            return None
        return fields
    return None

