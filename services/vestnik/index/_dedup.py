"""Near-duplicate detection for syndicated copies: pure functions, no storage.

A text's fingerprint is a 64-bit SimHash over word 3-shingles of its stemmed tokens, so
copies that differ in a few words, inflections, case or punctuation land a few bits apart.
Each fingerprint is cut into four 16-bit bands: two fingerprints within Hamming distance 3
differ in at most three bands, so they share at least one (pigeonhole), and candidates can
be found through an index on the bands instead of a scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from vestnik.index._stem import stems

BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
MAX_DISTANCE = BANDS - 1
SHINGLE_SIZE = 3
# Below this many words a fingerprint says little (boilerplate one-liners collide).
MIN_TOKENS = 12

_MASK = (1 << BITS) - 1
_BAND_MASK = (1 << BAND_BITS) - 1
_LANE_BIT_0 = (1).to_bytes(BITS // 8, "big")


def _digest(feature: str) -> bytes:
    return hashlib.blake2b(feature.encode(), digest_size=BITS // 8).digest()


def shingles(tokens: Sequence[str], size: int = SHINGLE_SIZE) -> list[str]:
    """Every run of ``size`` consecutive tokens, joined by spaces."""
    if len(tokens) <= size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def feature_hash(feature: str) -> int:
    """A stable 64-bit hash of one feature (the same in every process)."""
    return int.from_bytes(_digest(feature), "big")


def simhash(features: Iterable[str]) -> int:
    """Charikar's SimHash: bit i is set when most features' hashes have bit i set."""
    digests = [_digest(feature) for feature in features]
    if not digests:
        return 0
    # All hashes side by side in one big integer, 64 bits each; ``lanes`` has bit 0 of every
    # 64-bit lane set, so ((packed >> i) & lanes).bit_count() counts the hashes with bit i.
    packed = int.from_bytes(b"".join(digests), "big")
    lanes = int.from_bytes(_LANE_BIT_0 * len(digests), "big")
    value = 0
    for bit in range(BITS):
        if 2 * ((packed >> bit) & lanes).bit_count() > len(digests):
            value |= 1 << bit
    return value


def fingerprint(text: str) -> int | None:
    """The SimHash of ``text``'s stemmed 3-shingles, or None when it has too few words."""
    return token_fingerprint(stems(text))


def token_fingerprint(tokens: Sequence[str]) -> int | None:
    """``fingerprint`` of text already split into stemmed tokens."""
    if len(tokens) < MIN_TOKENS:
        return None
    return simhash(shingles(tokens))


def bands(value: int) -> tuple[int, ...]:
    """The ``BANDS`` 16-bit slices of a fingerprint, most significant first."""
    return tuple(
        (value >> (BAND_BITS * (BANDS - 1 - i))) & _BAND_MASK for i in range(BANDS)
    )


def hamming(a: int, b: int) -> int:
    """How many bits two fingerprints differ in."""
    return ((a ^ b) & _MASK).bit_count()


def is_near(a: int, b: int, max_distance: int = MAX_DISTANCE) -> bool:
    """Whether two fingerprints are within ``max_distance`` bits of each other."""
    return hamming(a, b) <= max_distance


def to_signed(value: int) -> int:
    """A 64-bit fingerprint as SQLite's signed INTEGER."""
    return value - (1 << BITS) if value >> (BITS - 1) else value


def from_signed(value: int) -> int:
    """The fingerprint back from SQLite's signed INTEGER."""
    return value & _MASK
