"""The compiled extractor against the pure-Python one: the same output on every page, and
how much faster.

    .venv/bin/python benchmarks/compiled.py [FOLDER...] [--repeat 3] [--no-test-pages]
                                            [--scratch DIR] [--keep-build]

Builds the wheel as ``pip wheel .`` does (build isolation, VESTNIK_BUILD_COMPILED unset: the
default, which compiles where a C compiler and the Python headers are found; it stops if
the wheel came out pure), unpacks it, then runs the extractor in two processes of this
Python, one importing the compiled package and one this tree's ``services/``, over the
same pages in the same order: ``seeds/``, the pages that ``tests/extract`` hands to the
extractor (recorded from a run of those tests), and the development sets (``dev/pages``,
``dev/full``, ``dev/cyr``, ``dev/bg``, those present; or the FOLDERs given). Every result
(the ``Extracted`` or ``Rejected`` dataclass, its ``repr``) must be the same; the pages that
differ are listed, and the exit code is 1. Then pages/s of each side per front end (the
fastest of ``--repeat`` passes, the extractor's caches emptied before each) and the ratio.
``tests/extract/test_compiled.py`` runs the same comparison (``--repeat 0``: no timing).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV_SETS = ("dev/pages", "dev/full", "dev/cyr", "dev/bg")
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
# what a wheel is built from (the Dockerfile copies the same)
SOURCES = ("pyproject.toml", "README.md", "hatch_build.py", "services", "seeds")
RECORD_ENV = "VESTNIK_RECORD_PAGES"
# (where it came from, url, fetched_at, content_type, text, site): a Page's fields
Item = tuple[str, str, datetime, str, str, str | None]


# --- pages -----------------------------------------------------------------------------

def _url(page: Path) -> str:
    """The page's URL from the gold beside it, as benchmarks/extract_speed.py takes it."""
    for suffix in (".gold.json", ".expected.json"):
        gold = page.with_suffix(suffix)
        if gold.is_file():
            url = json.loads(gold.read_text(encoding="utf-8")).get("url")
            if isinstance(url, str) and url:
                return url
    return "https://bench.invalid/a"


def _name(folder: Path) -> str:
    folder = folder.resolve()
    return str(folder.relative_to(ROOT)) if folder.is_relative_to(ROOT) else str(folder)


def folder_pages(folder: Path) -> list[Item]:
    """Every *.html (text/html) and *.txt (text/plain) page of ``folder``."""
    items: list[Item] = []
    for suffix, ctype in ((".html", "text/html"), (".txt", "text/plain")):
        for f in sorted(folder.glob(f"*{suffix}")):
            text = f.read_text(encoding="utf-8", errors="replace")
            items.append((f"{_name(folder)}/{f.name}", _url(f), FETCHED, ctype, text, None))
    return items


def dev_folders() -> list[Path]:
    return [ROOT / d for d in DEV_SETS if (ROOT / d).is_dir()]


def test_pages(scratch: Path, import_from: Path = ROOT / "services") -> list[Item]:
    """Every page that a run of tests/extract (tests/extract/test_compiled.py left out) gives
    the extractor imported from ``import_from``, in order, each once. A failing test there
    is that test's business: its pages are recorded all the same."""
    out = scratch / "test-pages.pickle"
    env = {**os.environ, RECORD_ENV: str(out),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(import_from)])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "compiled", "-p", "no:cacheprovider",
         "-p", "no:randomly", "--ignore", str(ROOT / "tests/extract/test_compiled.py"),
         str(ROOT / "tests/extract")],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1) or not out.is_file():  # 1: some test failed
        raise RuntimeError(f"recording the pages of tests/extract failed:\n{done.stdout[-3000:]}"
                           f"\n{done.stderr[-3000:]}")
    items: list[Item] = pickle.loads(out.read_bytes())
    return items


def pytest_configure(config: Any) -> None:
    """As a pytest plugin (``-p compiled``, RECORD_ENV set): records every page that
    reaches the extractor."""
    if not os.environ.get(RECORD_ENV):
        return
    from vestnik.extract import _core

    seen: dict[tuple[Any, ...], None] = {}
    real = _core.extract_page

    def recording(page: Any, *args: Any, **kwargs: Any) -> Any:
        key = (page.url, page.fetched_at, page.content_type, page.text, page.site)
        seen.setdefault(key, None)
        return real(page, *args, **kwargs)

    _core.extract_page = recording  # type: ignore[assignment]
    config._vestnik_recorded = seen


def pytest_unconfigure(config: Any) -> None:
    seen = getattr(config, "_vestnik_recorded", None)
    if seen is not None:
        items = [(f"tests/extract/#{k}", *key) for k, key in enumerate(seen)]
        Path(os.environ[RECORD_ENV]).write_bytes(pickle.dumps(items))


# --- the compiled build ----------------------------------------------------------------

def build_compiled(scratch: Path) -> tuple[Path, Path, float, str]:
    """Builds the wheel from a copy of the sources (mypyc leaves files next to what it
    compiles) as a plain ``pip wheel`` does and unpacks it: (the wheel, the folder to
    import it from, seconds, the build's lines from this project's hook)."""
    src = scratch / "src"
    shutil.rmtree(scratch / "src", ignore_errors=True)
    src.mkdir(parents=True)
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, src / name)
    for cache in src.rglob("__pycache__"):
        shutil.rmtree(cache)
    dist = scratch / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "VESTNIK_BUILD_COMPILED"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", f"{src}{os.sep}", "-w",
         str(dist)], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    said = "\n".join(line.strip() for line in (done.stdout + done.stderr).splitlines()
                     if "vestnik build:" in line)
    if done.returncode:
        raise RuntimeError(f"pip wheel failed:\n{done.stdout[-5000:]}\n{done.stderr[-5000:]}")
    (wheel,) = dist.glob("vestnik-*.whl")
    unpacked = scratch / "compiled"
    shutil.rmtree(unpacked, ignore_errors=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(unpacked)
    return wheel, unpacked, seconds, said


# --- one side: a process running the extractor -----------------------------------------

@dataclass
class Side:
    outputs: list[str]  # repr of each page's result, in order
    compiled: bool  # the extractor's modules are C extensions
    where: str  # the vestnik.extract package it imported
    seconds: dict[str, float]  # content type -> fastest pass


def run_side(import_from: Path, pages_file: Path, repeat: int) -> Side:
    """Runs this file as a worker with ``import_from`` first on the import path."""
    out = pages_file.with_name(f"{pages_file.stem}.{import_from.name}.out")
    env = {**os.environ, "PYTHONPATH": str(import_from)}
    subprocess.run([sys.executable, __file__, "--worker", str(pages_file), str(out),
                    str(repeat)], env=env, check=True, cwd=pages_file.parent)
    return Side(**json.loads(out.read_text(encoding="utf-8")))


def _forget() -> None:
    """Empty the extractor's caches: each pass sees every page for the first time."""
    for name, module in list(sys.modules.items()):
        if name.startswith("vestnik.extract"):
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def _worker(pages_file: Path, out: Path, repeat: int) -> None:
    import vestnik.extract
    import vestnik.extract._core
    from vestnik.extract import Page, extract

    items: list[Item] = pickle.loads(pages_file.read_bytes())
    pages = [Page(url, fetched_at, ctype, text, site)  # type: ignore[arg-type]
             for _, url, fetched_at, ctype, text, site in items]

    def one(page: Page) -> str:
        try:
            return repr(extract(page))
        except Exception as e:
            return f"raised {type(e).__name__}: {e}"

    _forget()
    outputs = [one(page) for page in pages]
    seconds: dict[str, float] = {}
    for ctype in sorted({p.content_type for p in pages}):
        of_type = [p for p in pages if p.content_type == ctype]
        best = float("inf")
        for _ in range(repeat):
            _forget()
            started = time.perf_counter()
            for page in of_type:
                one(page)
            best = min(best, time.perf_counter() - started)
        seconds[ctype] = best
    modules = [m for name, m in sys.modules.items() if name.startswith("vestnik.extract._")]
    compiled = bool(modules) and all(str(m.__file__).endswith((".so", ".pyd")) for m in modules)
    where = str(Path(str(vestnik.extract.__file__)).parent)
    out.write_text(json.dumps({"outputs": outputs, "compiled": compiled, "where": where,
                               "seconds": seconds}), encoding="utf-8")


# --- the comparison --------------------------------------------------------------------

def differences(items: Sequence[Item], pure: Side, compiled: Side) -> Iterator[str]:
    """Each page whose results differ: its name and both results from a little before
    where they part."""
    for item, a, b in zip(items, pure.outputs, compiled.outputs, strict=True):
        if a != b:
            pairs = enumerate(zip(a, b, strict=False))
            at = next((k for k, (x, y) in pairs if x != y), min(len(a), len(b)))
            start = max(0, at - 150)
            dots = "…" if start else ""
            yield (f"{item[0]} ({item[1]}), from character {start}:\n"
                   f"  pure:     {dots}{a[start:at + 250]}\n  compiled: {dots}{b[start:at + 250]}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*", type=Path,
                    help=f"pages to compare (default: those of {', '.join(DEV_SETS)} present)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed passes per side, the fastest counts (0: compare only)")
    ap.add_argument("--no-test-pages", action="store_true",
                    help="leave out seeds/ and the pages of tests/extract")
    ap.add_argument("--scratch", type=Path, help="build here (default: a temporary folder)")
    ap.add_argument("--keep-build", action="store_true",
                    help="with --scratch: reuse the build already there")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vestnik-compiled-") as tmp:
        scratch = args.scratch or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        if args.keep_build and (scratch / "compiled" / "vestnik").is_dir():
            unpacked = scratch / "compiled"
            print(f"reusing the build in {unpacked}")
        else:
            wheel, unpacked, seconds, said = build_compiled(scratch)
            print(f"built {wheel.name} in {seconds:.0f} s\n{said}")
        items: list[Item] = []
        if not args.no_test_pages:
            items += folder_pages(ROOT / "seeds") + test_pages(scratch)
        for folder in args.folders or dev_folders():
            items += folder_pages(folder)
        pages_file = scratch / "pages.pickle"
        pages_file.write_bytes(pickle.dumps(items))
        pure = run_side(ROOT / "services", pages_file, args.repeat)
        compiled = run_side(unpacked, pages_file, args.repeat)
    if not compiled.compiled or pure.compiled:
        print(f"not a compiled build against a pure one: {compiled.where} compiled: "
              f"{compiled.compiled}, {pure.where} compiled: {pure.compiled}", file=sys.stderr)
        return 1
    differ = list(differences(items, pure, compiled))
    sets: dict[str, int] = {}
    for item in items:
        key = item[0].rsplit("/", 1)[0]
        sets[key] = sets.get(key, 0) + 1
    print(f"{len(items)} pages ({', '.join(f'{k} {n}' for k, n in sets.items())}): "
          f"{len(items) - len(differ)} identical, {len(differ)} differ")
    for text in differ[:20]:
        print(text)
    if args.repeat > 0:
        print("\n| pages | count | pure pages/s | compiled pages/s | compiled / pure |\n"
              "|---|---:|---:|---:|---:|")
        for ctype in pure.seconds:
            n = sum(1 for item in items if item[3] == ctype)
            p, c = n / pure.seconds[ctype], n / compiled.seconds[ctype]
            print(f"| {ctype} | {n} | {p:,.0f} | {c:,.0f} | {c / p:.2f}x |")
    return 1 if differ else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(main())
