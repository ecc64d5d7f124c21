"""The console script, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vestnik.contracts import Article

from .conftest import ROOT, SEEDS

VESTNIK = [sys.executable, "-m", "vestnik.cli"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VESTNIK, *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env or dict(os.environ), check=False)


def test_clean_prints_one_json_line_per_page_in_input_order_with_its_path() -> None:
    files = sorted(SEEDS.glob("*.txt"))
    done = _run("clean", str(files[1]), str(files[0]))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(files[1]), str(files[0])]
    for line, path in zip(lines, [files[1], files[0]], strict=True):
        expected = json.loads(path.with_suffix("").with_suffix(".expected.json").read_text())
        assert line["article"]["title"] == expected["title"]


def test_clean_of_a_folder_takes_its_pages_sorted_and_names_rejections() -> None:
    done = _run("clean", str(SEEDS))
    assert done.returncode == 0, done.stderr
    paths = [json.loads(line)["path"] for line in done.stdout.splitlines()]
    assert paths == [str(p) for p in sorted(SEEDS.glob("*.txt"))]


def test_a_day_only_publication_date_stays_a_day_through_json() -> None:
    done = _run("clean", str(SEEDS / "003_95b17be52b6e4541.txt"))
    article = Article.model_validate(json.loads(done.stdout)["article"])
    assert article.model_dump(mode="json")["published_at"] == "2025-12-07"


# --- clean's exit code ---------------------------------------------------------------------


def test_clean_exits_1_when_a_page_cannot_be_read_and_still_prints_every_line(
    tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    seed = sorted(SEEDS.glob("*.txt"))[0]
    done = _run("clean", str(seed), str(empty))
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert "article" in first and second["error"]["error_type"] == "schema"
    assert done.stderr == ('vestnik: error: 1 of 2 page(s) could not be read: see their '
                           '"error" lines\n')


def test_clean_of_a_page_that_is_rejected_is_no_failure(tmp_path: Path) -> None:
    page = tmp_path / "short.txt"
    page.write_text("Hello\n")
    done = _run("clean", str(page))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rejected"]["reason"] == "too_short"


def test_clean_reads_pages_in_the_charset_given(tmp_path: Path) -> None:
    seed = SEEDS / "003_95b17be52b6e4541.txt"
    page = tmp_path / seed.name
    page.write_bytes(seed.read_text().encode("windows-1251"))
    done = _run("clean", "--charset", "cp1251", str(page))
    assert done.returncode == 0, done.stderr
    expected = json.loads(seed.with_suffix("").with_suffix(".expected.json").read_text())
    assert json.loads(done.stdout)["article"]["title"] == expected["title"]

