"""Hostile entries: a 30 MB field name, and a batch of 40 MB entries, among good events.

Real worker processes against the real Redis (the harness of ``test_scenarios.py``): each
hostile entry ends as one bounded dead letter (``too_large``, cut to the dead-letter size
limit and saying what it cut), the good events around them are indexed, the conservation
report says lost 0, and the cleaner's peak resident memory (``VmHWM``) stays bounded. Run
alone with ``pytest -m faults tests/faults/test_hostile_entries.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

import pytest

from vestnik.contracts import DeadLetter
from vestnik.wire import decode_model

from ..conftest import REDIS_URL
from .conftest import REPORTS
from .harness import Cluster, cluster

pytestmark = pytest.mark.faults

MB = 1_000_000
ENTRY_LIMIT = 5 * MB  # VESTNIK_MAX_BODY_BYTES: the whole entry
LETTER_LIMIT = 1 * MB  # VESTNIK_DEAD_LETTER_MAX_BYTES
HUGE_ENTRIES = 6
HUGE_BYTES = 40 * MB
READ_LIMIT = 8 * MB  # VESTNIK_READ_MAX_BYTES (its default)
# What the cleaner may hold at its peak: the worker itself (65 MB after its start here; up to
# about 170 MB where it was measured before), and one read at a time. A read brings less
# than READ_LIMIT + ENTRY_LIMIT bytes of entries (it stops after the entry that spends
# READ_LIMIT, and an entry over ENTRY_LIMIT is measured in Redis and comes as its id and
# sizes only), held a few times over while it is parsed, decoded, sent to the extraction
# process and built into articles: at most 5 x 13 MB. Before reads were bounded by bytes
# the six huge entries and the name (270 MB) came in one XREADGROUP, and the cleaner
# peaked at 617-836 MB (648 MB on Redis 6.2, 802 MB on 7.0 in the last runs).
PEAK_RSS_LIMIT = 170 * MB + 5 * (READ_LIMIT + ENTRY_LIMIT)


def _peak_rss(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    assert found, status
    return int(found[1]) * 1024


def _hostile(c: Cluster, fields: dict[bytes, bytes]) -> str:
    entry_id = c.client.xadd(c.settings.events_stream, fields)  # type: ignore[arg-type]
    assert isinstance(entry_id, bytes)
    c.poison.append(entry_id.decode())  # the report counts it lost unless dead-lettered
    return entry_id.decode()


def test_huge_entries_become_bounded_dead_letters_and_good_events_flow(tmp_path: Path) -> None:
    for c in cluster(REDIS_URL, tmp_path, VESTNIK_MAX_BODY_BYTES=str(ENTRY_LIMIT),
                     VESTNIK_DEAD_LETTER_MAX_BYTES=str(LETTER_LIMIT),
                     VESTNIK_READ_MAX_BYTES=str(READ_LIMIT)):
        cleaner = c.start("cleaner", "cleaner")
        c.start("indexer", "indexer")
        c.publish(0, 200)
        c.wait_flowing()
        at_start = _peak_rss(cleaner.pid)

        good = {b"fetched_at": b"2025-12-07T12:00:00+02:00", b"content_type": b"text/plain"}
        name_id = _hostile(c, {b"n" * (30 * MB): b"x", b"url": b"https://faults.example.bg/n",
                               **good})
        c.publish(200, 100)
        body = b"a" * HUGE_BYTES
        pipe = c.client.pipeline(transaction=False)
        for i in range(HUGE_ENTRIES):  # one after another: one XREADGROUP would bring all
            fields = {b"url": f"https://faults.example.bg/huge/{i}".encode(), **good,
                      b"body": body}
            pipe.xadd(c.settings.events_stream, fields)  # type: ignore[arg-type]
        huge_ids = [entry_id.decode() for entry_id in pipe.execute()]
        c.poison.extend(huge_ids)
        del body, fields, pipe
        c.publish(300, 200)

        c.wait_drained(300)
        report = c.report()
        peak = _peak_rss(cleaner.pid)
        rows = cast(list[tuple[bytes, dict[bytes, bytes]]],
                    c.client.xrange(c.settings.dead_letter_stream("cleaner")))
        letters = [decode_model(fields, DeadLetter) for _, fields in rows]
        sizes = [sum(len(k) + len(v) for k, v in fields.items()) for _, fields in rows]
        REPORTS.append(("hostile entries (30 MB name, 6 x 40 MB)",
                        f"{report}; dead letters {min(sizes)}-{max(sizes)} bytes; cleaner "
                        f"peak RSS {peak // MB} MB ({at_start // MB} MB after its start)"))

        report.assert_conserved()
        assert report.indexed == 500, report
        assert {letter.entry_id for letter in letters} == {name_id, *huge_ids}
        for letter, size in zip(letters, sizes, strict=True):
            assert letter.error_type == "too_large", letter.reason
            assert size <= LETTER_LIMIT, (letter.entry_id, size)
            assert letter.cut is not None and letter.truncated_fields
            assert letter.cut.entry_bytes > ENTRY_LIMIT
        by_id = {letter.entry_id: letter for letter in letters}
        named = by_id[name_id]
        assert named.cut is not None and "field name(s) cut to 200 bytes" in named.cut.summary
        huge = by_id[huge_ids[0]]
        assert huge.cut is not None and huge.cut.originals["body"].value_bytes == HUGE_BYTES
        assert huge.fields["url"] == "https://faults.example.bg/huge/0"
        assert peak < PEAK_RSS_LIMIT, f"cleaner peak RSS {peak // MB} MB"
