"""The wheel's build hook: the extractor compiled with mypyc where this machine can build C
extensions, the pure-Python extractor otherwise (pyproject.toml's
``[tool.hatch.build.targets.wheel.hooks.custom]``).

``VESTNIK_BUILD_COMPILED`` decides:

* unset, empty or ``auto``: compiled when a C compiler and the Python headers are found
  (a one-line C file that includes ``Python.h`` is compiled to find out), pure otherwise;
* ``1`` (``true``, ``yes``): compiled, and the build fails when it cannot be;
* ``0`` (``false``, ``no``): pure Python.

An editable install (``pip install -e``) is always pure Python and asks for nothing more
than hatchling: the compiling tools (``compile-dependencies``, and the runtime
dependencies, which mypy reads the types of) are requested only for a wheel that will be
compiled.  What was chosen, and why, is one line on stderr (``pip -v`` shows it; the wheel's
tag tells too: ``py3-none-any`` is pure).  hatch-mypyc does the compiling: it is imported only
once the build environment has it, so this file loads in a bare one.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # imported for wanted() and compiler_problem() alone (the tests)
    BuildHookInterface = object

ENV = "VESTNIK_BUILD_COMPILED"
_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}
_AUTO = {"", "auto"}
# the keys of this hook's table that are hatch-mypyc's options (the rest is this hook's)
_MYPYC_KEYS = ("include", "exclude", "mypy-args", "options")


class BuildError(RuntimeError):
    """VESTNIK_BUILD_COMPILED=1 and the extractor cannot be compiled here."""


def _say(message: str) -> None:
    print(f"vestnik build: {message}", file=sys.stderr, flush=True)


def wanted() -> bool | None:
    """True (compile or fail), False (pure) or None (compile when possible), from the
    environment."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    if value in _AUTO:
        return None
    raise BuildError(f"{ENV}={value!r}: use 1 (compiled), 0 (pure Python) or auto")


def compiler_problem() -> str | None:
    """Why this interpreter cannot build a C extension here, or None when it can: the C
    compiler Python was built with (``CC`` from the environment first) compiles a file that
    includes ``Python.h`` from this Python's include folder."""
    if sys.platform == "win32":
        return f"no compiler check on Windows ({ENV}=1 compiles with MSVC if it is set up)"
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").is_file():
        return f"no Python headers ({include}/Python.h; Debian: apt-get install python3-dev)"
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / "probe.c"
        probe.write_text("#include <Python.h>\nint vestnik_probe(void) { return 0; }\n")
        command = [*cc, f"-I{include}", f"-I{sysconfig.get_paths()['platinclude']}",
                   "-c", str(probe), "-o", str(Path(scratch) / "probe.o")]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"no working C compiler ({cc[0]}: {e})"
    if done.returncode:
        error = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return f"{cc[0]} cannot compile against Python.h ({error})"
    return None


def _in_editable_requirements() -> bool:
    """Whether hatchling asks for this hook's dependencies for an editable install
    (PEP 660's get_requires_for_build_editable is on the stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "get_requires_for_build_editable":
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class CompiledExtractorHook(BuildHookInterface):  # type: ignore[misc]
    """hatch-mypyc's hook, run only for a wheel that is to be compiled."""

    PLUGIN_NAME = "custom"

    def _compile_here(self) -> tuple[bool, str]:
        """Whether to compile, and why (for the line on stderr)."""
        want = wanted()
        if want is False:
            return False, f"pure-Python extractor ({ENV}=0)"
        problem = compiler_problem()
        if problem is None:
            return True, "extractor compiled with mypyc" + (f" ({ENV}=1)" if want else "")
        if want:
            raise BuildError(f"{ENV}=1 but the extractor cannot be compiled: {problem}")
        return False, f"pure-Python extractor: {problem}; {ENV}=1 to require compiling"

    def dependencies(self) -> list[str]:
        if _in_editable_requirements():
            return []
        if not self._compile_here()[0]:
            return []
        compiling = self.config.get("compile-dependencies", [])
        return [*compiling, *self.metadata.core.dependencies]

    def _mypyc_hook(self) -> Any:
        from hatch_mypyc.plugin import MypycBuildHook

        config = {key: self.config[key] for key in _MYPYC_KEYS if key in self.config}
        return MypycBuildHook(self.root, config, self.build_config, self.metadata,
                              self.directory, self.target_name, self.app)

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if version == "editable":
            if wanted():
                _say(f"an editable install is always pure Python ({ENV}=1 ignored)")
            return
        compile_it, why = self._compile_here()
        if compile_it:
            try:
                hook = self._mypyc_hook()
            except ImportError as e:
                if wanted():
                    raise BuildError(f"{ENV}=1 but hatch-mypyc is missing: {e}") from e
                why = (f"pure-Python extractor: no hatch-mypyc in the build environment "
                       f"({e.name}; a build without isolation needs requirements/build.txt)")
                compile_it = False
        if not compile_it:
            _say(why)
            return
        _say(why + " ...")
        try:
            hook.initialize(version, build_data)
        except Exception as e:
            if wanted():
                raise
            _say(f"mypyc failed, building the pure-Python extractor instead ({ENV}=1 to "
                 f"fail here): {str(e)[-2000:]}")
            return
        _say("compiled: " + ", ".join(hook.artifact_patterns[:3]) + ", ...")
        self._compiled = hook

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """mypyc compiles in place: once the wheel holds the compiled modules, take them
        out of the source tree, where they would shadow the ``.py`` files of a checkout
        (a ``pip install .`` run in it would leave edits to the extractor unseen)."""
        hook = getattr(self, "_compiled", None)
        if hook is not None:
            hook.clean([version])

    def clean(self, versions: list[str]) -> None:
        try:
            hook = self._mypyc_hook()
        except ImportError:
            return
        hook.clean(versions)


def get_build_hook() -> type[CompiledExtractorHook]:
    return CompiledExtractorHook
