"""Text analysis for the index: the one place words become terms, for every backend.

An article's text is normalised and split into words exactly as ``vestnik.index._stem``
does (NFC, lower case, stress accents and invisible characters removed; runs of letters and
digits), then every word is stemmed by the stemmer of the article's language *and* of the
word's script:

========  ==========================  =====================================
language  Cyrillic words              Latin words
========  ==========================  =====================================
``bg``    Savoy's light stemmer       normalised only
``ru``    Snowball Russian            normalised only
``en``    normalised only             Snowball English
other     normalised only             normalised only
========  ==========================  =====================================

so "NATO" in a Bulgarian article stays "nato" and a Russian quote in an English one stays
as written.  Numbers, and words mixing scripts or letters with digits ("covid19"), are
never stemmed.  Every word gives exactly one term, in order, so positions (and phrases)
survive analysis.

A query word does not know the language of the articles it should find, so
``query_alternatives`` gives every term it may have been indexed as; the backends match
any of them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Literal

import Stemmer  # type: ignore[import-not-found]  # PyStemmer: a C extension without stubs

from vestnik.index._cache import BoundedCache
from vestnik.index._stem import normalize, tokenize
from vestnik.index._stem import stem as bulgarian_stem

__all__ = ["MAX_TERM_CHARS", "index_terms", "prefix_term", "query_alternatives", "query_words",
           "stored_terms"]

Script = Literal["cyrillic", "latin", "other"]

# Whole words only (after ``normalize``, so lower case): a word with a digit or letters of
# two scripts matches neither and is left as it is.
_CYRILLIC = re.compile(r"[\u0400-\u052f]+")
_LATIN = re.compile(r"[a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f\u1e00-\u1eff]+")
_CACHED_WORDS = 1 << 17  # per language: ~10 MB at most, many times a day's vocabulary
MAX_TERM_CHARS = 200  # longer "words" (base64, run-on garbage) are stored cut


class _Snowball:
    """A Snowball stemmer from PyStemmer, typed and safe to share between threads (a
    PyStemmer instance keeps state between calls and must not be called concurrently)."""

    def __init__(self, algorithm: str) -> None:
        self._stemmer = Stemmer.Stemmer(algorithm, 0)  # no cache of its own: ours is in front
        self._lock = threading.Lock()

    def __call__(self, word: str) -> str:
        with self._lock:
            stemmed: str = self._stemmer.stemWord(word)
        return stemmed


# (language, script) -> stemmer; any other pair leaves the word as it is.
_STEMMERS: dict[tuple[str, Script], Callable[[str], str]] = {
    ("bg", "cyrillic"): bulgarian_stem,
    ("ru", "cyrillic"): _Snowball("russian"),
    ("en", "latin"): _Snowball("english"),
}
_STEMMED_LANGUAGES = frozenset(language for language, _ in _STEMMERS)


def _script(word: str) -> Script:
    if _CYRILLIC.fullmatch(word):
        return "cyrillic"
    if _LATIN.fullmatch(word):
        return "latin"
    return "other"


def _language(language: str | None) -> str | None:
    """The primary ISO 639-1 subtag, lower case ("BG", "bg-BG" -> "bg"); None stays."""
    if not language:
        return None
    return language.split("-", 1)[0].split("_", 1)[0].strip().lower() or None


def _term(language: str | None, word: str) -> str:
    """The term of one normalised word in an article of ``language`` (a primary subtag)."""
    stemmer = _STEMMERS.get((language, _script(word))) if language is not None else None
    return stemmer(word) if stemmer is not None else word


def _term_cache(language: str) -> BoundedCache[str, str]:
    """The terms of normalised words in an article of ``language``, computed once per
    word while cached: ``cache[word]``."""
    return BoundedCache(partial(_term, language), _CACHED_WORDS)


def _stored_cache(language: str | None) -> BoundedCache[str, str]:
    """``_term_cache`` with every term cut to ``MAX_TERM_CHARS``: what an index stores;
    ``language`` None for every language without a stemmer (the word itself, cut)."""
    return BoundedCache(lambda word: _term(language, word)[:MAX_TERM_CHARS], _CACHED_WORDS)


_TERMS = {language: _term_cache(language) for language in sorted(_STEMMED_LANGUAGES)}
_TERM = {language: cache.__getitem__ for language, cache in _TERMS.items()}
# Indexing looks up every word of an article, of every language, once: a word's stored
# term is one dict look-up (its hash then cached on the term, which _dedup looks up next)
_STORED = {language: _stored_cache(language) for language in [*sorted(_STEMMED_LANGUAGES),
                                                               None]}


def _term_for(language: str | None) -> Callable[[str], str] | None:
    """The term function of articles in ``language``; None where words are not stemmed."""
    code = _language(language)
    return _TERM.get(code) if code is not None else None


def index_terms(text: str, language: str | None) -> list[str]:
    """One term per word of ``text``, in order: normalised, and stemmed by the stemmer of
    ``language`` (ISO 639-1, may be None) that fits the word's script."""
    words = tokenize(text)
    term = _term_for(language)
    if term is None:
        return words
    return list(map(term, words))  # a dict look-up per word (map calls it in C)


def stored_terms(text: str, language: str | None) -> list[str]:
    """``index_terms`` with every term longer than ``MAX_TERM_CHARS`` cut to it: the terms
    an index stores (one per word, so positions are kept)."""
    code = _language(language)
    cache = _STORED[code if code in _STEMMED_LANGUAGES else None]
    return list(map(cache.__getitem__, tokenize(text)))


def query_alternatives(word: str, language: str | None = None) -> tuple[str, ...]:
    """The distinct terms the query ``word`` (one word, as ``query_words`` gives it) may be
    indexed as, in a stable order.

    With a ``language``, the one term ``index_terms`` gives the word in an article of that
    language.  Without one, its term in every language: for a Cyrillic word the Bulgarian
    and the Russian stem and the word itself (unstemmed languages such as Ukrainian), for a
    Latin word the English stem and the word itself, for a number the number.  An empty or
    all-punctuation ``word`` has none.
    """
    normalised = normalize(word).strip()
    if not normalised:
        return ()
    if language is not None:
        term = _term_for(language)
        return (term(normalised) if term is not None else normalised,)
    terms = [_TERM[code](normalised) for code in _languages_for(_script(normalised))]
    return tuple(dict.fromkeys([*terms, normalised]))


@lru_cache(maxsize=4)
def _languages_for(script: Script) -> tuple[str, ...]:
    """The languages whose stemmers stem words of ``script``, in a fixed order."""
    return tuple(language for language, scripted in _STEMMERS if scripted == script)


def query_words(text: str) -> list[str]:
    """The normalised words of a query fragment, not stemmed (tokenised as ``index_terms``
    tokenises articles)."""
    return tokenize(text)


def prefix_term(word: str) -> str:
    """What a ``word*`` query matches as a prefix of the indexed terms: ``word`` (without
    the star) normalised, not stemmed."""
    return normalize(word).strip()
