"""A worker stopped while it is still starting has read nothing: it exits cleanly (code 0),
not by the signal's default action, so a supervisor does not count a crash."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from vestnik import embedded
from vestnik.settings import Settings

from .conftest import REDIS_URL


@pytest.mark.parametrize("worker", ["cleaner", "indexer"])
@pytest.mark.parametrize("after_s", [2.0, 4.5])  # waiting for Redis: first and later retries
def test_a_worker_sent_sigterm_while_starting_exits_with_code_0(
    worker: str, after_s: float, tmp_path: object
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")} | {
        "VESTNIK_REDIS_URL": f"redis://127.0.0.1:{embedded.free_port()}/0",  # nobody there
        "VESTNIK_STARTUP_TIMEOUT_S": "60", "VESTNIK_LOG_FORMAT": "json",
        "VESTNIK_INDEX_URL": f"sqlite:///{tmp_path}/index.sqlite3",
    }
    proc = subprocess.Popen([sys.executable, "-m", "vestnik.cli", worker], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(after_s)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]


@pytest.mark.parametrize("worker", ["cleaner", "indexer"])
def test_a_worker_sent_sigterm_just_after_it_started_exits_with_code_0(
    worker: str, tmp_path: Path
) -> None:
    # The cleaner starts its extraction processes just after it says "started"; stopped
    # then, it must stop them too: they ignore SIGTERM, and multiprocessing joins its
    # children when the interpreter exits.
    log = tmp_path / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")} | {
        "VESTNIK_REDIS_URL": REDIS_URL, "VESTNIK_LOG_FORMAT": "json",
        "VESTNIK_EVENTS_STREAM": f"vt-{uuid.uuid4().hex[:8]}:events",
        "VESTNIK_ARTICLES_STREAM": f"vt-{uuid.uuid4().hex[:8]}:articles",
        "VESTNIK_INDEX_URL": f"sqlite:///{tmp_path}/index.sqlite3",
    }
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "vestnik.cli", worker], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while b'"started"' not in log.read_bytes():
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"the {worker} did not exit within 20 s of a SIGTERM sent "
                             f"just after it started: {log.read_text()[-1500:]}") from None
    assert proc.returncode == 0, log.read_text()[-2000:]


def test_a_sigterm_while_the_app_starts_ends_the_worker_instead_of_restarting_it() -> None:
    """The signal comes while the app's startup hooks run (FastStream's own handler is in
    place then); the start goes on and finishes. The worker must still take it for a
    request to stop, not for a reader that stopped by itself, which it would start again."""
    from faststream import FastStream
    from faststream.redis import RedisBroker

    from vestnik.worker import run_worker

    made: list[FastStream] = []

    def create(settings: object) -> FastStream:
        if made:  # a second app: the worker restarted instead of ending
            raise AssertionError("the worker started its app again after a SIGTERM "
                                 "that came while the app was starting")
        broker = RedisBroker(f"redis://127.0.0.1:{embedded.free_port()}")
        broker.start = _no_connection  # type: ignore[method-assign]
        app = FastStream(broker, logger=None)

        @app.on_startup
        async def _signalled_while_starting() -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(0.01)  # the start goes on, and ends, after the signal

        made.append(app)
        return app

    before = signal.getsignal(signal.SIGTERM)
    try:
        run_worker(create, Settings(redis_url=REDIS_URL))
    finally:
        signal.signal(signal.SIGTERM, before)
    assert len(made) == 1


async def _no_connection() -> None:
    """The broker's start: nothing to connect to for this test."""


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc: every thread's children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_the_cleaner_says_started_once_its_extraction_processes_run(tmp_path: Path) -> None:
    """"started" means the worker can work: a benchmark or a probe that takes it for the
    start of work must not time the extraction processes' start-up."""
    log = tmp_path / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")} | {
        "VESTNIK_REDIS_URL": REDIS_URL, "VESTNIK_LOG_FORMAT": "json",
        "VESTNIK_EVENTS_STREAM": f"vt-{uuid.uuid4().hex[:8]}:events",
        "VESTNIK_ARTICLES_STREAM": f"vt-{uuid.uuid4().hex[:8]}:articles",
        "VESTNIK_EXTRACT_WORKERS": "2",
    }
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "vestnik.cli", "cleaner"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while b'"started"' not in log.read_bytes():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.002)
        running = _children(proc.pid)
        # the forkserver and the two extraction processes it forked
        grandchildren = [g for c in running for g in _children(c)]
        assert len(grandchildren) >= 2, (
            f"'started' came before the extraction processes: children {running}, "
            f"theirs {grandchildren}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
