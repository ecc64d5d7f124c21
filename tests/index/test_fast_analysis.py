"""The index's analysis made cheaper without changing what it gives: the table-driven
tokeniser against the regular expression it replaces, the bounded memos of terms and
token hashes, and the stored terms (cut to ``MAX_TERM_CHARS``) against ``index_terms``."""

from __future__ import annotations

import sys
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vestnik.index import _analysis, _dedup
from vestnik.index._analysis import MAX_TERM_CHARS, index_terms, stored_terms
from vestnik.index._cache import BoundedCache
from vestnik.index._stem import _CONTEXT, _LAST, _tables, _tokenize_re, tokenize

from .corpus import corpus

EVERY_CHARACTER = "".join(chr(p) for p in range(sys.maxunicode + 1)
                          if not 0xD800 <= p <= 0xDFFF)
# Characters whose place in the words depends on what surrounds them or on NFC and lower
# case, and a few plain ones, so random text mixes them often.
AWKWARD = ("Σσς İı ß ǅ ﬁ \u212a \u212b e\u0301 \u0301\u0300\u0327\u034f а\u0301 ѝ Ѝ ѐ Ѐ й и\u0306 "
           "\u00ad\u200b\u200c\u200d\u2060\ufeff \u1100\u1161\u11a8 가\u11a8 "
           "\u0b47\u0b3e ① ² ٣ _ - 𝐀 😀 \U00010400 \ud800 aZ9 ЖЪ. \t\n")


def test_the_tokeniser_gives_the_words_of_every_character() -> None:
    assert tokenize(EVERY_CHARACTER) == _tokenize_re(EVERY_CHARACTER)
    bmp = EVERY_CHARACTER[:_LAST + 1 - 0x800]
    assert tokenize(bmp) == _tokenize_re(bmp)
    for start in range(0, len(bmp), 4096):  # slices the raw table takes as they are
        part = bmp[start:start + 4096]
        assert tokenize(part) == _tokenize_re(part), f"characters from U+{ord(part[0]):04X}"


@pytest.mark.parametrize("text", [
    "ΟΔΥΣΣΕΑΣ ΣΑΣ Σ.", "İSTANBUL İzmir", "cafe\u0301 CAFE\u0301", "Straße STRASSE ǅemal",
    "по\u0301-добре ѝ Ѝ ѐ", "со\u00adфия zero\u200bwidth", "\u1100\u1161\u11a8 가\u11a8",
    "\u212a\u212b ① x² ٣", "snake_case 𝐀𝐁𝐂 😀 \U00010400\U00010428", "",
])
def test_the_tokeniser_gives_what_the_regular_expression_gives_on_awkward_text(
        text: str) -> None:
    assert tokenize(text) == _tokenize_re(text)


@settings(max_examples=2000)
@given(st.text(alphabet=st.sampled_from(AWKWARD) | st.characters(), max_size=60))
def test_the_tokeniser_gives_what_the_regular_expression_gives(text: str) -> None:
    assert tokenize(text) == _tokenize_re(text)


def test_the_tokeniser_gives_what_the_regular_expression_gives_on_articles() -> None:
    for article in corpus(400):
        for text in (article.title, article.lead or "", article.body_text):
            assert tokenize(text) == _tokenize_re(text), article.article_id


def test_a_character_nfc_may_compose_sends_raw_text_the_longer_way() -> None:
    """Every second character of a pair NFC composes (in the table's plane) is marked, so
    text holding one is normalised before it is split."""
    raw = _tables().raw
    for point in range(sys.maxunicode + 1):
        pair = unicodedata.decomposition(chr(point)).split()
        if len(pair) == 2 and not pair[0].startswith("<"):
            second = int(pair[1], 16)
            assert second > _LAST or raw[second] == _CONTEXT, f"U+{second:04X}"
    for char in "Σ\u0301\u1161\u11a8\u0b3eİ\u212a\u00ad":
        assert raw[ord(char)] == _CONTEXT, f"U+{ord(char):04X}"


def test_a_bounded_cache_gives_what_it_computes_and_keeps_at_most_its_limit() -> None:
    calls: list[str] = []

    def compute(key: str) -> str:
        calls.append(key)
        return key.upper()

    cache: BoundedCache[str, str] = BoundedCache(compute, 4)
    assert [cache[k] for k in "abcab"] == list("ABCAB")
    assert calls == list("abc"), "a cached key is computed again"
    for key in "defghij":
        assert cache[key] == key.upper()
        assert len(cache) <= 4, f"{len(cache)} entries over a limit of 4"
    assert "j" in cache and "i" in cache  # the newest stay
    assert "a" not in cache
    assert cache["a"] == "A" and calls.count("a") == 2
    with pytest.raises(ValueError, match="at least 2"):
        BoundedCache(compute, 1)


def test_the_analyzers_memos_are_bounded() -> None:
    limits = [cache.limit for cache in [*_analysis._TERMS.values(),
                                        *_analysis._STORED.values()]]
    assert max([*limits, _dedup._HASHES.limit]) <= 1 << 17


@pytest.mark.parametrize("language", ["bg", "ru", "en", "uk", "de", None])
def test_stored_terms_are_the_index_terms_cut(language: str | None) -> None:
    long = "ж" * 250 + " " + "q" * 230 + "ing"
    for article in corpus(200)[:60]:
        text = f"{article.title} {article.body_text} {long}"
        expected = [t[:MAX_TERM_CHARS] for t in index_terms(text, language)]
        assert stored_terms(text, language) == expected
        assert stored_terms(text, language) == expected, "a cached stem differs"


def test_stems_are_the_same_once_the_memo_has_been_emptied(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(a.body_text for a in corpus(200) if a.language == "ru")
    before = stored_terms(text, "ru")
    small: BoundedCache[str, str] = BoundedCache(_analysis._STORED["ru"]._compute, 50)
    monkeypatch.setitem(_analysis._STORED, "ru", small)
    assert stored_terms(text, "ru") == before
    assert len(small) <= 50


def test_token_hashes_are_the_pinned_hash_of_every_token() -> None:
    tokens = index_terms(" ".join(a.body_text for a in corpus(100)[:50]), "bg")
    expected = np.fromiter(map(_dedup.token_hash, tokens), dtype=np.uint64)
    assert _dedup.shingle_hashes(tokens[:1])[0] == _dedup.shingle_hashes(tokens[:1])[0]
    hashes = np.frombuffer(b"".join(map(_dedup._HASHES.__getitem__, tokens)),
                           dtype=np.uint64)
    assert (hashes == expected).all()


def test_simhash_counts_past_the_narrow_counter() -> None:
    """Past 65,535 hashes the bit counts no longer fit 16 bits: still the majority."""
    ones = np.full(70_000, 0xFFFF_FFFF_FFFF_FFFF, dtype=np.uint64)
    zeros = np.zeros(69_999, dtype=np.uint64)
    assert _dedup.simhash(np.concatenate([ones, zeros])) == (1 << 64) - 1
    assert _dedup.simhash(np.concatenate([ones[:69_999], zeros, zeros[:2]])) == 0
