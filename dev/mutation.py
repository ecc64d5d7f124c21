"""Run mutmut (configured in pyproject.toml, ``[tool.mutmut]``) on this repository's layout.

mutmut names a mutant after its file's path (``services/vestnik/wire.py`` ->
``services.vestnik.wire``) and puts only ``mutants/``, ``mutants/src`` and
``mutants/source`` on ``sys.path``, while the package is imported as ``vestnik`` from
``services/``. Here the ``services.`` prefix is dropped from the names, like mutmut's own
``src.``, and ``mutants/services`` is put first on ``sys.path`` (the editable install's
``services/`` taken off it), so the tests import the mutated package. Everything else is
mutmut's own command line:

    .venv/bin/python dev/mutation.py run "vestnik.wire.*"
    .venv/bin/python dev/mutation.py results
"""

from __future__ import annotations

import sys
from pathlib import Path

import mutmut.__main__ as mutmut_main
import mutmut.mutation.file_mutation as file_mutation
import mutmut.utils.file_utils as file_utils
from mutmut.utils import format_utils

_SOURCE_ROOT = "services"
_get_mutant_name = format_utils.get_mutant_name


def get_mutant_name(relative_source_path: Path, mutant_method_name: str) -> str:
    path = Path(relative_source_path)
    if path.parts[:1] == (_SOURCE_ROOT,):
        path = Path(*path.parts[1:])
    return _get_mutant_name(path, mutant_method_name)


def setup_source_paths() -> None:
    original = Path(_SOURCE_ROOT).resolve()
    sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != original]
    sys.path.insert(0, str((Path("mutants") / _SOURCE_ROOT).absolute()))


for module in (format_utils, mutmut_main, file_mutation):
    module.get_mutant_name = get_mutant_name  # type: ignore[attr-defined]
for module in (file_utils, mutmut_main):
    module.setup_source_paths = setup_source_paths  # type: ignore[attr-defined]

if __name__ == "__main__":
    sys.exit(mutmut_main.cli())
