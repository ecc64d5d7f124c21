#!/usr/bin/env bash
# Instructions per page of the extraction, counted by valgrind's callgrind: unlike
# pages/s, the same figure on every run whatever else the machine is doing.
#   bash benchmarks/instructions.sh PYTHON FOLDER [N=100] [.txt|.html]
# PYTHON is the interpreter of the build to measure (.venv/bin/python for pure Python,
# $VESTNIK_BENCH_VENV/bin/python after benchmarks/compiled.sh for the compiled one).
# Runs the first N pages of FOLDER once, caches empty at the start as in
# extract_speed.py, and subtracts a run over no page (start-up and imports).
# Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
py=$1 folder=$2 n=${3:-100} suffix=${4:-.txt}
driver='
import json, sys
from datetime import UTC, datetime
from pathlib import Path
import vestnik.extract._core  # noqa: F401  (imported lazily by extract)
from vestnik.extract import Page, extract
folder, n, suffix = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pages = []
for f in sorted(folder.glob("*" + suffix))[:n]:
    gold = f.with_name(f.stem + ".gold.json")
    url = json.loads(gold.read_text()).get("url") if gold.exists() else None
    ctype = "text/plain" if suffix == ".txt" else "text/html"
    pages.append(Page(url or f"https://eval.vestnik.invalid/{f.stem}",
                      datetime(2026, 1, 1, tzinfo=UTC), ctype, f.read_text()))
for page in pages:
    extract(page)
'
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" -c "$driver" \
    "$folder" "$1" "$suffix" 2>&1 | awk '/Collected/ {print $4}'
}
base=$(count 0)
total=$(count "$n")
awk -v t="$total" -v b="$base" -v n="$n" -v s="$suffix" -v f="$folder" \
  'BEGIN {printf "%s %s: %.2f M instructions per page (%d pages)\n", f, s, (t - b) / n / 1e6, n}'
