"""``vestnik.plain`` (issue 16: `vestnik clean FILE` starts without pydantic) gives what the
contracts' models give: the ``ScrapeEvent`` a page file validates to, and an ``Article``'s
or a ``Rejection``'s JSON, field for field and in order, on the seeds and dev pages; for
anything else it says None and the models answer."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from pydantic import ValidationError

from vestnik._entry import plain_fields
from vestnik.cleaner.pipeline import clean_fields
from vestnik.contracts import Article, Rejection, ScrapeEvent
from vestnik.files import event_fields, page_files
from vestnik.plain import PlainEvent, plain_event, plain_json
from vestnik.timezones import SiteZones

from .conftest import ROOT, SEEDS

MAX_BYTES = 5_000_000


@cache
def _pages() -> list[Path]:
    """The seeds and the producer examples' pages; where the dev sets were made
    (``dev/make_sitesets.py``, ``dev/make_cyrset.py``), the dev sites' pages (a third of
    them not articles) and some of the Cyrillic dev set's (another charset or two)."""
    here = [d for d in (SEEDS, ROOT / "examples" / "producers" / "pages") if d.is_dir()]
    sites, cyr = ROOT / "dev" / "sites", ROOT / "dev" / "cyr"
    cyrillic = list(page_files([cyr])) if cyr.is_dir() else []
    return [*page_files([*here, *([sites] if sites.is_dir() else [])]), *cyrillic[::4]]


def _obj(path: Path, **extra: str) -> dict[str, Any]:
    """A page file's fields as the wire decodes them (the body as text)."""
    raw = {
        k.encode(): v if isinstance(v, bytes) else v.encode()
        for k, v in (event_fields(path) | extra).items()
    }
    return plain_fields(raw, MAX_BYTES)


def _same_event(plain: PlainEvent, model: ScrapeEvent) -> None:
    assert dataclasses.asdict(plain) == model.model_dump()
    assert [f.name for f in dataclasses.fields(PlainEvent)] == list(ScrapeEvent.model_fields)


def test_page_files_give_the_event_the_contract_gives() -> None:
    pages = _pages()
    assert len(pages) > (150 if (ROOT / "dev" / "sites").is_dir() else 5)
    for path in pages:
        obj = _obj(path)
        plain = plain_event(obj)
        assert plain is not None, path
        _same_event(plain, ScrapeEvent.model_validate(obj))


@pytest.mark.parametrize(
    "change",
    [
        {"body": ""},
        {"body": " \n\t"},
        {"url": "ftp://example.bg/a"},
        {"url": "https:///a"},
        {"url": "http://[::1/a"},
        {"url": "https://example.bg/" + "a" * 8200},
        {"url": ""},
        {"url": "  https://example.bg/a  "},
        {"url": "https://пример.бг/статия"},
        {"fetched_at": "2025-11-14T09:30:00"},
        {"fetched_at": "2025-11-14 09:30+02:00"},
        {"fetched_at": "14.11.2025"},
        {"content_type": "text/html; charset=utf-8"},
        {"content_type": "text/xml"},
        {"charset": "x" * 41},
        {"site": "example.bg"},
        {"timezone": "europe/moscow"},
        {"event_id": "e-1"},
        {"version": "2"},
    ],
)
def test_any_other_event_is_the_contracts_or_none(change: dict[str, str]) -> None:
    obj = _obj(SEEDS / "000_57d1c5b430fd8800.txt") | change
    plain = plain_event(obj)
    try:
        model = ScrapeEvent.model_validate(obj)
    except ValidationError:
        assert plain is None
    else:
        if plain is not None:
            _same_event(plain, model)


def _model_json(kind: str, fields: dict[str, Any]) -> bytes:
    model = Article if kind == "article" else Rejection
    return orjson.dumps(model.model_validate(fields).model_dump(mode="json"))


def test_articles_and_rejections_are_written_as_their_models_write_them(tmp_path: Path) -> None:
    menu = tmp_path / "menu.txt"  # a page of a menu alone: rejected, without the dev sets
    menu.write_text("Начало\n\nНовини\n\nСпорт\n\nКонтакти\n", encoding="utf-8")
    kinds = []
    for path in [*_pages(), menu]:
        event = plain_event(_obj(path))
        assert event is not None
        kind, fields = clean_fields(event, site_zones=SiteZones())
        kinds.append(kind)
        assert orjson.dumps(plain_json(fields)) == _model_json(kind, fields), path
    assert {"article", "rejected"} <= set(kinds)


_SUMMER = ZoneInfo("Europe/Sofia")


@pytest.mark.parametrize(
    "published",
    [
        None,
        date(2025, 12, 7),
        datetime(2025, 12, 7, 9, 30),
        datetime(2025, 12, 7, tzinfo=UTC),
        datetime(2025, 7, 1, 9, 30, 5, 120, tzinfo=_SUMMER),
        datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/London")),
        datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        datetime(1880, 1, 1, tzinfo=_SUMMER),  # local mean time: an offset in seconds
        datetime(2025, 1, 1, tzinfo=timezone(timedelta(seconds=-30))),
    ],
)
def test_times_are_written_as_pydantic_writes_them_or_left_to_it(
    published: date | None,
) -> None:
    event = plain_event(_obj(SEEDS / "000_57d1c5b430fd8800.txt"))
    assert event is not None
    kind, fields = clean_fields(event, site_zones=SiteZones())
    assert kind == "article"
    fields = fields | {"published_at": published}
    plain = plain_json(fields)
    if plain is not None:
        assert orjson.dumps(plain) == _model_json(kind, fields)
    else:
        assert isinstance(published, datetime)
        assert published.utcoffset() % timedelta(minutes=1)  # type: ignore[operator]
