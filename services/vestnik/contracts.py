"""The contracts between vestnik's stages: one place for every message model.

``ScrapeEvent`` (scrapers -> cleaner), ``Article`` (cleaner -> indexer),
``Rejection`` (pages that are not articles) and ``DeadLetter`` (input no stage could
process).  ``schemas/`` holds their JSON Schema, generated from these classes
(``vestnik schemas``) and checked for drift by the tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vestnik.plain import derived_event_id
from vestnik.timezones import canonical_zone

ContentType = Literal["text/html", "text/plain"]
Stage = Literal["cleaner", "indexer"]

def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)


def _contract(title: str, slug: str) -> ConfigDict:
    """A message contract's own config (merged with ``_Model``'s): its title and ``$id``."""
    return ConfigDict(
        title=title, json_schema_extra={"$id": f"https://vestnik.dev/schemas/{slug}.json"}
    )


class ScrapeEvent(_Model):
    """One scraped page, as a scraper publishes it on the events stream."""

    model_config = _contract("ScrapeEvent", "scrape-event.v1")

    version: Literal[1] = Field(1, description="Contract version.")
    event_id: str = Field(
        "",
        max_length=200,
        description=(
            "Producer's id of this scrape. When absent it is derived from url and "
            "fetched_at, so the same scrape published twice keeps one id."
        ),
    )
    url: str = Field(..., min_length=1, max_length=8192, description="URL of the page.")
    fetched_at: datetime = Field(
        ..., description="When the page was fetched (ISO 8601; naive means UTC)."
    )
    content_type: ContentType = Field(
        ...,
        description=(
            "`text/html` for raw HTML, `text/plain` for a text dump of the page. "
            "A `; charset=…` parameter is accepted and moved to `charset`."
        ),
    )
    body: str = Field(..., description="The page: HTML or its text dump.")
    charset: str | None = Field(
        None,
        max_length=40,
        description="Charset the body bytes were in (only used when the body arrives as bytes).",
    )
    site: str | None = Field(None, max_length=253, description="Site hint, e.g. `dnevnik.bg`.")
    timezone: str | None = Field(
        None,
        max_length=64,
        description=(
            "IANA time zone the page shows its times in, e.g. `Europe/Moscow` (any letter "
            "case). Times on the page without an offset (\"14 ноября 2025, 09:30\", "
            "\"вчера в 15:00\") are read in it. When absent: `VESTNIK_SITE_TIMEZONES`, "
            "else the zone of the site's country by its top-level domain, else "
            "Europe/Sofia. A name that is no IANA zone makes the event a schema violation "
            "(dead-lettered with the reason)."
        ),
        examples=["Europe/Moscow"],
    )

    @model_validator(mode="before")
    @classmethod
    def _split_content_type(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("content_type"), str):
            raw = data["content_type"]
            mime, _, params = raw.partition(";")
            data = {**data, "content_type": mime.strip().lower()}
            if "charset=" in params and not data.get("charset"):
                data["charset"] = params.split("charset=", 1)[1].strip().strip('"') or None
        return data

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be an absolute http(s) URL")
        return value

    @field_validator("fetched_at")
    @classmethod
    def _tz_aware(cls, value: datetime) -> datetime:
        return _aware(value)

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, value: str | None) -> str | None:
        return canonical_zone(value) if value and value.strip() else None

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body is empty")
        return value

    @model_validator(mode="after")
    def _derive_event_id(self) -> ScrapeEvent:
        if not self.event_id:
            object.__setattr__(self, "event_id", derived_event_id(self.url, self.fetched_at))
        return self


class Provenance(_Model):
    """Where an article came from."""

    event_id: str
    fetched_at: datetime
    cleaner_version: str
    source_entry_id: str | None = Field(None, description="Entry id on the events stream.")
    fetched_url: str | None = Field(
        None, description="The URL as the scraper sent it; the article's `url` is its "
        "canonical form. Absent from articles cleaned before it was recorded.")


class Article(_Model):
    """One normalised news article, published by the cleaner on the articles stream."""

    model_config = _contract("Article", "article.v1")

    version: Literal[1] = 1
    article_id: str = Field(..., description="Stable per canonical URL (`vestnik.urls`).")
    url: str = Field(..., description="Canonical URL: one spelling of every URL of the page "
                     "(percent-encoding, IDN host, tracking parameters, `www.`...); the URL "
                     "as fetched is `provenance.fetched_url`.")
    site: str = Field(..., description="Host without `www.`.")
    title: str = Field(..., min_length=1)
    lead: str | None = None
    body_paragraphs: list[str] = Field(..., min_length=1)
    body_text: str = Field(..., description="Paragraphs joined by blank lines.")
    published_at: datetime | date | None = Field(
        None,
        description="Publication time (tz-aware), or only the day when the page shows no time.",
    )
    source_agency: str | None = None
    authors: list[str] = Field(default_factory=list)
    captions: list[str] = Field(default_factory=list)
    comment_count: int | None = None
    language: str | None = Field(None, description="ISO 639-1 code.")
    word_count: int
    content_hash: str = Field(..., description="sha256 of title and body text, hex.")
    provenance: Provenance

    @field_validator("published_at", mode="before")
    @classmethod
    def _day_stays_a_day(cls, value: object) -> object:
        """``"2025-12-07"`` is a day, not midnight: keep it a ``date``."""
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
        return value


class Rejection(_Model):
    """A page that was read fine but is not an article (section front, login wall...)."""

    model_config = _contract("Rejection", "rejection.v1")

    version: Literal[1] = 1
    event_id: str
    url: str
    reason: str = Field(..., description="Short stable code, e.g. `listing`, `login_wall`.")
    detail: str
    cleaner_version: str
    source_entry_id: str | None = None


class FieldDigest(_Model):
    """A field of the original entry that a dead letter cut or left out."""

    name_bytes: Annotated[int, Field(ge=0)] = Field(..., description="Its name's size in bytes.")
    value_bytes: Annotated[int, Field(ge=0)] = Field(
        ..., description="Its value's size in bytes (for a key of `__data__`'s JSON, named "
        "`__data__.KEY`: its JSON value's, a string's UTF-8).")
    sha256: str = Field(..., description="sha256 of that value, hex.")


class DeadLetterCut(_Model):
    """What a dead letter does not hold of its original entry, and why."""

    summary: str = Field(..., description="What was cut or left out, in words.")
    entry_bytes: Annotated[int, Field(ge=0)] = Field(
        ..., description="The original entry's size: field names and values.")
    entry_fields: Annotated[int, Field(ge=0)] = Field(
        ..., description="How many fields the original entry had.")
    left_out_fields: Annotated[int, Field(ge=0)] = Field(
        0, description="Fields not in `fields` at all: past the size limit, or page bodies.")
    max_bytes: Annotated[int, Field(ge=1)] = Field(
        ..., description="The size limit of a dead letter (`VESTNIK_DEAD_LETTER_MAX_BYTES`).")
    bodies_kept: bool = Field(
        True, description="False when page bodies are not kept in dead letters at all "
        "(`VESTNIK_DEAD_LETTER_KEEP_BODIES=false`).")
    originals: dict[str, FieldDigest] = Field(
        default_factory=dict, description="Size and sha256 of the fields (the first few) that "
        "were cut or left out, by name as kept.")


class DeadLetter(_Model):
    """Input a stage could not process, kept with the reason so it can be fixed and replayed."""

    model_config = _contract("DeadLetter", "dead-letter.v1")

    version: Literal[1] = 1
    stage: Stage
    reason: str = Field(..., description="Human-readable reason.")
    error_type: str = Field(..., description="Stable code, e.g. `invalid_json`, `schema`.")
    source_stream: str
    entry_id: str
    delivery_count: Annotated[int, Field(ge=1)] = 1
    failed_at: datetime
    fields: dict[str, str] = Field(
        default_factory=dict, description="The original stream entry's fields."
    )
    base64_fields: list[str] = Field(
        default_factory=list, description="Fields of `fields` that hold base64 (not UTF-8)."
    )
    truncated_fields: list[str] = Field(
        default_factory=list, description="Fields cut to the dead-letter size limit."
    )
    cut: DeadLetterCut | None = Field(
        None, description="What the dead letter does not hold of the original entry (cut to "
        "its size limit, or page bodies not kept); absent when it holds the whole entry. A "
        "cut dead letter cannot be replayed.")


CONTRACTS: dict[str, type[BaseModel]] = {
    "scrape-event.v1": ScrapeEvent,
    "article.v1": Article,
    "rejection.v1": Rejection,
    "dead-letter.v1": DeadLetter,
}
