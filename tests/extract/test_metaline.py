"""Combined meta lines: the date and the author on one line, read from text dumps and
from HTML alike, and the line kept out of the body."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from vestnik.extract import Extracted, Page, extract
from vestnik.extract._metaline import meta_line_authors

from .samples import P1, P2, P3

SOFIA = ZoneInfo("Europe/Sofia")
NOW = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
TITLE = "Общинският съвет във Варна прие бюджета за 2026 година"
AT_0930 = datetime(2025, 11, 14, 9, 30, tzinfo=SOFIA)

LINES = [
    ("Публикувано: 14 ноември 2025, 09:30 | Автор: Мария Петрова", AT_0930, ("Мария Петрова",)),
    ("Опубликовано: 14 ноября 2025, 09:30 • Автор: Иван Смирнов", AT_0930, ("Иван Смирнов",)),
    ("Published: 14 November 2025, 09:30 · By John Smith", AT_0930, ("John Smith",)),
    ("Published: November 14, 2025 – By Jane Doe", date(2025, 11, 14), ("Jane Doe",)),
    ("Автор: Мария Петрова | Публикувано: 14.11.2025 09:30", AT_0930, ("Мария Петрова",)),
    ("Публикувано: 14.11.2025 09:30 | Автори: Мария Петрова и Иван Иванов", AT_0930,
     ("Мария Петрова", "Иван Иванов")),
]


def _extract(line: str, html: bool) -> Extracted:
    if html:
        text = (f"<!doctype html><html><body><article><h1>{TITLE}</h1>"
                f"<div class='meta'>{line}</div><p>{P1}</p><p>{P2}</p><p>{P3}</p>"
                "</article></body></html>")
    else:
        text = "\n\n".join([TITLE, line, P1, P2, P3])
    found = extract(Page("https://news.example.bg/a/1", NOW,
                         "text/html" if html else "text/plain", text))
    assert isinstance(found, Extracted), found
    return found


@pytest.mark.parametrize("html", [False, True], ids=["text", "html"])
@pytest.mark.parametrize(("line", "published", "authors"), LINES)
def test_a_combined_meta_line_gives_the_date_and_the_author(
    line: str, published: object, authors: tuple[str, ...], html: bool
) -> None:
    found = _extract(line, html)
    assert found.published_at == published
    assert found.authors == authors
    assert found.body_paragraphs == (P1, P2, P3)


@pytest.mark.parametrize(
    "line",
    [
        "14.11.2025 | Мария Петрова пише за бюджета",  # no byline label
        "Автор: Мария Петрова | 3375 прочитания",  # no date
        "Публикувано: 14.11.2025, 09:30",  # no author
        "von Nadja Demel13.12.2022 - 08:13 Uhr13.12.2022 - 08:13 Uhr",  # a name run into a date
    ],
)
def test_a_line_without_both_a_date_and_a_labelled_byline_gives_no_authors(line: str) -> None:
    assert meta_line_authors(line, NOW) == ()
