"""The real indexing worker with index writes that fail: used by the fault scenarios.

FAULT_RATE: the share of batch writes that fail, drawn from a ``random.Random(FAULT_SEED)``
(the harness passes its seed); FAULT_ALWAYS_FAIL_URL: an article whose write always fails
(it must end as a dead letter after the delivery limit).
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence

from vestnik.contracts import Article
from vestnik.index import UpsertReport
from vestnik.index.sqlite import SqliteIndex
from vestnik.indexer.app import create_app
from vestnik.worker import run_worker

RATE = float(os.environ.get("FAULT_RATE", "0"))
ALWAYS = os.environ.get("FAULT_ALWAYS_FAIL_URL")
RNG = random.Random(int(os.environ.get("FAULT_SEED", "0")))
_upsert = SqliteIndex.upsert_many


def flaky_upsert(self: SqliteIndex, articles: Sequence[Article]) -> UpsertReport:
    if ALWAYS and any(a.url == ALWAYS for a in articles):
        raise RuntimeError("injected: this article never indexes")
    if RNG.random() < RATE:
        raise RuntimeError("injected: index write failed")
    return _upsert(self, articles)


SqliteIndex.upsert_many = flaky_upsert  # type: ignore[method-assign]

if __name__ == "__main__":
    run_worker(create_app)
