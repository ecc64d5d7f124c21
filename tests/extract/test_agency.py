"""Which news agency an article is credited to."""

from __future__ import annotations

from vestnik.extract._agency import (
    canonical_agency,
    find_dateline_credit,
    find_source_line,
    find_text_credit,
    strip_trailing_credit,
)


def test_source_line_names_the_agency() -> None:
    assert find_source_line("Източник: БТА") == "БТА"
    assert find_source_line("Source: Reuters") == "Reuters"
    assert find_source_line("Източник - Фокус") == "Фокус"


def test_source_line_gives_the_names_without_quotes_or_the_editor_after_them() -> None:
    line = "Източник:''Vesti.bg''; Nova.bg Редактор: Николай Киров."
    assert find_source_line(line) == "Vesti.bg; Nova.bg"
    assert find_source_line("Източник: „Дневник“") == "Дневник"
    assert find_source_line("Източник: БТА Снимка: архив") == "БТА"


def test_long_block_is_not_a_source_line() -> None:
    assert find_source_line("Източник: " + "много думи " * 10) is None


def test_trailing_slash_credit_is_split_from_the_paragraph() -> None:
    assert strip_trailing_credit("Срещата завърши късно. /БТА") == ("Срещата завърши късно.", "БТА")
    done = "Срещата завърши късно."
    assert strip_trailing_credit(f"{done} /БТА/") == (done, "БТА")


def test_trailing_parenthesised_known_agency_is_a_credit() -> None:
    assert strip_trailing_credit("The talks ended late. (AP)") == ("The talks ended late.", "AP")


def test_slash_inside_a_token_is_not_a_credit() -> None:
    assert strip_trailing_credit("Използват TCP/IP") == ("Използват TCP/IP", None)
    assert strip_trailing_credit("Няма кредит тук.") == ("Няма кредит тук.", None)


def test_bta_style_dateline_credits_the_agency() -> None:
    assert find_dateline_credit("ВАРНА, 5 март /БТА/ - Общината обяви") == "БТА"


def test_agency_quoted_in_text_is_the_fallback_credit() -> None:
    assert find_text_credit(["Пожарът е овладян, съобщи Ройтерс."]) == "Ройтерс"
    assert find_text_credit(["Fire was contained, according to Reuters."]) == "Reuters"
    assert find_text_credit(["Пожарът е овладян."]) is None


def test_the_agency_that_relayed_the_story_wins_over_one_it_cites() -> None:
    quoted = ("Това заяви Порошенко, цитиран от ТАСС, във видеозапис, разпространен днес в "
              "Туитър, предаде БТА.")
    assert find_text_credit([quoted]) == "БТА"
    assert find_text_credit(["Юнкер, цитиран от ДПА, каза това.", "Така е, предаде БТА."]) == "БТА"
    assert find_text_credit(["Юнкер, цитиран от ДПА, каза това."]) == "ДПА"


def test_agency_spellings_are_canonical() -> None:
    assert canonical_agency("бта") == "БТА"
    assert canonical_agency("Франс прес") == "АФП"
    assert canonical_agency("Местен сайт") == "Местен сайт"
