"""The learned title ranker of the text front end (``_headline``)."""

from __future__ import annotations

from vestnik.extract._blocks import BOILER, DATE, HEADING, PROSE, SHORT, Block
from vestnik.extract._headline import (
    FEATURE_NAMES,
    NEAR,
    WEIGHTS,
    candidates,
    context,
    ends_with_period,
    features,
    rank,
    settled,
)
from vestnik.extract._title import slug_keys

from .samples import P1, P2, P3, extract_dump

TITLE = "Бюджетът на Варна е приет след дълго заседание"
TEASER = "Пловдив обяви конкурс за нов мост над Марица"


def _title_and_body(text: str) -> tuple[str, tuple[str, ...]]:
    result = extract_dump(text)
    return result.title, result.body_paragraphs


def test_weights_match_the_features() -> None:
    blocks = [Block(TITLE, HEADING), Block(P1, PROSE), Block(P2, PROSE)]
    cands = candidates(blocks, 1, 3)
    ctx = context(blocks, cands, 1, 3, frozenset())
    assert len(features(blocks, cands[0], 0, ctx)) == len(FEATURE_NAMES) == len(WEIGHTS)


def test_headline_whose_words_recur_in_the_body_beats_a_nearer_teaser() -> None:
    blocks = [
        Block(TITLE, HEADING),
        Block("Иван Петров, 12 март 2025", DATE),
        Block("Сподели", BOILER),
        Block(TEASER, HEADING),
        Block(P1, PROSE),
        Block(P2, PROSE),
        Block(P3, PROSE),
    ]
    assert rank(blocks, 4, 7, frozenset()) == 0


def test_teaser_of_the_title_cut_with_an_ellipsis_loses_to_the_full_title() -> None:
    blocks = [
        Block("Бюджетът на Варна е приет…", HEADING),
        Block(TITLE, HEADING),
        Block(P1, PROSE),
        Block(P2, PROSE),
    ]
    assert rank(blocks, 2, 4, frozenset()) == 1


def test_breadcrumb_sharing_the_body_words_is_not_the_title() -> None:
    blocks = [
        Block("Начало / Новини / Варна", HEADING),
        Block(TITLE, HEADING),
        Block(P1, PROSE),
        Block(P2, PROSE),
    ]
    assert rank(blocks, 2, 4, frozenset()) == 1


def test_menu_lines_far_above_the_body_are_not_weighed() -> None:
    menu = [Block(f"Рубрика номер {i}", HEADING) for i in range(NEAR + 5)]
    blocks = [*menu, Block(TITLE, HEADING), Block(P1, PROSE), Block(P2, PROSE)]
    start = len(menu) + 1
    found = candidates(blocks, start, start + 2)
    assert 0 in found  # a candidate ...
    assert rank(blocks, start, start + 2, frozenset()) == len(menu)  # ... never the pick


def test_two_word_lines_count_only_near_the_body() -> None:
    far = [Block("Спорт Култура", SHORT)]
    fill = [Block(f"{i}", SHORT) for i in range(NEAR + 2)]
    blocks = [*far, *fill, Block(TITLE, HEADING), Block(P1, PROSE)]
    start = len(blocks) - 1
    assert 0 not in candidates(blocks, start, start + 1)


def test_rules_title_spelling_the_slug_is_settled() -> None:
    slug = slug_keys("https://news.example.bg/byudzhetat-na-varna-e-priet-sled-dalgo-zasedanie")
    assert settled(TITLE, slug)
    assert not settled(TITLE + ".", slug)  # a sentence: a lead or caption
    assert not settled(f"{TITLE} в сряда.Снимка: БГНЕС", slug)  # a caption and its credit
    assert not settled(TITLE, frozenset())


def test_dump_title_is_found_past_share_buttons_and_a_teaser() -> None:
    text = (
        f"Новини\n\nСпорт\n\n{TITLE}\n\nИван Петров\n\n12 март 2025, 10:15\n\nСподели\n\n"
        f"Tweet\n\nИмейл\n\n{TEASER}\n\n{P1}\n\n{P2}\n\n{P3}"
    )
    assert _title_and_body(text) == (TITLE, (P1, P2, P3))


def test_title_inside_the_run_ends_the_header_above_the_body() -> None:
    kicker = "Общество"
    text = f"{kicker}\n\n{TITLE}\n\n{P1}\n\n{P2}\n\n{P3}"
    result = extract_dump(text)
    assert result.title == TITLE
    assert kicker not in result.body_paragraphs
    assert result.body_paragraphs == (P1, P2, P3)


def test_quoted_subheading_inside_the_body_is_not_the_title() -> None:
    sub = "„Аз съм Самуел“"
    text = f"{TITLE}\n\n{P1}\n\n{sub}\n\n{P2}\n\n{P3}"
    result = extract_dump(text)
    assert result.title == TITLE
    assert sub in result.body_paragraphs


def test_abbreviation_at_the_end_of_a_headline_is_not_a_sentence_end() -> None:
    assert not ends_with_period("ЕС реши преходният период да е до 31 декември 2020 г.")
    assert not ends_with_period("Прогноза за 2021 г. и нататък...")
    assert ends_with_period("Общинският съвет прие бюджета.")


def test_headline_ending_in_a_year_abbreviation_opens_the_run_as_title() -> None:
    title = "Общинският съвет във Варна прие бюджета за 2026 г."
    text = f"Mediapool.bg\n\nВход\n\n{title}\n\n{P1}\n\n{P2}\n\n{P3}"
    assert _title_and_body(text) == (title, (P1, P2, P3))


def test_headline_a_breadcrumb_ends_with_beats_a_subheading_nearer_the_body() -> None:
    crumb = f"Новини > Общество > {TITLE[:30]}..."
    blocks = [
        Block(crumb, PROSE),
        Block(TITLE, HEADING),
        Block("Иван Петров", SHORT),
        Block("Общинските съветници гласуваха след дълго заседание", HEADING),
        Block(P1, PROSE),
        Block(P2, PROSE),
    ]
    assert rank(blocks, 4, 6, frozenset()) == 1


def test_meta_line_under_a_title_found_in_the_run_dates_the_article() -> None:
    text = (
        f"Новини\n\nВход\n\nНовини > Варна > {TITLE[:25]}...\n\n{TITLE}\n\n"
        f"29 Януари 2018, 17:46 | 9050 прочитания | Коментари (2)\n\n{P1}\n\n"
        "Сподели във Facebook\n\nНай-новото\n\n4 януари 2021\n\n"
        "Друга новина от деня в страната и чужбина"
    )
    result = extract_dump(text)
    assert (result.title, result.body_paragraphs) == (TITLE, (P1,))
    assert str(result.published_at)[:10] == "2018-01-29"
