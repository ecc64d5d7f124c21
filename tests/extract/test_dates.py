"""Date parsing: absolute, numeric, ISO, relative to the fetch time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from vestnik.extract._dates import find_date, is_date_line, is_update_line, parse_iso

SOFIA = ZoneInfo("Europe/Sofia")
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)  # 11:30 in Sofia


def _value(text: str) -> datetime | date | None:
    found = find_date(text, NOW)
    return found[0] if found else None


def test_day_month_name_year_gives_a_plain_date() -> None:
    value = _value("3 Март, 2024")
    assert type(value) is date and value == date(2024, 3, 3)


def test_numeric_date_with_time_gives_sofia_datetime() -> None:
    assert _value("03.03.2024 18:05") == datetime(2024, 3, 3, 18, 5, tzinfo=SOFIA)


def test_numeric_date_without_time_gives_a_plain_date() -> None:
    assert _value("Публикувано: 21.11.2023 г.") == date(2023, 11, 21)


def test_english_and_russian_month_names_are_understood() -> None:
    assert _value("November 21, 2023") == date(2023, 11, 21)
    assert _value("21 ноября 2023 года") == date(2023, 11, 21)
    assert _value("Jan 5, 2024 at 3:05 pm") == datetime(2024, 1, 5, 15, 5, tzinfo=SOFIA)


def test_abbreviated_month_names_are_understood() -> None:
    assert _value("8 дек 2025 г., 10:12") == datetime(2025, 12, 8, 10, 12, tzinfo=SOFIA)


def test_iso_datetime_keeps_its_offset() -> None:
    value = parse_iso("2024-03-03T18:05:00+02:00")
    assert value == datetime(2024, 3, 3, 18, 5, tzinfo=timezone(timedelta(hours=2)))
    assert parse_iso("2024-03-03T16:05:00Z") == datetime(2024, 3, 3, 16, 5, tzinfo=UTC)
    assert parse_iso("2024-03-03") == date(2024, 3, 3)


def test_relative_hours_are_resolved_against_fetch_time() -> None:
    assert _value("Преди 2 часа") == datetime(2025, 3, 10, 9, 30, tzinfo=SOFIA)
    assert _value("3 hours ago") == datetime(2025, 3, 10, 8, 30, tzinfo=SOFIA)


def test_yesterday_is_the_day_before_fetch_in_sofia() -> None:
    assert _value("вчера") == date(2025, 3, 9)
    assert _value("Вчера, 14:35") == datetime(2025, 3, 9, 14, 35, tzinfo=SOFIA)


def test_relative_date_needs_a_fetch_time() -> None:
    assert find_date("Преди 2 часа", None) is None


def test_impossible_dates_are_ignored() -> None:
    assert _value("31.02.2024") is None


def test_date_line_is_mostly_a_date() -> None:
    assert is_date_line("Обновена: 10:12, 8 дек 2025", NOW)
    assert is_date_line("България Преди 2 минути", NOW)
    assert not is_date_line("На 3 март 2024 г. парламентът прие бюджета за годината", NOW)


def test_update_lines_are_told_apart() -> None:
    assert is_update_line("Обновена: 08.12.2025")
    assert not is_update_line("Публикувана: 08.12.2025")


def test_two_digit_year_counts_only_with_a_time_of_day() -> None:
    found = find_date("19.10.19, 12:00 Uhr", NOW)
    assert found is not None and found[0].isoformat()[:16] == "2019-10-19T12:00"
    assert find_date("Версия 3.10.12", NOW) is None


# -- the page's date among many: pick_date and the URL's day --------------------------

from vestnik.extract._blocks import DATE, HEADING, PROSE, SHORT, Block  # noqa: E402
from vestnik.extract._dates import date_in_url  # noqa: E402
from vestnik.extract._pubdate import pick_date  # noqa: E402

TITLE = "Парламентът прие бюджета на второ четене"


def test_news_url_path_gives_the_day() -> None:
    assert date_in_url("https://www.mk.ru/politics/2020/09/23/slug.html") == date(2020, 9, 23)
    assert date_in_url("https://x.bg/2020-12-03-parlamentat-prie") == date(2020, 12, 3)
    assert date_in_url("https://x.bg/news/20201203/slug") == date(2020, 12, 3)


def test_url_without_a_date_or_with_a_long_id_gives_none() -> None:
    assert date_in_url("https://tass.ru/moskva/8836033") is None
    assert date_in_url("https://x.bg/news/120201203999-slug") is None
    assert date_in_url("https://x.bg/2020/13/45/slug") is None


def test_date_right_after_the_title_beats_a_header_counter_with_yesterday() -> None:
    zone = [
        Block("Днес 155 Вчера 181", DATE),
        Block(TITLE, HEADING),
        Block("15.10.2020 21:55", DATE),
    ]
    assert pick_date(zone, TITLE, [], NOW) == datetime(2020, 10, 15, 21, 55, tzinfo=SOFIA)


def test_date_nearest_the_title_beats_an_issue_date_further_up() -> None:
    zone = [
        Block("№ 42. 14/10/2020", DATE),
        Block("Свежий номер", SHORT),
        Block("19.10.2020 09:34", DATE),
        Block(TITLE, HEADING),
    ]
    assert pick_date(zone, TITLE, [], NOW) == datetime(2020, 10, 19, 9, 34, tzinfo=SOFIA)


def test_meta_line_with_date_author_and_views_gives_the_date() -> None:
    zone = [Block(TITLE, HEADING), Block("3 декабря 2020, 18:47 • Алексей Супрун • 3375", HEADING)]
    assert pick_date(zone, TITLE, [], NOW) == datetime(2020, 12, 3, 18, 47, tzinfo=SOFIA)


def test_date_inside_a_headline_is_not_the_page_date() -> None:
    zone = [Block("Какво се промени след изборите на 3 декември 2020 в страната", HEADING)]
    assert pick_date(zone, TITLE, [], NOW) is None


def test_todays_time_after_a_column_name_gives_the_date() -> None:
    zone = [Block(TITLE, HEADING), Block("Право на гідність 11:00, сьогодні - Читать", SHORT)]
    assert pick_date(zone, TITLE, [], NOW) == datetime(2025, 3, 10, 11, 0, tzinfo=SOFIA)


def test_a_day_inside_a_headline_is_not_the_page_date_even_with_a_time() -> None:
    zone = [Block("Протестът на площада започва днес в 18:00 пред сградата", SHORT)]
    assert pick_date(zone, TITLE, [], NOW) is None


def test_relative_date_takes_the_url_day_and_keeps_its_time() -> None:
    zone = [Block(TITLE, HEADING), Block("сегодня в 20:12", DATE)]
    found = pick_date(zone, TITLE, [], NOW, url_day=date(2020, 9, 23))
    assert found == datetime(2020, 9, 23, 20, 12, tzinfo=SOFIA)


def test_url_day_stands_in_when_the_page_shows_no_date() -> None:
    assert pick_date([Block(TITLE, HEADING)], TITLE, [], NOW, date(2020, 9, 23)) == date(
        2020, 9, 23
    )


def test_a_date_the_url_agrees_with_wins_over_a_nearer_one() -> None:
    zone = [Block("01.05.2021", DATE), Block(TITLE, HEADING), Block("02.05.2021", DATE)]
    assert pick_date(zone, TITLE, [], NOW, url_day=date(2021, 5, 1)) == date(2021, 5, 1)


def test_footer_registration_date_in_prose_after_the_body_is_ignored() -> None:
    tail = [Block("Свидетельство о регистрации выдано Роскомнадзором 11 июня 2009 года.", PROSE)]
    assert pick_date([Block(TITLE, HEADING)], TITLE, tail, NOW) is None


def test_zone_name_after_the_time_sets_the_offset() -> None:
    assert _value("Thursday 4 November 2021 08.00 GMT") == datetime(2021, 11, 4, 8, 0, tzinfo=UTC)
    eastern = timezone(timedelta(hours=-5))
    assert _value("Nov. 4, 2021 at 3:45 p.m. ET") == datetime(2021, 11, 4, 15, 45, tzinfo=eastern)


def test_day_and_month_with_a_time_take_the_fetch_year() -> None:
    assert _value("5 март, 10:30") == datetime(2025, 3, 5, 10, 30, tzinfo=SOFIA)


def test_day_and_month_after_the_fetch_day_are_last_year() -> None:
    assert _value("5 апреля 15:01") == datetime(2024, 4, 5, 15, 1, tzinfo=SOFIA)


def test_day_and_month_without_a_time_are_not_a_date() -> None:
    assert _value("Концертът е на 5 април в зала 1") is None


def test_relative_times_in_other_european_languages() -> None:
    two_hours_ago = datetime(2025, 3, 10, 9, 30, tzinfo=SOFIA)
    for text in ("před 2 hodinami", "vor 2 Stunden", "il y a 2 heures", "hace 2 horas",
                 "2 godziny temu"):
        assert _value(text) == two_hours_ago, text
    assert _value("vor 2 Tagen") == date(2025, 3, 8)
