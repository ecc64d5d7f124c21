"""What a page's URL says about it: a home page, a section front, a search page.

News sites give articles a slug or an id ("/politics/2020/09/23/slug.html",
"/news/1906059-slug"); home pages, section fronts ("/news/", "/sport/football/",
"/tag/putin") and search pages ("/search?q=...") have neither.  The scraper always sends
the URL, so this is a cheap and reliable first test; the layout decides the rest.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from vestnik.extract._blocks import word_set

__all__ = ["UrlKind", "split_url", "url_kind"]

UrlKind = Literal["home", "section", "search"]


# first path segments that introduce a listing, whatever follows them
_LISTING_PREFIXES = word_set(
    "tag tags category categories rubric rubrics rubrika rubriki topic topics theme themes "
    "author authors archive archives arhiv arkhiv section sections kategoria kategorie "
    "kategoriya kategorii etiket etiketi tema temi teg tegi label labels"
)
_SEARCH_SEGMENTS = word_set("search suche recherche buscar poisk tarsene tarsi find")
_SEARCH_PARAMS = frozenset(("q", "query", "search", "s", "text", "keyword", "keywords"))
# the names news sites give their sections (English, and Bulgarian/Russian/Ukrainian
# in Latin letters as they appear in URLs, German)
_SECTION_NAMES = word_set(
    "news latest world politics business economy economics markets finance money sport "
    "sports football culture entertainment lifestyle life health science tech technology "
    "opinion opinions comment analysis video videos photo photos gallery local regional "
    "region regions society crime education travel weather auto autos cars blog blogs "
    "novini novina bulgaria balgariya svyat sviat politika ikonomika biznes kultura "
    "obshtestvo regioni zdrave nauka tehnologii avtomobili krimi lyubopitno "
    "novosti mir ekonomika obshchestvo proisshestviya "
    "novyny ukraina ukrayina svit polityka suspilstvo "
    "nachrichten politik wirtschaft kultur panorama wissen gesellschaft aktuelles"
)
_INDEX_FILE = re.compile(r"^(?:index|default|home|main)\.(?:html?|php|aspx?)$")


def split_url(url: str) -> tuple[str, str, str] | None:
    """(host, path, query) of ``url``, the fragment dropped; None when it cannot be
    parsed.  The path may come without its leading "/": callers split it into segments."""
    if "://" in url:  # most URLs: split by hand, urlsplit costs more than the rest
        rest = url.partition("://")[2].partition("#")[0]
        rest, _, query = rest.partition("?")
        netloc, _, path = rest.partition("/")
        return netloc, path, query
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.netloc, parts.path, parts.query


def url_kind(url: str) -> UrlKind | None:
    """Say "home", "section" or "search" when the URL alone tells; else None."""
    split = split_url(url)
    if split is None or not split[0]:
        return None
    _, path, query_string = split
    segments = [s for s in path.lower().split("/") if s]
    if segments and _INDEX_FILE.match(segments[-1]):
        segments.pop()
    query = dict(parse_qsl(query_string)) if query_string else {}
    if any(s in _SEARCH_SEGMENTS for s in segments[:2]) or (
        len(segments) <= 1 and any(query.get(k) for k in _SEARCH_PARAMS)
    ):
        return "search"
    if not segments:
        return "home" if not query else None
    if segments[0] in _LISTING_PREFIXES and len(segments) <= 3:
        return "section"
    if len(segments) <= 2 and segments[-1] in _SECTION_NAMES and not query:
        return "section"
    return None
