"""How fast the command line starts: import time and wall time of a few commands.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --tree ../before/services --tree services

Each command runs as ``python -m vestnik ARGS`` in a process of its own, in this
environment less its ``VESTNIK_*`` variables (``vestnik clean`` reads the settings through
pydantic-settings only when one is set): once timed from start to exit (wall time, and the
process's CPU time, user and system, which other work on a busy machine inflates less),
once under ``-X importtime``, whose top-level modules' cumulative times are summed (import
time). Each ``--tree`` is a ``services`` folder put first on ``PYTHONPATH``, so two builds
(a checkout of an older commit and this one) are compared side by side; the rounds are
interleaved and the minimum and median of each are printed (the machines are shared).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [["--help"], ["clean", "--help"], ["clean", "seeds/000_57d1c5b430fd8800.txt"]]
_TOP_LEVEL = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (?! )", re.MULTILINE)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(tree: Path, args: list[str]) -> tuple[float, float, float]:
    """Wall time, CPU time and import time (seconds) of ``python -m vestnik ARGS`` on
    ``tree``."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("VESTNIK_")}
    env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "vestnik", *args]
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    log = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], env=env, cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         check=False).stderr
    return wall, cpu, sum(int(us) for us in _TOP_LEVEL.findall(log)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, action="append",
                        help="a services folder (repeatable); default: this checkout's")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    trees = [t.resolve() for t in args.tree or [ROOT / "services"]]
    walls: dict[tuple[str, Path], list[float]] = {}
    cpus: dict[tuple[str, Path], list[float]] = {}
    imports: dict[tuple[str, Path], list[float]] = {}
    for _ in range(args.rounds):
        for command in COMMANDS:
            for tree in trees:
                wall, cpu, imported = _run(tree, command)
                key = (" ".join(command), tree)
                walls.setdefault(key, []).append(wall)
                cpus.setdefault(key, []).append(cpu)
                imports.setdefault(key, []).append(imported)
    print(f"{args.rounds} rounds; ms, min / median")
    print(f"{'vestnik ...':40} {'tree':30} {'import':>15} {'wall':>15} {'cpu':>15}")
    for key, wall_times in walls.items():
        name, tree = key
        print(f"{name:40} {str(tree)[-30:]:30} " + " ".join(
            f"{min(times) * 1e3:6.1f} / {statistics.median(times) * 1e3:6.1f}"
            for times in (imports[key], wall_times, cpus[key])))


if __name__ == "__main__":
    main()
