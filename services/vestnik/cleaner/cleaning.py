"""One page's cleaning, in this process: an entry's bytes decoded into a scrape event
(``decode_entry``), the page cleaned and its output encoded (``clean_one``), every failure
of one page a result of its own; and what the worker reads off an entry before it is sent
anywhere (``peek_page``).

An extraction process runs these for each page (``_child``); ``clean_here`` runs them in
this process, for tests and benchmarks. No broker, no processes, no time budget: those
are ``budget``'s.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

import orjson

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, Rejection, ScrapeEvent
from vestnik.extract._sitememory import SiteView, site_key
from vestnik.urls import canonical_url
from vestnik.wire import (
    DATA_FIELD,
    WireError,
    decode_event,
    encode_model,
    entry_size,
    unwrap_faststream,
)


@dataclass(frozen=True, slots=True)
class Job:
    """One entry to clean, as read from the stream."""

    entry_id: str
    fields: Mapping[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Decoded:
    """What the worker learns of a page once it is decoded: its event id, what is known
    of it for a timeout's or crash's reason (url, content type, size), how long decoding
    took, and, with site memory, its site and canonical URL."""

    event_id: str
    about: str
    decode_ms: float = 0.0
    site: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A page cleaned and encoded: the entry to publish."""

    outcome: Literal["article", "rejected"]
    key: str  # the article id, or the rejection reason
    fields: dict[str, bytes]
    duration_ms: float = 0.0  # cleaning it (extract, build, encode), decoding not counted
    lines: tuple[int, ...] = ()  # hashes of the page's lines, for site memory
    page: Decoded | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """A page that cannot be cleaned: ``error_type`` is a stable code, ``reason`` says why."""

    error_type: str  # internal_error, unencodable, timeout, crashed
    reason: str
    duration_ms: float = 0.0
    page: Decoded | None = None  # None: it stopped (timeout, crash) before it was decoded


@dataclass(frozen=True, slots=True)
class Undecodable:
    """An entry that is no scrape event this stage can clean (``WireError``'s ``code`` and
    ``reason``; ``internal_error`` for a bug in decoding): it is dead-lettered."""

    code: str
    reason: str
    decode_ms: float = 0.0


Result = Cleaned | Failed | Undecodable


class Located(Protocol):
    """A page's site and canonical URL (a ``Decoded`` page, or what ``peek_page`` read)."""

    @property
    def site(self) -> str: ...

    @property
    def url(self) -> str: ...


class Where(NamedTuple):
    """A page's site and canonical URL as ``peek_page`` reads them off its entry."""

    site: str
    url: str


# site memory's furniture of each page, in order
Furnish = Callable[[Sequence[Located]], Awaitable[Sequence[frozenset[int]]]]
# told of a page's result as soon as it is known: its position in the batch, the result
Reported = Callable[[int, "Result"], None]
_BDATA = DATA_FIELD.encode()


def peek_page(fields: Mapping[bytes, bytes], max_body_bytes: int) -> Where | None:
    """The site and canonical URL an entry's page has once decoded, read without decoding
    it (its ``url`` and ``site``: the JSON's keys found by a byte search near its ends, not
    parsed; or those plain fields), so that site memory can be looked up before the entry is sent
    to an extraction process. None when they cannot be read so. Either way the process's
    own decoding is what counts: a page whose site or URL is not what was read asks for
    its furniture (a key found in a nested object, say)."""
    try:
        if entry_size(fields) > max_body_bytes:  # the process says too_large without decoding
            return None
        raw = fields.get(_BDATA)
        if raw is not None:
            raw = unwrap_faststream(raw)
            url, hint = _json_key(raw, b"url"), _json_key(raw, b"site")
        else:
            url = fields[b"url"].decode()
            hint = fields[b"site"].decode() if b"site" in fields else None
        if not isinstance(url, str) or not url or not isinstance(hint, str | None):
            return None
        return Where(site_key(url, hint), canonical_url(url))
    except Exception:  # whatever it is, the process decodes it and says
        return None


# a key's string (or null) value in JSON text: a quote inside a JSON string is escaped, so
# '"key"' followed by a colon is a key wherever it is found
_JSON_STRING = re.compile(rb'\s*:\s*(null|"(?:[^"\\]|\\.)*")')
_PEEK_BYTES = 4096  # the small fields of an event sit before or after its body


def _json_key(raw: bytes, key: bytes) -> Any:
    """The value of the first ``key`` in the JSON text ``raw`` whose value is a string or
    null, found in its first or last ``_PEEK_BYTES`` (None when there is none): the
    text is searched, never parsed whole, nor the page's body in the middle of it."""
    token = b'"' + key + b'"'
    size = len(raw)
    spans = ([(0, size)] if size <= 2 * _PEEK_BYTES else
             [(0, _PEEK_BYTES), (size - _PEEK_BYTES, size)])
    for start, end in spans:
        at = raw.find(token, start, end)
        while at != -1:
            if (found := _JSON_STRING.match(raw, at + len(token))) is not None:
                return orjson.loads(found.group(1))
            at = raw.find(token, at + 1, end)
    return None


@dataclass(slots=True)
class Held:
    """A page decoded and not cleaned yet: its event, kept in the child between the
    batch's two messages, and what the worker is told of it."""

    event: ScrapeEvent
    page: Decoded


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _exception_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def decode_entry(fields: Mapping[bytes, bytes], *, max_body_bytes: int,
                 site_memory: bool = False) -> Held | Undecodable:
    """Decode one entry (``wire.decode_event``); whatever that raises is the entry's own
    ``Undecodable``. ``site_memory``: work out the page's site and canonical URL too."""
    started = time.perf_counter()
    try:
        event = decode_event(fields, max_body_bytes=max_body_bytes)
    except WireError as exc:
        return Undecodable(exc.code, exc.reason, _ms(started))
    except Exception as exc:  # a bug in decoding: this entry's alone
        return Undecodable("internal_error", _exception_text(exc), _ms(started))
    size = sum(len(v) for v in fields.values())
    about = (f"url {event.url}, content type {event.content_type}, body "
             f"{len(event.body):,} characters (entry {size:,} bytes)")
    site = url = ""
    if site_memory:
        site, url = site_key(event.url, event.site), canonical_url(event.url)
    return Held(event, Decoded(event.event_id, about, _ms(started), site, url))


def clean_decoded(held: Held, entry_id: str,
                  furniture: frozenset[int] | None = None) -> Cleaned | Failed:
    """Clean a decoded page (``clean_one``), its ``Decoded`` attached."""
    result = clean_one(held.event, entry_id, furniture)
    if isinstance(result, Cleaned):
        return Cleaned(result.outcome, result.key, result.fields, result.duration_ms,
                       result.lines, held.page)
    return Failed(result.error_type, result.reason, result.duration_ms, held.page)


def clean_one(event: ScrapeEvent, entry_id: str,
              furniture: frozenset[int] | None = None) -> Cleaned | Failed:
    """Clean one page and encode its output; everything that can raise on one page
    (extraction, building the article, encoding it) ends as a ``Failed`` of its own.
    ``furniture``: site memory's lines of the page's site (then the result carries the
    page's own lines, to learn from)."""
    started = time.perf_counter()
    view = SiteView(furniture) if furniture is not None else None
    try:
        result = (clean_event(event, entry_id=entry_id) if view is None
                  else clean_event(event, entry_id=entry_id, memory=view))
    except Exception as exc:
        return Failed("internal_error", f"extraction failed: {describe_exception(exc)}",
                      _ms(started))
    try:
        fields = encode_model(result)
    except Exception as exc:
        return Failed("unencodable", _unencodable(result, exc), _ms(started))
    lines = tuple(view.lines) if view is not None else ()
    if isinstance(result, Article):
        return Cleaned("article", result.article_id, fields, _ms(started), lines)
    return Cleaned("rejected", result.reason, fields, _ms(started), lines)


async def clean_here(jobs: Sequence[Job], *, max_body_bytes: int,
                     furnish: Furnish | None = None,
                     report: Reported | None = None) -> list[Result]:
    """What ``ExtractorPool.clean`` does, in this process and without a time budget."""
    found = [decode_entry(job.fields, max_body_bytes=max_body_bytes,
                          site_memory=furnish is not None) for job in jobs]
    held = [h for h in found if isinstance(h, Held)]
    furniture: dict[int, frozenset[int]] = {}
    if furnish is not None:
        given = await furnish([h.page for h in held])
        furniture = {id(h): f for h, f in zip(held, given, strict=True)}
    results: list[Result] = []
    for job, h in zip(jobs, found, strict=True):
        result = h if isinstance(h, Undecodable) else clean_decoded(h, job.entry_id,
                                                                    furniture.get(id(h)))
        if report is not None:
            report(len(results), result)
        results.append(result)
    return results


def describe_exception(exc: BaseException) -> str:
    """``Type: message (at file:line in function)``, the innermost frame."""
    text = _exception_text(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"
    return text


def _unencodable(result: Article | Rejection, exc: Exception) -> str:
    kind = "article" if isinstance(result, Article) else "rejection"
    where = next(_surrogates(result.model_dump(mode="json")), None)
    found = ""
    if where is not None:
        path, at, char = where
        found = f"{path} holds a lone surrogate U+{ord(char):04X} at character {at}; "
    return f"the {kind} cannot be written as UTF-8 JSON: {found}{type(exc).__name__}: {exc}"


def _surrogates(value: Any, path: str = "") -> Iterator[tuple[str, int, str]]:
    """Where strings in ``value`` hold lone surrogates: (path, index, the character)."""
    if isinstance(value, str):
        for at, char in enumerate(value):
            if "\ud800" <= char <= "\udfff":
                yield path or "value", at, char
                return
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _surrogates(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _surrogates(item, f"{path}[{i}]")
