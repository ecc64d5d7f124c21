"""Site memory: lines that recur across a site's pages are its furniture.

A streaming cleaner sees many pages of one site; a line or block found on many of them
(a menu, a site-wide news feed, the rules of a hidden login box, a legal footer) is not
any page's article. This module is the pure part: what is learned and how it is looked
up. No I/O: the cleaner shares it through Redis (``vestnik.sitememory``).

* **Lines.** Each block of a page (a line of a dump, a block element of HTML) that is
  longer than a menu item (not ``SHORT``) is hashed, lowercased, to 64 bits (BLAKE2b);
  a page's lines count once per page, however often the page repeats them.
* **Per site** (:func:`site_key`: the event's ``site`` hint, else the URL's host without
  ``www.``), :class:`SiteTable` counts the pages each line was on, with **forward decay**:
  a page learned at time ``t`` adds ``2 ** ((t - t0) / half_life)``, so every count read
  at time ``now`` is the sum of ``2 ** -((now - t) / half_life)`` over its pages; a
  story that ran in the site's news feed for a day fades while the menus, seen on every
  new page, stay. A URL is learned once (a re-fetch teaches nothing). The table is
  bounded: past ``1.5 * max_lines`` lines it keeps the ``max_lines`` heaviest.
* **Furniture**: a line whose decayed count is at least ``min_count``, on a site with
  at least ``min_pages`` (decayed) pages; a page already learned needs one more.
* **Use** (:class:`SiteView`, handed to the extractor): furniture blocks that would be
  prose or headlines become boilerplate, so they are neither body nor title candidates;
  but never a date, source, byline, caption or section line (an agency's credit line
  „Източник: БГНЕС“ recurs for a good reason), never a line the URL's slug spells, and
  never a line whose words are mostly the page's own text (a teaser of *this* article
  on other pages repeats its headline or lead: they stay this page's title and lead).
  A page with almost no prose besides its furniture is left alone: it is a copy of pages
  seen (the same article at another URL), not an article amid furniture.

With no view, or a view with no furniture, extraction is exactly what it is without
site memory.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from vestnik.extract._blocks import (
    AUTHOR,
    BOILER,
    CAPTION,
    COUNT,
    DATE,
    HEADING,
    PROSE,
    SECTION,
    SHORT,
    SOURCE,
    Block,
    classify,
)
from vestnik.extract._title import slug_overlap

__all__ = [
    "SiteMemory",
    "SiteTable",
    "SiteView",
    "line_hash",
    "site_key",
]

MIN_COUNT = 5.0  # pages (decayed) a line must be on to be furniture ...
MIN_PAGES = 10.0  # ... of a site with at least this many pages learned (decayed)
HALF_LIFE_S = 3 * 86_400.0  # a count halves in this long
MAX_LINES = 1024  # lines kept per site (the heaviest), past 1.5 times this many
MAX_URLS = 1024  # URLs remembered per site (a re-fetch of one of them teaches nothing)
MAX_SITES = 256  # sites kept in a SiteMemory (the least recently used go)
RESCALE_AFTER = 32.0  # half-lives after t0 before the weights are brought back near 1
OWN_WORDS_SHARE = 0.5  # a furniture line with this share of its words on the page ...
OWN_MIN_WORDS = 3  # ... (and at least this many words) is the page's own
OWN_MIN_CHARS = 200  # a page with less prose that is not furniture is left as it is
OWN_MAX_CHARS = 500  # only lines up to this long (a headline, a lead) are checked ...
OWN_PARAGRAPH_CHARS = 50  # ... against the page's paragraphs this long ...
OWN_TEXT_CHARS = 4000  # ... up to this much text
SLUG_MIN_KEYS = 3  # a slug of this many words ...
SLUG_OWN = 0.7  # ... of which a line spells this share names the page's headline
META_MAX_CHARS = 300  # no longer line is a date, credit, byline or caption
_META_KINDS = frozenset({DATE, SOURCE, AUTHOR, CAPTION, COUNT, SECTION})
_WORD = re.compile(r"[^\W\d_]{4,}")
_HASH_CACHE_MAX = 65_536
_hashes: dict[str, int] = {}
_meta: dict[str, bool] = {}


def line_hash(text: str) -> int:
    """A 64-bit hash of ``text`` lowercased, the same in every process and replica."""
    found = _hashes.get(text)
    if found is not None:
        return found
    digest = hashlib.blake2b(
        text.lower().encode("utf-8", "surrogatepass"), digest_size=8
    ).digest()
    value = int.from_bytes(digest, "big")
    if len(_hashes) >= _HASH_CACHE_MAX:
        _hashes.clear()
    _hashes[text] = value
    return value


def site_key(url: str, hint: str | None = None) -> str:
    """Which site a page belongs to: the scraper's ``site`` hint, else its URL's host
    without ``www.`` (``sport.dnevnik.bg`` is a site of its own: one host, one template;
    the blogs of a hosting platform, ``a.wordpress.com`` and ``b.wordpress.com``, are
    not one site, which their registrable domain would make them). Braces are dropped
    (they would change a Redis Cluster hash tag)."""
    if hint and hint.strip():
        key = hint.strip().lower()
    else:
        key = (urlsplit(url).hostname or "").lower().rstrip(".").removeprefix("www.")
    return key.replace("{", "").replace("}", "")


class SiteView:
    """What the extractor is told of a page's site (its furniture), and what it tells
    back: the hashes of the page's lines (``lines``), to learn from."""

    __slots__ = ("furniture", "lines", "marked")

    def __init__(self, furniture: frozenset[int] = frozenset()) -> None:
        self.furniture = furniture
        self.lines: list[int] = []
        self.marked = 0  # blocks taken for furniture on this page

    def apply(self, blocks: list[Block], now: datetime | None,
              slug: frozenset[str] = frozenset()) -> None:
        """Record the hashes of the page's lines; make its furniture blocks boilerplate
        (see the module's docstring for the lines that never are)."""
        furniture = self.furniture
        lines = self.lines
        cache = _hashes
        found: list[int] = []
        for i, b in enumerate(blocks):
            kind = b.kind
            if kind is SHORT:
                continue
            h = cache.get(b.text)
            if h is None:
                h = line_hash(b.text)
            lines.append(h)
            if h in furniture and (kind is PROSE or kind is HEADING):
                found.append(i)
        if not found:
            return
        candidates = set(found)
        own_chars = 0
        for i, b in enumerate(blocks):
            if b.kind is PROSE and i not in candidates:
                own_chars += len(b.text)
        if own_chars < OWN_MIN_CHARS:
            return  # no prose of its own: a copy of pages seen (or a listing), not furniture
        own: str | None = None  # the page's own prose, lowercased, when asked
        use_slug = len(slug) >= SLUG_MIN_KEYS
        for i in found:
            b = blocks[i]
            text = b.text
            if len(text) <= META_MAX_CHARS and _is_meta(text, now):
                continue  # a date, credit, byline, caption: it says something of this page
            if len(text) <= OWN_MAX_CHARS:  # the size of a headline or a lead
                if use_slug and slug_overlap(text, slug) >= SLUG_OWN:
                    continue  # the headline the URL spells
                words = set(_WORD.findall(text.lower()))
                if len(words) >= OWN_MIN_WORDS:
                    if own is None:
                        own = _own_text(blocks, candidates)
                    shared = sum(1 for w in words if w in own)
                    if shared >= OWN_WORDS_SHARE * len(words):
                        continue  # a teaser of this very article on other pages
            b.kind = BOILER
            b.refined = True
            self.marked += 1


def _is_meta(text: str, now: datetime | None) -> bool:
    """A date, source, byline, caption, counter or section line (remembered per text:
    furniture recurs)."""
    found = _meta.get(text)
    if found is None:
        found = classify(text, now) in _META_KINDS
        if len(_meta) >= _HASH_CACHE_MAX:
            _meta.clear()
        _meta[text] = found
    return found


def _own_text(blocks: list[Block], furniture: set[int]) -> str:
    """The page's own paragraphs (prose that is not furniture), lowercased, the first
    ``OWN_TEXT_CHARS`` of them: an article's headline and lead share its opening's
    words."""
    taken: list[str] = []
    size = 0
    for i, b in enumerate(blocks):
        if b.kind is PROSE and len(b.text) >= OWN_PARAGRAPH_CHARS and i not in furniture:
            taken.append(b.text)
            size += len(b.text)
            if size >= OWN_TEXT_CHARS:
                break
    return " ".join(taken).lower()


class SiteTable:
    """One site's counted lines (forward-decayed, see the module's docstring)."""

    __slots__ = ("_furniture", "counts", "half_life", "last", "max_lines", "max_urls",
                 "pages", "t0", "urls")

    def __init__(self, half_life: float = HALF_LIFE_S, max_lines: int = MAX_LINES,
                 max_urls: int = MAX_URLS, t0: float = 0.0) -> None:
        self.half_life = half_life
        self.max_lines = max_lines
        self.max_urls = max_urls
        self.t0 = t0  # the time at which a page weighs 1
        self.last = t0  # the latest time learned: counts are read as of then
        self.counts: dict[int, float] = {}  # line -> weighted pages
        self.pages = 0.0  # weighted pages
        self.urls: dict[int, None] = {}  # recent URL hashes, oldest first
        self._furniture: dict[tuple[float, float, bool], frozenset[int]] = {}

    def weight(self, at: float) -> float:
        return math.pow(2.0, (at - self.t0) / self.half_life) if self.half_life > 0 else 1.0

    def learn(self, url: str, lines: Iterable[int], at: float = 0.0) -> bool:
        """Count ``lines`` (the page's, each once) of the page at ``url`` learned at time
        ``at`` (seconds); False when that URL was learned already."""
        key = line_hash(url)
        if key in self.urls:
            return False
        self.urls[key] = None
        if len(self.urls) > self.max_urls:
            del self.urls[next(iter(self.urls))]
        if self.half_life > 0 and (at - self.t0) / self.half_life > RESCALE_AFTER:
            self.rescale(at)
        w = self.weight(at)
        counts = self.counts
        for h in set(lines):
            counts[h] = counts.get(h, 0.0) + w
        self.pages += w
        self.last = max(self.last, at)
        if len(counts) > self.max_lines + self.max_lines // 2:
            self.prune()
        self._furniture.clear()
        return True

    def add(self, counts: dict[int, float], pages: float, t0: float) -> None:
        """Merge counts made with the reference time ``t0`` (a shared store's)."""
        scale = math.pow(2.0, (t0 - self.t0) / self.half_life) if self.half_life > 0 else 1.0
        for h, c in counts.items():
            self.counts[h] = self.counts.get(h, 0.0) + c * scale
        self.pages += pages * scale
        if len(self.counts) > self.max_lines + self.max_lines // 2:
            self.prune()
        self._furniture.clear()

    def rescale(self, t0: float) -> None:
        """Make ``t0`` the time at which a page weighs 1 (the counts stay the same)."""
        # 2 ** -(t0 - self.t0) / half_life: underflows to 0 (never overflows) far ahead
        factor = math.pow(2.0, (self.t0 - t0) / self.half_life) if self.half_life > 0 else 1.0
        self.counts = {h: c * factor for h, c in self.counts.items()}
        self.pages *= factor
        self.t0 = t0
        self._furniture.clear()

    def prune(self) -> None:
        """Keep the ``max_lines`` heaviest lines (ties: the larger hash, for order)."""
        if len(self.counts) <= self.max_lines:
            return
        kept = sorted(self.counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        self.counts = dict(kept[: self.max_lines])

    def decayed(self, value: float, now: float | None = None) -> float:
        """A weighted count as of ``now`` (default: the latest time learned)."""
        return value / self.weight(self.last if now is None else now)

    def seen(self, url: str) -> bool:
        return line_hash(url) in self.urls

    def furniture(self, min_count: float = MIN_COUNT, min_pages: float = MIN_PAGES,
                  own: bool = False) -> frozenset[int]:
        """The lines that are furniture as of the latest time learned; ``own``: the
        page looked up was learned already (its own lines are counted: one more)."""
        key = (min_count, min_pages, own)
        found = self._furniture.get(key)
        if found is not None:
            return found
        scale = self.weight(self.last)
        if self.pages / scale < min_pages:
            found = frozenset()
        else:
            need = (min_count + (1.0 if own else 0.0)) * scale
            found = frozenset(h for h, c in self.counts.items() if c >= need)
        self._furniture[key] = found
        return found


class SiteMemory:
    """Site tables by site, the least recently used dropped past ``max_sites``."""

    __slots__ = ("half_life", "max_lines", "max_sites", "max_urls", "min_count",
                 "min_pages", "tables")

    def __init__(self, *, min_count: float = MIN_COUNT, min_pages: float = MIN_PAGES,
                 half_life: float = HALF_LIFE_S, max_lines: int = MAX_LINES,
                 max_urls: int = MAX_URLS, max_sites: int = MAX_SITES) -> None:
        self.min_count = min_count
        self.min_pages = min_pages
        self.half_life = half_life
        self.max_lines = max_lines
        self.max_urls = max_urls
        self.max_sites = max_sites
        self.tables: dict[str, SiteTable] = {}

    def table(self, site: str, create: bool = True) -> SiteTable | None:
        found = self.tables.pop(site, None)
        if found is None:
            if not create:
                return None
            found = SiteTable(self.half_life, self.max_lines, self.max_urls)
        self.tables[site] = found  # now the most recently used
        while len(self.tables) > self.max_sites:
            del self.tables[next(iter(self.tables))]
        return found

    def learn(self, site: str, url: str, lines: Iterable[int], at: float = 0.0) -> bool:
        table = self.table(site)
        assert table is not None
        return table.learn(url, lines, at)

    def furniture(self, site: str, url: str) -> frozenset[int]:
        """The furniture to tell the extractor of for the page at ``url`` of ``site``."""
        table = self.tables.get(site)
        if table is None:
            return frozenset()
        return table.furniture(self.min_count, self.min_pages, own=table.seen(url))

    def view(self, site: str, url: str) -> SiteView:
        return SiteView(self.furniture(site, url))
