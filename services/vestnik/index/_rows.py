"""Everything an index stores for one article, computed in Python before any lock is taken,
the same for every backend: the analysed terms of its title and text, its fingerprint for
finding syndicated copies, the columns filters and sorting read, and the article itself."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from vestnik.contracts import Article
from vestnik.index import _analysis, _dedup


def article_text(article: Article) -> str:
    """What is searched and snippeted besides the title: the lead and the body."""
    return "\n\n".join(filter(None, (article.lead, article.body_text)))


def published_day(value: datetime | date | None) -> str | None:
    """The publication day as written on the page (its own time zone), ISO."""
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def published_ts(value: datetime | date | None) -> float | None:
    """Seconds since the epoch, for sorting by date (a bare day is its UTC midnight)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.timestamp()


def fetched_us(article: Article) -> int:
    """When the page was fetched, in microseconds: what "newer wins" compares."""
    return round(article.provenance.fetched_at.timestamp() * 1_000_000)


def encode_doc(article: Article) -> bytes:
    """The article as stored: JSON, without ``body_text`` when it is the paragraphs
    joined (as the cleaner makes it), so the body is kept once; compressed (zlib, its
    fastest level: the stored article is about half the size for 40 µs)."""
    data = article.model_dump(mode="json")
    if data["body_text"] == "\n\n".join(data["body_paragraphs"]):
        del data["body_text"]
    return zlib.compress(orjson.dumps(data), 1)


def decode_doc(raw: bytes | str | memoryview) -> Article:
    """An article as ``encode_doc`` stored it (or as stored before docs were compressed:
    JSON, which opens with ``{``)."""
    data_bytes = bytes(raw) if isinstance(raw, memoryview) else raw
    if isinstance(data_bytes, bytes) and not data_bytes.startswith(b"{"):
        data_bytes = zlib.decompress(data_bytes)
    data = orjson.loads(data_bytes)
    data.setdefault("body_text", "\n\n".join(data["body_paragraphs"]))
    return Article.model_validate(data)


def fingerprint_columns(body_terms: str) -> dict[str, int | None]:
    """The ``simhash`` and ``band0``…``band3`` columns of an article whose stored
    ``body_terms`` (its analysed terms, space-separated) are given: what a migration to a
    new fingerprint version recomputes for every stored row."""
    return _fingerprint_columns(_dedup.token_fingerprint(body_terms.split()))


def _fingerprint_columns(fingerprint: int | None) -> dict[str, int | None]:
    return {"simhash": None if fingerprint is None else _dedup.to_signed(fingerprint),
            **{f"band{i}": band for i, band in enumerate(
                _dedup.bands(fingerprint) if fingerprint is not None else (None,) * 4)}}


@dataclass(frozen=True, slots=True)
class Row:
    article_id: str
    content_hash: str
    fetched_us: int
    fingerprint: int | None
    title_terms: list[str]
    body_terms: list[str]
    columns: dict[str, Any]  # what the articles table stores, by column name

    @classmethod
    def of(cls, article: Article) -> Row:
        language = article.language
        title_terms = _analysis.stored_terms(article.title, language)
        body_terms = _analysis.stored_terms(article_text(article), language)
        fingerprint = _dedup.token_fingerprint(body_terms)
        fetched = fetched_us(article)
        columns: dict[str, Any] = {
            "article_id": article.article_id, "url": article.url, "site": article.site,
            "title": article.title, "published_day": published_day(article.published_at),
            "published_ts": published_ts(article.published_at),
            "source_agency": article.source_agency, "language": language,
            "fetched_us": fetched, "content_hash": article.content_hash,
            **_fingerprint_columns(fingerprint),
            "title_terms": " ".join(title_terms), "body_terms": " ".join(body_terms),
            "length": len(title_terms) + len(body_terms),
            "doc": encode_doc(article),
        }
        return cls(article.article_id, article.content_hash, fetched, fingerprint,
                   title_terms, body_terms, columns)

    @property
    def bands(self) -> dict[str, int | None]:
        return {f"band{i}": self.columns[f"band{i}"] for i in range(4)}

    def is_copy_of(self, simhash: int | None, content_hash: str) -> bool:
        """Whether a stored article (its signed fingerprint and hash) is this one's copy."""
        if content_hash == self.content_hash:
            return True
        if simhash is None or self.fingerprint is None:
            return False
        return _dedup.is_near(self.fingerprint, _dedup.from_signed(simhash))


def version(article: Article) -> tuple[int, str]:
    """What "newer wins" compares: the fetch time, then (two fetches at one instant) the
    content hash, so every replica and every batching picks the same copy."""
    return fetched_us(article), article.content_hash


def newest_per_id(articles: Iterable[Article]) -> dict[str, Article]:
    """The articles by id; of several with one id, the newest ``version`` wins."""
    batch: dict[str, Article] = {}
    for article in articles:
        known = batch.get(article.article_id)
        if known is None or version(article) > version(known):
            batch[article.article_id] = article
    return batch
