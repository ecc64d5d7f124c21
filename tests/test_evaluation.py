"""The scoring behind `vestnik eval`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vestnik.evaluation import Gold, body_score, date_correct, evaluate, summary, title_correct

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


def test_eval_of_the_seeds_scores_them_perfectly() -> None:
    results = evaluate(SEEDS)
    assert len(results) == 2
    assert all(r.body.f1 == 1.0 and r.title_ok and r.date_ok for r in results)
    assert summary(results)[1].split()[:2] == ["text", "2"]
