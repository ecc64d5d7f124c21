"""The compiled extractor (the wheel a plain ``pip wheel .`` builds where a C compiler and
the Python headers are found) gives exactly what the pure-Python one gives, on every page
within reach: seeds/, the pages the other tests of tests/extract extract, and dev/'s
development sets where they were made (benchmarks/compiled.py does the work)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BENCH = _load("vestnik_bench_compiled", ROOT / "benchmarks" / "compiled.py")
HOOK = _load("vestnik_hatch_build", ROOT / "hatch_build.py")
NO_COMPILER = HOOK.compiler_problem()


@pytest.mark.timeout(900)
@pytest.mark.skipif(NO_COMPILER is not None, reason=f"no compiled build here: {NO_COMPILER}")
def test_the_compiled_extractor_gives_the_pure_ones_output_on_every_page(
        tmp_path: Path) -> None:
    wheel, unpacked, _, said = BENCH.build_compiled(tmp_path)
    assert not wheel.name.endswith("-none-any.whl"), f"the default build came out pure: {said}"
    assert "compiled with mypyc" in said, said
    left = sorted(p.name for p in (tmp_path / "src").rglob("*.so"))
    assert not left, f"the build left compiled modules in the sources, over the .py: {left}"
    items = (BENCH.folder_pages(ROOT / "seeds") + BENCH.test_pages(tmp_path)
             + [i for folder in BENCH.dev_folders() for i in BENCH.folder_pages(folder)])
    sets = {label.rsplit("/", 1)[0] for label, *_ in items}
    assert {"seeds", "tests/extract"} <= sets and len(items) > 100, sets
    pages_file = tmp_path / "pages.pickle"
    pages_file.write_bytes(BENCH.pickle.dumps(items))
    pure = BENCH.run_side(ROOT / "services", pages_file, 0)
    compiled = BENCH.run_side(unpacked, pages_file, 0)
    assert compiled.compiled and Path(compiled.where).is_relative_to(unpacked), compiled.where
    assert not pure.compiled and Path(pure.where) == ROOT / "services" / "vestnik" / "extract"
    differ = list(BENCH.differences(items, pure, compiled))
    assert not differ, f"{len(differ)} of {len(items)} pages differ:\n" + "\n".join(differ[:10])


def test_the_build_hook_reads_its_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    hatch_build = HOOK
    for value, expected in [("1", True), ("true", True), ("0", False), ("no", False),
                            ("", None), ("auto", None)]:
        monkeypatch.setenv(hatch_build.ENV, value)
        assert hatch_build.wanted() is expected, value
    monkeypatch.setenv(hatch_build.ENV, "maybe")
    with pytest.raises(hatch_build.BuildError, match="use 1"):
        hatch_build.wanted()
    monkeypatch.delenv(hatch_build.ENV)
    assert hatch_build.wanted() is None
    monkeypatch.setenv("CC", os.devnull)  # not a compiler
    assert hatch_build.compiler_problem() is not None
