#!/usr/bin/env bash
# The extraction benchmark on the compiled build (mypyc, hatch_build.py), in a venv of its own:
#   bash benchmarks/compiled.sh dev/pages [--trafilatura]
# Builds the wheel with VESTNIK_BUILD_COMPILED=1 (compiled, or it stops) into a scratch venv,
# then runs benchmarks/extract_speed.py there. Needs gcc and the Python headers.
# benchmarks/compiled.py compares the compiled build's outputs with the pure one's as well.
# VESTNIK_BENCH_PYTHON picks the interpreter (default python3), VESTNIK_BENCH_VENV the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${VESTNIK_BENCH_VENV:-/tmp/vestnik-compiled}"
rm -rf "$scratch" && "${VESTNIK_BENCH_PYTHON:-python3}" -m venv "$scratch"
# mypyc leaves its .so files next to the sources: build from a copy, never in the tree
mkdir -p "$scratch/src" && cp -r pyproject.toml README.md hatch_build.py services seeds "$scratch/src/"
VESTNIK_BUILD_COMPILED=1 "$scratch/bin/pip" wheel -q --no-deps "$scratch/src/" -w "$scratch/dist"
"$scratch/bin/pip" install -q "$scratch"/dist/*.whl
if [[ " $* " == *" --trafilatura "* ]]; then
  "$scratch/bin/pip" install -q "trafilatura>=2.0" "lxml_html_clean>=0.4"
fi
"$scratch/bin/python" -c 'import vestnik.extract._layout as m; assert m.__file__.endswith(".so"), m.__file__'
"$scratch/bin/python" benchmarks/extract_speed.py "$@"
