"""SimHash fingerprints and their bands, as used to find syndicated copies."""

from __future__ import annotations

import itertools
import os
import random
import statistics
import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from vestnik.index._dedup import (
    MAX_DISTANCE,
    MIN_TOKENS,
    bands,
    fingerprint,
    from_signed,
    hamming,
    shingle_hashes,
    simhash,
    to_signed,
    token_hash,
)

from .corpus import BG_SENTENCES, seed_sentences

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
STORY_FINGERPRINT = 0xD135E04439186F59  # fingerprint version 2
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


def _texts() -> list[str]:
    """32 texts of six sentences each, from the corpus's Bulgarian sentences."""
    pool = [*seed_sentences(), *BG_SENTENCES]
    rng = random.Random(5)
    return [" ".join(rng.sample(pool, 6)) for _ in range(32)]


def test_one_word_edits_stay_a_few_bits_apart_and_unrelated_texts_far() -> None:
    """A fingerprint bit flips when the edit tips its majority, so a one-word edit moves
    a few bits (within the bands' three about half the time), and unrelated texts are
    about 32 bits apart (independent halves)."""
    rng = random.Random(6)
    edits, unrelated = [], []
    texts = _texts()
    for text, other in itertools.pairwise(texts):
        words = text.split(" ")
        words[rng.randrange(len(words))] = "заместител"
        a, b, c = fingerprint(text), fingerprint(" ".join(words)), fingerprint(other)
        assert a is not None and b is not None and c is not None
        edits.append(hamming(a, b))
        unrelated.append(hamming(a, c))
    assert statistics.mean(edits) <= 6, edits
    assert sum(d <= MAX_DISTANCE for d in edits) >= len(edits) // 3, edits
    assert statistics.mean(unrelated) >= 24, unrelated


def test_unrelated_texts_are_far_apart() -> None:
    a, b = fingerprint(STORY), fingerprint(OTHER)
    assert a is not None and b is not None
    assert hamming(a, b) > 10


def test_texts_with_too_few_words_get_no_fingerprint() -> None:
    assert fingerprint(" ".join(["дума"] * (MIN_TOKENS - 1))) is None
    assert fingerprint(" ".join(["дума"] * MIN_TOKENS)) is not None


def _hashes(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def test_simhash_keeps_the_bits_most_hashes_have() -> None:
    a, b = token_hash("a"), token_hash("b")
    assert simhash(_hashes(a)) == a
    assert simhash(_hashes(a, b, a)) == a
    assert simhash(_hashes(0b1100, 0b1010, 0b1001)) == 0b1000
    assert simhash(_hashes()) == 0


def test_shingle_hashes_are_one_per_run_of_three_tokens_in_order() -> None:
    four = shingle_hashes(["a", "b", "c", "d"])
    assert len(four) == 2
    assert four[0] == shingle_hashes(["a", "b", "c"])[0]
    assert four[1] == shingle_hashes(["b", "c", "d"])[0]
    assert shingle_hashes(["a", "b", "c"])[0] != shingle_hashes(["c", "b", "a"])[0]
    assert len(shingle_hashes(["a", "b"])) == 1 and len(shingle_hashes([])) == 0


def test_token_hash_and_fingerprint_are_pinned() -> None:
    # Stored fingerprints depend on them: they must not change between processes (Python's
    # salted hash() would) nor between releases without a migration of stored ones.
    assert token_hash("abc") == 0xD8BB14D833D59559
    assert fingerprint(STORY) == STORY_FINGERPRINT


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
