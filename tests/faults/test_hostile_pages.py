"""Hostile pages: the promise holds when a page takes the extractor forever, or when its
article cannot be written.

Real worker processes against the real Redis (the harness of ``test_scenarios.py``); each
scenario ends with the conservation report (lost, duplicated and stale 0). Run alone with
``pytest -m faults tests/faults/test_hostile_pages.py``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from vestnik.stage import workers_key

from ..conftest import REDIS_URL, SEEDS
from .conftest import REPORTS
from .harness import FETCHED_AT, PAGES, Cluster, Report, cluster, event_url

pytestmark = pytest.mark.faults

BUDGET_S = 3.0
SEED = (SEEDS / "003_95b17be52b6e4541.txt").read_text()
CAPTION = "Арменското население напусна Нагорни Карабах"


def slow_page(attributes: int = 60_000) -> str:
    """One element with 60,000 attributes (under 1 MB): the HTML parser's time grows with
    their square, all of it in C that no signal interrupts; about half a minute on a busy
    2-core machine."""
    attrs = " ".join(f'a{i}="v{i}"' for i in range(attributes))
    return f"<html><body><p {attrs}>Текст на статията.</p></body></html>"


def _settle(c: Cluster, name: str, timeout_s: float = 180.0) -> Report:
    return c.settle(name, timeout_s=timeout_s)


def _log_lines(c: Cluster, *names: str) -> list[dict[str, Any]]:
    lines = []
    for name in names:
        for raw in (c.workdir / f"{name}.log").read_bytes().splitlines():
            with contextlib.suppress(orjson.JSONDecodeError):
                line = orjson.loads(raw)
                if isinstance(line, dict):
                    lines.append({**line, "replica": name})
    return lines


def _dead_letters(c: Cluster) -> list[dict[str, Any]]:
    return [orjson.loads(f[b"__data__"]) for _, f in
            c.client.xrange(c.settings.dead_letter_stream("cleaner"))]


def _article_entries(c: Cluster) -> list[str]:
    """The source entry of every article the cleaners published (streams are not trimmed)."""
    return [orjson.loads(f[b"__data__"])["provenance"]["source_entry_id"]
            for _, f in c.client.xrange(c.settings.articles_stream)]


class HeartbeatWatch:
    """How old each replica's heartbeat got, polled every 50 ms from outside the workers."""

    def __init__(self, c: Cluster, consumers: list[str]) -> None:
        self.key = workers_key(c.settings.events_stream, c.settings.cleaner_group)
        self.client, self.consumers = c.client, consumers
        self.ttl_s = 3 * float(c.env()["VESTNIK_UPKEEP_INTERVAL_S"]) + 5  # upkeep.beat
        self.oldest: dict[str, float] = dict.fromkeys(consumers, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            now = time.time()
            for consumer in self.consumers:
                expiry_ms = self.client.zscore(self.key, consumer)
                age = self.ttl_s if expiry_ms is None else self.ttl_s - (expiry_ms / 1000 - now)
                self.oldest[consumer] = max(self.oldest[consumer], age)

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()


def _wait_heartbeats(c: Cluster, consumers: list[str], timeout_s: float = 60.0) -> None:
    key = workers_key(c.settings.events_stream, c.settings.cleaner_group)
    c.wait_for(lambda: all(c.client.zscore(key, name) for name in consumers),
               f"no heartbeat from {consumers}", timeout_s=timeout_s)


def _publish_behind(c: Cluster, page: str, good: range) -> str:
    """Publish ``page``, then the good events ``good``, in one transaction: a replica
    reading the stream gets them in one batch (the slow page and 49 good events behind it
    with a batch size of 50). The slow page's entry id."""
    pipe = c.client.pipeline(transaction=True)
    pipe.xadd(c.settings.events_stream, {"__data__": orjson.dumps({
        "url": "https://faults.example.bg/slow", "fetched_at": "2025-12-07T12:00:00Z",
        "content_type": "text/html", "body": page})})
    for i in good:
        pipe.xadd(c.settings.events_stream, {"__data__": orjson.dumps({
            "url": event_url(c.run, i), "fetched_at": FETCHED_AT, "content_type": "text/plain",
            "body": PAGES[i % len(PAGES)]})})
    ids = pipe.execute()
    slow_id: str = ids[0].decode()
    c.track(slow_id, None)
    for i, entry_id in zip(good, ids[1:], strict=True):
        c.track(entry_id, event_url(c.run, i))
    return slow_id


def _wait_published_and_stopped(c: Cluster, started: float, articles: int) -> float:
    """Until ``articles`` articles are published and a dead letter is written; how long
    after ``started`` the articles were all published."""
    waited: list[float] = []

    def done() -> bool:
        if not waited and len(_article_entries(c)) >= articles:
            waited.append(time.monotonic() - started)
        return bool(waited) and bool(_dead_letters(c))

    c.wait_for(done, lambda: (
        f"{len(_article_entries(c))} of {articles} articles, dead letters "
        f"{dict(Counter(d['error_type'] for d in _dead_letters(c)))} (wanted one, the slow "
        f"page's, a timeout after its {BUDGET_S:g} s budget)"), timeout_s=60)
    return waited[0]


def test_a_page_past_its_budget_is_a_timeout_dead_letter_and_nothing_waits_or_runs_twice(
    tmp_path: Path,
) -> None:
    """Two cleaners whose claim idle time (1 s) is shorter than the page budget (3 s): the
    pathological page is stopped at its budget and dead-lettered as ``timeout``; the good
    events behind it (in its batch, and after) are published within the budget and a few
    seconds; both replicas' upkeep loops keep beating; no entry is handled twice."""
    for c in cluster(REDIS_URL, tmp_path, VESTNIK_TRIM="false", VESTNIK_LOG_LEVEL="INFO",
                     VESTNIK_PAGE_TIMEOUT_S=str(BUDGET_S), VESTNIK_CLAIM_IDLE_MS="1000"):
        replicas = ["cleaner-a", "cleaner-b"]
        consumers = [f"{c.run}-{name}" for name in replicas]
        for name, consumer in zip(replicas, consumers, strict=True):
            c.start(name, "cleaner", VESTNIK_CONSUMER_NAME=consumer)
        c.start("indexer", "indexer")
        _wait_heartbeats(c, consumers)
        c.publish(0, 100)  # both replicas started and reading: what follows is timed
        c.wait_flowing()
        c.wait_drained()

        page = slow_page()
        watch = HeartbeatWatch(c, consumers)
        with watch.watching():
            started = time.monotonic()
            slow_id = _publish_behind(c, page, range(100, 400))
            waited = _wait_published_and_stopped(c, started, articles=400)
            stopped_after = time.monotonic() - started

        REPORTS.append(("hostile page 1 slow page", f"good events behind it all published "
                        f"after {waited:.2f} s (budget {BUDGET_S:g} s); its dead letter after "
                        f"{stopped_after:.2f} s; oldest heartbeat "
                        + ", ".join(f"{n} {watch.oldest[k]:.2f} s"
                                    for n, k in zip(replicas, consumers, strict=True))))
        letters = _dead_letters(c)
        assert [(d["entry_id"], d["error_type"]) for d in letters] == [(slow_id, "timeout")], (
            "wanted one dead letter, the slow page's, a timeout: "
            + "; ".join(f"{d['entry_id']} {d['error_type']}: {d['reason'][:200]}"
                        for d in letters))
        reason = letters[0]["reason"]
        assert (f"cleaning the page took longer than its {BUDGET_S:g} s budget: stopped after "
                in reason), reason
        assert (f"url https://faults.example.bg/slow, content type text/html, body "
                f"{len(page):,} characters") in reason, reason

        report = _settle(c, "hostile page 1 slow page among good events, 2 cleaners, "
                            "claim idle < budget")
        assert report.indexed == 400 and report.dead_lettered == 1

        lines = _log_lines(c, *replicas)
        handled = Counter(line["entry_id"] for line in lines
                          if line.get("event") == "message" and line.get("stage") == "cleaner")
        twice = sorted(i for i, n in handled.items() if n > 1)
        assert not twice, f"{len(twice)} entries handled by both replicas: {twice[:5]}"
        reclaimed = [line["entry_id"] for line in lines if line.get("event") == "reclaimed"]
        assert not reclaimed, f"entries reclaimed from a live replica: {reclaimed[:5]}"
        published = Counter(_article_entries(c))
        assert all(n == 1 for n in published.values()), published.most_common(3)
        assert handled[slow_id] == 1 and len(published) == 400

        assert waited is not None and waited < BUDGET_S + 5, (
            f"the good events behind the slow page waited {waited:.1f} s")
        for name, consumer in zip(replicas, consumers, strict=True):
            assert watch.oldest[consumer] < 1.5, (
                f"{name}'s upkeep loop stood still: its heartbeat got "
                f"{watch.oldest[consumer]:.1f} s old (it beats every "
                f"{c.env()['VESTNIK_UPKEEP_INTERVAL_S']} s)")


# A cleaner whose decoding leaves a lone surrogate in one page's caption, as decoding a
# body with a ``*_escape`` codec (once accepted as a charset) did: the article built from it
# cannot be encoded. Only the decoding is changed, where it runs: in the extraction
# processes, which import this module (the fork server preloads it); the worker is the
# real one.
SURROGATE_DECODING = f"""
import vestnik.cleaner.cleaning as cleaning

_decode = cleaning.decode_event

def decode_event(fields, **kw):
    event = _decode(fields, **kw)
    if event.url.endswith("/surrogate"):
        body = event.body.replace({CAPTION!r}, {CAPTION!r} + " \\udc80")
        event = event.model_copy(update={{"body": body}})
    return event

cleaning.decode_event = decode_event
"""


def surrogate_cleaner(folder: Path) -> str:
    """The code of a cleaner whose extraction processes decode as ``SURROGATE_DECODING``."""
    (folder / "surrogate_decoding.py").write_text(SURROGATE_DECODING, encoding="utf-8")
    return f"""
import os
# the fork server is a new interpreter: it finds the module on PYTHONPATH
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in ({str(folder)!r}, os.environ.get("PYTHONPATH")) if p)
from vestnik.cleaner import budget
budget.PRELOAD.append("surrogate_decoding")
from vestnik.cleaner.app import create_app
from vestnik.worker import run_worker
run_worker(create_app)
"""


def _start_code(c: Cluster, name: str, code: str) -> None:
    """Start a worker process running ``code`` (as ``Cluster.start`` starts the real ones)."""
    c.start_command(name, [sys.executable, "-c", code])


def test_an_entry_whose_article_cannot_be_written_is_dead_lettered_alone_and_its_batch_indexed(
    tmp_path: Path,
) -> None:
    for c in cluster(REDIS_URL, tmp_path, VESTNIK_LOG_LEVEL="INFO"):
        _start_code(c, "cleaner", surrogate_cleaner(tmp_path))
        c.start("indexer", "indexer")
        pipe = c.client.pipeline(transaction=True)  # one batch: 25 good, it, 24 good
        for i in range(50):
            url = event_url(c.run, i) if i != 25 else "https://faults.example.bg/surrogate"
            pipe.xadd(c.settings.events_stream, {"__data__": orjson.dumps({
                "url": url, "fetched_at": FETCHED_AT, "content_type": "text/plain",
                "body": SEED})})
        ids = [i.decode() for i in pipe.execute()]
        bad_id = ids[25]
        for i, entry_id in enumerate(ids):
            c.track(entry_id, event_url(c.run, i) if i != 25 else None)
        c.publish(50, 50)
        report = _settle(c, "hostile page 2 an unencodable article in a batch")
        assert report.indexed == 99 and report.dead_lettered == 1

        (letter,) = _dead_letters(c)
        assert letter["entry_id"] == bad_id
        assert (letter["error_type"], letter["delivery_count"]) == ("unencodable", 1), letter
        assert letter["reason"].startswith(
            "the article cannot be written as UTF-8 JSON: captions[0] holds a lone "
            "surrogate U+DC80"), letter["reason"]
        lines = _log_lines(c, "cleaner")
        failed = [line for line in lines if line.get("event") == "delivery_failed"]
        assert not failed, f"a batch failed for the entry: {failed[:3]}"
        outcomes = {line["entry_id"]: line["outcome"] for line in lines
                    if line.get("event") == "message"}
        assert [outcomes.get(i) for i in ids] == ["article"] * 25 + ["dead_letter"] + [
            "article"] * 24, "its batch was not published"
