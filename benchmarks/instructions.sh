#!/usr/bin/env bash
# Instructions per page of the extraction, counted by valgrind's callgrind: unlike
# pages/s, the same figure on every run whatever else the machine is doing.
#   bash benchmarks/instructions.sh PYTHON FOLDER [N=100] [text|html]
# PYTHON is the interpreter of the build to measure (.venv/bin/python for pure Python,
# $VESTNIK_BENCH_VENV/bin/python after benchmarks/compiled.sh for the compiled one).
# Extracts the first N pages of FOLDER once (extract_speed.py --once: caches empty at the
# start) and subtracts the same run over an empty folder (start-up and imports).
# Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
py=$1 folder=$2 n=${3:-100} front=${4:-text}
empty=$(mktemp -d)
trap 'rmdir "$empty"' EXIT
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" benchmarks/extract_speed.py \
    "$1" --once --front "$front" --limit "$n" 2>&1 | awk '/Collected/ {print $4}'
}
base=$(count "$empty")
total=$(count "$folder")
awk -v t="$total" -v b="$base" -v n="$n" -v fr="$front" -v f="$folder" \
  'BEGIN {printf "%s %s: %.2f M instructions per page (%d pages)\n", f, fr, (t - b) / n / 1e6, n}'
