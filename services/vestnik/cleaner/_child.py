"""What an extraction process runs (``budget``'s module docstring tells the whole
exchange): ``child_main`` answers the worker's messages, page by page, through an
``Outbox`` that sends what is done without waiting on a slow page, and says in a word of
shared memory which page it is on and since when (``progress_word``, ``read_progress``).
What crosses the pipe is packed into plain tuples (``pack``, ``unpack``).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from array import array
from multiprocessing.connection import Connection
from typing import Any

from vestnik.cleaner.cleaning import (
    Cleaned,
    Decoded,
    Failed,
    Held,
    Result,
    Undecodable,
    clean_decoded,
    decode_entry,
    describe_exception,
)

FLUSH_S = 0.25  # a child sends the answers it has at least this often, ...
QUIET_S = 0.05  # ... and as soon as it has been this long on one page (a slow one)
IDLE = -1  # the progress word of a child on no page
_POSITION_BITS = 20  # progress word: start time (ms, monotonic clock) << 20 | page position


# What crosses the pipe: plain tuples (cheaper to pickle than the dataclasses), a page's
# line hashes as the bytes of an array of unsigned 64-bit integers.
Packed = tuple[Any, ...]


def pack(result: Cleaned | Failed | Undecodable) -> Packed:
    if isinstance(result, Cleaned):
        return (result.outcome, result.key, result.fields, result.duration_ms,
                array("Q", result.lines).tobytes() if result.lines else b"")
    if isinstance(result, Failed):
        return ("failed", result.error_type, result.reason, result.duration_ms, b"")
    return ("undecodable", result.code, result.reason, result.decode_ms, b"")


def unpack(packed: Packed, page: Decoded | None) -> Result:
    kind, a, b, ms, lines = packed
    if kind == "failed":
        return Failed(a, b, ms, page)
    if kind == "undecodable":
        return Undecodable(a, b, ms)
    return Cleaned(kind, a, b, ms, tuple(array("Q", lines)) if lines else (), page)


def pack_page(page: Decoded) -> Packed:
    return ("decoded", page.event_id, page.about, page.decode_ms, page.site, page.url)


def progress_word(position: int) -> int:
    return int(time.monotonic() * 1000) << _POSITION_BITS | position


def read_progress(word: int, sent: float) -> tuple[int, float]:
    """(position in the batch, start time) of the page a child is on; before it has
    started the batch sent at ``sent``: its first page, since then."""
    if word == IDLE:
        return 0, sent
    return word & ((1 << _POSITION_BITS) - 1), (word >> _POSITION_BITS) / 1000


def child_main(conn: Connection, progress: Any) -> None:
    """A child's life: say it is ready, then answer each message (see the module's
    docstring): before each page it decodes or cleans, write its position in the message
    and its start time into ``progress``. Exit when the parent closes the pipe (or dies).

    A message is ``(max_body_bytes, site_memory, [(index, entry_id, fields, furniture,
    expected)])``. First each entry with ``fields`` is decoded: one answer ``[(index,
    packed)]`` for them all (``pack_page``, or why it cannot be decoded), sent before any
    page is cleaned; an item without ``fields`` is a page this process kept from the
    message before. Then each decoded page is cleaned with ``furniture`` (its answer sent as
    ``Outbox`` says); but with ``site_memory``, a page whose site and canonical URL are not
    ``expected`` (what its furniture was looked up for) is kept instead, until
    the next message brings its furniture (the parent tells it from its decoded answer).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    conn.send(("ready", os.getpid()))
    outbox = Outbox(conn, progress)
    held: dict[int, Held] = {}
    while True:
        try:
            max_body_bytes, site_memory, items = conn.recv()
        except (EOFError, OSError):
            return
        previous, held = held, {}  # what was kept lives one message
        pages: dict[int, Held] = {}  # by position in the message
        answers: list[tuple[int, Packed]] = []
        for position, (index, _, fields, _, _) in enumerate(items):
            if fields is None:
                if index in previous:
                    pages[position] = previous.pop(index)
                else:  # the parent's bookkeeping and this process's disagree: a bug
                    answers.append((index, pack(Failed(
                        "internal_error", "the extraction process had not kept this page"))))
                continue
            progress.value = progress_word(position)
            found: Held | Undecodable | Failed
            try:
                found = decode_entry(fields, max_body_bytes=max_body_bytes,
                                     site_memory=site_memory)
            except Exception as exc:  # a bug outside decoding: still this page's alone
                found = Failed("internal_error", f"extraction failed: {describe_exception(exc)}")
            if isinstance(found, Held):
                pages[position] = found
                answers.append((index, pack_page(found.page)))
            else:
                answers.append((index, pack(found)))
        try:
            outbox.send(answers)
        except (EOFError, OSError):
            return
        last = next(reversed(pages), None)
        for position, page in pages.items():
            index, entry_id, _, furniture, expected = items[position]
            if site_memory and (page.page.site, page.page.url) != expected:
                held[index] = page  # its furniture comes with the next message
                continue
            progress.value = progress_word(position)
            try:
                result = clean_decoded(page, entry_id, furniture)
            except Exception as exc:  # a bug outside clean_one: still this page's alone
                result = Failed("internal_error", f"extraction failed: {describe_exception(exc)}")
            try:  # the last page's answer goes at once, with what is pending
                (outbox.send if position == last else outbox.add)([(index, pack(result))])
            except (EOFError, OSError):
                return
        try:
            outbox.flush()
        except (EOFError, OSError):
            return


class Outbox:
    """A child's answers not sent yet. The main thread adds each page's and sends them
    when ``FLUSH_S`` has passed since the last send (and at the end of a message); a
    watchdog thread sends them once the page the main thread is on has run ``QUIET_S``
    (its start is in the progress word), so that what is done never waits on a slow
    page. The watchdog sleeps while nothing waits to be sent."""

    def __init__(self, conn: Connection, progress: Any) -> None:
        self._conn, self._progress = conn, progress
        self._pending: list[tuple[int, Packed]] = []
        self._sent = time.monotonic()
        self._lock = threading.Condition()
        threading.Thread(target=self._watch, name="vestnik-outbox", daemon=True).start()

    def add(self, answers: list[tuple[int, Packed]]) -> None:
        with self._lock:
            self._pending.extend(answers)
            if time.monotonic() - self._sent >= FLUSH_S:
                self._send()
            elif len(self._pending) == len(answers):  # the watchdog sleeps until there is
                self._lock.notify()  # something; a later page's start it reads when it wakes

    def flush(self) -> None:
        self.send([])

    def send(self, answers: list[tuple[int, Packed]]) -> None:
        """What is pending, then ``answers``, now."""
        with self._lock:
            self._pending.extend(answers)
            self._send()

    def _send(self) -> None:
        if self._pending:
            answers, self._pending = self._pending, []
            self._sent = time.monotonic()
            _send_answers(self._conn, answers)

    def _watch(self) -> None:
        with self._lock:
            while True:
                if not self._pending:
                    self._lock.wait()
                    continue
                _, since = read_progress(self._progress.value, time.monotonic())
                wait_s = since + QUIET_S - time.monotonic()
                if wait_s > 0:
                    self._lock.wait(wait_s)
                    continue
                try:
                    self._send()
                except (EOFError, OSError):  # the parent is gone: the main thread ends
                    return


def _send_answers(conn: Connection, answers: list[tuple[int, Packed]]) -> None:
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
                why = f"the result could not be sent: {describe_exception(exc)}"
                conn.send([(index, pack(Failed("internal_error", why)))])
