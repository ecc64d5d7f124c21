"""Front end for plain-text dumps of whole pages (one block per line or paragraph).

1. split into blocks, re-joining lines that a dump wrapped mid-sentence;
2. repair and classify every block (``_repair``, ``_blocks``);
3. hand the blocks to ``_layout.assemble``: best-scoring contiguous run = body,
   header zone above it = title, lead, date, source.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from vestnik.extract._blocks import (
    CAPTION,
    HEADING,
    PROSE,
    Block,
    Draft,
    Kind,
    classify_coarse,
)
from vestnik.extract._dates import date_in_url
from vestnik.extract._layout import assemble
from vestnik.extract._repair import repair_lines
from vestnik.extract._title import slug_keys

if TYPE_CHECKING:
    from vestnik.extract._sitememory import SiteView

__all__ = ["parse_text", "split_blocks"]

_MAX_BLOCKS = 5000
_MAX_BLOCK_CHARS = 20000
_BLANK = " \t\u00a0"  # a line of only these ends a paragraph
# a line ending in one of these is not wrapped; one starting with these continues one
_WRAP_END = frozenset(".!?:;\"“”»)]")
_STOPS = frozenset(".!?:;")  # a line ending in one of these ends its sentence
_GOES_ON = frozenset(",.;:!?)]»”")  # a line opening with one of these goes on the last
_WRAP_MIN_CHARS = 30  # a line this long at least may be wrapped ...
_INLINE_MAX_CHARS = 80  # ... and a line this short between it and its rest, a link's text,
_REST_MIN_CHARS = 25  # ... when the rest is this long (not "před 2 hodinami" under a byline)
_LOWER_START = frozenset("abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюяёїієґ")
_NEWLINES = re.compile(r"\r\n?")
# a gallery's slide counter opening a line: "2/50 Star Wars boosts economy", "3 of 12"
_SLIDE = re.compile(r"^(\d{1,3})\s*(?:/|of|из|из общо|от)\s*(\d{1,3})(?:\s|$)")
_GALLERY_MIN_SLIDES = 3  # ... this many counters of one gallery (the same total), going up
_GALLERY_MIN_TOTAL = 5  # ... of this many slides at least
_TEASER_MAX_WORDS = 12  # a line this short that trails off ("…", "...") ...
_TEASER_GAP = 2  # ... this near another such line is a truncated teaser, not prose


def split_blocks(text: str) -> list[str]:
    """Split a text dump into raw blocks: lines, re-joining lines wrapped mid-sentence.

    A line is glued to the previous one when both are in the same paragraph (no blank
    line between), the previous one is long and ends without punctuation, and this one
    starts with a lowercase letter or with the punctuation that goes on a sentence (",",
    "»"); so is a short line between them that goes on into such a line: the text of a
    link or an emphasis that a dump of the page's elements put on a line of its own
    ("... специальный корреспондент «Ъ»" / "Андрей Колесников" / "выяснял, кто ...").
    """
    lines = _NEWLINES.sub("\n", text).split("\n")
    out: list[str] = []
    prev: str | None = None  # the last block of the current paragraph
    k, n = 0, len(lines)
    while k < n:
        line = lines[k]
        k += 1
        stripped = line.strip()
        if not stripped:
            if not line.strip(_BLANK):  # a blank line ends the paragraph
                if len(out) >= _MAX_BLOCKS:
                    break
                prev = None
            continue
        if prev is not None and len(prev) >= _WRAP_MIN_CHARS and prev[-1] not in _STOPS:
            if prev[-1] not in _WRAP_END and _goes_on(stripped):
                prev = _glue(prev, stripped)
                out[-1] = prev
                continue
            rest = lines[k].strip() if k < n else ""
            if (len(stripped) <= _INLINE_MAX_CHARS and len(rest) >= _REST_MIN_CHARS
                    and _goes_on(rest)):
                # a link's text, after a quote maybe ("корреспондент «Ъ»" / "Андрей ...")
                prev = _glue(_glue(prev, stripped), rest)
                out[-1] = prev
                k += 1
                continue
        out.append(stripped)
        prev = stripped
    return out[:_MAX_BLOCKS]


def _goes_on(line: str) -> bool:
    """The line goes on a sentence: it opens with a lowercase letter or with punctuation
    that cannot open one."""
    return bool(line) and (line[0] in _LOWER_START or line[0] in _GOES_ON)


def _glue(prev: str, line: str) -> str:
    return prev + line if line[0] in _GOES_ON else prev + " " + line


def parse_text(
    text: str, now: datetime | None, url: str = "", memory: SiteView | None = None
) -> Draft:
    """Run the text front end over a whole dump."""
    lines = split_blocks(text)
    if lines and max(map(len, lines)) > _MAX_BLOCK_CHARS:
        lines = [b[:_MAX_BLOCK_CHARS] for b in lines]
    raw = "\n".join(lines)
    texts = list(filter(None, repair_lines(raw).split("\n")))
    kinds = classify_coarse(texts)
    _cut_teasers(texts, kinds)
    _mark_gallery(texts, kinds)
    blocks = [Block(t, k) for t, k in zip(texts, kinds, strict=True)]  # native calls (mypyc)
    if memory is not None:  # site memory: the site's furniture lines are boilerplate
        memory.apply(blocks, now, slug_keys(url))
    draft, _, _ = assemble(blocks, now, slug=slug_keys(url), url_day=date_in_url(url))
    return draft


def _mark_gallery(texts: list[str], kinds: list[Kind]) -> None:
    """A gallery dumped as text: slide counters opening lines ("2/50 Star Wars boosts
    economy", then the slide's text), three or more of the same total (five or more),
    their numbers going up. Each counter line and the prose right below it are captions, not the
    article's paragraphs (a business section's fifty slides outscored the article)."""
    slides: dict[int, list[tuple[int, int]]] = {}  # total -> (line, slide number)
    for i, t in enumerate(texts):
        if t[:1].isdigit() and (m := _SLIDE.match(t)) is not None:
            number, total = int(m.group(1)), int(m.group(2))
            if 0 < number <= total and total >= _GALLERY_MIN_TOTAL:
                slides.setdefault(total, []).append((i, number))
    for found in slides.values():
        numbers = [n for _, n in found]
        # slides go up; a recipe's "1/2 cup", "1/2 teaspoon" repeat and are kept
        if len(found) < _GALLERY_MIN_SLIDES or numbers != sorted(set(numbers)):
            continue
        for i, _ in found:
            kinds[i] = CAPTION
            if i + 1 < len(texts) and kinds[i + 1] is PROSE:
                kinds[i + 1] = CAPTION


def _cut_teasers(texts: list[str], kinds: list[Kind]) -> None:
    """A list of truncated teasers ("21 tatouages qui ont merveilleusement bien…",
    "Voici à quoi ressemblent des vêtements «grande…") reads as short prose: two or more
    such lines close together are headlines (a lone one may be the article's own
    "Ich bedanke mich für die Tipp-Provision von 2%…")."""
    cut = [
        i for i, t in enumerate(texts)
        if kinds[i] is PROSE and t.endswith(("…", "..."))
        and t.count(" ") < _TEASER_MAX_WORDS
    ]
    for a, b in pairwise(cut):
        if b - a <= _TEASER_GAP:
            kinds[a] = kinds[b] = HEADING
