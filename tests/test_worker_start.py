"""A worker stopped while it is still starting has read nothing: it exits cleanly (code 0),
not by the signal's default action, so a supervisor does not count a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from vestnik import embedded


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
