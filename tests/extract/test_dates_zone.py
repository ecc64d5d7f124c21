"""Naive times on a page are read in the page's zone (``Page.timezone``), not always in
Sofia's: the extractor is handed the zone and imports no settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from vestnik.extract import Extracted, Page, extract
from vestnik.extract._dates import find_date, parse_iso, reading_zone

from .samples import P1, P2, P3

MOSCOW = ZoneInfo("Europe/Moscow")
SOFIA = ZoneInfo("Europe/Sofia")
WINTER_FETCH = datetime(2020, 12, 30, 9, 0, tzinfo=UTC)


def _published(text: str, zone: str | None, *, html: bool = False,
               fetched: datetime = WINTER_FETCH) -> object:
    page = Page("https://news.example.ru/society/prisyazhnye-opravdali.html", fetched,
                "text/html" if html else "text/plain", text, timezone=zone)
    found = extract(page)
    assert isinstance(found, Extracted), found
    return found.published_at


def _dump(date_line: str) -> str:
    return "\n\n".join(["Присяжные оправдали мужчину по делу об убийстве активиста",
                        date_line, P1, P2, P3])


def test_naive_time_in_a_text_dump_is_read_in_the_pages_zone() -> None:
    value = _published(_dump("29 декабря 2020, 16:19"), "Europe/Moscow")
    assert value == datetime(2020, 12, 29, 16, 19, tzinfo=MOSCOW)
    assert isinstance(value, datetime) and value.utcoffset() == timedelta(hours=3)


def test_without_a_zone_the_page_is_read_in_sofia_as_before() -> None:
    value = _published(_dump("29 декабря 2020, 16:19"), None)
    assert value == datetime(2020, 12, 29, 16, 19, tzinfo=SOFIA)


def test_yesterday_is_the_day_before_the_fetch_in_the_pages_zone() -> None:
    # 21:30 UTC is already the 30th in Moscow, still the 29th in Sofia
    late = datetime(2020, 12, 29, 21, 30, tzinfo=UTC)
    moscow = _published(_dump("вчера в 16:19"), "Europe/Moscow", fetched=late)
    sofia = _published(_dump("вчера в 16:19"), "Europe/Sofia", fetched=late)
    assert moscow == datetime(2020, 12, 29, 16, 19, tzinfo=MOSCOW)
    assert sofia == datetime(2020, 12, 28, 16, 19, tzinfo=SOFIA)


def test_naive_iso_time_in_html_meta_is_read_in_the_pages_zone() -> None:
    html = (
        "<!doctype html><html><head><title>Присяжные оправдали мужчину</title>"
        '<meta property="article:published_time" content="2020-12-29T16:19:00">'
        "</head><body><article><h1>Присяжные оправдали мужчину</h1>"
        f"<p>{P1}</p><p>{P2}</p><p>{P3}</p></article></body></html>"
    )
    assert _published(html, "Europe/Moscow", html=True) == datetime(
        2020, 12, 29, 16, 19, tzinfo=MOSCOW
    )


def test_a_time_with_its_own_offset_keeps_it_in_any_zone() -> None:
    with reading_zone("Europe/Moscow"):
        assert parse_iso("2020-12-29T16:19:00+02:00") == datetime(
            2020, 12, 29, 14, 19, tzinfo=UTC
        )


def test_the_zone_is_the_pages_only_while_it_is_extracted() -> None:
    _published(_dump("29 декабря 2020, 16:19"), "Europe/Moscow")
    found = find_date("29.12.2020 16:19", WINTER_FETCH)
    assert found is not None and found[0] == datetime(2020, 12, 29, 16, 19, tzinfo=SOFIA)


def test_an_unknown_zone_name_on_a_page_falls_back_to_sofia() -> None:
    value = _published(_dump("29 декабря 2020, 16:19"), "Mars/Olympus_Mons")
    assert value == datetime(2020, 12, 29, 16, 19, tzinfo=SOFIA)
