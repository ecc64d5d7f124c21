"""What an index stores for one article (``vestnik.index._rows``), worked out by hand: the
stored document, the day and time columns, newer wins, and a row's columns."""

from __future__ import annotations

import hashlib
import time
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

import orjson
import pytest

from vestnik.index._analysis import MAX_TERM_CHARS
from vestnik.index._dedup import bands, from_signed
from vestnik.index._rows import (
    Row,
    article_text,
    decode_doc,
    encode_doc,
    fetched_us,
    newest_per_id,
    published_day,
    published_ts,
    version,
)

from .test_index import FETCHED_FROM, KARABAKH, PARLIAMENT, make_article

SOFIA = timezone(timedelta(hours=2))


def test_the_publication_day_is_the_one_written_on_the_page() -> None:
    assert published_day(None) is None
    assert published_day(date(2025, 12, 7)) == "2025-12-07"
    # 00:30 in Sofia is still the 6th in UTC: the page's own day is kept
    assert published_day(datetime(2025, 12, 7, 0, 30, tzinfo=SOFIA)) == "2025-12-07"


def test_the_publication_time_sorts_in_seconds_and_a_bare_day_is_its_utc_midnight() -> None:
    assert published_ts(None) is None
    assert published_ts(date(1970, 1, 2)) == 86_400.0
    assert published_ts(datetime(1970, 1, 1, 2, 0, 30, tzinfo=SOFIA)) == 30.0


def test_the_fetch_time_is_counted_in_microseconds() -> None:
    article = make_article("a", fetched_at=datetime(1970, 1, 1, 0, 0, 1, 250_001, tzinfo=UTC))
    assert fetched_us(article) == 1_250_001
    assert version(article) == (1_250_001, article.content_hash)


def test_the_text_searched_is_the_lead_then_the_body() -> None:
    assert article_text(make_article("a", body="Тяло.", lead="Увод.")) == "Увод.\n\nТяло."
    assert article_text(make_article("b", body="Тяло.")) == "Тяло."


def test_the_stored_document_keeps_the_body_once_compressed_and_reads_back_equal() -> None:
    article = make_article("a", body="Първи абзац.\n\nВтори абзац.")
    raw = encode_doc(article)
    stored = orjson.loads(zlib.decompress(raw))
    assert "body_text" not in stored  # the paragraphs joined: not kept twice
    assert decode_doc(raw) == article
    assert decode_doc(memoryview(raw)) == article
    other = article.model_copy(update={"body_text": "Друг текст."})  # not the join
    assert orjson.loads(zlib.decompress(encode_doc(other)))["body_text"] == "Друг текст."
    assert decode_doc(encode_doc(other)) == other
    long = make_article("b", body="\n\n".join(["Дълъг абзац за сравнение на размера."] * 40))
    assert len(encode_doc(long)) < len(long.model_dump_json()) / 2, "not compressed"


def test_a_document_stored_before_compression_still_reads() -> None:
    article = make_article("a", body="Първи абзац.\n\nВтори абзац.")
    plain = zlib.decompress(encode_doc(article))  # JSON, as stored before
    assert decode_doc(plain) == article
    assert decode_doc(memoryview(plain)) == article and decode_doc(plain.decode()) == article


def test_of_several_copies_of_one_id_the_latest_fetch_wins_then_the_higher_hash() -> None:
    early = make_article("a", fetched_at=FETCHED_FROM, content_hash="b" * 64)
    late = make_article("a", fetched_at=FETCHED_FROM + timedelta(microseconds=1),
                        content_hash="a" * 64)
    twin = make_article("a", fetched_at=FETCHED_FROM, content_hash="c" * 64)
    other = make_article("b")
    assert newest_per_id([late, early, other]) == {"a": late, "b": other}
    assert newest_per_id([early, late]) == {"a": late}
    assert newest_per_id([early, twin])["a"] is twin  # one instant: the higher hash
    assert newest_per_id([twin, early])["a"] is twin
    assert newest_per_id([early, early.model_copy()])["a"] is early  # a tie keeps the first
    assert newest_per_id([]) == {}


def test_a_row_holds_the_columns_filters_and_sorting_read() -> None:
    article = make_article("a1", "Русия напуска Карабах", KARABAKH, lead="Кремъл потвърди.",
                           published_at=date(2025, 12, 6), source_agency="БТА",
                           fetched_at=datetime(1970, 1, 1, 0, 0, 2, tzinfo=UTC))
    row = Row.of(article)
    c = row.columns
    assert (row.article_id, row.content_hash, row.fetched_us) == (
        "a1", article.content_hash, 2_000_000)
    assert (c["article_id"], c["url"], c["site"], c["title"]) == (
        "a1", "https://news.example.bg/a1", "news.example.bg", "Русия напуска Карабах")
    assert (c["published_day"], c["source_agency"], c["language"], c["fetched_us"]) == (
        "2025-12-06", "БТА", "bg", 2_000_000)
    assert c["published_ts"] == datetime(2025, 12, 6, tzinfo=UTC).timestamp()
    assert c["content_hash"] == article.content_hash
    assert c["title_terms"] == " ".join(row.title_terms) and len(row.title_terms) == 3
    assert c["body_terms"] == " ".join(row.body_terms)
    assert c["length"] == len(row.title_terms) + len(row.body_terms)
    assert len(row.body_terms) > len(KARABAKH.split())  # the lead's words too
    assert decode_doc(c["doc"]) == article
    assert row.fingerprint is not None and from_signed(c["simhash"]) == row.fingerprint
    assert [c[f"band{i}"] for i in range(4)] == list(bands(row.fingerprint))
    assert row.bands == {f"band{i}": c[f"band{i}"] for i in range(4)}


def test_a_text_too_short_to_fingerprint_has_no_fingerprint_nor_bands() -> None:
    row = Row.of(make_article("a", "Видео", "Видео от Карабах."))
    assert row.fingerprint is None and row.columns["simhash"] is None
    assert row.bands == {"band0": None, "band1": None, "band2": None, "band3": None}
    assert not row.is_copy_of(12345, "another hash")
    assert row.is_copy_of(None, row.content_hash)  # an equal hash is a copy all the same


def test_a_row_is_a_copy_of_an_equal_hash_or_a_near_fingerprint_only() -> None:
    row = Row.of(make_article("a", body=KARABAKH))
    other = Row.of(make_article("b", body=PARLIAMENT))
    assert row.fingerprint is not None and other.fingerprint is not None
    near = row.columns["simhash"] ^ 0b101  # two bits apart
    assert row.is_copy_of(near, "another hash")
    assert row.is_copy_of(row.columns["simhash"], "another hash")
    assert not row.is_copy_of(other.columns["simhash"], "another hash")
    assert not row.is_copy_of(None, "another hash")
    assert row.is_copy_of(other.columns["simhash"], row.content_hash)


def test_a_long_run_on_word_is_cut_and_keeps_its_place() -> None:
    row = Row.of(make_article("a", "Заглавие", "а" * 500 + " край на текста."))
    assert [len(t) for t in row.body_terms][:1] == [MAX_TERM_CHARS]
    assert len(row.body_terms) == 4


def test_a_row_s_terms_are_analysed_in_the_article_s_language() -> None:
    title = "Президенты встретились в Москве"
    row = Row.of(make_article("ru", title, "Переговоры прошли в Кремле.", language="ru"))
    assert row.title_terms == ["президент", "встрет", "в", "москв"]  # Russian stems
    assert row.columns["title_terms"] == "президент встрет в москв"
    assert row.columns["body_terms"] == "переговор прошл в кремл"


def test_a_row_has_exactly_the_columns_of_the_articles_table() -> None:
    from vestnik.index import sqlite

    row = Row.of(make_article("a", body=KARABAKH))
    assert set(row.columns) | {"duplicate_of"} == set(sqlite._COLUMNS)


def test_a_bare_publication_day_sorts_as_its_utc_midnight_in_any_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert published_ts(date(1970, 1, 2)) == 86_400.0
    finally:
        monkeypatch.undo()
        time.tzset()


def _signed(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def test_a_postgresql_batch_locks_its_ids_hashes_and_bands_in_one_order() -> None:
    from vestnik.index.postgres import _lock_keys

    long_row = Row.of(make_article("a1", body=KARABAKH, content_hash="h1"))
    short_row = Row.of(make_article("a2", "Видео", "Видео от Карабах.", content_hash="h2"))
    assert long_row.fingerprint is not None
    expected = {_signed(b"article:a1"), _signed(b"hash:h1"), _signed(b"article:a2"),
                _signed(b"hash:h2")}
    expected |= {_signed(f"{name}:{band}".encode()) for name, band in long_row.bands.items()}
    keys = _lock_keys([long_row, short_row])  # the short one has no bands to lock
    assert keys == sorted(expected) and len(keys) == 8
