"""`vestnik clean` with site memory: the pages of a folder teach it first (two passes), and
the outputs do not depend on the order of the files."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from vestnik.cli import main

from .extract.test_site_memory import RULES, SLOGAN, page, paragraphs

PROMO = ("Редакцията благодари на всички читатели, които ни изпращат снимки и сигнали от "
         "своя квартал през цялата година.")


def _site(folder: Path, n: int = 13) -> list[Path]:
    """``n`` pages of a site; the first six also carry a promotion (six pages: just
    enough, besides the page itself, to make it furniture)."""
    folder.mkdir()
    files = []
    for k in range(1, n + 1):
        f = folder / f"page-{k:02d}.txt"
        f.write_text(page(k, tail=[RULES, PROMO] if k <= 6 else [RULES]).text,
                     encoding="utf-8")
        files.append(f)
    return files


def _clean(*args: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(main, ["clean", *args], env=env)
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(x) for x in result.output.splitlines()]
    return {x["path"]: x["article"] for x in lines}


def test_pages_of_a_folder_teach_site_memory_before_they_are_cleaned(tmp_path: Path) -> None:
    files = _site(tmp_path / "novini")
    out = _clean(str(tmp_path / "novini"))
    first = out[str(files[0])]
    assert first["body_paragraphs"] == paragraphs(1)
    assert first["lead"] is None
    alone = _clean(str(tmp_path / "novini"), env={"VESTNIK_SITE_MEMORY": "false"})
    assert alone[str(files[0])]["lead"] == SLOGAN  # without it: the slogan, the rules
    assert RULES in alone[str(files[0])]["body_paragraphs"]  # type: ignore[operator]


def test_the_outputs_are_the_same_whatever_the_order_of_the_files(tmp_path: Path) -> None:
    files = _site(tmp_path / "novini", 11)
    forward = _clean(*map(str, files))
    backward = _clean(*map(str, reversed(files)))
    assert forward == backward
    assert all(PROMO not in a["body_paragraphs"] for a in forward.values())  # type: ignore[operator]
