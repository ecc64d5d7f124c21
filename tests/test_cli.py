"""The console script, run as a user runs it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from vestnik.contracts import Article
from vestnik.index import open_index

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


def test_clean_of_a_folder_takes_markdown_pages_too(tmp_path: Path) -> None:
    seed = (SEEDS / "003_95b17be52b6e4541.txt").read_text(encoding="utf-8")
    expected = json.loads((SEEDS / "003_95b17be52b6e4541.expected.json").read_text())
    title = expected["title"]
    menu = "\n".join(f"  * [{n}](/{n}/)" for n in ("Новини", "Свят", "Спорт"))
    body = "\n\n".join(expected["body_paragraphs"])
    (tmp_path / "page.md").write_text(f"{menu}\n\n# {title}\n\n{body}\n", encoding="utf-8")
    (tmp_path / "notes.rst").write_text(seed, encoding="utf-8")  # no page extension
    done = _run("clean", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert [x["path"] for x in lines] == [str(tmp_path / "page.md")]
    line = lines[0]
    assert line["article"]["title"] == title
    assert line["article"]["body_paragraphs"] == expected["body_paragraphs"]


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


# --- search, for people --------------------------------------------------------------------


def _article(article_id: str, title: str, *paragraphs: str) -> Article:
    body = "\n\n".join(paragraphs)
    return Article(
        article_id=article_id, url=f"https://news.example.bg/{article_id}",
        site="news.example.bg", title=title, body_paragraphs=list(paragraphs),
        body_text=body, word_count=len(body.split()), published_at=date(2025, 12, 7),
        content_hash=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        provenance={"event_id": f"ev-{article_id}", "fetched_at": "2025-12-07T10:00:00Z",
                    "cleaner_version": "test"},
    )


@pytest.fixture
def index_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a ``vestnik search`` on a small index: an article on Karabakh
    naming Armenia (its paragraphs short, so a snippet spans several), a syndicated copy
    of it, and one on Karabakh and Baku that does not name Armenia."""
    url = f"sqlite:///{tmp_path}/index.sqlite3"
    armenia = ("Руските войски напускат Карабах.", "Армения следи изтеглянето отблизо.",
               "Баку приветства решението.")
    with open_index(url) as index:
        index.upsert_many([
            _article("withdrawal", "Русия се изтегля от Карабах", *armenia),
            _article("withdrawal-copy", "Русия се изтегля от Карабах", *armenia),
            _article("baku", "Баку за Карабах", "Азербайджан говори за Карабах и за мира."),
        ])
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")}
    return env | {"VESTNIK_INDEX_URL": url}


def _hits(out: str) -> list[list[str]]:
    """The hits of a search's text output: blocks of lines, a blank line between them."""
    return [block.splitlines() for block in out.rstrip("\n").split("\n\n")]


def test_search_shows_ranks_relative_relevance_and_one_line_snippets(
    index_env: dict[str, str]
) -> None:
    done = _run("search", "карабах", "армения", env=index_env)
    assert done.returncode == 0, done.stderr
    (hit,) = _hits(done.stdout)
    assert hit == [
        "1. Русия се изтегля от Карабах",
        "   relevance 100%  ·  2025-12-07  ·  news.example.bg",
        "   https://news.example.bg/withdrawal",
        "   Руските войски напускат [Карабах]. [Армения] следи изтеглянето отблизо. Баку "
        "приветства решението.",
        "   also on: news.example.bg (1 copies)",
    ]
    done = _run("search", "карабах", env=index_env)
    hits = _hits(done.stdout)
    assert [hit[0].split(". ")[0] for hit in hits] == ["1", "2"]
    assert not re.search(r"\de-\d", done.stdout)  # no raw scores
    percents = [re.findall(r"^   relevance (\d+)%  ·  ", hit[1]) for hit in hits]
    assert percents[0] == ["100"] and 0 < int(percents[1][0]) <= 100


def test_search_marks_a_syndicated_copy_with_its_canonical(index_env: dict[str, str]) -> None:
    done = _run("search", "изтегля", "--duplicates", env=index_env)
    first, second = _hits(done.stdout)
    assert "copy of" not in first[1]
    assert second[1].endswith("  ·  copy of withdrawal")
    assert "copy of" not in _run("search", "изтегля", env=index_env).stdout


@pytest.mark.parametrize("query", [["карабах -армения"], ["--", "-армения", "карабах"],
                                   ["--", "карабах", "-Армения"]])
def test_search_leaves_out_articles_with_a_minus_word(
    index_env: dict[str, str], query: list[str]
) -> None:
    done = _run("search", "--json", *query, env=index_env)
    assert done.returncode == 0, done.stderr
    *hits, summary = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(h["rank"], h["article_id"]) for h in hits] == [(1, "baku")]
    assert isinstance(hits[0]["score"], float)
    assert summary["total"] == 1 and summary["facets"]["site"] == {"news.example.bg": 1}


def test_search_help_says_how_to_exclude_a_word() -> None:
    done = _run("search", "--help")
    assert "'карабах -армения'" in done.stdout and "-- -армения" in done.stdout
