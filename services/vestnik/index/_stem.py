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
from functools import lru_cache

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
    """The normalised words of ``text`` (runs of letters and digits)."""
    return _WORD.findall(normalize(text))


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
