#!/usr/bin/env bash
# Regenerates the image's locks from pyproject.toml with uv (`pip install uv`):
#   runtime.txt  what the image runs: vestnik's dependencies with the embedded and postgres
#                extras (faststream[cli] is among the dependencies)
#   build.txt    what the image's build stage adds to compile the extractor with mypyc:
#                [build-system] requires and the build hook's compile-dependencies
#                (build.in, made here from pyproject.toml), pinned to agree with runtime.txt
# Both are resolved for Python 3.11 on every platform (--universal) with every
# distribution's sha256, so `pip install --require-hashes` takes them on amd64 and arm64.
# tests/test_lock.py fails when pyproject.toml's ranges and the locks disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-uv}
resolve=(--universal --python-version 3.11 --generate-hashes --quiet)

"$uv" pip compile pyproject.toml --extra embedded --extra postgres "${resolve[@]}" \
  -o requirements/runtime.txt

python3 - > requirements/build.in <<'PY'
import tomllib

with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)
hook = project["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["custom"]
print("# made by requirements/lock.sh from pyproject.toml: [build-system] requires and")
print("# the build hook's compile-dependencies")
for requirement in [*project["build-system"]["requires"], *hook["compile-dependencies"]]:
    print(requirement)
PY

"$uv" pip compile requirements/build.in -c requirements/runtime.txt "${resolve[@]}" \
  -o requirements/build.txt
