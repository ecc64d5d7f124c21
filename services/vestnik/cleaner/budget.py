"""A time budget per page: pages are decoded and cleaned in child processes that can be stopped.

Extraction is pure CPU (much of it in C, in the HTML parser), so a page that makes it slow
cannot be interrupted from inside the worker, and while it runs in the worker's own
process the event loop (the subscriber, the upkeep loop with its heartbeat) stands still.
Here it runs in ``workers`` child processes instead, and the worker mostly ferries bytes:
a child is sent a batch's entries as they were read from the stream (their fields, bytes),
decodes each into a scrape event, extracts it, builds the article (or the rejection) and
encodes it, and sends back the encoded entry and the little the worker needs (outcome, ids,
timings, site memory's lines). A batch goes to a child in one message, each entry with
site memory's furniture for the site and canonical URL the worker read off the entry
(``peek_page``: its ``url`` and ``site``, nothing decoded or validated):

1. the child decodes each entry and answers, in one message and before it cleans any,
   what the worker needs of the pages (the event id, what is known of the page for a
   timeout's reason, its site and canonical URL when site memory is on), or why an entry
   cannot be decoded (a ``WireError``'s code and reason: the entry is dead-lettered);
2. it cleans each decoded page with its furniture and answers every ``FLUSH_S`` and at the
   end of the batch, and whenever it has been on one page for ``QUIET_S`` with answers
   not sent (a thread of its own watches: the worker commits a batch's pages as their
   answers come, so the pages done wait neither for a slow page nor die with it when it
   is killed, while quick pages under load go dozens to a message: each message is a
   commit, and the indexer's transaction behind it, so under load fewer is cheaper). A page whose
   decoded site or URL is not what the worker read (it could not be read, or the event
   says otherwise) is not cleaned but kept: the worker sees that from the first answer,
   looks its furniture up and sends a second message for such pages, which the child
   cleans from the events it kept.

The worker's event loop waits on the pipes itself (no thread in between).

A child says which page it is on, and since when, in a word of shared memory (no message
when it starts one). A page still running past ``budget_s`` (decoding or cleaning) has its
child killed and replaced; the page ends as ``Failed("timeout", …)`` and the batch's other
unanswered pages go on in the new one (sent as entries again, to be decoded there).

The children are started by ``forkserver`` where there is one (a fork of a server that has
already imported the extractor: a replacement is ready in milliseconds), else ``spawn``.
They ignore SIGINT and SIGTERM (stopping them is the parent's business: a signal sent to
the whole process group must not look like a page that crashed) and exit when the parent
closes their pipe or dies.

This module is the worker's side; ``_child`` is the processes', and ``cleaning`` what they
run for each page (``clean_here`` runs it in this process, for tests and benchmarks). No
broker is imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from vestnik.cleaner._child import IDLE, Packed, child_main, read_progress, unpack
from vestnik.cleaner.cleaning import (
    Decoded,
    Failed,
    Furnish,
    Job,
    Reported,
    Result,
    Where,
    peek_page,
)
from vestnik.logs import get_logger

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext, SpawnContext

    _Context = ForkServerContext | SpawnContext

# imported once by the fork server, so every child (and every replacement) starts warm
PRELOAD = ["vestnik.cleaner._child", "vestnik.extract._core", "vestnik.extract._html"]
START_TIMEOUT_S = 60.0  # a child that is not ready by then (a starved machine) is an error


class PoolClosed(RuntimeError):
    """The pool was closed while pages were in it: they stay pending, to be redelivered."""


class ExtractorUnavailable(RuntimeError):
    """An extraction process could not be started."""


def _context() -> _Context:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _how_it_ended(code: int | None) -> str:
    if code is None:
        return "did not exit"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


class _Child:
    """One extraction process and its pipe; replaced in place when killed or dead."""

    def __init__(self, ctx: _Context, closing: threading.Event,
                 starter: ThreadPoolExecutor) -> None:
        self._ctx = ctx
        self._closing = closing
        self._starter = starter  # starts a replacement process off the event loop
        # the event loop's watch on the pipe while a batch waits on it: (loop, fd, wake)
        self._watch: tuple[asyncio.AbstractEventLoop, int, Callable[[], None]] | None = None
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._progress: Any = None  # shared with the process: see child_main
        self._stopping = threading.Lock()
        self._generation = 0  # counts the processes started (pids may be used again)
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
        process = self._ctx.Process(target=child_main, args=(child, progress), daemon=True,
                                    name="vestnik-extract")
        process.start()
        self._generation += 1
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

    async def running(self) -> None:
        """``ensure_running`` from the event loop: a replacement is started in a thread
        (the fork server answers in milliseconds, a first start may take seconds)."""
        if self._process is None or not self._process.is_alive():
            await asyncio.get_running_loop().run_in_executor(self._starter,
                                                             self.ensure_running)

    def stop(self) -> int | None:
        """Kill the process (if any) and forget it; how it had ended.

        A batch waiting on its pipe is woken first (it then finds the pipe closed, or the
        pool closing), and the process dies before its pipe is closed."""
        with self._stopping:
            self._unwatch(wake=True)
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

    async def clean(self, share: _Share, budget_s: float, max_body_bytes: int,
                    site_memory: bool) -> None:
        """Every page of ``share`` without a result and not asking for its furniture:
        sent (the entry, or None for a page this process kept), decoded and cleaned, each
        within ``budget_s``, in one message; a process that replaced the one that kept
        pages is sent their entries again. A page whose site memory was looked up for
        another site or URL than its own (``share.expected``) is decoded and kept: it is
        then in ``share.asking``."""
        while (todo := [i for i, r in enumerate(share.results)
                        if r is None and i not in share.asking]):
            await self.running()
            held = share.held if share.holder == self._generation else set()
            share.held, share.holder = set(), self._generation  # the process forgets them
            jobs = share.jobs
            await self._exchange(
                (max_body_bytes, site_memory,
                 [(i, jobs[i].entry_id, None if i in held else jobs[i].fields,
                   share.furniture.get(i), share.expected.get(i)) for i in todo]),
                todo, share, budget_s, site_memory)

    async def _exchange(self, message: tuple[Any, ...], todo: list[int], share: _Share,
                        budget_s: float, site_memory: bool) -> None:
        """Send ``message`` (its pages: ``todo``, in order) and take each page's answers
        until every page has a result or asks for its furniture; a page past its budget
        is a timeout and its process is killed, a process that died on a page is replaced
        (the page tried once more, then ``crashed``): then return early, the pages not
        answered still without a result. The pipe is waited on in the event loop; a batch
        cancelled meanwhile kills the process (its answers would be the next batch's)."""
        waiting = set(todo)
        conn, progress = self._conn, self._progress
        assert conn is not None and progress is not None
        progress.value = IDLE
        try:
            conn.send(message)
            sent = time.monotonic()
            while waiting:
                position, started = read_progress(progress.value, sent)
                ready = await self._readable(
                    conn, max(0.0, started + budget_s - time.monotonic()))
                self._check_open()
                if ready:
                    for index, packed in conn.recv():
                        if share.take(index, packed, site_memory):
                            waiting.discard(index)
                elif read_progress(progress.value, sent) == (position, started):
                    i = todo[position]  # still on the same page: past its budget
                    share.finish(i, self._timed_out(share, i, budget_s, started))
                    return
        except (EOFError, OSError):  # it died on a page: once more, then give up
            self._check_open()
            position, _ = read_progress(progress.value, 0.0)
            i = todo[position]
            how = _how_it_ended(self.stop())
            self.log.warning("extraction_process_died", entry_id=share.jobs[i].entry_id,
                             how=how, again=i in share.died_on)
            if i in share.died_on:
                share.finish(i, Failed("crashed", (
                    f"the extraction process died on this page twice ({how}); "
                    f"{share.about(i)}"), page=share.pages.get(i)))
            share.died_on.add(i)
        except BaseException:  # cancelled, or the pool closed: the process is left unread
            self.stop()
            raise

    async def _readable(self, conn: Connection, within_s: float) -> bool:
        """Whether ``conn`` has an answer (or its end) within ``within_s`` seconds, waited
        for by the event loop: no thread between the pipe and the batch."""
        if conn.poll():
            return True
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        fd = conn.fileno()
        loop.add_reader(fd, wake)
        self._watch = (loop, fd, wake)
        try:
            await asyncio.wait({ready}, timeout=within_s)
        finally:
            self._unwatch(wake=False)
        return ready.done()

    def _unwatch(self, *, wake: bool) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            loop, fd, waker = watch
            loop.remove_reader(fd)
            if wake:
                waker()

    def _timed_out(self, share: _Share, i: int, budget_s: float, started: float) -> Failed:
        ran = time.monotonic() - started
        pid = self.pid
        self.stop()
        self.log.warning("extraction_timeout", entry_id=share.jobs[i].entry_id,
                         seconds=round(ran, 2), pid=pid)
        return Failed("timeout", (f"cleaning the page took longer than its {budget_s:g} s "
                                  f"budget: stopped after {ran:.1f} s; {share.about(i)}"),
                      duration_ms=round(ran * 1000, 3), page=share.pages.get(i))

    def _check_open(self) -> None:
        if self._closing.is_set():
            raise PoolClosed("the extraction pool was closed mid-batch")


@dataclass(eq=False)
class _Share:
    """The pages of a batch one process cleans, and what is known of them so far."""

    jobs: Sequence[Job]
    offset: int = 0  # of jobs[0] in the batch
    report: Reported | None = None  # told of each result as it is known
    results: list[Result | None] = field(default_factory=list)
    pages: dict[int, Decoded] = field(default_factory=dict)  # decoded, by position in jobs
    held: set[int] = field(default_factory=set)  # ... and kept by the process `holder`
    holder: int = -1  # the generation of the process (_Child._generation) keeping them
    furniture: dict[int, frozenset[int]] = field(default_factory=dict)
    expected: dict[int, tuple[str, str]] = field(default_factory=dict)  # furniture's for
    asking: set[int] = field(default_factory=set)  # decoded, kept, furniture not theirs
    died_on: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.results = [None] * len(self.jobs)

    def take(self, i: int, packed: Packed, site_memory: bool) -> bool:
        """Take a page's answer; whether the page is done with for this message (it has
        its result, or it waits for its furniture, as the process does: ``child_main``)."""
        if packed[0] == "decoded":
            page = self.pages[i] = Decoded(*packed[1:])
            if site_memory and (page.site, page.url) != self.expected.get(i):
                self.asking.add(i)
                self.held.add(i)
                return True
            return False
        self.finish(i, unpack(packed, self.pages.get(i)))
        return True

    def finish(self, i: int, result: Result) -> None:
        self.results[i] = result
        if self.report is not None:
            self.report(self.offset + i, result)

    def about(self, i: int) -> str:
        """What is known of a page without cleaning it, for a timeout's or crash's reason."""
        page = self.pages.get(i)
        if page is not None:
            return page.about
        size = sum(len(v) for v in self.jobs[i].fields.values())
        return f"not decoded yet (entry {size:,} bytes)"


class ExtractorPool:
    """``workers`` extraction processes shared by a stage's concurrent batches.

    ``clean`` spreads a batch's pages over the processes free at the time (at least one,
    waited for) in contiguous runs, one message per process (two when site memory was
    looked up for other sites than some pages' own: see the module's docstring). The
    event loop waits on each process's pipe itself. A process is kept by its batch until
    the batch ends, and returns to the free ones then (killed when the batch was
    cancelled mid-message, to be started again when next used).
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
            children = [_Child(self._ctx, self._closing, threads) for _ in range(self.workers)]
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

    async def clean(self, jobs: Sequence[Job], *, max_body_bytes: int,
                    furnish: Furnish | None = None,
                    report: Reported | None = None) -> list[Result]:
        """One result per job, in order; raises only when the pages could not be tried
        (``PoolClosed``, ``ExtractorUnavailable``): then the pages not reported have no
        result. ``report(position, result)``: told of each page's result as soon as it is
        known (from the event loop, within this call; it must not block).
        ``furnish``: site memory's furniture of pages (their site and canonical URL),
        asked before the pages are sent, for what ``peek_page`` reads of each entry, and
        once more for the decoded pages whose own site or URL is not what was read (with
        it, each result carries the page's lines)."""
        if not jobs:
            return []
        await self.start()
        idle = self._idle
        assert idle is not None
        site_memory = furnish is not None
        expected: dict[int, Where] = {}
        given: Sequence[frozenset[int]] = ()
        if furnish is not None:  # before a process is taken: it waits for no lookup
            expected = {k: where for k, job in enumerate(jobs)
                        if (where := peek_page(job.fields, max_body_bytes)) is not None}
            if expected:
                given = await furnish(list(expected.values()))
        furniture = dict(zip(expected, given, strict=True))
        taken = [await idle.get()]
        while len(taken) < min(len(jobs), self.workers) and not idle.empty():
            taken.append(idle.get_nowait())
        shares: list[_Share] = []
        at = 0
        for run in _split(jobs, len(taken)):
            share = _Share(run, at, report)
            for i in range(len(run)):
                if (where := expected.get(at + i)) is not None:
                    share.expected[i] = (where.site, where.url)
                    share.furniture[i] = furniture[at + i]
            shares.append(share)
            at += len(run)

        async def each() -> None:
            if len(taken) == 1:
                await taken[0].clean(shares[0], self.budget_s, max_body_bytes, site_memory)
                return
            tasks = [asyncio.ensure_future(child.clean(share, self.budget_s, max_body_bytes,
                                                       site_memory))
                     for child, share in zip(taken, shares, strict=True)]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks)
                raise

        try:
            await each()
            asking = [(share, i, share.pages[i]) for share in shares
                      for i in sorted(share.asking)]
            if furnish is not None and asking:
                looked_up = await furnish([page for _, _, page in asking])
                for (share, i, page), found in zip(asking, looked_up, strict=True):
                    share.furniture[i] = found
                    share.expected[i] = (page.site, page.url)
                for share in shares:
                    share.asking.clear()
                await each()
        finally:
            for child in taken:
                idle.put_nowait(child)
        results = [r for share in shares for r in share.results]
        assert all(r is not None for r in results), "a page without a result"
        return [r for r in results if r is not None]

    async def close(self) -> None:
        """Stop every process; batches still in them raise ``PoolClosed``."""
        self._closing.set()
        children, threads = self._children, self._threads
        self._children, self._idle, self._threads = [], None, None
        for c in children:  # a kill, then a join of a process already dead: milliseconds
            c.stop()
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

