"""The API's read-only handle on the index, opened on first use.

The API may start before the indexer has created the index: opening is retried (at most
once per ``retry_s``, the last error repeated in between) until it succeeds, and every
request that finds no index is told why. The index is opened with ``create=False``:
SQLite read-only (readers never take the write lock under WAL), PostgreSQL ordinary reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from vestnik.index import Index, open_index

Opener = Callable[[str], Index]


def open_read_only(url: str) -> Index:
    return open_index(url, create=False)


class IndexReader:
    """Gives the open index, opening it when first asked; thread-safe (called from the
    worker threads that run the synchronous index)."""

    def __init__(self, url: str, opener: Opener = open_read_only, retry_s: float = 0.5) -> None:
        self.url = url
        self._opener = opener
        self._retry_s = retry_s
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._error: Exception | None = None
        self._next_try = 0.0

    def index(self) -> Index:
        """The index; the opener's error (``IndexMissing``, ``IndexUnavailable``...) when it
        cannot be opened yet."""
        with self._lock:
            if self._index is not None:
                return self._index
            now = time.monotonic()
            if self._error is not None and now < self._next_try:
                raise self._error.with_traceback(None)
            try:
                self._index = self._opener(self.url)
            except Exception as exc:
                self._error, self._next_try = exc, now + self._retry_s
                raise
            self._error = None
            return self._index

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
