"""The learned line filter of the text front end (``_keep``)."""

from __future__ import annotations

import pytest

from vestnik.extract import Extracted, Page, _keep, extract
from vestnik.extract._blocks import PROSE, Block
from vestnik.extract._keep import FEATURE_NAMES, WEIGHTS, features, is_junk

from .samples import NOW, P1, P2, P3


def _body(text: str) -> tuple[str, ...]:
    result = extract(Page("https://news.example.bg/a/1", NOW, "text/plain", text))
    assert isinstance(result, Extracted), result
    return result.body_paragraphs


def test_weights_match_the_features() -> None:
    blocks = [Block(P1, PROSE), Block(P2, PROSE), Block(P3, PROSE)]
    assert len(features(blocks, 1, 0, 3)) == len(FEATURE_NAMES) == len(WEIGHTS)


def test_paragraphs_between_paragraphs_are_kept() -> None:
    blocks = [Block(p, PROSE) for p in (P1, P2, P3, P1, P2)]
    assert not any(is_junk(blocks, i, 0, 5) for i in range(5))


def test_promo_lines_the_rules_miss_are_dropped_from_the_run() -> None:
    promos = ("Всички новини от Варна", "Напишете ни на редакция@новини.бг")
    for promo in promos:
        text = (
            f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\n"
            f"{P1.replace('Варна', 'Бургас')}\n\n{promo}\n\n"
            f"{P2.replace('кмета', 'зам.-кмета')}"
        )
        body = _body(text)
        assert promo not in body
        assert body[:3] == (P1, P2, P3)


def test_without_the_model_the_rules_keep_those_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_keep, "JUNK_THRESHOLD", 0.0)
    text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\nВсички новини от Варна\n\n{P3}"
    assert "Всички новини от Варна" in _body(text)


def test_filter_never_leaves_a_short_article_without_its_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_keep, "is_junk", lambda *_: True)  # a filter gone wrong
    assert _body(f"Варна прие бюджета си\n\n{P1}\n\n{P2}") == (P1, P2)
