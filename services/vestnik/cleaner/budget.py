"""A time budget per page: extraction runs in child processes that can be stopped.

Extraction is pure CPU (much of it in C, in the HTML parser), so a page that makes it slow
cannot be interrupted from inside the worker, and while it runs in the worker's own
process the event loop (the subscriber, the upkeep loop with its heartbeat) stands still.
Here it runs in ``workers`` child processes instead, each fed a batch's pages in one
message. A child says which page it is on, and since when, in a word of shared memory (no
message, no wake-up per page), and sends its answers every ``FLUSH_S`` and at the end of
the batch. A page still running past ``budget_s`` has its child killed and replaced; the
page ends as ``Failed("timeout", …)`` and the batch's other unanswered pages go on in the
new one. The worker's event loop only waits (in a thread) for answers.

The children are started by ``forkserver`` where there is one (a fork of a server that has
already imported the extractor: a replacement is ready in milliseconds), else ``spawn``.
They ignore SIGINT and SIGTERM (stopping them is the parent's business: a signal sent to
the whole process group must not look like a page that crashed) and exit when the parent
closes their pipe or dies.

This module imports no broker: ``clean_one`` is what a child runs for each page.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, Literal

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, Rejection, ScrapeEvent
from vestnik.extract._sitememory import SiteView
from vestnik.logs import get_logger
from vestnik.wire import encode_model

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext, SpawnContext

    _Context = ForkServerContext | SpawnContext

# imported once by the fork server, so every child (and every replacement) starts warm
PRELOAD = ["vestnik.cleaner.budget", "vestnik.extract._core", "vestnik.extract._html"]
START_TIMEOUT_S = 60.0  # a child that is not ready by then (a starved machine) is an error
FLUSH_S = 0.05  # a child sends the answers it has at least this often
IDLE = -1  # the progress word of a child on no page
_POSITION_BITS = 20  # progress word: start time (ms, monotonic clock) << 20 | page position


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A page cleaned and encoded: the entry to publish."""

    outcome: Literal["article", "rejected"]
    key: str  # the article id, or the rejection reason
    fields: dict[str, bytes]
    duration_ms: float = 0.0
    lines: tuple[int, ...] = ()  # hashes of the page's lines, for site memory


@dataclass(frozen=True, slots=True)
class Failed:
    """A page that cannot be cleaned: ``error_type`` is a stable code, ``reason`` says why."""

    error_type: str  # internal_error, unencodable, timeout, crashed
    reason: str
    duration_ms: float = 0.0


Result = Cleaned | Failed


@dataclass(frozen=True, slots=True)
class Job:
    """One decoded page to clean. ``about`` names it in a timeout's or crash's reason
    (what is known of it without cleaning it: url, content type, size)."""

    event: ScrapeEvent
    entry_id: str
    about: str
    furniture: frozenset[int] | None = None  # site memory's furniture; None: not used


class PoolClosed(RuntimeError):
    """The pool was closed while pages were in it: they stay pending, to be redelivered."""


class ExtractorUnavailable(RuntimeError):
    """An extraction process could not be started."""


# -- what a child runs ---------------------------------------------------------------------


def clean_one(event: ScrapeEvent, entry_id: str,
              furniture: frozenset[int] | None = None) -> Result:
    """Clean one page and encode its output; everything that can raise on one page
    (extraction, building the article, encoding it) ends as a ``Failed`` of its own.
    ``furniture``: site memory's lines of the page's site (then the result carries the
    page's own lines, to learn from)."""
    started = time.perf_counter()
    view = SiteView(furniture) if furniture is not None else None
    result = _clean_one(event, entry_id, view)
    if view is not None and isinstance(result, Cleaned):
        result = replace(result, lines=tuple(view.lines))
    return replace(result, duration_ms=round((time.perf_counter() - started) * 1000, 3))


def _clean_one(event: ScrapeEvent, entry_id: str, view: SiteView | None) -> Result:
    try:
        result = (clean_event(event, entry_id=entry_id) if view is None
                  else clean_event(event, entry_id=entry_id, memory=view))
    except Exception as exc:
        return Failed("internal_error", f"extraction failed: {_exception(exc)}")
    try:
        fields = encode_model(result)
    except Exception as exc:
        return Failed("unencodable", _unencodable(result, exc))
    if isinstance(result, Article):
        return Cleaned("article", result.article_id, fields)
    return Cleaned("rejected", result.reason, fields)


def _exception(exc: BaseException) -> str:
    """``Type: message (at file:line in function)``, the innermost frame."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"
    return text


def _unencodable(result: Article | Rejection, exc: Exception) -> str:
    kind = "article" if isinstance(result, Article) else "rejection"
    where = next(_surrogates(result.model_dump(mode="json")), None)
    found = ""
    if where is not None:
        path, at, char = where
        found = f"{path} holds a lone surrogate U+{ord(char):04X} at character {at}; "
    return f"the {kind} cannot be written as UTF-8 JSON: {found}{type(exc).__name__}: {exc}"


def _surrogates(value: Any, path: str = "") -> Iterator[tuple[str, int, str]]:
    """Where strings in ``value`` hold lone surrogates: (path, index, the character)."""
    if isinstance(value, str):
        for at, char in enumerate(value):
            if "\ud800" <= char <= "\udfff":
                yield path or "value", at, char
                return
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _surrogates(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _surrogates(item, f"{path}[{i}]")


# What crosses the pipe: plain tuples (cheaper to pickle than the dataclasses).
_Packed = tuple[Any, ...]


def _pack(result: Result) -> _Packed:
    if isinstance(result, Cleaned):
        return (result.outcome, result.key, result.fields, result.duration_ms, result.lines)
    return ("failed", result.error_type, result.reason, result.duration_ms, ())


def _unpack(packed: _Packed) -> Result:
    kind, a, b, ms, lines = packed
    return Failed(a, b, ms) if kind == "failed" else Cleaned(kind, a, b, ms, lines)


def _progress_word(position: int) -> int:
    return int(time.monotonic() * 1000) << _POSITION_BITS | position


def _child_main(conn: Connection, progress: Any) -> None:
    """A child's life: say it is ready, then clean each batch it is sent: before each page,
    write its position and start time into ``progress``; send ``[(index, packed)]`` every
    ``FLUSH_S`` and at the end. Exit when the parent closes the pipe (or dies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            batch: list[tuple[int, dict[str, Any], str, frozenset[int] | None]] = conn.recv()
        except (EOFError, OSError):
            return
        answers: list[tuple[int, _Packed]] = []
        flushed = time.monotonic()
        for position, (index, state, entry_id, furniture) in enumerate(batch):
            progress.value = _progress_word(position)
            try:
                result = clean_one(ScrapeEvent.model_construct(**state), entry_id, furniture)
            except Exception as exc:  # a bug outside clean_one: still this page's alone
                result = Failed("internal_error", f"extraction failed: {_exception(exc)}")
            answers.append((index, _pack(result)))
            if time.monotonic() - flushed >= FLUSH_S or position == len(batch) - 1:
                try:
                    _send_answers(conn, answers)
                except (EOFError, OSError):
                    return
                answers, flushed = [], time.monotonic()


def _send_answers(conn: Connection, answers: list[tuple[int, _Packed]]) -> None:
    try:
        conn.send(answers)
    except (EOFError, OSError):
        raise
    except Exception:  # an answer that cannot be pickled: say so for that page alone
        for index, packed in answers:
            try:
                conn.send([(index, packed)])
            except (EOFError, OSError):
                raise
            except Exception as exc:
                conn.send([(index, _pack(Failed(
                    "internal_error", f"the result could not be sent: {_exception(exc)}")))])


# -- the parent's side ---------------------------------------------------------------------


def _context() -> _Context:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _read_progress(word: int, sent: float) -> tuple[int, float]:
    """(position in the batch, start time) of the page a child is on; before it has
    started the batch sent at ``sent``: its first page, since then."""
    if word == IDLE:
        return 0, sent
    return word & ((1 << _POSITION_BITS) - 1), (word >> _POSITION_BITS) / 1000


def _how_it_ended(code: int | None) -> str:
    if code is None:
        return "did not exit"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


class _Child:
    """One extraction process and its pipe; replaced in place when killed or dead."""

    def __init__(self, ctx: _Context, closing: threading.Event) -> None:
        self._ctx = ctx
        self._closing = closing
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._progress: Any = None  # shared with the process: see _child_main
        self._stopping = threading.Lock()
        self.log = get_logger(task="extract")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def ensure_running(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self.stop()
        if self._closing.is_set():
            raise PoolClosed("the extraction pool is closed")
        parent, child = self._ctx.Pipe(duplex=True)
        progress = self._ctx.RawValue("q", IDLE)
        process = self._ctx.Process(target=_child_main, args=(child, progress), daemon=True,
                                    name="vestnik-extract")
        process.start()
        child.close()  # the child's end lives in the child only: its death is our EOF
        self._process, self._conn, self._progress = process, parent, progress
        try:
            if parent.poll(START_TIMEOUT_S) and parent.recv()[0] == "ready":
                return
            why = f"was not ready within {START_TIMEOUT_S:.0f} s"
        except (EOFError, OSError):
            process.join(5)
            why = (f"ended before it was ready ({_how_it_ended(process.exitcode)}; a main "
                   "module that starts work when imported needs `if __name__ == '__main__':`)")
        self.stop()
        raise ExtractorUnavailable(f"an extraction process {why}")

    def stop(self) -> int | None:
        """Kill the process (if any) and forget it; how it had ended.

        Called by the thread driving this process (a page past its budget) and by
        ``ExtractorPool.close`` from another: the process dies before its pipe is closed,
        so a thread waiting on the pipe wakes up to its end rather than waiting on a
        closed descriptor.
        """
        with self._stopping:
            process, conn = self._process, self._conn
            self._process = self._conn = None
            code = None
            if process is not None:
                if process.is_alive():
                    process.kill()
                process.join(5)
                code = process.exitcode
                with contextlib.suppress(ValueError):
                    process.close()
            if conn is not None:
                conn.close()
            return code

    def run(self, jobs: Sequence[Job], budget_s: float) -> list[Result]:
        """Clean ``jobs``, each within ``budget_s`` (blocking: run it in a thread); one
        result per job, in order."""
        results: list[Result | None] = [None] * len(jobs)
        died_on: set[int] = set()
        while (todo := [i for i, r in enumerate(results) if r is None]):
            self.ensure_running()
            conn, progress = self._conn, self._progress
            assert conn is not None and progress is not None
            progress.value = IDLE
            try:
                conn.send([(i, dict(jobs[i].event.__dict__), jobs[i].entry_id,
                            jobs[i].furniture) for i in todo])
                sent = time.monotonic()
                while any(results[i] is None for i in todo):
                    position, started = _read_progress(progress.value, sent)
                    ready = conn.poll(max(0.0, started + budget_s - time.monotonic()))
                    self._check_open()
                    if ready:
                        for index, packed in conn.recv():
                            results[index] = _unpack(packed)
                    elif _read_progress(progress.value, sent) == (position, started):
                        i = todo[position]  # still on the same page: past its budget
                        results[i] = self._timed_out(jobs[i], budget_s, started)
                        break
            except (EOFError, OSError):  # it died on a page: once more, then give up
                self._check_open()
                position, _ = _read_progress(progress.value, 0.0)
                i = todo[position]
                how = _how_it_ended(self.stop())
                self.log.warning("extraction_process_died", entry_id=jobs[i].entry_id,
                                 how=how, again=i in died_on)
                if i in died_on:
                    results[i] = Failed("crashed", (
                        f"the extraction process died on this page twice ({how}); "
                        f"{jobs[i].about}"))
                died_on.add(i)
        return [r for r in results if r is not None]

    def _timed_out(self, job: Job, budget_s: float, started: float) -> Failed:
        ran = time.monotonic() - started
        pid = self.pid
        self.stop()
        self.log.warning("extraction_timeout", entry_id=job.entry_id, seconds=round(ran, 2),
                         pid=pid)
        return Failed("timeout", (f"cleaning the page took longer than its {budget_s:g} s "
                                  f"budget: stopped after {ran:.1f} s; {job.about}"),
                      duration_ms=round(ran * 1000, 3))

    def _check_open(self) -> None:
        if self._closing.is_set():
            raise PoolClosed("the extraction pool was closed mid-batch")


class ExtractorPool:
    """``workers`` extraction processes shared by a stage's concurrent batches.

    ``clean`` spreads a batch's pages over the processes free at the time (at least one,
    waited for) in contiguous runs, one message per process. Each process is driven by
    one thread at a time, and returns to the free ones only when that thread is done
    (even when the batch that took it was cancelled).
    """

    def __init__(self, workers: int, budget_s: float) -> None:
        self.workers = workers
        self.budget_s = budget_s
        self._ctx: _Context | None = None
        self._closing = threading.Event()
        self._children: list[_Child] = []
        self._idle: asyncio.Queue[_Child] | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._starting: asyncio.Lock | None = None

    async def start(self) -> None:
        """Start the processes (``clean`` does it when needed); ready when this returns."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._idle is not None:
                return
            self._closing.clear()
            self._ctx = self._ctx or _context()
            threads = ThreadPoolExecutor(self.workers, thread_name_prefix="vestnik-extract")
            children = [_Child(self._ctx, self._closing) for _ in range(self.workers)]
            loop = asyncio.get_running_loop()
            try:
                await asyncio.gather(*(loop.run_in_executor(threads, c.ensure_running)
                                       for c in children))
            except BaseException:
                # Cancelled (a SIGTERM while starting) or failed: the threads may still be
                # starting processes, which ignore SIGTERM and would keep the interpreter
                # from exiting (multiprocessing joins them at exit). Let the threads finish
                # (at most START_TIMEOUT_S), then stop every process they started.
                threads.shutdown(wait=True)
                for c in children:
                    c.stop()
                raise
            idle: asyncio.Queue[_Child] = asyncio.Queue()
            for c in children:
                idle.put_nowait(c)
            self._children, self._threads, self._idle = children, threads, idle

    async def clean(self, jobs: Sequence[Job]) -> list[Result]:
        """One result per job, in order; raises only when the pages could not be tried
        (``PoolClosed``, ``ExtractorUnavailable``): then none of them has a result."""
        if not jobs:
            return []
        await self.start()
        idle, threads = self._idle, self._threads
        assert idle is not None and threads is not None
        taken = [await idle.get()]
        while len(taken) < min(len(jobs), self.workers) and not idle.empty():
            taken.append(idle.get_nowait())
        loop = asyncio.get_running_loop()

        def give_back(child: _Child) -> Callable[[Future[list[Result]]], None]:
            def done(_: Future[list[Result]]) -> None:
                with contextlib.suppress(RuntimeError):  # the loop is gone: so is the pool
                    loop.call_soon_threadsafe(idle.put_nowait, child)
            return done

        futures = []
        for child, run in zip(taken, _split(jobs, len(taken)), strict=True):
            future = threads.submit(child.run, run, self.budget_s)
            future.add_done_callback(give_back(child))
            futures.append(future)
        done = await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
        return [result for run in done for result in run]

    async def close(self) -> None:
        """Stop every process; batches still in them raise ``PoolClosed``."""
        self._closing.set()
        children, threads = self._children, self._threads
        self._children, self._idle, self._threads = [], None, None
        await asyncio.gather(*(asyncio.to_thread(c.stop) for c in children))
        if threads is not None:
            threads.shutdown(wait=False)

    @property
    def pids(self) -> list[int]:
        return [pid for c in self._children if (pid := c.pid) is not None]


def _split(jobs: Sequence[Job], parts: int) -> list[Sequence[Job]]:
    """``parts`` contiguous runs of ``jobs``, their sizes differing by one at most."""
    size, extra = divmod(len(jobs), parts)
    runs, at = [], 0
    for k in range(parts):
        end = at + size + (1 if k < extra else 0)
        runs.append(jobs[at:end])
        at = end
    return runs
