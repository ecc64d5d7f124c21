"""Collect each scenario's conservation report and print them all at the end of the run."""

from __future__ import annotations

from typing import Any

REPORTS: list[tuple[str, str]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORTS:
        terminalreporter.section("fault scenarios: conservation reports")
        for name, report in REPORTS:
            terminalreporter.write_line(f"{name}: {report}")
