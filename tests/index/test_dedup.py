"""SimHash fingerprints and their bands, as used to find syndicated copies."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from vestnik.index._dedup import (
    MIN_TOKENS,
    bands,
    feature_hash,
    fingerprint,
    from_signed,
    hamming,
    shingles,
    simhash,
    to_signed,
)

STORY = (
    "Руските мироопазващи сили започнаха да се изтеглят от Нагорни Карабах, след като "
    "Азербайджан си върна спорната територия от арменските сепаратисти миналата година, "
    "съобщи Кремъл. Тази седмица азербайджанските държавни медии съобщиха, че руските "
    "войски са започнали да напускат позициите, заемани в рамките на постигнатото с "
    "посредничеството на Москва прекратяване на огъня през 2020 г. между Баку и Ереван. "
    "Те публикуваха видеоклипове и снимки, показващи бронирани превозни средства с руски "
    "знамена, за които се твърди, че напускат територията. Запитан в сряда за "
    "съобщенията, говорителят на Кремъл потвърди изтеглянето и не даде подробности."
)
OTHER = (
    "Народното събрание прие на първо четене промените в Закона за движението по "
    "пътищата, които предвиждат по-високи глоби за шофиране след употреба на алкохол. "
    "Депутатите от управляващото мнозинство настояха текстовете да влязат в сила още "
    "от началото на следващата година, а опозицията поиска повече време за обсъждане "
    "с неправителствените организации и с експертите от пътната полиция."
)
BITS_64 = st.integers(min_value=0, max_value=(1 << 64) - 1)


def test_identical_texts_have_identical_fingerprints_in_every_process() -> None:
    """Two indexer processes (each with its own salted ``hash()``) fingerprint one text
    alike, and a copy of the text built anew gets the same fingerprint."""
    here = fingerprint(STORY)
    assert here is not None
    assert fingerprint("".join(reversed(STORY[::-1]))) == here
    code = ("import sys; from vestnik.index._dedup import fingerprint; "
            "print(fingerprint(sys.stdin.read()))")
    for seed in ("1", "2"):
        child = subprocess.run([sys.executable, "-c", code], input=STORY, text=True,
                               capture_output=True, check=True,
                               env={**os.environ, "PYTHONHASHSEED": seed})
        assert int(child.stdout) == here, f"another process (hash seed {seed}) differs"


def test_case_punctuation_and_inflection_changes_keep_the_fingerprint() -> None:
    variant = STORY.upper().replace(",", "").replace("руските войски", "руски войски")
    assert fingerprint(variant) == fingerprint(STORY)


def test_one_changed_word_keeps_fingerprints_within_three_bits() -> None:
    edited = STORY.replace("в сряда", "в четвъртък")
    a, b = fingerprint(STORY), fingerprint(edited)
    assert a is not None and b is not None
    assert hamming(a, b) <= 3


def test_unrelated_texts_are_far_apart() -> None:
    a, b = fingerprint(STORY), fingerprint(OTHER)
    assert a is not None and b is not None
    assert hamming(a, b) > 10


def test_texts_with_too_few_words_get_no_fingerprint() -> None:
    assert fingerprint(" ".join(["дума"] * (MIN_TOKENS - 1))) is None
    assert fingerprint(" ".join(["дума"] * MIN_TOKENS)) is not None


def test_simhash_keeps_the_bits_most_features_have() -> None:
    assert simhash(["a"]) == feature_hash("a")
    assert simhash(["a", "b", "a"]) == feature_hash("a")
    assert simhash([]) == 0


def test_shingles_are_runs_of_three_words() -> None:
    assert shingles(["a", "b", "c", "d"]) == ["a b c", "b c d"]
    assert shingles(["a", "b"]) == ["a b"]
    assert shingles([]) == []


def test_feature_hash_is_pinned() -> None:
    # Stored fingerprints depend on it: it must not change between processes (Python's
    # salted hash() would) nor between releases without a re-index.
    assert feature_hash("abc") == 0xD8BB14D833D59559


@given(BITS_64)
def test_bands_are_four_16_bit_slices_of_the_fingerprint(value: int) -> None:
    parts = bands(value)
    assert len(parts) == 4 and all(0 <= p < 1 << 16 for p in parts)
    assert (parts[0] << 48 | parts[1] << 32 | parts[2] << 16 | parts[3]) == value


@given(BITS_64, st.sets(st.integers(min_value=0, max_value=63), max_size=3))
def test_fingerprints_within_three_bits_share_a_band(value: int, flips: set[int]) -> None:
    near = value
    for bit in flips:
        near ^= 1 << bit
    assert hamming(value, near) == len(flips)
    assert any(a == b for a, b in zip(bands(value), bands(near), strict=True))


@given(BITS_64)
def test_signed_storage_round_trips(value: int) -> None:
    stored = to_signed(value)
    assert -(1 << 63) <= stored < 1 << 63
    assert from_signed(stored) == value
