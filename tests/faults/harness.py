"""Real worker processes against a real Redis, and the conservation report that ends every
fault scenario: published, indexed, rejected, dead-lettered, lost, duplicated, stale.

The harness follows every output as it appears: a group of its own on the articles stream
(so trimming never takes an article before the harness has read it) and a cursor on the
rejected and dead-letter streams. Each output names the event entry it came from, so the
report counts outcomes per published event: more than one is a duplicate commit.

Its waits watch the pipeline move (outputs, pending entries, delivery counts, last-delivered
ids) and fail as soon as nothing has moved for a stall window, saying what is stuck; the
overall timeouts are only a ceiling.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import redis
import redis.asyncio

from vestnik.index import IndexMissing, open_index
from vestnik.settings import Settings
from vestnik.status import drained, format_id, pipeline_status, stage_groups, stages_status
from vestnik.urls import article_id, canonical_url

from ..conftest import SEEDS
from .conftest import REPORTS

PAGES = [p.read_text() for p in sorted(SEEDS.glob("*.txt"))]
FETCHED_AT = "2025-12-07T12:00:00+02:00"
FAULTY_INDEXER = Path(__file__).with_name("faulty_indexer.py")

# One seed for the run's injected faults: VESTNIK_FAULT_SEED repeats a run's choices.
SEED = int(os.environ.get("VESTNIK_FAULT_SEED") or random.SystemRandom().randrange(2**31))
# How long nothing may move before a wait fails (VESTNIK_FAULT_STALL_S).
STALL_S = float(os.environ.get("VESTNIK_FAULT_STALL_S") or 30.0)


def event_url(run: str, i: int) -> str:
    return f"https://faults.example.bg/{run}/{i}"


@dataclass(frozen=True)
class Output:
    """One output of the pipeline, linked back to the event entry it came from."""

    kind: str  # article, rejected, dead letter (cleaner), dead letter (indexer)
    entry_id: str  # its own id on its stream
    source: str | None  # the events-stream entry it came from
    article_id: str | None = None
    content_hash: str | None = None
    fetched_at: datetime | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.entry_id}"


class Stalled(AssertionError):
    """A wait saw nothing move for its stall window."""


@dataclass
class Cluster:
    """Streams, groups and an index private to one scenario, and its worker processes."""

    redis_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = f"vf-{self.run}:"
        self.settings = Settings(
            redis_url=self.redis_url, events_stream=p + "events", articles_stream=p + "articles",
            rejected_stream=p + "rejected", dead_letter_prefix=p + "dlq:",
            cleaner_group=p + "cleaners", indexer_group=p + "indexers",
            index_url=f"sqlite:///{self.workdir}/index.sqlite3",
        )
        self.client = redis.Redis.from_url(self.redis_url)
        self.published: list[str] = []  # urls of good events
        self.poison: list[str] = []  # entry ids of poison events
        self.fetched: dict[str, str] = {}  # entry id of a good event -> its url
        self.fetched_at: dict[str, datetime] = {}  # entry id of a good event -> fetched_at
        self.seed = SEED
        self.rng = random.Random(SEED)
        self.exited: dict[str, int] = {}  # workers that were stopped: their exit codes
        self.excused: set[str] = set()  # events whose outputs may have gone with Redis
        self.audit_group = p + "harness"
        self.outputs: dict[tuple[str, str], Output] = {}  # (stream, entry id) -> output
        self._cursors: dict[str, str] = {}  # rejected, dead letters: last id read

    def env(self, **more: str) -> dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "VESTNIK_REDIS_URL": self.redis_url,
            "VESTNIK_EVENTS_STREAM": s.events_stream,
            "VESTNIK_ARTICLES_STREAM": s.articles_stream,
            "VESTNIK_REJECTED_STREAM": s.rejected_stream,
            "VESTNIK_DEAD_LETTER_PREFIX": s.dead_letter_prefix,
            "VESTNIK_CLEANER_GROUP": s.cleaner_group,
            "VESTNIK_INDEXER_GROUP": s.indexer_group,
            "VESTNIK_INDEX_URL": s.index_url,
            "VESTNIK_CLAIM_IDLE_MS": "1500",
            "VESTNIK_UPKEEP_INTERVAL_S": "0.3",
            "VESTNIK_POLL_MS": "200",
            "VESTNIK_BATCH_SIZE": "50",
            "VESTNIK_GRACEFUL_TIMEOUT_S": "10",
            "VESTNIK_LOG_FORMAT": "json",
            "VESTNIK_LOG_LEVEL": "WARNING",
            "FAULT_SEED": str(self.seed),
            **self.extra_env,
            **more,
        }

    # -- processes ---------------------------------------------------------------------

    def start(self, name: str, stage: str, **env: str) -> subprocess.Popen[bytes]:
        command = ([sys.executable, str(FAULTY_INDEXER)] if stage == "faulty-indexer"
                   else [sys.executable, "-m", "vestnik.cli", stage])
        return self.start_command(name, command, **env)

    def start_command(self, name: str, command: list[str], **env: str
                      ) -> subprocess.Popen[bytes]:
        """Start a worker process (its output in ``<name>.log``), the harness's group on
        the articles stream made first (where Redis answers) so it sees every article."""
        with contextlib.suppress(redis.RedisError):
            self._audit_group()
        log = (self.workdir / f"{name}.log").open("ab")
        proc = subprocess.Popen(command, env=self.env(**env), stdout=log, stderr=log)
        self.procs[name] = proc
        self.exited.pop(name, None)
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
        self.exited[name] = code
        return code

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    # -- traffic -----------------------------------------------------------------------

    def track(self, entry_id: bytes | str, url: str | None,
              fetched_at: str = FETCHED_AT) -> None:
        """Count an event the scenario published: a good one (``url``) or a poison one."""
        entry = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        if url is None:
            self.poison.append(entry)
        else:
            self.published.append(url)
            self.fetched[entry] = url
            self.fetched_at[entry] = datetime.fromisoformat(fetched_at)

    def publish(self, start: int, count: int, *, poison_every: int = 0,
                retry_for_s: float = 0.0) -> None:
        """Publish good events ``start..start+count`` (every ``poison_every``-th a poison
        one instead), retrying while Redis is away for up to ``retry_for_s``."""
        self.publish_indices(range(start, start + count), poison_every=poison_every,
                             retry_for_s=retry_for_s)

    def publish_indices(self, indices: Iterable[int], *, poison_every: int = 0,
                        retry_for_s: float = 0.0, fetched_at: str = FETCHED_AT,
                        page_shift: int = 0) -> None:
        """Publish the good events ``indices`` (as ``publish``); a later ``fetched_at`` and
        another ``page_shift`` make newer scrapes of the same URLs with other content."""
        pipe = self.client.pipeline(transaction=False)
        kinds: list[str | None] = []
        for i in indices:
            if poison_every and i % poison_every == poison_every - 1:
                pipe.xadd(self.settings.events_stream, {"__data__": b"{poison " + str(i).encode()})
                kinds.append(None)
            else:
                url = event_url(self.run, i)
                event = {"url": url, "fetched_at": fetched_at, "content_type": "text/plain",
                         "body": PAGES[(i + page_shift) % len(PAGES)]}
                pipe.xadd(self.settings.events_stream, {"__data__": orjson.dumps(event)})
                kinds.append(url)
        deadline = time.monotonic() + retry_for_s
        while True:
            try:
                self._audit_group()
                ids = pipe.execute()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for entry_id, url in zip(ids, kinds, strict=True):
            self.track(entry_id, url, fetched_at)

    def publish_slowly(self, total: int, chunk: int, pause_s: float,
                       between: Callable[[int], None] = lambda _i: None,
                       flowing: str = "cleaner", **kw: int) -> None:
        """Publish ``total`` events ``chunk`` at a time, calling ``between(n)`` after the
        n-th chunk; before the first call, wait until the ``flowing`` stage has produced
        outputs, so that what ``between`` does (kills, restarts) happens mid-flow."""
        for n, start in enumerate(range(0, total, chunk)):
            self.publish(start, min(chunk, total - start), **kw)
            if n == 0:
                self.wait_flowing(flowing)
            between(n)
            time.sleep(pause_s)

    def wait_flowing(self, stage: str = "cleaner", timeout_s: float = 60.0,
                     stall_s: float | None = None) -> None:
        """Until ``stage`` has produced outputs (the cleaner: an article, rejection or dead
        letter; the indexer: a row in the index): its workers are past their start (which
        takes seconds on a slow machine) and mid-flow."""
        if stage == "cleaner":
            self.wait_for(lambda: self.collect() or bool(self.outputs),
                          "the cleaners never produced an output", timeout_s=timeout_s,
                          stall_s=stall_s)
        else:
            self.wait_for(lambda: self._index_count() > 0, "the indexer never wrote a row",
                          timeout_s=timeout_s, stall_s=stall_s, poll_s=0.2)

    def _index_count(self) -> int:
        try:
            index = open_index(self.settings.index_url, create=False)
        except IndexMissing:
            return 0
        try:
            return index.count()
        except Exception:  # made but not yet migrated by the indexer
            return 0
        finally:
            index.close()

    def log_events(self, name: str) -> list[dict[str, object]]:
        """The JSON log lines a worker process has written so far (under ``name``)."""
        lines = (self.workdir / f"{name}.log").read_bytes().splitlines()
        out = []
        for line in lines:
            with contextlib.suppress(orjson.JSONDecodeError):
                event = orjson.loads(line)
                if isinstance(event, dict):
                    out.append(event)
        return out

    def write_off(self, published_before: int) -> int:
        """Forget the first ``published_before`` good events that never reached the index:
        Redis lost them with its data (restarted without persistence), which no worker can
        help. Returns how many; the report then covers the rest."""
        index = open_index(self.settings.index_url)
        try:
            ids = set(index.ids())
        finally:
            index.close()
        before, after = self.published[:published_before], self.published[published_before:]
        kept = [u for u in before if article_id(canonical_url(u)) in ids]
        gone = set(before) - set(kept)
        self.published = kept + after
        self.excused.update(list(self.fetched)[:published_before])  # their outputs too
        for entry, url in list(self.fetched.items()):
            if url in gone:
                del self.fetched[entry], self.fetched_at[entry]
        return len(before) - len(kept)

    # -- following the outputs ---------------------------------------------------------

    def _audit_group(self) -> bool:
        """The harness's own group on the articles stream, from its start: trimming keeps
        every article until the harness has read it. False when Redis refuses to make it
        (out of memory, read-only): the next collection tries again."""
        try:
            self.client.xgroup_create(self.settings.articles_stream, self.audit_group, id="0",
                                      mkstream=True)
        except redis.ResponseError as exc:
            return "BUSYGROUP" in str(exc)  # there already
        return True

    def collect(self) -> None:
        """Read the outputs that appeared since the last call (Redis errors are left for
        the next call: Redis may be away, out of memory or read-only in a scenario)."""
        with contextlib.suppress(redis.RedisError):
            self._collect_articles()
        s = self.settings
        for stream, kind in ((s.rejected_stream, "rejected"),
                             (s.dead_letter_stream("cleaner"), "dead letter (cleaner)"),
                             (s.dead_letter_stream("indexer"), "dead letter (indexer)")):
            with contextlib.suppress(redis.RedisError):
                self._collect_tail(stream, kind)

    def _collect_articles(self) -> None:
        stream = self.settings.articles_stream
        while True:
            try:
                reply = self.client.xreadgroup(self.audit_group, "harness", {stream: ">"},
                                               count=1000)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                if self._audit_group():  # Redis came back empty: follow it from its start
                    continue
                return  # refused for now (out of memory, read-only): the next call retries
            rows = reply[0][1] if reply else []
            if not rows:
                return
            for entry_id, fields in rows:
                entry = entry_id.decode()
                self.outputs[(stream, entry)] = _article_output(entry, fields)
            self.client.xack(stream, self.audit_group, *[e for e, _ in rows])

    def _collect_tail(self, stream: str, kind: str) -> None:
        while True:
            after = self._cursors.get(stream)
            rows = self.client.xrange(stream, min=f"({after}" if after else "-", count=1000)
            if not rows:
                return
            for entry_id, fields in rows:
                entry = entry_id.decode()
                self.outputs[(stream, entry)] = _letter_output(kind, entry, fields)
                self._cursors[stream] = entry

    # -- waiting -----------------------------------------------------------------------

    def progress(self) -> Hashable:
        """What changes while the pipeline works: the outputs, each stage group's pending
        entries (with their delivery counts), last-delivered id and stream length."""
        self.collect()
        state: list[Hashable] = [len(self.outputs)]
        try:
            for _, stream, group in stage_groups(self.settings):
                state.append(int(self.client.xlen(stream)))
                info = {_text(g["name"]): g for g in self.client.xinfo_groups(stream)}
                g = info.get(group)
                if g is None:
                    state.append(None)
                    continue
                state.append((int(g["pending"]), _text(g["last-delivered-id"])))
                head = self.client.xpending_range(stream, group, min="-", max="+", count=100)
                state.append(tuple((_text(r["message_id"]), r["times_delivered"]) for r in head))
        except redis.RedisError as exc:
            state.append(f"redis: {type(exc).__name__}")
        return tuple(state)

    def wait_for(self, done: Callable[[], bool], what: str | Callable[[], str], *,
                 timeout_s: float = 180.0, stall_s: float | None = None,
                 progress: Callable[[], Hashable] | None = None, poll_s: float = 0.05) -> None:
        """Until ``done()``. Fails (``Stalled``) as soon as nothing has moved for
        ``stall_s`` (``progress()``, the pipeline's by default), or after ``timeout_s`` at
        most, saying ``what`` and what is stuck."""
        stall_s = STALL_S if stall_s is None else stall_s
        watch = progress or self.progress
        started = moved = time.monotonic()
        last = watch()
        next_look = moved + 0.2
        while not done():
            now = time.monotonic()
            if now >= next_look:  # the pipeline's state costs a few commands: not every poll
                next_look = now + 0.2
                if (state := watch()) != last:
                    last, moved = state, now
                elif now - moved > stall_s:
                    raise Stalled(self._stuck(what, f"nothing moved for {stall_s:.0f} s "
                                              f"(of {now - started:.0f} s waited)"))
            if now - started > timeout_s:
                raise Stalled(self._stuck(what, f"still going after {timeout_s:.0f} s, the "
                                          "ceiling"))
            time.sleep(poll_s)

    def wait_drained(self, timeout_s: float = 180.0, stall_s: float | None = None) -> None:
        """Until both stages have read and acknowledged everything, failing once nothing
        moves for ``stall_s`` (or after ``timeout_s``)."""
        self.wait_for(self._drained, "not drained", timeout_s=timeout_s, stall_s=stall_s,
                      poll_s=0.2)
        self.collect()

    def groups(self) -> list[dict[str, object]]:
        out = []
        for stream in (self.settings.events_stream, self.settings.articles_stream):
            with contextlib.suppress(redis.ResponseError):
                out += [{"stream": stream, **dict(g)} for g in self.client.xinfo_groups(stream)]
        return out

    def _drained(self) -> bool:
        try:
            return asyncio.run(_drained(self.redis_url, self.settings))
        except redis.RedisError:
            return False

    def _stuck(self, what: str | Callable[[], str], why: str) -> str:
        """``what`` the wait was for, ``why`` it gave up, and what is stuck: each stream's
        groups (pending entries and who holds them, lag, live and stalled workers), the
        oldest pending entries, the outputs so far and the worker processes."""
        lines = [f"{what() if callable(what) else what}: {why}; fault seed {self.seed} "
                 f"(VESTNIK_FAULT_SEED={self.seed} repeats it)"]
        try:
            statuses = asyncio.run(_pipeline(self.redis_url, self.settings))
        except Exception as exc:  # Redis away: say so
            lines.append(f"  redis: {type(exc).__name__}: {exc}")
            statuses = []
        for s in statuses:
            head = f"  {s.stream}: length {s.length}, last entry {format_id(s.last_entry_id)}"
            if not s.groups:
                lines.append(head)
            for g in s.groups:
                holders = ", ".join(f"{c.name} {c.pending}" for c in g.consumers if c.pending)
                stalled = ", ".join(f"{w.name} ({w.overdue_ms / 1000:.1f} s overdue, holding "
                                    f"{w.pending})" for w in g.stalled)
                lines.append(f"{head}; group {g.group}: pending {g.pending}"
                             f"{f' ({holders})' if holders else ''}, lag "
                             f"{'unknown' if g.lag is None else g.lag}, last delivered "
                             f"{format_id(g.last_delivered_id)}, live workers {g.workers}"
                             f"{f', stalled {stalled}' if stalled else ''}")
        for _, stream, group in stage_groups(self.settings):
            with contextlib.suppress(redis.RedisError):
                rows = self.client.xpending_range(stream, group, min="-", max="+", count=5)
                if rows:
                    lines.append(f"  oldest pending in {group}: " + ", ".join(
                        f"{_text(r['message_id'])} held by {_text(r['consumer'])} "
                        f"{r['time_since_delivered'] / 1000:.1f} s, delivered "
                        f"{r['times_delivered']}x" for r in rows))
        kinds = Counter(o.kind for o in self.outputs.values())
        lines.append(f"  outputs seen: {dict(kinds)} for {len(self.fetched) + len(self.poison)} "
                     f"events published")
        for name, proc in self.procs.items():
            code = proc.poll()
            lines.append(f"  worker {name} (pid {proc.pid}): "
                         + (f"{_alive(proc.pid)}; last lines but messages: "
                            f"{self._log_tail(name, messages=False)}" if code is None
                            else f"exited with code {code}; last log: {self._log_tail(name)}"))
        for name, code in self.exited.items():
            if name not in self.procs:
                lines.append(f"  worker {name}: stopped by the scenario, exit code {code}")
        return "\n".join(lines)

    def _log_tail(self, name: str, lines: int = 3, *, messages: bool = True) -> str:
        """The last ``lines`` of the worker's log; without ``messages``, of the lines that
        are not canonical per-message lines (what a stalled worker last said about itself:
        a warning, an error, a start)."""
        path = self.workdir / f"{name}.log"
        kept = path.read_bytes().splitlines() if path.exists() else []
        if not messages:
            kept = [line for line in kept if b'"event": "message"' not in line]
        tail = kept[-lines:]
        return " | ".join(line.decode(errors="replace")[:300] for line in tail) or "(empty)"

    # -- the end -----------------------------------------------------------------------

    def report(self) -> Report:
        """Published, indexed, rejected and dead-lettered events, and what broke the
        promise: lost (an event neither indexed nor dead-lettered), duplicated (an event
        with more than one outcome: articles, rejections and dead letters of the cleaner,
        or an article with more than one dead letter of the indexer) and stale (an index
        row that is not the newest scrape of its page the scenario published)."""
        self.collect()
        index = open_index(self.settings.index_url)
        try:
            rows, ids = index.count(), index.ids()
            expected = {article_id(canonical_url(u)) for u in self.published}
            held = {aid: index.get(aid) for aid in set(ids) & expected}
        finally:
            index.close()
        out = list(self.outputs.values())
        dead = [o for o in out if o.kind.startswith("dead letter")]
        dead_ids = {o.source for o in dead if o.kind == "dead letter (cleaner)"}
        dead_articles = {o.article_id for o in dead if o.kind == "dead letter (indexer)"}
        indexed = set(ids) & expected

        # duplicated: per event, its outcomes at the cleaner; per article entry, at the indexer
        by_event: dict[str, list[Output]] = {}
        by_article_entry: dict[str, list[Output]] = {}
        for o in out:
            if o.kind == "dead letter (indexer)":
                by_article_entry.setdefault(o.source or "?", []).append(o)
            elif o.source is not None:
                by_event.setdefault(o.source, []).append(o)
        twice = {e: os for e, os in by_event.items() if len(os) > 1}
        twice |= {f"article entry {e}": os for e, os in by_article_entry.items() if len(os) > 1}

        stale = self._stale(held, by_event)
        # the harness's own check: an event none of whose outputs it saw is one it cannot
        # count (a duplicate of it would go unseen too)
        unseen = [e for e in [*self.fetched, *self.poison]
                  if e not in by_event and e not in self.excused]
        problems = [f"event {e}: {len(os)} outcomes ({', '.join(map(str, os))})"
                    for e, os in sorted(twice.items())[:5]]
        problems += stale[:5]
        problems += [f"event {e}: no output seen" for e in unseen[:5]]
        return Report(
            published=len(self.published) + len(self.poison),
            indexed=len(indexed),
            rejected=sum(o.kind == "rejected" for o in out),
            dead_lettered=len(dead),
            lost=len(expected - indexed - dead_articles) + len(set(self.poison) - dead_ids),
            duplicated=len(twice),
            stale=len(stale),
            without_outcome=len(unseen),
            index_rows=rows,
            distinct_articles=len(expected - dead_articles),
            seed=self.seed,
            examples=tuple(problems),
        )

    def _stale(self, held: dict[str, Any], by_event: dict[str, list[Output]]) -> list[str]:
        """Index rows whose content is not the newest scrape published of their page: of
        the good events that did not end as a rejection or a dead letter, those of the
        newest ``fetched_at`` for the url; the row must hold one of their articles."""
        indexer_dead = {o.source for o in self.outputs.values()
                        if o.kind == "dead letter (indexer)"}
        newest: dict[str, tuple[datetime, list[str]]] = {}  # article id -> newest events
        for entry, url in self.fetched.items():
            ends = by_event.get(entry, [])
            if any(o.kind != "article" for o in ends) or any(
                    o.entry_id in indexer_dead for o in ends):
                continue
            aid, at = article_id(canonical_url(url)), self.fetched_at[entry]
            best = newest.get(aid)
            if best is None or at > best[0]:
                newest[aid] = (at, [entry])
            elif at == best[0]:
                best[1].append(entry)
        stale = []
        for aid, row in held.items():
            if row is None or aid not in newest:
                continue
            at, entries = newest[aid]
            hashes = {o.content_hash for e in entries for o in by_event.get(e, [])}
            if hashes:
                if row.content_hash in hashes:
                    continue
            elif row.provenance.fetched_at >= at:  # its article never seen: by fetch time
                continue
            stale.append(f"index row {aid} ({row.url}) holds the scrape fetched "
                         f"{row.provenance.fetched_at.isoformat()} (content "
                         f"{row.content_hash[:12]}), not the newest published, fetched "
                         f"{at.isoformat()} (events {', '.join(entries[:3])})")
        return stale

    def settle(self, name: str, *, note: str = "", timeout_s: float = 180.0,
               stall_s: float | None = None) -> Report:
        """Wait until drained, record the conservation report under ``name`` and assert
        the promise (``Report.assert_conserved``)."""
        self.wait_drained(timeout_s, stall_s)
        report = self.report()
        REPORTS.append((name, f"{report}{note}"))
        report.assert_conserved()
        return report

    def cleanup(self) -> None:
        self.stop_all()
        with contextlib.suppress(redis.RedisError):
            with_prefix = list(self.client.scan_iter(match=f"vf-{self.run}:*"))
            if with_prefix:
                self.client.delete(*with_prefix)
        self.client.close()


@dataclass(frozen=True)
class Report:
    published: int
    indexed: int
    rejected: int
    dead_lettered: int
    lost: int
    duplicated: int
    stale: int
    without_outcome: int  # events none of whose outputs the harness saw
    index_rows: int
    distinct_articles: int
    seed: int = 0
    examples: tuple[str, ...] = ()  # the first duplicated events and stale rows, in words

    def __str__(self) -> str:
        return (f"published={self.published} indexed={self.indexed} rejected={self.rejected} "
                f"dead_lettered={self.dead_lettered} lost={self.lost} "
                f"duplicated={self.duplicated} stale={self.stale} "
                f"without_outcome={self.without_outcome} index_rows={self.index_rows} "
                f"distinct_articles={self.distinct_articles} seed={self.seed}")

    def assert_conserved(self) -> None:
        """The promise: nothing lost, no event with two outcomes (nor one with none seen),
        no index row older than the newest scrape published of its page, one row per
        distinct article."""
        broken = []
        if self.lost:
            broken.append(f"{self.lost} lost")
        if self.duplicated:
            broken.append(f"{self.duplicated} duplicated")
        if self.stale:
            broken.append(f"{self.stale} stale")
        if self.without_outcome:
            broken.append(f"{self.without_outcome} events without an outcome")
        if self.index_rows != self.distinct_articles:
            broken.append(f"{self.index_rows} index rows for {self.distinct_articles} "
                          "distinct articles")
        if broken:
            raise AssertionError(
                f"the promise broke: {', '.join(broken)}; {self} (VESTNIK_FAULT_SEED="
                f"{self.seed} repeats the run's faults)"
                + "".join(f"\n  {e}" for e in self.examples))


def cluster(redis_url: str, workdir: Path, **env: str) -> Iterator[Cluster]:
    c = Cluster(redis_url, workdir, extra_env=env)
    try:
        yield c
    finally:
        c.cleanup()


def _alive(pid: int) -> str:
    """A running process, and its state where Linux tells it (``stopped``: SIGSTOP)."""
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        names = {"R": "running", "S": "sleeping", "D": "in uninterruptible wait",
                 "T": "stopped", "t": "stopped by a tracer", "Z": "a zombie"}
        return f"alive, {names.get(state, state)}"
    return "alive"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _article_output(entry: str, fields: dict[bytes, bytes]) -> Output:
    try:
        article = orjson.loads(fields[b"__data__"])
        provenance = article["provenance"]
        return Output("article", entry, provenance.get("source_entry_id"),
                      article_id=article["article_id"], content_hash=article["content_hash"],
                      fetched_at=datetime.fromisoformat(provenance["fetched_at"]))
    except (KeyError, TypeError, ValueError, orjson.JSONDecodeError):
        return Output("article (unreadable)", entry, None)


def _letter_output(kind: str, entry: str, fields: dict[bytes, bytes]) -> Output:
    """A rejection (``source_entry_id``) or a dead letter (``entry_id``, of the events
    stream for the cleaner's, of the articles stream for the indexer's: then also the
    article's id)."""
    try:
        data = orjson.loads(fields[b"__data__"])
    except (KeyError, orjson.JSONDecodeError):
        return Output(f"{kind} (unreadable)", entry, None)
    if kind == "rejected":
        return Output(kind, entry, data.get("source_entry_id"))
    aid = None
    if kind == "dead letter (indexer)":
        with contextlib.suppress(KeyError, TypeError, orjson.JSONDecodeError):
            aid = orjson.loads(data["fields"]["__data__"])["article_id"]
    return Output(kind, entry, data.get("entry_id"), article_id=aid)


async def _drained(redis_url: str, settings: Settings) -> bool:
    """Both stages have read and acknowledged everything: vestnik's own rule (ids compared,
    not Redis's lag, which 6.2 does not report)."""
    async with redis.asyncio.Redis.from_url(redis_url) as client:
        statuses = await stages_status(client, settings)
    return all(s.group(g) is not None for s, (_, _, g) in
               zip(statuses, stage_groups(settings), strict=True)) and drained(statuses, settings)


async def _pipeline(redis_url: str, settings: Settings) -> list[Any]:
    async with redis.asyncio.Redis.from_url(redis_url) as client:
        return await pipeline_status(client, settings)
