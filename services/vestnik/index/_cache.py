"""A bounded memo for the analyzer's per-word work (a word's term, a term's hash).

A ``functools.lru_cache`` costs a call and LRU bookkeeping on every hit; the index looks
up every word of every article (hundreds per article), so the memo here is a plain dict
whose misses are filled by ``__missing__``: a hit is one dict lookup, done in C by
``map(cache.__getitem__, words)``. It is bounded: when it holds ``limit`` entries the
older half (by first use) is dropped, so the words in use now stay and memory stays
within ``limit`` entries.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """``cache[key]`` is ``compute(key)``, computed once while it stays cached; at most
    ``limit`` entries are kept (``limit`` >= 2)."""

    __slots__ = ("_compute", "limit")

    def __init__(self, compute: Callable[[K], V], limit: int) -> None:
        super().__init__()
        if limit < 2:
            raise ValueError("a bounded cache keeps at least 2 entries")
        self._compute = compute
        self.limit = limit

    def __missing__(self, key: K) -> V:
        value = self._compute(key)
        if len(self) >= self.limit:
            newer = list(islice(self.items(), len(self) // 2, None))
            self.clear()
            self.update(newer)
        self[key] = value
        return value
