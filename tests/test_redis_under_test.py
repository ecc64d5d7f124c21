"""The test run's own Redis: chosen so the README's test command passes on a machine with only
Python, and a run whose Redis dies stops with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vestnik import embedded

from . import redis_under_test
from .conftest import ROOT

DOOMED_TESTS = '''
import redis, os

def test_the_redis_goes_away():
    client = redis.Redis.from_url(os.environ["VESTNIK_TEST_REDIS_URL"])
    client.shutdown(nosave=True)
    client.ping()

''' + "".join(f'''
def test_needs_redis_{i}():
    redis.Redis.from_url(os.environ["VESTNIK_TEST_REDIS_URL"]).ping()
''' for i in range(20))


def test_a_run_whose_redis_dies_stops_with_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    (tmp_path / "test_doomed.py").write_text(DOOMED_TESTS)
    with embedded.private_redis() as url:
        env = {**os.environ, "VESTNIK_TEST_REDIS_URL": url, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
    assert f"the Redis under the tests ({url}) stopped answering" in out, out
    assert "Interrupted:" in out and "1 failed" in out, out
    assert "passed" not in out, out  # none of the 20 tests after it ran
    assert len(out.splitlines()) < 30, out


def test_with_nothing_on_the_local_port_the_run_starts_a_private_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VESTNIK_TEST_REDIS_URL", raising=False)
    monkeypatch.delenv("VESTNIK_TEST_REDIS_SERVER", raising=False)
    monkeypatch.setattr(redis_under_test, "LOCAL_URL",
                        f"redis://127.0.0.1:{embedded.free_port()}/0")
    chosen = redis_under_test.choose()
    try:
        assert chosen.how.startswith("a private server")
        redis_under_test.alive(chosen.url)
    finally:
        chosen.stop()
    assert redis_under_test.failure_cause(chosen.url) is not None


def test_the_bundled_redis_line_is_chosen_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VESTNIK_TEST_REDIS_URL", raising=False)
    monkeypatch.setenv("VESTNIK_TEST_REDIS_SERVER", "bundled")
    chosen = redis_under_test.choose()
    try:
        assert chosen.binary == embedded.bundled_redis_server()
        assert chosen.version().startswith("6.2.")
    finally:
        chosen.stop()
