"""HTML front end: lexbor DOM (selectolax) -> blocks with layout hints -> Draft.

1. metadata first: JSON-LD (Article/NewsArticle/BlogPosting...), <meta> (og:, article:,
   twitter:, Dublin Core, parsely...), <title>, <html lang>;
2. one iterative walk over <body> cuts the text into blocks at block-level elements
   and records, per block, the innermost block tag, the share of its text inside
   links (link density) and the class/id/role hints of its ancestors ("comment",
   "sidebar", "share" ... negative; "article", "content", itemprop=articleBody ...
   positive); hidden elements, navigation, forms controls and scripts are skipped;
3. the blocks are repaired in one pass and classified like text blocks (headings and
   figcaptions by their tag), then ``_layout.assemble`` picks the body run;
4. metadata from step 1 fill or correct title, date, authors and comment count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson
from selectolax.lexbor import LexborHTMLParser, LexborNode

from vestnik.extract._blocks import (
    CAPTION,
    COUNT,
    HEADING,
    PROSE,
    SECTION,
    Block,
    Draft,
    alternation,
    classify_coarse,
    word_set,
)
from vestnik.extract._dates import date_in_url, parse_iso
from vestnik.extract._layout import CONTENT_TRUSTED_CHARS, assemble
from vestnik.extract._repair import repair, repair_lines
from vestnik.extract._title import lead_shaped, names_site, slug_keys

if TYPE_CHECKING:
    from vestnik.extract._sitememory import SiteView

__all__ = ["parse_html"]


_BLOCK_TAGS = word_set(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody thead tfoot td th tr ul caption legend center menu"
)
_SKIP_TAGS = word_set(
    "script style template svg iframe select option textarea button input object "
    "embed canvas video audio map head nav math picture source track link meta"
)
_HINT_TAGS = word_set(
    "div section article aside ul ol header footer main table p figure dl form "
    "blockquote"
)
_HEADINGS = word_set("h1 h2 h3 h4 h5 h6")

# what the walk does with an element, by tag
_SKIP, _BREAK, _INLINE, _LINK, _BLOCK, _HINTED, _HINTED_BLOCK, _NEG_BLOCK = (
    "skip", "break", "inline", "link", "block", "hinted", "hinted-block", "neg-block"
)
_ACTIONS: dict[str, str] = {}
for _t in _BLOCK_TAGS:
    _ACTIONS[_t] = _HINTED_BLOCK if _t in _HINT_TAGS else _BLOCK
for _t in _HINT_TAGS - _BLOCK_TAGS:
    _ACTIONS[_t] = _HINTED
for _t in _SKIP_TAGS:
    _ACTIONS[_t] = _SKIP
_ACTIONS.update({"br": _BREAK, "hr": _BREAK, "img": _SKIP, "a": _LINK})
_ACTIONS["footer"] = _NEG_BLOCK
_ACTIONS["aside"] = _NEG_BLOCK
_ACTIONS["form"] = _NEG_BLOCK  # forms (login, comment, search): see NEGATIVE_PAGE_SHARE
_ACTIONS["-comment"] = _SKIP
_ACTIONS["-doctype"] = _SKIP
_NEG_ROLES = word_set("navigation complementary contentinfo banner search menu dialog")
# class/id words of boilerplate containers; "strong" ones win over positive words.
# "nav", "ad(s)" and "tag(s)" count only at the start of a name part (after a space, "_"
# or "-"): those are searched in " " + name, the leading separator a cheap first test
_STRONG_WORDS = (
    "comment(?!ed)", "disqus", "related", "recommend", "similar", "more-stor", "read-?more",
    "footer", "menu", "breadcrumb", "share", "sharing", "social", "promo", "advert",
    "cookie", "consent", "gdpr", "newsletter", "subscri", "signup", "login", "popup",
    "modal", "sponsor", "outbrain", "taboola", "paywall", "sr-only", "visually-hidden",
)
_NEGATIVE_STRONG = re.compile(alternation(_STRONG_WORDS))
_NEGATIVE_STRONG_PART = re.compile(r"[\s_-](?:nav|ads?(?:$|[\s_-]))")
_WEAK_WORDS = (
    "sidebar", "side-bar", "widget", "banner", "teaser", "tag-?list",
    "author-?(?:bio|box)", "pagination", "pager", "masthead", "site-header", "topbar",
    "top-bar", "toolbar", "rating", "poll", "trending", "popular", "most-read",
    "mostread", "latest", "skip", "hidden", "print-only", "meta-?bar", "post-?meta",
    "entry-?meta", "lightbox", "gallery", "slideshow", "carousel", "slider", "ticker", "overlay",
    "tooltip",
)
_NEGATIVE_WEAK = re.compile(alternation(_WEAK_WORDS))
_NEGATIVE_WEAK_PART = re.compile(r"[\s_-]tags?(?:$|[\s_-])")
_POSITIVE_WORDS = (
    "article", "content", "entry", "post", "story", "body", "text", "main", "blog",
    "news", "detail", "single", "prose", "rich-?text", "markdown", "page",
)
_POSITIVE = re.compile(alternation(_POSITIVE_WORDS))
_LEAD_WORDS = (
    "lead", "standfirst", "subtitle", "sub-title", "subheadline", "sub-headline",
    "summary", "excerpt", "intro", "deck", "perex", "sapo", "chapeau", "abstract",
    "description", "teaser-text", "article-head",
)
_LEAD_HINT = re.compile(alternation(_LEAD_WORDS))
# a name with none of these holds no hint word at all
_ANY_NAME_WORD = re.compile(
    alternation((*_STRONG_WORDS, *_WEAK_WORDS, *_POSITIVE_WORDS, *_LEAD_WORDS, "nav", "ad", "tag"))
)
# hidden, or moved off the screen (an editor's paste buffer left in the page, "left:
# -10000px", holds a copy of the text)
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:left|top)\s*:\s*-\d{4,}(?:\.\d+)?px"
)
_MAX_DEPTH = 400
NEGATIVE_PAGE_SHARE = 0.7
TITLE_REACH = 14  # blocks above the body searched for the headline ...
LEAD_REACH = 3  # ... and blocks below it searched for a standfirst ...
LEAD_MIN_CHARS = 60  # ... of at least this length
LEAD_HINT = 0.25  # added to the hint inside a lead-like element (its fractional part)
LD_BODY_MIN_CHARS = 200  # JSON-LD articleBody worth using instead of the page text ...
LD_BODY_SHARE = 0.5  # ... when the page shows less than this share of it
_MAX_BLOCKS = 8000
_NEWLINE = re.compile(r"[\r\n]+")
_TITLE_SPLIT = re.compile(r"\s+[|\-–—:·»/]\s+|\s+::\s+")
_TITLE_SEP_END = re.compile(r"(?:\s+[|\-–—:·»/]|\s+::)\s+$")
_WS = re.compile(r"\s+")
_TITLE_WORD = re.compile(r"[^\W_]{2,}")
SECTION_NAME_MAX_WORDS = 4  # an h1 a link names is a section's name when this short
TITLE_VARIANT_OVERLAP = 0.75  # an h1 sharing this share of words with og:title is the title

_ARTICLE_TYPES = word_set(
    "article newsarticle blogposting reportagenews analysisnewsarticle opinionnewsarticle "
    "reviewnewsarticle backgroundnewsarticle socialmediaposting liveblogposting "
    "scholarlyarticle techarticle report webpage"
)
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")
_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "article_date_original",
    "originalpublicationdate",
    "datecreated",
)


class _Meta:
    __slots__ = (
        "article",
        "article_body",
        "authors",
        "comments",
        "date",
        "description",
        "lang",
        "ld_title",
        "og_title",
        "title",
    )

    def __init__(self) -> None:
        self.title = ""
        self.og_title = ""
        self.ld_title = ""
        self.description = ""
        self.date: date | None = None
        self.authors: tuple[str, ...] = ()
        self.comments: int | None = None
        self.lang: str | None = None
        self.article = False
        self.article_body = ""


def _ld_objects(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(value, list):
        for v in value[:50]:
            yield from _ld_objects(v, depth + 1)
    elif isinstance(value, dict):
        yield value
        graph = value.get("@graph")
        if graph is not None:
            yield from _ld_objects(graph, depth + 1)


def _ld_type(obj: dict[str, Any]) -> bool:
    t = obj.get("@type")
    types = t if isinstance(t, list) else [t]
    return any(isinstance(x, str) and x.lower() in _ARTICLE_TYPES for x in types)


def _names(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for it in items[:10]:
        name = it.get("name") if isinstance(it, dict) else it
        if isinstance(name, str):
            name = _WS.sub(" ", name).strip()
            if name and len(name) <= 80 and "://" not in name:
                out.append(name)
    return tuple(dict.fromkeys(out))


def _read_json_ld(tree: LexborHTMLParser, meta: _Meta) -> None:
    best_rank = 99
    for node in tree.css('script[type="application/ld+json"]'):
        raw = _CDATA.sub("", node.text(deep=True))
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        for obj in _ld_objects(data):
            if not _ld_type(obj):
                continue
            t = obj.get("@type")
            rank = 1 if (t == "WebPage" or (isinstance(t, list) and "WebPage" in t)) else 0
            if rank > best_rank:
                continue
            best_rank = rank
            meta.article = meta.article or rank == 0
            headline = obj.get("headline") or (obj.get("name") if rank == 0 else None)
            if isinstance(headline, str) and headline.strip():
                meta.ld_title = _WS.sub(" ", headline).strip()
            published = obj.get("datePublished") or obj.get("dateCreated")
            if isinstance(published, str):
                meta.date = parse_iso(published) or meta.date
            if "author" in obj:
                meta.authors = _names(obj["author"]) or meta.authors
            count = obj.get("commentCount")
            if isinstance(count, int) or (isinstance(count, str) and count.isdigit()):
                meta.comments = int(count)
            lang = obj.get("inLanguage")
            if isinstance(lang, str) and 2 <= len(lang) <= 10:
                meta.lang = lang
            body = obj.get("articleBody") or obj.get("text")
            if isinstance(body, str) and len(body) > len(meta.article_body):
                meta.article_body = body
            if isinstance(obj.get("description"), str) and not meta.description:
                meta.description = obj["description"]


def _read_meta(tree: LexborHTMLParser, meta: _Meta) -> None:
    values: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        content = attrs.get("content")
        if key and content:
            values.setdefault(key.strip().lower(), content)
    meta.og_title = _WS.sub(" ", values.get("og:title") or values.get("twitter:title") or "")
    meta.og_title = meta.og_title.strip()
    if values.get("og:type", "").lower() == "article" or "article:published_time" in values:
        meta.article = True
    if not meta.description:
        meta.description = values.get("og:description") or values.get("description") or ""
    if meta.date is None:
        for key in _META_DATE_KEYS:
            if key in values:
                meta.date = parse_iso(values[key])
                if meta.date is not None:
                    break
    if meta.date is None:  # microdata on a visible element: <time itemprop=datePublished ...>
        for node in tree.css('[itemprop="datePublished"]'):
            attrs = node.attributes
            value = attrs.get("content") or attrs.get("datetime")
            if value and (found := parse_iso(value)) is not None:
                meta.date = found
                break
    if not meta.authors:
        for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
            value = values.get(key)
            if value and "://" not in value and len(value) <= 80:
                meta.authors = tuple(a.strip() for a in value.split(",") if a.strip())
                break
    title = tree.css_first("title")
    if title is not None:
        meta.title = _WS.sub(" ", title.text(deep=True)).strip()
    root = tree.root
    if root is not None and meta.lang is None:
        meta.lang = root.attributes.get("lang") or None


class _Walker:
    """Cuts the body into blocks; one instance per page.

    Per block it records (text, innermost block tag, link density, hint, container
    path); the path is the tuple of ids of the enclosing block-level elements, used to
    find the element that holds the article.
    """

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: list[tuple[str, str, float, float, tuple[int, ...]]] = []

    def walk(self, body: LexborNode) -> None:
        # An iterative DFS (pages can be nested thousands deep), written for speed: state
        # in locals, the block flush inlined, and each element's children taken by a
        # plain ``for`` (most nodes are text, handled without leaving the loop) that is
        # left to go down into a child element and resumed when that one is done.
        blocks = self.blocks
        out = blocks.append
        # per enclosing element, innermost last: its children still to walk, its hint,
        # whether it is a block, whether it is a link
        stack: list[tuple[Iterator[LexborNode], float, bool, bool]] = []
        children: Iterator[LexborNode] = body.iter(include_text=True)
        fblock, flink = True, False  # the current element is a block, a link
        block_tags: list[str] = ["body"]
        path: list[int] = []
        cur: list[str] = []
        has_text = False
        links = 0  # chars of text inside links in the current block
        link_depth = 0
        tag_now, hint_now = "body", 0.0
        actions = _ACTIONS
        while True:
            for child in children:
                tag = child.tag or ""
                if tag == "-text":
                    chunk = child.text_content
                    if chunk:
                        if chunk.isspace():
                            if cur:
                                cur.append(" ")
                        else:
                            cur.append(chunk)
                            has_text = True
                            if link_depth:
                                links += len(chunk.strip())
                    continue
                action = actions.get(tag, _INLINE) if tag else _SKIP
                if action is _INLINE:
                    stack.append((children, hint_now, fblock, flink))
                    children = child.iter(include_text=True)
                    fblock, flink = False, False
                    break
                if action is _SKIP:
                    continue
                if action is _BREAK:
                    if has_text:
                        text = "".join(cur)
                        n = len(text.strip())
                        out((text, tag_now, min(1.0, links / n) if links else 0.0, hint_now,
                             tuple(path)))
                        has_text = False
                        links = 0
                    cur.clear()
                    continue
                if len(stack) >= _MAX_DEPTH or len(blocks) > _MAX_BLOCKS:
                    continue
                hint = hint_now
                if action is _HINTED or action is _HINTED_BLOCK:
                    attrs = child.attributes
                    if attrs:
                        found = _attr_hint(
                            attrs.get("class"),
                            attrs.get("id"),
                            attrs.get("role"),
                            attrs.get("itemprop"),
                            attrs.get("style"),
                            "hidden" in attrs or attrs.get("aria-hidden") == "true",
                        )
                        if found is None:
                            continue  # hidden element
                        if found < 0.0:
                            hint = -1.0
                        elif found >= 2.0:
                            hint = 2.0
                        elif found >= 1.0 and hint_now >= 0.0:
                            hint = max(hint_now, 1.0) + (found - 1.0)
                        elif found > 0.0 and hint >= 0.0:
                            hint = hint + found
                elif action is _NEG_BLOCK:
                    hint = -1.0
                stack.append((children, hint_now, fblock, flink))
                children = child.iter(include_text=True)
                if action is _LINK:
                    link_depth += 1
                    fblock, flink = False, True
                elif action is _HINTED:
                    fblock, flink = False, False
                else:  # a block element: close the text before it
                    if has_text:
                        text = "".join(cur)
                        n = len(text.strip())
                        out((text, tag_now, min(1.0, links / n) if links else 0.0, hint_now,
                             tuple(path)))
                        has_text = False
                        links = 0
                    cur.clear()
                    tag_now = tag
                    block_tags.append(tag)
                    path.append(child.mem_id)
                    fblock, flink = True, False
                hint_now = hint
                break
            else:  # the current element's children are done: close it
                if flink:
                    link_depth -= 1
                if fblock:
                    if has_text:
                        text = "".join(cur)
                        n = len(text.strip())
                        out((text, tag_now, min(1.0, links / n) if links else 0.0, hint_now,
                             tuple(path)))
                        has_text = False
                        links = 0
                    cur.clear()
                    block_tags.pop()
                    if path:
                        path.pop()
                    tag_now = block_tags[-1] if block_tags else "body"
                if not stack:
                    break
                children, hint_now, fblock, flink = stack.pop()


@lru_cache(maxsize=65536)
def _attr_hint(
    cls: str | None,
    ident: str | None,
    role: str | None,
    itemprop: str | None,
    style: str | None,
    hidden: bool,
) -> float | None:
    """Hint of one element from its attributes: None = hidden, -1 boilerplate-like,
    2 = itemprop=articleBody, 1 = content-like (+0.25 when lead-like), 0 = nothing."""
    if hidden:
        return None
    if (
        style
        and ("none" in style or "hidden" in style or ":-" in style or ": -" in style)
        and _HIDDEN_STYLE.search(style.lower())
    ):
        return None
    if role in _NEG_ROLES:
        return -1.0
    if itemprop == "articleBody":
        return 2.0
    # the class and the id are judged apart: no pattern spans the space between them
    flags = _name_flags(cls) | _name_flags(ident)
    positive = flags & _POSITIVE_NAME
    if flags & _STRONG_NAME or (not positive and flags & _WEAK_NAME):
        return -1.0
    return (1.0 if positive else 0.0) + (LEAD_HINT if flags & _LEAD_NAME else 0.0)


_POSITIVE_NAME, _STRONG_NAME, _WEAK_NAME, _LEAD_NAME = 1, 2, 4, 8


@lru_cache(maxsize=65536)
def _name_flags(name: str | None) -> int:
    """Which kinds of class/id words ``name`` holds (the ``_*_NAME`` bits)."""
    if not name:
        return 0
    low = name.lower()
    if _ANY_NAME_WORD.search(low) is None:  # most ids and classes: one search
        return 0
    spaced = " " + low
    flags = 0
    if _POSITIVE.search(low):
        flags |= _POSITIVE_NAME
    if _NEGATIVE_STRONG.search(low) or _NEGATIVE_STRONG_PART.search(spaced):
        flags |= _STRONG_NAME
    if _NEGATIVE_WEAK.search(low) or _NEGATIVE_WEAK_PART.search(spaced):
        flags |= _WEAK_NAME
    if _LEAD_HINT.search(low):
        flags |= _LEAD_NAME
    return flags


def _blocks(walker: _Walker) -> list[Block]:
    raw = walker.blocks
    long_chars = [(len(t), h) for t, _, d, h, _ in raw if d < 0.5 and len(t) >= 100]
    total = sum(n for n, _ in long_chars)
    negative = sum(n for n, h in long_chars if h < 0.0)
    positive = sum(n for n, h in long_chars if h >= 1.0)
    if (
        total
        and negative > NEGATIVE_PAGE_SHARE * total
        and positive < CONTENT_TRUSTED_CHARS  # ... unless this much is under a content one
    ):
        # most prose of the page sits under a "negative" class and little under a
        # content one: the hints are layout noise on this site, so drop the negative ones
        raw = [(t, tag, d, max(h, 0.0), path) for t, tag, d, h, path in raw]
    texts = [t.replace("\n", " ").replace("\r", " ") for t, _, _, _, _ in raw]
    lines = repair_lines("\n".join(texts)).split("\n")
    if len(lines) != len(texts):  # a repair changed the line structure: go one by one
        lines = [repair(t) for t in texts]
    keep = [i for i, t in enumerate(lines) if t]
    kinds = classify_coarse([lines[i] for i in keep])
    out: list[Block] = []
    for i, kind in zip(keep, kinds, strict=True):
        _, tag, density, hint, path = raw[i]
        text = lines[i]
        b = Block(text, kind, tag=tag, link_density=density, hint=hint, path=path)
        if tag in _HEADINGS and len(text) <= 300 and kind not in (SECTION, COUNT):
            b.kind = HEADING
            b.refined = True
        elif tag == "figcaption" and len(text) <= 500:
            b.kind = CAPTION
            b.refined = True
        out.append(b)
    return out


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip().casefold()


def _pick_title(meta: _Meta, blocks: list[Block], start: int, fallback: str, url: str) -> str:
    named = [t for t in (meta.ld_title, meta.og_title) if t]
    h1s = [b.text for b in blocks if b.tag == "h1"]
    # some sites set the headline in an h2: those above the body, when no h1 is there,
    # count when they match the declared title
    heads = h1s or [b.text for b in blocks[: start + 1] if b.tag == "h2"]
    refs = {_norm(t) for t in (*named, meta.title) if t}
    for h in heads:
        if _norm(h) in refs:
            return h
    for h in heads:  # "Title | Site" contains the h1 "Title" (but not just "Site")
        nh = _norm(h)
        if nh and any(nh in r and 2 * len(nh) >= len(r) for r in refs) and not (
            named and names_site(h, url)  # the blog's name in its header's h1
        ):
            return h
    for h in heads:  # an h1 holding a kicker or a date before the declared title
        nh = _norm(h)
        for r in named:
            nr = _norm(r)
            if nr and nr in nh and 2 * len(nr) >= len(nh):
                return r
    # the visible headline when it is a variant of the declared one ("... - Site",
    # a shortened og:title): the page's h1 is what its readers see
    for h in heads:
        words = _title_words(h)
        if words and any(
            _covered(_title_words(r), words) >= TITLE_VARIANT_OVERLAP for r in named
        ):
            return h
    if named:
        return named[0]
    if meta.title and h1s:
        # the h1 is a section's name ("Allergies Health Center"): a lower heading that
        # is the <title>, or a part of it, is the headline
        pieces = {_norm(p) for p in _TITLE_SPLIT.split(meta.title)} | refs
        full = _norm(meta.title)
        for b in blocks[: start + 1]:
            if b.tag in ("h2", "h3") and (
                _norm(b.text) in pieces or _title_end(full, _norm(b.text))
            ):
                return b.text
    above = [i for i in range(min(start, len(blocks))) if blocks[i].tag == "h1"]
    if above:
        at = above[-1]
        if _links_to_it(blocks, at):  # the section's name over the headline
            lower = next((b.text for b in blocks[at + 1 : start + 1]
                          if b.tag in ("h2", "h3")), None)
            if lower:
                return lower
        return blocks[at].text
    if len(h1s) == 1:
        return h1s[0]
    if fallback:
        return fallback
    if meta.title:
        parts = _TITLE_SPLIT.split(meta.title)
        return max(parts, key=len).strip()
    return ""


def _links_to_it(blocks: list[Block], at: int) -> bool:
    """The heading ``blocks[at]`` is what a line of links elsewhere on the page names: a
    menu item, or a breadcrumb's last part ("Главная / Лента новостей / Сельское
    хозяйство"), so a section's name."""
    name = _norm(blocks[at].text)
    if not name or name.count(" ") >= SECTION_NAME_MAX_WORDS:  # a headline linked again
        return False
    for i, b in enumerate(blocks):
        if i == at or b.link_density < 0.5:
            continue
        text = _norm(b.text)
        if text == name or (text.endswith(name) and not text[-len(name) - 1].isalnum()):
            return True
    return False


def _title_end(title: str, text: str) -> bool:
    """The <title> ends with ``text`` after a separator ("Газета | Сайт - От зари до
    темна - идет борьба": a headline holding a separator of its own)."""
    return (
        len(text) < len(title)
        and title.endswith(text)
        and _TITLE_SEP_END.search(title[: len(title) - len(text)]) is not None
    )


def _title_words(text: str) -> frozenset[str]:
    return frozenset(_TITLE_WORD.findall(text.lower()))


def _covered(declared: frozenset[str], shown: frozenset[str]) -> float:
    """The share of the declared title's words the shown headline has."""
    return len(declared & shown) / len(declared) if declared and shown else 0.0


def _lead_from_class(draft: Draft, blocks: list[Block], start: int) -> None:
    """A paragraph marked as lead/standfirst/summary by its class, at the body's top."""
    for b in blocks[max(0, start - 3) : start + 2]:
        if (
            b.kind in (PROSE, HEADING)
            # inside an element with a lead-like class (nested ones add up: 1.5, 1.75)
            and b.hint % 1.0 > 0.0
            and 20 <= len(b.text) <= 600
            and b.text != draft.title
        ):
            draft.lead = b.text
            if b.text in draft.body:
                draft.body.remove(b.text)
            return


def _lead_below_title(draft: Draft, blocks: list[Block], start: int) -> None:
    """A standfirst in its own element (often an h2) between the headline and the body."""
    title = _norm(draft.title)
    at = next(
        (i for i in range(start - 1, max(-1, start - TITLE_REACH), -1)
         if _norm(blocks[i].text) == title),
        None,
    )
    if at is None:
        return
    for b in blocks[at + 1 : min(start, at + 1 + LEAD_REACH)]:
        if (
            b.kind in (PROSE, HEADING)
            and not b.dup
            and b.link_density < 0.5
            and b.hint >= 0.0
            and len(b.text) >= LEAD_MIN_CHARS
            and lead_shaped(b.text)
        ):
            draft.lead = b.text
            return


_LD_PARAGRAPH = re.compile(r"\s*(?:\n\s*\n|</p>|<br\s*/?>\s*<br\s*/?>|\r?\n)\s*", re.I)


def _use_article_body(draft: Draft, article_body: str) -> None:
    """Fall back on JSON-LD articleBody when the page shows much less of it (pages
    rendered by JavaScript carry their text only there)."""
    if len(article_body) < LD_BODY_MIN_CHARS:
        return
    shown = sum(len(p) for p in draft.body)
    if shown >= LD_BODY_SHARE * len(article_body):
        return
    paragraphs = [repair(p) for p in _LD_PARAGRAPH.split(article_body)]
    draft.body = [p for p in paragraphs if p]


def parse_html(
    html: str, now: datetime | None, url: str, memory: SiteView | None = None
) -> Draft:
    """Run the HTML front end over a whole page."""
    tree = LexborHTMLParser(html)
    meta = _Meta()
    _read_json_ld(tree, meta)
    _read_meta(tree, meta)
    body = tree.body
    if body is None:
        return Draft()
    walker = _Walker()
    walker.walk(body)
    blocks = _blocks(walker)
    if memory is not None:  # site memory: the site's furniture blocks are boilerplate
        memory.apply(blocks, now, slug_keys(url))
    draft, start, _end = assemble(
        blocks, now, links=True, slug=slug_keys(url), url_day=date_in_url(url)
    )
    draft.title = repair(_pick_title(meta, blocks, start, draft.title, url))
    if draft.lead is not None and _norm(draft.lead) == _norm(draft.title):
        draft.lead = None
    if draft.body and _norm(draft.body[0]) == _norm(draft.title):
        draft.body.pop(0)
    if draft.lead is None:
        _lead_from_class(draft, blocks, start)
    if draft.lead is None:
        _lead_below_title(draft, blocks, start)
    draft.declared_article = meta.article
    _use_article_body(draft, meta.article_body)
    if meta.date is not None:
        draft.published = meta.date
    if meta.authors:
        draft.authors = tuple(repair(a) for a in meta.authors)
    if meta.comments is not None and draft.comment_count is None:
        draft.comment_count = meta.comments
    if meta.lang:
        draft.language = meta.lang.split("-")[0].split("_")[0].lower()[:3] or None
    return draft
