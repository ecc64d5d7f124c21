"""Near-duplicate detection for syndicated copies: pure functions, no storage.

A text's fingerprint is a 64-bit SimHash over word 3-shingles of its stemmed tokens, so
copies that differ in a few words, inflections, case or punctuation land a few bits apart.
Each fingerprint is cut into four 16-bit bands: two fingerprints within Hamming distance 3
differ in at most three bands, so they share at least one (pigeonhole), and candidates can
be found through an index on the bands instead of a scan.

Computed with numpy, in one pass over a text's shingles (fingerprint version 2): each
distinct token is hashed once (BLAKE2b, 64 bits, cached), a shingle's hash mixes its
three tokens' hashes (a multiply-add, then SplitMix64's finaliser), and the majority of
every bit is taken over all shingles at once. Version 1 joined each shingle into a string
and hashed it, then counted each of the 64 bits in a Python loop: five times slower, and
half of the indexer's time. Stored fingerprints are of one version: an index made with
version 1 is migrated (recomputed from its stored terms) when an indexer opens it.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vestnik.index._cache import BoundedCache
from vestnik.index._stem import stems

VERSION = 2
BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
MAX_DISTANCE = BANDS - 1
SHINGLE_SIZE = 3
# Below this many words a fingerprint says little (boilerplate one-liners collide).
MIN_TOKENS = 12

_MASK = (1 << BITS) - 1
_BAND_MASK = (1 << BAND_BITS) - 1
_CACHED_TOKENS = 1 << 17
# Odd 64-bit constants: the golden ratio's and two of SplitMix64's.
_K1, _K2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

Hashes = npt.NDArray[np.uint64]


def token_hash(token: str) -> int:
    """A stable 64-bit hash of one token (the same in every process and release)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=BITS // 8).digest(),
                          "big")


def _hash_bytes(token: str) -> bytes:
    """``token_hash`` as a machine uint64's bytes (what numpy reads)."""
    return token_hash(token).to_bytes(BITS // 8, sys.byteorder)


# token -> its hash's bytes: the hashes of a text are one bytes.join of cached values
_HASHES: BoundedCache[str, bytes] = BoundedCache(_hash_bytes, _CACHED_TOKENS)


def _mix(z: Hashes) -> Hashes:
    """SplitMix64's finaliser on every element (wrapping 64-bit arithmetic)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def shingle_hashes(tokens: Sequence[str]) -> Hashes:
    """The 64-bit hash of every run of ``SHINGLE_SIZE`` consecutive tokens, in order (of
    fewer tokens, one hash of them all; of none, none)."""
    h = np.frombuffer(b"".join(map(_HASHES.__getitem__, tokens)), dtype=np.uint64)
    if not len(h):
        return h
    if len(h) < SHINGLE_SIZE:  # a shorter text is one shingle, padded in front
        h = np.concatenate([np.zeros(SHINGLE_SIZE - len(h), dtype=np.uint64), h])
    with np.errstate(over="ignore"):
        return _mix(h[:-2] * _K1 + h[1:-1] * _K2 + h[2:])


def simhash(hashes: Hashes) -> int:
    """Charikar's SimHash: bit i is set when most of the hashes have bit i set."""
    if not len(hashes):
        return 0
    bits = np.unpackbits(hashes.astype(">u8").view(np.uint8)).reshape(-1, BITS)
    # counted in the narrowest integer that holds the count (numpy adds uint16s faster)
    counts = bits.sum(axis=0, dtype=np.uint16 if len(hashes) <= 0xFFFF else np.int64)
    majority = counts.astype(np.int64) * 2 > len(hashes)  # most significant first
    return int.from_bytes(np.packbits(majority).tobytes(), "big")


def fingerprint(text: str) -> int | None:
    """The SimHash of ``text``'s stemmed 3-shingles, or None when it has too few words."""
    return token_fingerprint(stems(text))


def token_fingerprint(tokens: Sequence[str]) -> int | None:
    """``fingerprint`` of text already split into stemmed tokens."""
    if len(tokens) < MIN_TOKENS:
        return None
    return simhash(shingle_hashes(tokens))


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
