"""The scoring behind `vestnik eval`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from vestnik.evaluation import (
    Gold,
    body_score,
    date_correct,
    evaluate,
    fields_correct,
    summary,
    title_correct,
)
from vestnik.extract import Extracted

from .conftest import SEEDS


def test_full_gold_body_scores_bag_of_words_precision_and_recall() -> None:
    gold = Gold(body="one two three four")
    score = body_score("one two three menu login", gold)
    assert score.precision == pytest.approx(3 / 5)
    assert score.recall == pytest.approx(3 / 4)


def test_partial_gold_counts_forbidden_snippets_as_false_positives() -> None:
    gold = Gold(with_snippets=("real article text",), without_snippets=("Cookie banner",))
    clean = body_score("real article text and more", gold)
    dirty = body_score("real article text. Cookie banner", gold)
    assert clean.precision == 1.0 and clean.recall == 1.0
    assert dirty.precision == pytest.approx(3 / 5)


def test_title_is_exact_after_whitespace_and_dates_to_the_day() -> None:
    gold = Gold(title="Заглавие  на статия", published_at="2025-12-07", has_date=True)
    assert title_correct("Заглавие на статия", gold) is True
    assert title_correct("Заглавие", gold) is False
    assert date_correct(date(2025, 12, 7), gold) is True
    assert date_correct(datetime(2025, 12, 7, 23, 0, tzinfo=UTC), gold) is True
    assert date_correct(None, gold) is False
    assert date_correct(date(2025, 12, 7), Gold(has_date=True)) is False  # page shows none
    assert date_correct(None, Gold()) is None  # gold says nothing


def test_a_dump_without_the_date_is_scored_by_its_text_published_at() -> None:
    raw = {"title": "Заглавие", "published_at": "2020-06-29", "text_published_at": None}
    html, text = Gold.from_json(raw), Gold.from_json(raw, "text")
    assert date_correct(None, html) is False
    assert date_correct(None, text) is True
    assert date_correct(date(2020, 6, 29), text) is False  # the dump shows no date
    assert Gold.from_json({"published_at": "2020-06-29"}, "text").published_at == "2020-06-29"


def test_the_golds_other_fields_are_scored_exactly_where_it_states_them() -> None:
    gold = Gold.from_json({"title": "Т", "lead": None, "source_agency": "БГНЕС",
                           "captions": ["Снимка:  архив"], "comment_count": 0})
    found = Extracted("Т", ("Текст.",), lead=None, source_agency="БГНЕС",
                      captions=("Снимка: архив",), comment_count=0, language="bg")
    assert dict(fields_correct(found, gold)) == {
        "lead": True, "source_agency": True, "captions": True, "comment_count": True}
    wrong = Extracted("Т", ("Текст.",), lead="Подзаглавие", source_agency="БТА",
                      captions=(), comment_count=None)
    assert not any(ok for _, ok in fields_correct(wrong, gold))
    assert dict(fields_correct(None, gold)) == {  # a rejected page shows none of them
        "lead": True, "source_agency": False, "captions": False, "comment_count": False}
    assert fields_correct(found, Gold.from_json({"title": "Т"})) == ()


def test_eval_of_the_seeds_scores_them_perfectly() -> None:
    results = evaluate(SEEDS)
    assert len(results) == 2
    assert all(r.body.f1 == 1.0 and r.title_ok and r.date_ok for r in results)
    assert all(len(r.fields) == 5 and all(ok for _, ok in r.fields) for r in results)
    lines = summary(results)
    assert lines[1].split()[:2] == ["text", "2"]
    assert lines[2].split() == ["lead", "1.000", "of", "2,", "source_agency", "1.000", "of",
                                "2,", "captions", "1.000", "of", "2,", "comment_count",
                                "1.000", "of", "2,", "language", "1.000", "of", "2"]


def test_a_page_the_gold_calls_no_article_is_scored_as_rejected_or_not(tmp_path: Path) -> None:
    listing = "\n\n".join(f"Новина номер {i} за събитията в страната\n\nПреди {i} часа"
                          for i in range(1, 30))
    (tmp_path / "listing.txt").write_text(listing, encoding="utf-8")
    (tmp_path / "listing.gold.json").write_text('{"reject": true}', encoding="utf-8")
    for seed in SEEDS.glob("000_*"):
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    results = evaluate(tmp_path)
    wanted = [r for r in results if r.wanted_reject]
    assert len(wanted) == 1, "the page the gold calls no article was scored as an article"
    assert wanted[0].rejected == "listing"
    lines = summary(results)
    assert lines[1] == "text      non-articles rejected: 1 of 1"
    assert lines[2].split()[:2] == ["text", "1"]  # the article alone, its body scored
    assert float(lines[2].split()[4]) == 1.0
