"""Pages on disk as scrape events: used by ``vestnik clean``, ``publish`` and ``demo``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vestnik.charsets import lookup

if TYPE_CHECKING:  # `vestnik clean` reads pages without pydantic
    from vestnik.contracts import ContentType

_TYPES: dict[str, ContentType] = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/plain",  # a dump in Markdown: the cleaner tells it by its shape
    ".markdown": "text/plain",
}
LOCAL_URL_BASE = "https://pages.vestnik.invalid/"


def content_type_for(path: Path) -> ContentType | None:
    return _TYPES.get(path.suffix.lower())


def page_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files in the order given; a folder gives its pages (by extension) sorted by name."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and content_type_for(p))
        else:
            yield path


def event_fields(
    path: Path,
    *,
    content_type: ContentType | None = None,
    url: str | None = None,
    url_base: str = LOCAL_URL_BASE,
    suffix: str = "",
    charset: str | None = None,
) -> dict[str, str | bytes]:
    """Plain stream fields (producer shape 3) for the page in ``path``.

    The body stays bytes, so a page in another charset is carried untouched: ``charset``
    (a label of the Encoding Standard, sent as the encoding's name; LookupError for any
    other) says which; without it the cleaner finds it as it does for any event (a BOM,
    UTF-8, ``<meta charset>``, detection). Without ``url``, the URL is made from the file
    name; ``fetched_at`` is the file's mtime, so publishing the same file twice gives the
    same event id.
    """
    if charset is not None:
        encoding = lookup(charset)
        if encoding is None:
            raise LookupError(f"unknown encoding: {charset}")
        charset = encoding.name
    ctype = content_type or content_type_for(path) or "text/plain"
    fetched = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    fields: dict[str, str | bytes] = {
        "url": url or f"{url_base.rstrip('/')}/{path.stem}{suffix}",
        "fetched_at": fetched.isoformat(),
        "content_type": ctype,
        "body": path.read_bytes(),
    }
    return fields | ({"charset": charset} if charset else {})
