"""Tokeniser and light Bulgarian stemmer shared by indexing, querying and de-duplication.

Text is normalised (invisible characters dropped, NFC, lower case, combining accents
removed), split into runs of letters and digits, and every all-Cyrillic token is stemmed
with J. Savoy's light stemmer for Bulgarian, rule for rule as Lucene's
``BulgarianStemmer``.  Other tokens (Latin words, numbers) stay as they are, lower-cased.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")
_ACCENTS = re.compile("[\u0300-\u036f]")
# Soft hyphen and zero-width characters split words in scraped text without being seen.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def strip_invisible(text: str) -> str:
    """``text`` without soft hyphens and zero-width characters."""
    return _INVISIBLE.sub("", text)


def normalize(text: str) -> str:
    """Lower-cased NFC text without invisible characters or combining accents."""
    text = unicodedata.normalize("NFC", strip_invisible(text)).lower()
    # ѝ and ѐ: accented only to tell homographs apart (ѝ "her" from и "and").
    return _ACCENTS.sub("", text).replace("ѝ", "и").replace("ѐ", "е")


def tokenize(text: str) -> list[str]:
    """The normalised words of ``text`` (runs of letters and digits): what
    ``_WORD.findall(normalize(text))`` gives, from one table look-up per character.

    The regular expression cost about 400 instructions a character (with ``normalize``'s
    passes), most of what indexing an article cost; this about 40. Every character is
    looked up at once (numpy) in a table of the Basic Multilingual Plane giving what it
    becomes in the words: a letter or digit its lower case (ѝ and ѐ: и and е), anything
    else a space, so ``str.split`` then finds the words. A character whose place in the
    words depends on its neighbours (NFC may compose it, lower case of Σ, an invisible
    character, a combining accent) or beyond the table sends the text the longer way:
    NFC and lower case first, then the table of normalised text (``_split_normalised``).
    """
    if text.isascii():  # NFC already, nothing to drop: lower case and split, in C
        return text.translate(_ASCII_WORDS).split()
    try:
        points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    except UnicodeEncodeError:  # a lone surrogate
        return _tokenize_re(text)
    tables = _tables()
    if points.max() <= _LAST:
        mapped = tables.raw.take(points)
        if mapped.max() != _CONTEXT:
            return mapped.tobytes().decode("utf-32-le").split()
    return _split_normalised(unicodedata.normalize("NFC", text).lower(), text)


def _split_normalised(lowered: str, text: str) -> list[str]:
    """``tokenize`` of ``text`` whose NFC and lower case is ``lowered``."""
    points = np.frombuffer(lowered.encode("utf-32-le"), dtype="<u4")
    mapped = _tables().normalised.take(points, mode="clip")
    beyond = points > _LAST
    if beyond.any():  # outside the table: a letter or digit stays, anything else splits
        for i in np.flatnonzero(beyond):
            mapped[i] = points[i] if chr(points[i]).isalnum() else _SPACE
    if mapped.max() >= _DROP:
        if (mapped == _HIDDEN).any():  # dropped before NFC, which it may keep apart
            return _tokenize_re(text)
        mapped = mapped[mapped != _DROP]
    return mapped.tobytes().decode("utf-32-le").split()


def _tokenize_re(text: str) -> list[str]:
    """``tokenize`` by the regular expression: the definition ``tokenize`` keeps to."""
    return _WORD.findall(normalize(text))


_SPACE = 0x20
_LAST = 0xFFFF  # the tables cover the Basic Multilingual Plane
_DROP = 0xFFFF_FFFD  # a combining accent, dropped
_HIDDEN = 0xFFFF_FFFE  # an invisible character, dropped before NFC
_CONTEXT = 0xFFFF_FFFF  # raw text: normalise it first (the largest value: max() tells)
_ASCII_WORDS = {c: chr(c).lower() if chr(c).isalnum() else " " for c in range(128)}
_HANGUL_JAMO_V_T = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))  # composed by rule


class _Tables(NamedTuple):
    normalised: npt.NDArray[np.uint32]  # a character of NFC lower-case text -> in words
    raw: npt.NDArray[np.uint32]  # a character of any text -> in words, or _CONTEXT


@cache
def _tables() -> _Tables:
    """The look-up tables (made at first use: about 0.1 s)."""
    chars = list(map(chr, range(_LAST + 1)))
    points = np.arange(_LAST + 1, dtype="<u4")
    word = np.fromiter(map(str.isalnum, chars), dtype=bool, count=len(chars))
    normalised = np.where(word, points, np.uint32(_SPACE)).astype("<u4")  # [^\W_] or not
    normalised[0x300:0x370] = _DROP  # _ACCENTS
    normalised[ord("ѝ")], normalised[ord("ѐ")] = ord("и"), ord("е")
    for invisible in "\u00ad\u200b\u200c\u200d\u2060\ufeff":  # _INVISIBLE
        normalised[ord(invisible)] = _HIDDEN

    # In raw text a character stands for its lower case's entry when NFC leaves it as it
    # is whatever surrounds it: not changed by NFC alone, no combining class, and never
    # the second of a pair NFC composes (Hangul vowels and finals compose by rule).
    context = {ord(b) for c in chars
               if (pair := unicodedata.decomposition(c).split())
               and len(pair) == 2 and not pair[0].startswith("<")
               for b in [chr(int(pair[1], 16))]}
    context.update(p for r in _HANGUL_JAMO_V_T for p in r)
    context.add(ord("Σ"))  # its lower case depends on the next character (final ς)
    lower = list(map(str.lower, chars))
    raw = np.full(_LAST + 1, _CONTEXT, dtype="<u4")
    for p, (c, low) in enumerate(zip(chars, lower, strict=True)):
        if (p in context or len(low) != 1 or unicodedata.combining(c)
                or 0xD800 <= p <= 0xDFFF or unicodedata.normalize("NFC", c) != c):
            continue
        if (entry := normalised[ord(low)]) < _DROP:
            raw[p] = entry
    return _Tables(normalised, raw)


def stems(text: str) -> list[str]:
    """The stem of every word of ``text``, in order."""
    return [stem(token) for token in tokenize(text)]


def stemmed_forms(tokens: Iterable[str]) -> set[tuple[str, str]]:
    """(stem, word) for each distinct word among normalised ``tokens`` that its stem
    changes: the written forms a stem stands for, besides itself."""
    return {(root, token) for token in set(tokens) if (root := stem(token)) != token}


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The light stem of one Bulgarian word; non-Cyrillic words are only lower-cased."""
    word = word.lower()
    if len(word) < 4 or not _CYRILLIC.fullmatch(word):
        return word
    if len(word) > 5 and word.endswith("ища"):
        return word[:-3]
    word = _remove_final_vowel(_remove_plural(_remove_article(word)))
    return _delete_yer(_rewrite_en(word))


def _remove_article(word: str) -> str:
    """Drop the definite article (-ият, -ът, -то, -те, -та, -ия, -ят)."""
    size = len(word)
    if size > 6 and word.endswith("ият"):
        return word[:-3]
    if size > 5 and word.endswith(("ът", "то", "те", "та", "ия")):
        return word[:-2]
    if size > 4 and word.endswith("ят"):
        return word[:-2]
    return word


def _remove_plural(word: str) -> str:
    """Drop plural endings, undoing the consonant changes they cause."""
    size = len(word)
    if size > 6:
        if word.endswith(("овци", "ове")):
            return word[:-3]  # дядовци -> дядо, градове -> град
        if word.endswith("еве"):
            return word[:-3] + "й"  # строеве -> строй
    if size > 5:
        if word.endswith("ища"):
            return word[:-3]
        if word.endswith("та"):
            return word[:-2]
        if word.endswith("ци"):
            return word[:-2] + "к"  # собственици -> собственик
        if word.endswith("зи"):
            return word[:-2] + "г"  # подлози -> подлог
        if word[-3] == "е" and word[-1] == "и":
            return word[:-3] + "я" + word[-2]  # промени -> промян
    if size > 4:
        if word.endswith("си"):
            return word[:-2] + "х"  # кожуси -> кожух
        if word.endswith("и"):
            return word[:-1]
    return word


def _remove_final_vowel(word: str) -> str:
    """Drop a final -я, then a final -а, -о or -е."""
    if len(word) > 3:
        if word.endswith("я"):
            word = word[:-1]
        if word.endswith(("а", "о", "е")):
            word = word[:-1]
    return word


def _rewrite_en(word: str) -> str:
    """-ен -> -н (песен -> песн, like песни)."""
    if len(word) > 4 and word.endswith("ен"):
        return word[:-2] + "н"
    return word


def _delete_yer(word: str) -> str:
    """Drop a ъ before the last letter (център -> центр, like центрове)."""
    if len(word) > 5 and word[-2] == "ъ":
        return word[:-2] + word[-1]
    return word
