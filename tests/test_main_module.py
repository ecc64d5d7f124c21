"""``python -m vestnik`` is the ``vestnik`` command (where no console script is on PATH)."""

from __future__ import annotations

import subprocess
import sys

from vestnik import __version__


def test_python_m_vestnik_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "vestnik", "--version"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == f"vestnik, version {__version__}"


def test_python_m_vestnik_reports_errors_as_the_command_does() -> None:
    done = subprocess.run([sys.executable, "-m", "vestnik", "clean", "--charset", "nope", "."],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("vestnik: error: unknown charset 'nope'"), done.stderr
    assert "Usage: python -m" not in done.stderr
