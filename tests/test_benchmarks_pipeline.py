"""The pure helpers of benchmarks/pipeline_throughput.py (no Redis, no timing)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("pipeline_throughput_under_test",
                                                      BENCH / "pipeline_throughput.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def test_with_tag_keeps_the_path_and_makes_distinct_articles(bench: ModuleType) -> None:
    from vestnik.urls import article_id, canonical_url

    assert bench.with_tag("https://x.bg/a/b-c", "7") == "https://x.bg/a/b-c?vb=7"
    assert bench.with_tag("https://x.bg/a?id=5#top", "7") == "https://x.bg/a?id=5&vb=7#top"
    ids = {article_id(canonical_url(bench.with_tag("https://www.x.bg/a/b", str(k))))
           for k in range(3)}
    assert len(ids) == 3


def test_sample_covers_every_item_before_repeating(bench: ModuleType) -> None:
    order = bench.sample(5, 12)
    assert len(order) == 12
    assert sorted(order[:5]) == list(range(5)) and sorted(order[5:10]) == list(range(5))
    assert order == bench.sample(5, 12)  # seeded
    assert bench.sample(0, 3) == []


def test_percentile_nearest_rank(bench: ModuleType) -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 50) == 50
    assert bench.percentile(values, 99) == 99
    assert bench.percentile(values, 100) == 100
    assert bench.percentile([3.0], 99) == 3
    assert math.isnan(bench.percentile([], 50))


def test_is_drained_needs_everything_delivered_and_acknowledged(bench: ModuleType) -> None:
    stream = {"last-generated-id": b"5-0"}
    group = {"name": b"g", "pending": 0, "last-delivered-id": b"5-0"}
    assert bench.is_drained(stream, [group], "g")
    assert not bench.is_drained(stream, [group | {"pending": 1}], "g")
    assert not bench.is_drained(stream, [group | {"last-delivered-id": b"4-0"}], "g")
    assert not bench.is_drained(stream, [group], "other")


def test_entry_ms(bench: ModuleType) -> None:
    assert bench.entry_ms(b"1700000000123-4") == 1700000000123


def test_event_fields_are_the_json_shape_vestnik_decodes(bench: ModuleType) -> None:
    from vestnik.wire import decode_event

    source = bench.Source("seeds/x.txt", "https://x.bg/a/b", "text/plain", "Заглавие\n\nТекст.")
    event = bench.make_event([source], 0, 3, "t")
    decoded = decode_event(event.fields, max_body_bytes=1_000_000)
    assert decoded.url == "https://x.bg/a/b?vb=t3"
    assert decoded.body == source.text and decoded.event_id == "vbench-t3"


def test_ratios_and_table(bench: ModuleType) -> None:
    steps = {
        "extract": bench.Step("extract", "3. bare", 100, "pages", 1.0, 1.0),
        "path1": bench.Step("path1", "6. path", 100, "events", 2.0, 1.0, 0.25),
        "cleaner": bench.Step("cleaner", "4. cleaner", 100, "pages", 1.0, 1.0),
        "index_sqlite": bench.Step("index_sqlite", "5. indexer", 90, "articles", 0.5, 0.5),
    }
    got = {what: (wall, cpu) for what, wall, cpu in bench.ratios(steps, 0.9)}
    assert got["whole path, 1 cleaner ÷ bare extractor"] == pytest.approx((0.5, 0.8))
    # 180 articles/s against one cleaner's 100 pages/s x 0.9 articles per page
    assert got["indexer SQLite ÷ one cleaner's articles"] == pytest.approx((2.0, 2.0))
    assert "FastStream ÷ transport ceiling" not in got  # not run: not compared
    assert "its best: cleaner in-process + indexer alone ÷ bare extractor" not in got
    # 80 pages/s cleaned in-process, 180 articles/s indexed, 0.9 articles a page:
    # 1/80 + 0.9/180 = 17.5 ms an event at best, 57.1 events/s against the bare 100
    steps["clean_inproc"] = bench.Step("clean_inproc", "3b. in-process", 100, "pages",
                                       1.25, 1.25)
    got = {what: (wall, cpu) for what, wall, cpu in bench.ratios(steps, 0.9)}
    assert got["its best: cleaner in-process + indexer alone ÷ bare extractor"] == \
        pytest.approx((0.5714, 0.5714), abs=1e-4)
    lines = bench.table(list(steps.values()))
    assert lines[2].startswith("| 3. bare | 100 pages | 1.00 | 100 |")
    assert "| – |" in lines[2]  # no Redis figure for an in-process step


def test_article_phases_add_up_to_publish_to_searchable(bench: ModuleType) -> None:
    cleaner = {"entry_id": "1000003-0", "queued_ms": 4.0, "extract_ms": 10.0,
               "duration_ms": 6.0, "site_memory_ms": 1.5, "commit_ms": 2.0, "batch": 1}
    indexer = {"entry_id": "1000019-0", "queued_ms": 1.0, "index_ms": 5.0, "batch": 2}
    phases = bench.article_phases(1000.0, 1000.0271, cleaner, indexer)
    spans = [key for key, _ in bench.PHASES][:7]
    assert spans[-1] == "seen" and bench.PHASES[7][0] == "searchable"
    assert phases["publish"] == 3 and phases["events_wait"] == 4
    assert phases["extract"] == 10 and phases["cleaner_commit"] == 2
    assert phases["articles_wait"] == 1 and phases["index"] == 5
    assert math.isclose(sum(phases[k] for k in spans), phases["searchable"])
    assert math.isclose(phases["searchable"], 27.1)
    assert (phases["page_work"], phases["site_memory"], phases["cleaner_batch"],
            phases["indexer_batch"], phases["handoff"]) == (6, 1.5, 1, 2, 2.5)
    assert math.isnan(bench.article_phases(1000.0, 1000.03, cleaner | {"batch": 2},
                                           indexer)["handoff"])  # a batch's, not the page's


def test_phase_table_shows_what_the_slowest_articles_are_made_of(bench: ModuleType) -> None:
    keys = [key for key, _ in bench.PHASES]
    rows = [dict.fromkeys(keys, 1.0) | {"searchable": float(k), "events_wait": float(k)}
            for k in range(1, 201)]
    table = bench.phase_table(rows)
    assert table[0].endswith("| mean, slowest 1% (3) |")  # at or over p99: 198-200
    assert len(table) == 2 + len(bench.PHASES)
    rows[-1]["handoff"] = math.nan  # not measured: left out
    table = bench.phase_table(rows)
    handoff = next(line for line in table if line.startswith("| of extract, a batch of one"))
    assert handoff.endswith("| 1.0 | 1.0 | 1.0 | 1.0 | 1.0 |"), handoff
    wait = next(line for line in table if line.startswith("| in the events stream"))
    assert wait == "| in the events stream until the cleaner reads it | 100.0 | 190.0 | 198.0 | " \
        "200.0 | 199.0 |"


def test_message_lines_keeps_the_outcome_asked_for(bench: ModuleType) -> None:
    text = "\n".join([
        '{"event": "started"}',
        '{"event": "message", "outcome": "article", "article_id": "a1", "batch": 1}',
        '{"event": "message", "outcome": "rejected", "reason": "too_short"}',
        'not json "message"',
    ])
    assert bench.message_lines(text, "article") == {
        "a1": {"event": "message", "outcome": "article", "article_id": "a1", "batch": 1}}


def test_the_index_commit_latency_benchmark_prints_a_row_per_run() -> None:
    import subprocess

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "index_commit_latency.py"
    done = subprocess.run([sys.executable, str(script), "--articles", "100", "--runs", "2",
                           "--pause-ms", "0"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and
            line[2].isdigit()]
    assert [row.split("|")[1:3] for row in rows] == [[" 1 ", " 50 "], [" 2 ", " 50 "]], (
        done.stdout)
