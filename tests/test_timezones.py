"""The zone a page's naive times are read in: the event's, the site's setting, the country
of its top-level domain, Sofia; validated where a producer or an operator gives one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest
from pydantic import ValidationError

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, ScrapeEvent
from vestnik.settings import Settings
from vestnik.timezones import COUNTRY_ZONES, SiteZones, canonical_zone, page_zone
from vestnik.wire import WireError, decode_event

MK_URL = "https://www.mk.ru/social/prisyazhnye-opravdali-muzhchinu.html"
# an mk.ru article as its text dump shows it (the date line as the site prints it)
MK_DUMP = "\n\n".join([
    "Присяжные оправдали мужчину, который обвинялся в убийстве активиста в Серпухове",
    "вчера в 16:19 Московская область",
    "Неприязнь возникла после ДТП, которое устроил антикоррупционер Дмитрий Грибов",
    "Коллегия присяжных Московского областного суда признала невиновным мужчину, которого "
    "обвиняли в убийстве общественного активиста Дмитрия Грибова в Серпухове.",
    "По версии следствия, конфликт между ними возник после дорожного происшествия, в котором "
    "активист повредил автомобиль обвиняемого прошлой осенью.",
    "Прокуратура намерена обжаловать оправдательный приговор в апелляционной инстанции, "
    "сообщили в пресс-службе ведомства.",
])


def _event(url: str = MK_URL, **extra: object) -> ScrapeEvent:
    return ScrapeEvent.model_validate({
        "url": url, "fetched_at": "2020-12-30T09:00:00Z", "content_type": "text/plain",
        "body": MK_DUMP, **extra})


def test_an_mk_ru_time_is_read_in_moscow_not_an_hour_off() -> None:
    article = clean_event(_event(), site_zones=SiteZones())
    assert isinstance(article, Article)
    assert article.published_at == datetime(2020, 12, 29, 16, 19, tzinfo=ZoneInfo("Europe/Moscow"))
    assert isinstance(article.published_at, datetime)
    assert article.published_at.astimezone(UTC) == datetime(2020, 12, 29, 13, 19, tzinfo=UTC)


def test_the_events_own_zone_comes_first() -> None:
    article = clean_event(_event(timezone="Asia/Yekaterinburg"),
                          site_zones=SiteZones({"mk.ru": "Europe/Moscow"}))
    assert isinstance(article, Article) and isinstance(article.published_at, datetime)
    assert article.published_at.utcoffset() == timedelta(hours=5)


def test_a_sites_configured_zone_comes_before_its_country() -> None:
    article = clean_event(_event(), site_zones=SiteZones({"mk.ru": "Asia/Omsk"}))
    assert isinstance(article, Article) and isinstance(article.published_at, datetime)
    assert article.published_at.utcoffset() == timedelta(hours=6)


@pytest.mark.parametrize(
    ("url", "site", "zones", "zone"),
    [
        ("https://www.mk.ru/a", None, {}, "Europe/Moscow"),
        ("https://новости.рф/a", None, {}, "Europe/Moscow"),
        ("https://xn--b1amarcd.xn--90ae/a", None, {}, "Europe/Sofia"),  # новини.бг
        ("https://www.pravda.com.ua/a", None, {}, "Europe/Kyiv"),
        ("https://www.tagesschau.de/a", None, {}, "Europe/Berlin"),
        ("https://www.bbc.co.uk/news/a", None, {}, "Europe/London"),
        ("https://tengrinews.kz/a", None, {}, "Asia/Almaty"),
        ("https://www.example.com/a", None, {}, "Europe/Sofia"),
        ("https://amp.example.com/a", "novaya.by", {}, "Europe/Minsk"),
        ("https://www.example.com/a", None, {"example.com": "America/New_York"},
         "America/New_York"),
        ("https://spb.mk.ru/a", None, {"ru": "Europe/Samara", "spb.mk.ru": "Europe/Moscow"},
         "Europe/Moscow"),
        ("https://kaliningrad.mk.ru/a", None,
         {"ru": "Europe/Samara", ".mk.ru": "Europe/Kaliningrad"}, "Europe/Kaliningrad"),
        ("https://xmk.ru/a", None, {"mk.ru": "Europe/Kaliningrad"}, "Europe/Moscow"),
        ("https://новости.рф/a", None, {"xn--b1amnebsh.xn--p1ai": "Asia/Omsk"}, "Asia/Omsk"),
    ],
)
def test_the_zone_is_the_sites_then_its_countrys_then_sofia(
    url: str, site: str | None, zones: dict[str, str], zone: str
) -> None:
    assert page_zone(url, site=site, site_zones=SiteZones(zones)) == zone


def test_every_countrys_zone_is_an_iana_zone() -> None:
    for zone in COUNTRY_ZONES.values():
        ZoneInfo(zone)


def test_an_events_zone_name_is_taken_in_any_case_and_kept_canonical() -> None:
    assert _event(timezone="europe/moscow").timezone == "Europe/Moscow"
    assert _event(timezone="").timezone is None
    assert canonical_zone("UTC") == "UTC"


def test_an_event_with_a_zone_that_is_no_iana_name_is_dead_lettered_as_schema() -> None:
    with pytest.raises(ValidationError):
        _event(timezone="Moscow")
    fields = {b"__data__": orjson.dumps({
        "url": MK_URL, "fetched_at": "2020-12-30T09:00:00Z", "content_type": "text/plain",
        "body": MK_DUMP, "timezone": "Europe/Moskva"})}
    with pytest.raises(WireError) as caught:
        decode_event(fields, max_body_bytes=1_000_000)
    assert caught.value.code == "schema"
    assert "timezone" in caught.value.reason and "Europe/Moskva" in caught.value.reason


def test_plain_fields_carry_the_zone() -> None:
    event = decode_event({b"url": MK_URL.encode(), b"fetched_at": b"2020-12-30T09:00:00Z",
                          b"content_type": b"text/plain", b"timezone": b"Europe/Moscow",
                          b"body": MK_DUMP.encode()}, max_body_bytes=1_000_000)
    assert event.timezone == "Europe/Moscow"


def test_site_timezones_setting_is_json_and_refuses_an_unknown_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VESTNIK_SITE_TIMEZONES", '{"mk.ru": "europe/moscow", "bg": "Europe/Sofia"}')
    assert Settings().site_timezones == {"mk.ru": "Europe/Moscow", "bg": "Europe/Sofia"}
    monkeypatch.setenv("VESTNIK_SITE_TIMEZONES", '{"mk.ru": "Moscow"}')
    with pytest.raises(ValidationError):
        Settings()
