"""Every seed in ``seeds/`` must come out exactly as its ``*.expected.json``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from vestnik.extract import Extracted, Page, extract

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
FIELDS = (
    "title",
    "published_at",
    "source_agency",
    "lead",
    "captions",
    "comment_count",
    "language",
    "body_paragraphs",
)


def _seed_ids() -> list[str]:
    return sorted(p.name[: -len(".expected.json")] for p in SEEDS.glob("*.expected.json"))


def _actual(result: Extracted, name: str) -> Any:
    value = getattr(result, name)
    if name == "published_at":
        return value.isoformat() if isinstance(value, date) else None
    if isinstance(value, tuple):
        return list(value)
    return value


@pytest.fixture(scope="module", params=_seed_ids())
def seed(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Extracted]:
    name: str = request.param
    expected = json.loads((SEEDS / f"{name}.expected.json").read_text(encoding="utf-8"))
    page = Page(
        url=f"https://news.example.bg/{name}",
        fetched_at=FETCHED_AT,
        content_type="text/plain",
        text=(SEEDS / f"{name}.txt").read_text(encoding="utf-8"),
    )
    result = extract(page)
    assert isinstance(result, Extracted), result
    return expected, result


@pytest.mark.parametrize("field", FIELDS)
def test_seed_field_matches_expected(seed: tuple[dict[str, Any], Extracted], field: str) -> None:
    expected, result = seed
    assert _actual(result, field) == expected[field]


def test_seed_published_at_type_matches_expected(seed: tuple[dict[str, Any], Extracted]) -> None:
    expected, result = seed
    value = expected["published_at"]
    if value is None:
        assert result.published_at is None
    elif "T" in value:
        assert isinstance(result.published_at, datetime)
    else:
        assert type(result.published_at) is date
