"""What a command imports (issue 16: a quick start): `vestnik --help` and `vestnik clean
FILE` leave out the broker, Redis's client, SQLite and the settings machinery they do not
use; `vestnik clean FILE` of a readable page with a plain URL leaves out pydantic, the
contracts' models and w3lib too. Which modules are imported is deterministic; how long that
takes is not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vestnik import cli
from vestnik.settings import Settings

from .conftest import ROOT, SEEDS

# runs the command as `python -m vestnik` does, then writes the modules it imported
_PROBE = """
import json, sys
out, args = sys.argv[1], sys.argv[2:]
before = set(sys.modules)
from vestnik.cli import main
code = 0
try:
    main(args, prog_name="vestnik")
except SystemExit as exc:
    code = exc.code
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(set(sys.modules) - before)}, f)
"""

# a package here stands for its submodules too
NEVER_FOR_HELP = ("asyncio", "pydantic", "pydantic_settings", "redis", "sqlite3", "_sqlite3",
                  "vestnik.contracts", "vestnik.settings", "vestnik.extract")
NEVER_FOR_CLEAN = ("asyncio", "pydantic_settings", "dotenv", "redis", "sqlite3", "_sqlite3",
                   "vestnik.settings", "vestnik.sitememory", "vestnik.index", "vestnik.worker")
# ... nor, for pages that read fine, the models (vestnik.plain stands in) or w3lib (plain
# URLs are made canonical without it), nor what w3lib.url imports
NEVER_FOR_CLEAN_READABLE = (*NEVER_FOR_CLEAN, "pydantic", "pydantic_core", "vestnik.contracts",
                            "vestnik.wire", "w3lib", "urllib.request", "http", "email")


def _without_vestnik_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("VESTNIK_")}


def _imported(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
              code: int = 0) -> list[str]:
    """The modules ``vestnik ARGS`` imported (asserting its exit code)."""
    out = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", _PROBE, str(out), *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, check=False,
                          env=_without_vestnik_settings() if env is None else env)
    assert out.exists(), done.stderr
    result = json.loads(out.read_text())
    assert (result["code"] or 0) == code, done.stderr
    return list(result["modules"])


def _unwanted(modules: list[str], never: tuple[str, ...]) -> list[str]:
    """The names of ``never`` that ``modules`` hold (the name or a submodule of it)."""
    return [n for n in never if any(m == n or m.startswith(f"{n}.") for m in modules)]


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["clean", "--help"],
                                  ["search", "--help"], ["dlq", "list", "--help"]])
def test_help_and_version_import_no_broker_models_settings_or_extractor(
    tmp_path: Path, args: list[str]
) -> None:
    modules = _imported(tmp_path, *args)
    assert "click" in modules  # the probe saw the command's imports
    unwanted = _unwanted(modules, NEVER_FOR_HELP)
    assert not unwanted, f"vestnik {' '.join(args)} imported {', '.join(unwanted)}"


@pytest.mark.parametrize("args", [[str(sorted(SEEDS.glob("*.txt"))[0])], [str(SEEDS)],
                                  ["--url", "https://www.example.bg/a/1?id=2",
                                   str(sorted(SEEDS.glob("*.txt"))[0])]])
def test_clean_file_imports_no_models_w3lib_settings_machinery_broker_or_sqlite(
    tmp_path: Path, args: list[str]
) -> None:
    modules = _imported(tmp_path, "clean", *args)
    assert "vestnik.cleaner.pipeline" in modules
    unwanted = _unwanted(modules, NEVER_FOR_CLEAN_READABLE)
    assert not unwanted, f"vestnik clean {' '.join(args)} imported {', '.join(unwanted)}"


def test_clean_with_a_url_that_is_not_plain_makes_it_canonical_with_w3lib(
    tmp_path: Path
) -> None:
    page = str(sorted(SEEDS.glob("*.txt"))[0])
    modules = _imported(tmp_path, "clean", "--url", "https://новини.бг/а/1", page)
    assert "w3lib.url" in modules
    assert not _unwanted(modules, NEVER_FOR_CLEAN)


def test_clean_with_an_unreadable_page_explains_it_without_the_broker_or_sqlite(
    tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    modules = _imported(tmp_path, "clean", str(empty), code=1)
    unwanted = _unwanted(modules, NEVER_FOR_CLEAN)
    assert not unwanted, f"vestnik clean EMPTY imported {', '.join(unwanted)}"


def test_clean_reads_the_settings_when_a_vestnik_variable_is_set(tmp_path: Path) -> None:
    env = _without_vestnik_settings() | {"vestnik_site_memory": "false"}
    modules = _imported(tmp_path, "clean", str(SEEDS), env=env)
    assert "vestnik.settings" in modules


def test_clean_defaults_are_the_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in os.environ:
        if name.upper().startswith("VESTNIK_"):
            monkeypatch.delenv(name)
    assert cli._clean_settings() is cli._CLEAN_DEFAULTS
    settings = Settings()
    defaults = tuple(getattr(settings, name) for name in cli._CleanSettings._fields)
    assert defaults == cli._CLEAN_DEFAULTS


def test_clean_settings_come_from_the_environment_when_set(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("Vestnik_Site_Memory", "off")  # any letter case, as Settings reads it
    monkeypatch.setenv("VESTNIK_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("VESTNIK_SITE_TIMEZONES", '{"mk.ru": "europe/moscow"}')
    settings = cli._clean_settings()
    assert settings.site_memory is False
    assert settings.max_body_bytes == 1000
    assert settings.site_timezones == {"mk.ru": "Europe/Moscow"}
