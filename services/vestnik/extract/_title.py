"""Choosing the headline among the blocks above the body.

The nearest headline-like block is usually the title, but a page's header zone also
holds date lines, bylines, share labels, captions and teasers. Each candidate gets a
score: closeness to the body, shape (a headline has a few words and no sentence
period), and agreement with the URL's slug, which most news sites derive from the
headline ("/rusiya-se-izteglya-ot-nagorni-karabah-12345").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote

from vestnik.extract._dates import MONTH_PATTERN
from vestnik.extract._url import split_url

__all__ = [
    "headline_score",
    "lead_shaped",
    "names_site",
    "raw_keys",
    "shape_parts",
    "shape_penalty",
    "slug_keys",
    "slug_overlap",
    "teases",
    "text_keys",
    "word_keys",
]

LEAD_PROSE_CHARS = 100  # a standfirst this long may name a date or a year

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "ы": "y", "э": "e",
        "ё": "e", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ђ": "dj", "ј": "j", "љ": "lj",
        "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
    }
)
_WORD = re.compile(r"[^\W\d_]{3,}")
_SLUG_SPLIT = re.compile(r"[-_+.,/ ]+")
_KEY = 4  # words are compared by their first letters: slugs cut and inflect words
_STOP = frozenset(
    {"html", "htm", "php", "aspx", "news", "article", "articles", "story", "stories",
     "index", "amp", "www", "com"}
)
# a time of day, a numeric date, a day and a month: a date line's shape (a bare year, as in
# "До 2030 г. Великобритания може да изгуби...", is a headline's subject)
_TIME_OR_DATE = re.compile(
    r"\d{1,2}[:.]\d{2}\b|\d{1,2}[./]\d{1,2}[./]\d{2}|(?i:\b\d{1,2}\.? (?:" + MONTH_PATTERN + r")\b)"
)
_META_SEPARATORS = re.compile(r" [·•|] ")
_BREADCRUMB = re.compile(r"^[^/›»>|]{1,40}(?: [/›»>] [^/›»>|]{1,60}){1,6}$")
# "by", "von", "от" open a byline before a name ("От Иван Петров"), a headline before
# a word in lowercase ("От зари до темна - идет борьба")
_META_START = re.compile(
    r"(?i:by|von|от)(?::? [A-ZА-ЯЁ]|:?$)|(?i:автор\w*|reviewed by|written by|posted (?:by|in|on)|"
    r"filed under|from the section|go to|your video will|click to|published|updated|"
    r"read more)\b"
)
# tags marked each with a sign: "#Строительство #Экономика", "*JavaScript *Браузеры"
_MARKED_TAG = re.compile(r"(?:^|\s)[#*]\w")
_FILE_NAME = re.compile(r"(?i)\.(?:jpe?g|png|gif|webp|svg|mp4|pdf)$")
_NAME_LIKE = re.compile(r"^(?:[A-ZА-ЯЁ][\w'’.-]+\s){1,2}[A-ZА-ЯЁ][\w'’.-]+$")


# words an institution's initials skip ("Агенция за закрила на детето": АЗД; words of
# fewer than three letters, "на", "и", are no words to ``_WORD`` at all)
_NAME_LINKS = frozenset(
    {"при", "the", "and", "for", "für", "der", "die", "das", "und", "des", "для"}
)
# host labels that name no one: "www.mi.government.bg" is the site "mi"
_HOST_NOISE = frozenset({"www", "m", "gov", "government", "com", "co", "org", "net"})
SITE_NAME_MAX_CHARS = 80


def _spells_initials(label: str, words: list[str]) -> bool:
    """``label`` is the words' initials transliterated, each as hosts spell it ("ц": "ts"
    or "c", "ш": "sh" or "s")."""
    if not words:
        return not label
    letter = words[0][0].lower().translate(_TRANSLIT)
    return any(
        label.startswith(spelling) and _spells_initials(label[len(spelling):], words[1:])
        for spelling in {letter, "c" if letter == "ts" else letter[:1]}
        if spelling
    )


def names_site(text: str, url: str) -> bool:
    """``text`` is the site's own name, as its host spells it: whole ("ИНОТомск" on
    inotomsk.ru) or by its initials ("Централна избирателна комисия" on cik.bg,
    "Министерство на икономиката" on mi.government.bg)."""
    split = split_url(url)
    words = _WORD.findall(text)
    if split is None or not words or len(text) > SITE_NAME_MAX_CHARS:
        return False
    host = split[0].rpartition("@")[2].partition(":")[0].lower()
    labels = {p for p in host.split(".")[:-1] if p not in _HOST_NOISE}
    if "".join(w.lower().translate(_TRANSLIT) for w in words) in labels:
        return True
    main = [w for w in words if w.lower() not in _NAME_LINKS]
    return len(main) >= 2 and any(
        _spells_initials(label, main) or _spells_initials(label, words) for label in labels
    )


def text_keys(text: str) -> frozenset[str]:
    """The words of ``text`` by their first letters, lowercased (words of one script
    compared with words of the same)."""
    return frozenset([w[:_KEY] for w in _WORD.findall(text.lower())])


@lru_cache(maxsize=16384)  # a page's lines are weighed more than once; menus recur
def raw_keys(text: str) -> frozenset[str]:
    """:func:`text_keys` of a line, cached."""
    return text_keys(text)


def _translit_keys(text: str) -> frozenset[str]:
    return text_keys(text if text.isascii() else text.lower().translate(_TRANSLIT))


@lru_cache(maxsize=16384)
def word_keys(text: str) -> frozenset[str]:
    """The words of ``text`` as compared with a slug: transliterated, first letters."""
    return _translit_keys(text)


def slug_keys(url: str) -> frozenset[str]:
    """Word keys of the URL path's longest wordy segment (the slug), transliterated."""
    split = split_url(url)
    if split is None:
        return frozenset()
    path = split[1]
    if "%" in path:
        path = unquote(path)
    best: frozenset[str] = frozenset()
    for segment in path.split("/"):
        words = [w for w in _SLUG_SPLIT.split(segment.lower()) if w not in _STOP]
        keys = _translit_keys(" ".join(words))
        if len(keys) >= len(best):  # the last of equals: the slug ends the path
            best = keys
    return best if len(best) >= 2 else frozenset()


def slug_overlap(text: str, slug: frozenset[str]) -> float:
    """Share of the slug's words found in ``text`` (0 when the URL has no slug)."""
    if not slug:
        return 0.0
    return len(slug & word_keys(text)) / len(slug)


@lru_cache(maxsize=16384)
def shape_parts(text: str) -> tuple[float, float, float, float, float, float]:
    """The signs that ``text`` is something else than a headline or lead, each 0 or 1:
    a date or time, a meta line ("Author · date · 3 comments"), a breadcrumb, a
    byline's name, a list of tags, a meta phrase or file name at its start."""
    words = text.count(" ") + 1
    parts = text.split(", ")
    return (
        1.0 if _TIME_OR_DATE.search(text) is not None else 0.0,
        1.0 if _META_SEPARATORS.search(text) is not None or text.count("|") >= 2 else 0.0,
        1.0 if _BREADCRUMB.match(text) is not None else 0.0,  # "Главная / Архив новостей"
        1.0 if words <= 3 and len(text) <= 40 and _NAME_LIKE.match(text) is not None else 0.0,
        1.0 if (len(parts) >= 3 and all(p.count(" ") <= 3 for p in parts))
        or (("#" in text or "*" in text) and len(_MARKED_TAG.findall(text)) >= 2) else 0.0,
        # "Reviewed by ...", "From the section ...", "photo-1160x768.jpg"
        1.0 if _META_START.match(text) is not None or _FILE_NAME.search(text) is not None
        else 0.0,
    )


def shape_penalty(text: str) -> float:
    """How much ``text`` looks like something else than a headline or lead (see
    :func:`shape_parts`): a date or a breadcrumb or a meta phrase counts 1.5, a meta
    line or a list of tags 1.0, a name 0.8."""
    date, meta, crumb, name, tags, start = shape_parts(text)
    return 1.5 * (date + crumb + start) + meta + tags + 0.8 * name


def teases(text: str, others: Iterable[str]) -> bool:
    """``text`` is cut short ("Община Хасково осигури ...") and one of ``others`` goes on
    where it stops: a teaser of that line."""
    stem = text.rstrip(".… ")
    return len(stem) < len(text) and any(
        len(t) > len(stem) and t != text and t.startswith(stem) for t in others
    )


def lead_shaped(text: str) -> bool:
    """Shaped like a standfirst: no date, byline or meta shape, unless it is long enough
    that a date or a year in it is its subject."""
    return len(text) >= LEAD_PROSE_CHARS or shape_penalty(text) == 0.0


def headline_score(text: str, rank: int, slug: frozenset[str]) -> float:
    """How much ``text`` looks like the page's headline; ``rank`` counts candidates
    between it and the body."""
    score = 2.0 * slug_overlap(text, slug) - 0.25 * rank - shape_penalty(text)
    words = text.count(" ") + 1
    if 4 <= words <= 20:
        score += 0.7
    if text[-1] == "." and not text.endswith("..") and words > 12:
        score -= 0.7  # a sentence: lead or caption
    return score
