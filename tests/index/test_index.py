"""The search index, on every backend: idempotent upserts, newer wins, copies,
language-aware search; then what is particular to the SQLite file."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import random
import sqlite3
import threading
import time
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vestnik.contracts import Article
from vestnik.index import (
    Hit,
    Index,
    IndexMissing,
    QueryError,
    SearchRequest,
    UpsertReport,
    open_index,
)
from vestnik.index._rows import fingerprint_columns
from vestnik.index.sqlite import CANDIDATES_SQL, EXACT_SQL, SqliteIndex
from vestnik.render import MARK as HIGHLIGHT
from vestnik.render import marked

from .backends import backend_url, postgres_schema

KARABAKH = (
    "Руските мироопазващи сили започнаха да се изтеглят от Нагорни Карабах, след като "
    "Азербайджан си върна спорната територия от арменските сепаратисти миналата година, "
    "съобщи Кремъл. Тази седмица азербайджанските държавни медии съобщиха, че руските "
    "войски са започнали да напускат позициите, заемани в рамките на постигнатото с "
    "посредничеството на Москва прекратяване на огъня през 2020 г. между Баку и Ереван."
)
PARLIAMENT = (
    "Народното събрание прие на първо четене промените в Закона за движението по "
    "пътищата, които предвиждат по-високи глоби за шофиране след употреба на алкохол. "
    "Депутатите от мнозинството настояха текстовете да влязат в сила от началото на "
    "следващата година, а опозицията поиска повече време за обсъждане с експертите."
)
WEATHER = (
    "Утре ще бъде предимно слънчево, следобед над планините ще се развива купеста и "
    "купесто-дъждовна облачност и на отделни места ще превали краткотраен дъжд. "
    "Максималните температури ще бъдат между 24 и 29 градуса, в София около 25."
)


FETCHED_FROM = datetime(2025, 12, 7, 10, 0, tzinfo=UTC)
_FETCHES = itertools.count()


def make_article(
    article_id: str,
    title: str = "Новини от деня",
    body: str = PARLIAMENT,
    *,
    lead: str | None = None,
    published_at: datetime | date | None = None,
    content_hash: str | None = None,
    fetched_at: datetime | None = None,
    **extra: Any,
) -> Article:
    """An article; each one made is fetched a second after the one made before it (a
    re-scrape made later in a test is newer), unless ``fetched_at`` says otherwise."""
    paragraphs = [p for p in body.split("\n\n") if p]
    fetched = fetched_at or FETCHED_FROM + timedelta(seconds=next(_FETCHES))
    extra.setdefault("language", "bg")
    return Article(
        article_id=article_id,
        url=extra.pop("url", f"https://news.example.bg/{article_id}"),
        site=extra.pop("site", "news.example.bg"),
        title=title,
        lead=lead,
        body_paragraphs=paragraphs,
        body_text="\n\n".join(paragraphs),
        published_at=published_at,
        word_count=len(body.split()),
        content_hash=content_hash or hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        provenance={"event_id": f"ev-{article_id}", "fetched_at": fetched,
                    "cleaner_version": "test"},
        **extra,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    with backend_url(request, tmp_path) as url, open_index(url) as idx:
        yield idx


@pytest.fixture
def sqlite_index(tmp_path: Path) -> Any:
    with SqliteIndex(str(tmp_path / "index.sqlite3")) as idx:
        yield idx


def _with_marks(hit: Hit) -> Hit:
    """The hit with its snippet's highlights written in as [brackets]."""
    import dataclasses

    return dataclasses.replace(hit, snippet=marked(hit.snippet, hit.highlights))


def search(index: Index, q: str, **kw: Any) -> list[Hit]:
    """The hits of ``index.search`` for ``q`` and ``kw``, their matches in [brackets]."""
    return [_with_marks(hit) for hit in index.search(SearchRequest(q, **kw)).hits]


def _ids(hits: list[Hit]) -> list[str]:
    return [hit.article_id for hit in hits]


# --- idempotent upserts ------------------------------------------------------------------


def test_same_article_twice_leaves_one_row(index: Index) -> None:
    article = make_article("a1")
    assert index.upsert_many([article]) == UpsertReport(1, 0, 0, 0, 0)
    assert index.upsert_many([article]) == UpsertReport(0, 0, 1, 0, 0)
    assert index.count() == 1
    assert _ids(search(index, "събрание")) == ["a1"]


def test_rescraped_article_with_new_content_updates_its_row(index: Index) -> None:
    index.upsert_many([make_article("a1", "Времето", WEATHER)])
    report = index.upsert_many([make_article("a1", "Карабах", KARABAKH)])
    assert report == UpsertReport(0, 1, 0, 0, 0)
    assert index.count() == 1
    assert search(index, "слънчево") == []
    assert _ids(search(index, "Карабах")) == ["a1"]
    stored = index.get("a1")
    assert stored is not None and stored.title == "Карабах"


def test_same_id_twice_in_one_batch_keeps_the_last(index: Index) -> None:
    first, last = make_article("a1", "Първо", WEATHER), make_article("a1", "Последно", KARABAKH)
    assert index.upsert_many([first, last]) == UpsertReport(1, 0, 0, 0, 0)
    stored = index.get("a1")
    assert stored == last
    assert search(index, "слънчево") == []


def test_batch_reports_inserted_updated_and_unchanged_per_distinct_id(
    index: Index,
) -> None:
    index.upsert_many([make_article("same", body=PARLIAMENT), make_article("new", body=WEATHER)])
    batch = [
        make_article("same", body=PARLIAMENT),  # unchanged
        make_article("new", body=KARABAKH),  # updated...
        make_article("new", body=KARABAKH),  # ...once, though it comes twice
        make_article("fresh", "Времето", WEATHER),  # inserted
    ]
    assert index.upsert_many(batch) == UpsertReport(1, 1, 1, 0, 0)
    assert index.count() == 3


def test_empty_batch_writes_nothing(index: Index) -> None:
    assert index.upsert_many([]) == UpsertReport(0, 0, 0, 0, 0)
    assert index.count() == 0


def test_failed_batch_leaves_no_row_of_it(index: Index,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = type(index)._canonical_for

    def fail_second(self: Index, *args: Any) -> str | None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")
        return real(self, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(type(index), "_canonical_for", fail_second)
    with pytest.raises(RuntimeError):
        index.upsert_many([make_article("a1", body=WEATHER), make_article("a2", body=KARABAKH)])
    assert index.count() == 0
    assert search(index, "слънчево") == []


@pytest.mark.parametrize("published_at", [
    None,
    date(2025, 12, 7),
    datetime(2025, 12, 7, 9, 30, tzinfo=timezone(timedelta(hours=2))),
])
def test_get_returns_an_equal_article(index: Index, published_at: datetime | date | None,
                                      ) -> None:
    article = make_article(
        "a1", "Карабах", KARABAKH, lead="Кремъл потвърди.", published_at=published_at,
        source_agency="БГНЕС", authors=["Иван Петров"], captions=["Снимка: БГНЕС"],
        comment_count=57, language="bg",
    )
    index.upsert_many([article])
    assert index.get("a1") == article


def test_get_unknown_id_returns_none(index: Index) -> None:
    assert index.get("nope") is None


def test_ids_are_listed_in_indexing_order(index: Index) -> None:
    index.upsert_many([make_article("b", body=WEATHER), make_article("a", body=KARABAKH)])
    index.upsert_many([make_article("c", body=PARLIAMENT), make_article("b", "Ново", WEATHER)])
    assert index.ids() == ["b", "a", "c"]


def test_reopened_file_keeps_its_articles(tmp_path: Path) -> None:
    path = str(tmp_path / "index.sqlite3")
    with SqliteIndex(path) as first:
        first.upsert_many([make_article("a1", body=KARABAKH)])
    with SqliteIndex(path) as second:
        assert second.ids() == ["a1"]
        assert _ids(search(second, "Карабах")) == ["a1"]


def test_the_wal_is_copied_into_the_file_by_a_thread_not_by_a_commit(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(str(path), checkpoint_every_s=0.05) as index:
        assert index._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        before = path.stat().st_size
        index.upsert_many([make_article(f"a{k}", body=KARABAKH * 20) for k in range(30)])
        assert path.stat().st_size == before, "the commit copied the WAL into the file"
        deadline = time.monotonic() + 10
        while path.stat().st_size == before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert path.stat().st_size > before, "nothing copied the WAL into the file"
    with SqliteIndex(str(path), create=False) as reader:
        assert reader.count() == 30


def test_index_can_be_used_from_another_thread(index: Index) -> None:
    reports: list[UpsertReport] = []
    worker = threading.Thread(target=lambda: reports.append(
        index.upsert_many([make_article("a1", body=KARABAKH)])))
    worker.start()
    worker.join()
    assert reports == [UpsertReport(1, 0, 0, 0, 0)]
    assert index.count() == 1


def test_file_is_in_wal_mode(sqlite_index: Index, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "index.sqlite3")
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    SqliteIndex(str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        SqliteIndex(str(path))


# --- duplicates and syndicated copies ------------------------------------------------------


def test_syndicated_copy_is_marked_duplicate_of_first(index: Index) -> None:
    index.upsert_many([make_article("bta", "Русия се изтегля от Карабах", KARABAKH)])
    # Another title, the agency credited, an inflection and case changed.
    copy_body = KARABAKH.replace("Баку и Ереван.", "Баку и Ереван. (БТА)").replace(
        "руските войски", "Руски войски")
    copy = make_article("other-site", "Руските сили напускат Нагорни Карабах", copy_body)
    assert index.upsert_many([copy]).duplicates == 1

    assert _ids(search(index, "Карабах")) == ["bta"]
    hits = {h.article_id: h for h in search(index, "Карабах", include_duplicates=True)}
    assert hits.keys() == {"bta", "other-site"}
    assert hits["other-site"].duplicate_of == "bta"
    assert hits["bta"].duplicate_of is None


def test_copy_in_the_same_batch_is_marked_duplicate_of_the_earlier(index: Index) -> None:
    report = index.upsert_many([
        make_article("first", "Едно заглавие", KARABAKH),
        make_article("second", "Друго заглавие", KARABAKH.upper()),
    ])
    assert report == UpsertReport(2, 0, 0, 0, 1)
    hits = search(index, "Карабах", include_duplicates=True)
    assert {h.article_id: h.duplicate_of for h in hits} == {"first": None, "second": "first"}


def test_same_content_hash_is_a_duplicate_even_when_too_short_to_fingerprint(
    index: Index,
) -> None:
    short = "Видео от Карабах."
    index.upsert_many([make_article("a", "Видео", short, content_hash="h1")])
    assert index.upsert_many([make_article("b", "Видео", short, content_hash="h1")]).duplicates == 1
    assert _ids(search(index, "видео")) == ["a"]


def test_short_articles_with_different_content_are_not_duplicates(index: Index) -> None:
    index.upsert_many([make_article("a", "Видео", "Видео от Карабах."),
                       make_article("b", "Видео", "Видео от Карабах.", content_hash="other")])
    assert sorted(_ids(search(index, "видео"))) == ["a", "b"]


def test_unrelated_articles_are_not_duplicates(index: Index) -> None:
    report = index.upsert_many([make_article("a", body=KARABAKH),
                                make_article("b", body=PARLIAMENT),
                                make_article("c", body=WEATHER)])
    assert report.duplicates == 0
    assert len(search(index, "на")) == 3


def test_copy_matching_several_articles_points_at_the_earliest_indexed(
    index: Index,
) -> None:
    index.upsert_many([make_article("first", "А", KARABAKH, content_hash="h-first")])
    index.upsert_many([make_article("second", "Б", WEATHER, content_hash="h-second")])
    # Near "first" by its text, equal to "second" by its content hash.
    index.upsert_many([make_article("third", "В", KARABAKH, content_hash="h-second")])
    hits = search(index, "на", include_duplicates=True)
    assert {h.article_id: h.duplicate_of for h in hits} == {
        "first": None, "second": None, "third": "first",
    }


def test_copy_of_a_copy_points_at_the_canonical(index: Index) -> None:
    index.upsert_many([make_article("canon", "А", KARABAKH)])
    index.upsert_many([make_article("copy1", "Б", KARABAKH)])
    index.upsert_many([make_article("copy2", "В", KARABAKH)])
    hits = search(index, "Карабах", include_duplicates=True)
    assert {h.article_id: h.duplicate_of for h in hits} == {
        "canon": None, "copy1": "canon", "copy2": "canon",
    }


def test_rescraped_copy_with_new_content_is_no_longer_a_duplicate(index: Index) -> None:
    index.upsert_many([make_article("canon", "А", KARABAKH), make_article("copy", "Б", KARABAKH)])
    assert index.upsert_many([make_article("copy", "Б", WEATHER)]) == UpsertReport(0, 1, 0, 0, 0)
    assert _ids(search(index, "слънчево")) == ["copy"]


def test_copies_stay_hidden_when_their_canonical_is_edited(index: Index) -> None:
    index.upsert_many([make_article("canon", "А", KARABAKH), make_article("copy", "Б", KARABAKH)])
    edited = KARABAKH.replace("Тази седмица", "В понеделник") + " Кремъл не коментира."
    assert index.upsert_many([make_article("canon", "А", edited)]) == UpsertReport(0, 1, 0, 0, 0)
    assert _ids(search(index, "Карабах")) == ["canon"]


def test_copies_follow_their_canonical_when_it_becomes_a_copy(index: Index) -> None:
    index.upsert_many([make_article("a", "А", WEATHER), make_article("a-copy", "Б", WEATHER)])
    index.upsert_many([make_article("x", "В", KARABAKH)])
    index.upsert_many([make_article("a", "А", KARABAKH)])  # re-scraped: now x's story
    hits = search(index, "на", include_duplicates=True)
    assert {h.article_id: h.duplicate_of for h in hits} == {
        "a": "x", "a-copy": "x", "x": None,
    }


def test_duplicate_lookup_uses_indexes_never_a_scan_nor_a_sort_of_every_copy(
    sqlite_index: Index, tmp_path: Path
) -> None:
    conn = sqlite3.connect(tmp_path / "index.sqlite3")
    try:
        params = {"content_hash": "h", "article_id": "a", "before": 10,
                  "band0": 1, "band1": 2, "band2": 3, "band3": 4}
        plan = " | ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN {CANDIDATES_SQL}", params))
        exact = " | ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN {EXACT_SQL}", params))
    finally:
        conn.close()
    assert "SCAN articles" not in plan
    for band in range(4):  # each band lookup stops at the exact copy's id
        assert f"articles_band{band} (band{band}=? AND rowid<?)" in plan
    # the earliest exact copy comes straight off the content-hash index: no sort of
    # every copy (hundreds, for a wire story) before the first is taken
    assert exact == "SEARCH articles USING INDEX articles_content_hash (content_hash=?)"


# --- search --------------------------------------------------------------------------------


@pytest.fixture
def news(index: Index) -> Index:
    index.upsert_many([
        make_article("karabakh", "Русия се изтегля от Нагорни Карабах", KARABAKH),
        make_article("parliament", "Парламентът гласува по-високи глоби", PARLIAMENT),
        make_article("weather", "Слънчево и топло", WEATHER),
        make_article("troops", "Руски войски на учение",
                     "Руски войски провеждат учение край границата с Финландия, съобщиха "
                     "от министерството на отбраната в Москва в четвъртък сутринта."),
    ])
    return index


def test_proper_noun_finds_article(news: Index) -> None:
    assert _ids(search(news, "Карабах")) == ["karabakh"]


def test_inflected_bulgarian_form_finds_article(news: Index) -> None:
    # "руските войски" (definite) finds "руски войски" (indefinite) and the reverse.
    assert sorted(_ids(search(news, "руските войски"))) == ["karabakh", "troops"]
    assert sorted(_ids(search(news, "руски войски"))) == ["karabakh", "troops"]
    assert _ids(search(news, "глобите")) == ["parliament"]


def test_search_is_case_insensitive(news: Index) -> None:
    assert _ids(search(news, "КАРАБАХ")) == _ids(search(news, "карабах")) == ["karabakh"]


def test_every_query_word_must_match(news: Index) -> None:
    assert _ids(search(news, "руски Финландия")) == ["troops"]
    assert search(news, "Карабах Финландия") == []


def test_quoted_phrase_matches_the_words_in_a_row_in_any_form(news: Index) -> None:
    assert sorted(_ids(search(news, '"руските войски"'))) == ["karabakh", "troops"]
    assert _ids(search(news, '"нагорни карабах"')) == ["karabakh"]
    assert search(news, '"войски руски"') == []
    assert search(news, '"нагорни войски"') == []  # both words occur, not in a row


def test_phrase_and_words_combine(news: Index) -> None:
    assert _ids(search(news, '"руски войски" учение')) == ["troops"]
    assert search(news, '"руски войски" Финландия Карабах') == []


def test_or_joins_two_words_and_prefix_matches_the_start_of_words(news: Index) -> None:
    assert sorted(_ids(search(news, "Финландия OR Ереван"))) == ["karabakh", "troops"]
    assert sorted(_ids(search(news, "Финландия OR Ереван войски"))) == ["karabakh", "troops"]
    assert _ids(search(news, "финлан*")) == ["troops"]
    assert _ids(search(news, "войски -финлан*")) == ["karabakh"]


def test_title_match_ranks_above_repeated_body_matches(index: Index) -> None:
    body = KARABAKH + " Карабах остава в центъра на вниманието. Карабах е спорна територия."
    index.upsert_many([
        make_article("in-body", "Новини от Кавказ", body),
        make_article("in-title", "Карабах: какво следва", PARLIAMENT),
        make_article("other", "Времето", WEATHER),
        make_article("other2", "Парламентът", PARLIAMENT + " Гласуването продължава."),
        make_article("other3", "Времето утре", WEATHER + " Облачно."),
    ])
    hits = search(index, "Карабах")
    assert _ids(hits) == ["in-title", "in-body"]
    assert hits[0].score > hits[1].score > 0


def test_snippet_highlights_the_inflected_form_in_the_text(news: Index) -> None:
    [hit] = search(news, "Финландия войските")
    open_, close = HIGHLIGHT
    assert f"{open_}Финландия{close}" in hit.snippet
    assert f"{open_}войски{close}" in hit.snippet


def test_snippet_highlights_a_stemmed_match(news: Index) -> None:
    [hit] = search(news, "Азербайджан изтегля")
    assert f"{HIGHLIGHT[0]}изтеглят{HIGHLIGHT[1]}" in hit.snippet


def test_snippet_highlights_a_form_whose_stem_is_rewritten(index: Index) -> None:
    index.upsert_many([make_article(
        "owners", "Имоти",
        "Собствениците на имоти в центъра на града ще плащат по-висок данък, реши "
        "общинският съвет след дълго обсъждане в сряда вечерта.")])
    [hit] = search(index, "собственик")  # собственици -> собственик (-ци -> -к)
    assert f"{HIGHLIGHT[0]}Собствениците{HIGHLIGHT[1]}" in hit.snippet


def test_title_only_match_still_gets_a_snippet(index: Index) -> None:
    index.upsert_many([make_article("a1", "Карабах", PARLIAMENT)])
    [hit] = search(index, "Карабах")
    assert hit.snippet.startswith("Народното събрание")
    assert HIGHLIGHT[0] not in hit.snippet


def test_hit_carries_the_article_fields(index: Index) -> None:
    when = datetime(2025, 12, 7, 9, 30, tzinfo=UTC)
    index.upsert_many([make_article("a1", "Карабах", KARABAKH, published_at=when)])
    [hit] = search(index, "карабах")
    assert (hit.article_id, hit.url, hit.site, hit.title) == (
        "a1", "https://news.example.bg/a1", "news.example.bg", "Карабах")
    assert hit.published_at == "2025-12-07T09:30:00Z"  # as in the article's JSON
    assert hit.duplicate_of is None


def test_latin_words_are_searchable(index: Index) -> None:
    index.upsert_many([make_article("a1", "Среща на NATO", KARABAKH)])
    assert _ids(search(index, "nato")) == ["a1"]


def test_limit_and_offset_page_the_hits(news: Index) -> None:
    everything = search(news, "на", limit=100)
    assert len(everything) == 4
    assert search(news, "на", limit=2) == everything[:2]
    assert search(news, "на", limit=2, offset=2) == everything[2:]
    assert news.search(SearchRequest("на", limit=2)).total == 4
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        with pytest.raises(QueryError):
            search(news, "на", **bad)


@pytest.mark.parametrize("query", ["", "   ", '""', "!!!", "---"])
def test_a_query_without_words_is_an_error_that_says_so(news: Index, query: str) -> None:
    with pytest.raises(QueryError, match=r"no word|only excludes"):
        search(news, query)


@pytest.mark.parametrize("query", [
    'Карабах"', '"Карабах', 'AND', 'OR NOT', 'Карабах AND', 'NEAR(руски войски, 2)',
    'карабах*', '*', '^карабах', 'title:карабах', '{title}: x', '(карабах', 'карабах)',
    '"a""b"', "'", '+', 'карабах - баку', 'карабах -', 'карабах -"', 'карабах --', "\x00",
    '"""', 'a:b:c',
])
def test_query_with_fts_syntax_characters_does_not_raise(news: Index, query: str) -> None:
    try:
        assert isinstance(search(news, query), list)
    except QueryError as error:  # a query with no word to look for says so; nothing else
        assert "no word" in str(error) or "only excludes" in str(error)


def test_operators_in_a_query_are_words_not_syntax(news: Index) -> None:
    assert _ids(search(news, "Карабах*")) == ["karabakh"]
    assert _ids(search(news, "(Карабах)")) == ["karabakh"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from('абвкар"*:(){}^-+ ANDORNEAR\'.,ё\u0301'), max_size=40))
def test_no_query_raises_but_one_without_words(news: Index, query: str) -> None:
    try:
        assert isinstance(search(news, query), list)
    except QueryError:
        words = "".join(c for c in query.replace("AND", "").replace("NEAR", "")
                        if c.isalpha() and c not in "ANDORNEAR")
        assert "-" in query or query.replace("OR", "").strip(" \"*:(){}^-+'.,\u0301") == "" \
            or not words


def test_a_word_opened_by_a_minus_excludes_the_articles_holding_it(news: Index) -> None:
    assert _ids(search(news, "войски")) == ["troops", "karabakh"]
    assert _ids(search(news, "войски -Баку")) == ["troops"]
    assert _ids(search(news, "войски -баку -финландия")) == []


def test_an_excluded_word_is_stemmed_like_a_searched_one(news: Index) -> None:
    assert _ids(search(news, "войски -москвата")) == []  # both bodies say "Москва"


def test_an_excluded_phrase_must_not_occur_as_written(news: Index) -> None:
    assert _ids(search(news, 'войски -"нагорни карабах"')) == ["troops"]
    assert _ids(search(news, 'войски -"карабах нагорни"')) == ["troops", "karabakh"]


def test_a_phrase_is_found_in_the_title_or_in_the_text_but_not_across(index: Index) -> None:
    index.upsert_many([make_article("split", "Учение на руски", "Войски край границата.")])
    assert _ids(search(index, '"учение на руски"')) == ["split"]
    assert _ids(search(index, '"войски край"')) == ["split"]
    assert search(index, '"руски войски"') == []  # the title's last word, the text's first
    assert _ids(search(index, 'учение -"руски войски"')) == ["split"]


def test_a_phrase_far_into_a_long_text_is_found(index: Index) -> None:
    """Past PostgreSQL's last word position (16,383) and past a word's 256th use."""
    filler = " ".join(["глоби"] * 300 + ["закон", "движение"] * 8_100)
    index.upsert_many([
        make_article("long", "Дълъг текст", f"{filler} Руски войски на учение."),
        make_article("short", "Кратък", "Руски войски на учение. Глоби за закон."),
    ])
    assert sorted(_ids(search(index, '"руски войски"'))) == ["long", "short"]
    assert sorted(_ids(search(index, '"глоби закон"'))) == ["long"]
    assert search(index, 'учение -"руски войски"') == []


def test_a_hyphen_inside_or_alone_excludes_nothing(news: Index) -> None:
    assert _ids(search(news, "карабах - баку")) == ["karabakh"]
    assert _ids(search(news, "купесто-дъждовна")) == ["weather"]


def test_a_query_that_only_excludes_is_an_error(news: Index) -> None:
    with pytest.raises(QueryError, match="only excludes"):
        search(news, "-карабах -баку")


# --- opening by URL ------------------------------------------------------------------------


def test_open_index_accepts_relative_absolute_and_memory_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_index("sqlite:///relative.db") as rel:
        rel.upsert_many([make_article("a1")])
    assert (tmp_path / "relative.db").exists()
    with open_index(f"sqlite:///{tmp_path}/relative.db") as absolute:
        assert absolute.ids() == ["a1"]
    with open_index("sqlite:///:memory:") as memory:
        assert memory.count() == 0
        assert memory.upsert_many([make_article("a1")]).inserted == 1


@pytest.mark.parametrize("url", [
    "mysql://vestnik:s3cret@db/vestnik", "redis://localhost", "sqlite://relative.db",
    "sqlite:///", "index.db",
])
def test_open_index_rejects_other_urls_without_echoing_them(url: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///") as error:
        open_index(url)
    assert "s3cret" not in str(error.value)


def test_unopenable_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "index.db"
    with pytest.raises(sqlite3.OperationalError, match="no-such-dir"):
        open_index(f"sqlite:///{missing}")


def test_opening_a_missing_index_for_reading_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match=r"index\.db"):
        open_index(f"sqlite:///{tmp_path}/index.db", create=False)
    assert list(tmp_path.iterdir()) == []


def test_an_index_opened_for_reading_finds_what_another_connection_wrote(
    tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/index.db"
    with open_index(url) as writer:
        writer.upsert_many([make_article("karabakh", "Карабах", KARABAKH)])
        with open_index(url, create=False) as reader:
            assert _ids(search(reader, "карабах")) == ["karabakh"]
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                reader.upsert_many([make_article("other")])


def test_a_file_that_is_no_index_is_refused_for_reading_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    content = b"not a database at all" * 50
    path.write_bytes(content)
    with pytest.raises(sqlite3.OperationalError, match=r"index\.db"):
        open_index(f"sqlite:///{path}", create=False)
    assert path.read_bytes() == content


def test_a_database_holding_other_tables_is_refused_for_reading_as_no_index(
    tmp_path: Path
) -> None:
    path = tmp_path / "index.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(sqlite3.OperationalError, match=r"index\.db.*holds no vestnik index"):
        open_index(f"sqlite:///{path}", create=False)


@pytest.mark.parametrize("made_by", ["empty bytes", "a connection in WAL mode"])
def test_an_index_file_the_indexer_has_made_but_not_migrated_yet_is_missing_for_readers(
    tmp_path: Path, made_by: str
) -> None:
    """A reader that opens the file between the indexer's connect and its schema commit
    (the search service started beside a new indexer) waits for it as for a missing one."""
    path = tmp_path / "index.db"
    path.write_bytes(b"")
    if made_by != "empty bytes":
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
    with pytest.raises(IndexMissing, match=r"index\.db.*an empty file"):
        open_index(f"sqlite:///{path}", create=False)
    with open_index(f"sqlite:///{path}") as writer:  # the indexer goes on and migrates it
        writer.upsert_many([make_article("karabakh", "Карабах", KARABAKH)])
    with open_index(f"sqlite:///{path}", create=False) as reader:
        assert reader.count() == 1


# --- several processes on one file ---------------------------------------------------------


def _numbered(n: int) -> Article:
    words = KARABAKH.split() + PARLIAMENT.split() + WEATHER.split()
    body = " ".join(random.Random(n).choices(words, k=60))
    return make_article(f"n{n}", f"Статия {n}", body)


def upsert_in_batches(path: str, numbers: list[int], batch_size: int) -> tuple[int, int, int]:
    """Run in a child process: upsert ``numbers`` batch by batch; sum the reports."""
    totals = [0, 0, 0]
    with SqliteIndex(path) as index:
        for start in range(0, len(numbers), batch_size):
            batch = [_numbered(n) for n in numbers[start : start + batch_size]]
            report = index.upsert_many(batch)
            totals = [totals[0] + report.inserted, totals[1] + report.updated,
                      totals[2] + report.unchanged]
    return totals[0], totals[1], totals[2]


def test_two_processes_upserting_overlap_leave_distinct_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")  # created by the racing children themselves
    ascending, descending = list(range(0, 600)), list(range(899, 299, -1))
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(upsert_in_batches, [(path, ascending, 20),
                                                   (path, descending, 20)])
    with SqliteIndex(path) as index:
        assert index.count() == 900
        assert sorted(index.ids()) == sorted(f"n{n}" for n in range(900))
        assert len(search(index, "Карабах", limit=100, include_duplicates=True)) > 0
    inserted, updated, unchanged = (sum(column) for column in zip(*results, strict=True))
    assert (inserted, updated, unchanged) == (900, 0, 300)  # each id inserted exactly once


# --- newer wins ----------------------------------------------------------------------------


def test_an_older_fetch_never_overwrites_a_newer_one(index: Index) -> None:
    newer = make_article("a1", "Карабах", KARABAKH, fetched_at=FETCHED_FROM + timedelta(hours=1))
    older = make_article("a1", "Времето", WEATHER, fetched_at=FETCHED_FROM)
    assert index.upsert_many([newer]).inserted == 1
    assert index.upsert_many([older]) == UpsertReport(0, 0, 0, 1, 0)
    assert index.get("a1") == newer
    assert search(index, "слънчево") == []


def test_the_newest_fetch_in_a_batch_wins_whatever_its_place(index: Index) -> None:
    newer = make_article("a1", "Карабах", KARABAKH, fetched_at=FETCHED_FROM + timedelta(hours=1))
    older = make_article("a1", "Времето", WEATHER, fetched_at=FETCHED_FROM)
    assert index.upsert_many([newer, older]).inserted == 1
    assert index.get("a1") == newer


def test_a_newer_fetch_of_the_same_content_is_unchanged_but_remembered(index: Index) -> None:
    first = make_article("a1", "Карабах", KARABAKH, fetched_at=FETCHED_FROM)
    same_later = make_article("a1", "Карабах", KARABAKH,
                              fetched_at=FETCHED_FROM + timedelta(hours=2))
    between = make_article("a1", "Времето", WEATHER, fetched_at=FETCHED_FROM + timedelta(hours=1))
    index.upsert_many([first])
    assert index.upsert_many([same_later]).unchanged == 1
    assert index.upsert_many([between]).stale == 1  # older than the last fetch seen
    assert _ids(search(index, "Карабах")) == ["a1"]


def test_copies_are_folded_into_their_canonical_hit_with_site_url_and_time(
    index: Index,
) -> None:
    index.upsert_many([make_article("canon", "Русия се изтегля от Карабах", KARABAKH)])
    copy = make_article("copy", "Руски сили напускат Карабах", KARABAKH, site="other.bg",
                        url="https://other.bg/copy")
    index.upsert_many([copy])
    (hit,) = index.search(SearchRequest("Карабах")).hits
    assert hit.article_id == "canon"
    assert [(c.article_id, c.site, c.url) for c in hit.copies] == [
        ("copy", "other.bg", "https://other.bg/copy")]
    assert hit.copies[0].fetched_at.startswith("2025-12-07T")


def test_filters_facets_and_sort_by_date(index: Index) -> None:
    index.upsert_many([
        make_article("old", "Карабах преди", KARABAKH, published_at=date(2025, 1, 5),
                     source_agency="БТА"),
        make_article("new", "Карабах сега", KARABAKH.replace("Кремъл", "Москва"),
                     published_at=datetime(2025, 6, 1, 9, 0, tzinfo=UTC), site="other.bg",
                     url="https://other.bg/new", content_hash="other"),
        make_article("ru", "Карабах по-русски", "Президенты России и Азербайджана обсудили "
                     "Карабах на встрече в Москве в четверг, сообщили в Кремле журналистам.",
                     language="ru", published_at=date(2025, 3, 1)),
    ])
    page = index.search(SearchRequest("Карабах", sort="date"))
    assert [h.article_id for h in page.hits] == ["new", "ru", "old"]
    assert page.facets["site"] == {"news.example.bg": 2, "other.bg": 1}
    assert page.facets["language"] == {"bg": 2, "ru": 1}
    assert page.facets["source_agency"] == {"БТА": 1}
    assert _ids(search(index, "Карабах", site="other.bg")) == ["new"]
    assert _ids(search(index, "Карабах", source_agency="БТА")) == ["old"]
    assert _ids(search(index, "Карабах", language="ru")) == ["ru"]
    assert sorted(_ids(search(index, "Карабах", date_from=date(2025, 3, 1)))) == ["new", "ru"]
    assert _ids(search(index, "Карабах", date_to=date(2025, 3, 1), sort="date")) == ["ru", "old"]


def test_a_russian_query_finds_russian_inflections(index: Index) -> None:
    index.upsert_many([make_article(
        "ru", "Встреча в Москве", "Президенты России и Азербайджана обсудили Карабах на "
        "встрече в Москве в четверг, сообщили в Кремле журналистам после переговоров.",
        language="ru")])
    assert _ids(search(index, "президент")) == ["ru"]
    assert _ids(search(index, "президента", language="ru")) == ["ru"]


# --- schema versions -------------------------------------------------------------------------

_V1_SCHEMA = (  # the first SQLite schema, as an index made before version 2 holds it
    """CREATE TABLE articles (id INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL, site TEXT NOT NULL, title TEXT NOT NULL, published_at TEXT,
        content_hash TEXT NOT NULL, simhash INTEGER, band0 INTEGER, band1 INTEGER,
        band2 INTEGER, band3 INTEGER, duplicate_of TEXT, doc BLOB NOT NULL)""",
    """CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, title_stem, body_stem,
        tokenize = 'unicode61 remove_diacritics 2')""",
    "CREATE TABLE forms (stem TEXT NOT NULL, form TEXT NOT NULL, PRIMARY KEY (stem, form))",
)


def test_a_version_1_index_is_rebuilt_from_its_articles_on_start(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    old = [make_article("karabakh", "Карабах", KARABAKH),
           make_article("copy", "Карабах отново", KARABAKH)]
    conn = sqlite3.connect(path)
    for statement in _V1_SCHEMA:
        conn.execute(statement)
    conn.executemany("INSERT INTO articles (article_id, url, site, title, content_hash, doc) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     [(a.article_id, a.url, a.site, a.title, a.content_hash,
                       a.model_dump_json()) for a in old])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="start the indexer once to migrate"):
        open_index(f"sqlite:///{path}", create=False)
    with open_index(f"sqlite:///{path}") as index:
        assert index.ids() == ["karabakh", "copy"]
        assert [index.get(a.article_id) for a in old] == old
        (hit,) = index.search(SearchRequest("войските")).hits
        assert hit.article_id == "karabakh" and [c.article_id for c in hit.copies] == ["copy"]
    with open_index(f"sqlite:///{path}", create=False) as reader:
        assert reader.count() == 2


def test_a_postgresql_index_is_made_once_and_reopened_as_it_is(postgres_url: str) -> None:
    with postgres_schema(postgres_url) as url:
        with pytest.raises(IndexMissing):
            open_index(url, create=False)
        with open_index(url) as first:
            first.upsert_many([make_article("a1", body=KARABAKH)])
        with open_index(url) as again, open_index(url, create=False) as reader:
            assert again.ids() == reader.ids() == ["a1"]


def test_a_postgresql_index_with_a_stored_tsvector_is_migrated_to_an_index_of_terms(
    postgres_url: str,
) -> None:
    """Schema version 2 stored each row's ``tsvector`` in a column ``tsv`` under a GIN
    index; version 3 drops both for an index of the terms (``vestnik_terms``)."""
    articles = [make_article("karabakh", "Карабах", KARABAKH),
                make_article("copy", "Карабах отново", KARABAKH),
                make_article("parliament", "Глоби", PARLIAMENT)]
    with postgres_schema(postgres_url) as url:
        with open_index(url) as index:
            index.upsert_many(articles)
        with psycopg.connect(url, autocommit=True) as pg:  # as version 2 left it
            pg.execute("DROP INDEX articles_terms")
            pg.execute("DROP FUNCTION vestnik_terms(text, text)")
            pg.execute("ALTER TABLE articles ADD COLUMN tsv tsvector")
            pg.execute("UPDATE articles SET tsv = to_tsvector('simple', title_terms || ' ' "
                       "|| body_terms)")
            pg.execute("ALTER TABLE articles ALTER COLUMN tsv SET NOT NULL")
            pg.execute("CREATE INDEX articles_tsv ON articles USING gin (tsv)")
            pg.execute("DELETE FROM vestnik_schema WHERE version = 3")
        with pytest.raises(RuntimeError, match="start the indexer once to migrate"):
            open_index(url, create=False)
        with open_index(url) as index:
            index.upsert_many([make_article("weather", "Времето", WEATHER)])
        with psycopg.connect(url, autocommit=True) as pg:
            columns = {r[0] for r in pg.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'articles'::regclass "
                "AND attnum > 0 AND NOT attisdropped")}
            indexes = {r[0] for r in pg.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'articles' "
                "AND schemaname = current_schema()")}
        assert "tsv" not in columns
        assert "articles_terms" in indexes and "articles_tsv" not in indexes
        with open_index(url, create=False) as reader:
            assert [a.article_id for a in articles] + ["weather"] == reader.ids()
            (hit,) = reader.search(SearchRequest('"нагорни карабах"')).hits
            assert hit.article_id == "karabakh" and [c.article_id for c in hit.copies] == ["copy"]
            assert _ids(search(reader, "слънчево")) == ["weather"]
            assert search(reader, '"карабах нагорни"') == []


def test_a_nul_character_is_a_query_error_and_no_article_id(index: Index) -> None:
    index.upsert_many([make_article("a1", body=KARABAKH)])
    assert _ids(search(index, "карабах\x00")) == ["a1"]  # in a query it only splits words
    with pytest.raises(QueryError, match="NUL"):
        index.search(SearchRequest("карабах", site="a\x00"))
    assert index.get("a1\x00") is None


# --- what each upsert reports and points at, counted per article ---------------------------


def _duplicate_of(index: Index) -> dict[str, str | None]:
    hits = index.search(SearchRequest("видео OR карабах OR на", include_duplicates=True,
                                      limit=100)).hits
    return {h.article_id: h.duplicate_of for h in hits}


def test_every_unchanged_and_stale_article_of_a_batch_is_counted(index: Index) -> None:
    first = [make_article(f"a{i}", f"Статия {i}", WEATHER, fetched_at=FETCHED_FROM,
                          content_hash=f"h{i}") for i in range(4)]
    index.upsert_many(first)
    later = FETCHED_FROM + timedelta(hours=1)
    report = index.upsert_many([
        *first[:2],  # the same again: unchanged
        *(a.model_copy(update={"provenance": a.provenance.model_copy(
            update={"fetched_at": later})}) for a in first[2:]),  # fetched again: unchanged
    ])
    assert report == UpsertReport(0, 0, 4, 0, 0)
    earlier = FETCHED_FROM - timedelta(hours=1)
    stale = [make_article(f"a{i}", "Старо", KARABAKH, fetched_at=earlier) for i in range(3)]
    assert index.upsert_many(stale) == UpsertReport(0, 0, 0, 3, 0)


def test_an_exact_copy_points_at_its_canonical_by_id(index: Index) -> None:
    short = "Видео от Карабах."  # too short to fingerprint: only the hash tells
    index.upsert_many([make_article("a", "Видео", short, content_hash="h1")])
    index.upsert_many([make_article("b", "Видео", short, content_hash="h1")])
    index.upsert_many([make_article("c", "Видео", short, content_hash="h1")])
    assert _duplicate_of(index) == {"a": None, "b": "a", "c": "a"}


def test_a_near_copy_indexed_after_the_exact_one_does_not_win_over_it(index: Index) -> None:
    index.upsert_many([make_article("exact", "А", WEATHER, content_hash="h-exact")])
    index.upsert_many([make_article("near", "Б", KARABAKH, content_hash="h-near")])
    # its text is near's, its hash exact's: exact was indexed first, so it is the canonical
    index.upsert_many([make_article("third", "В", KARABAKH, content_hash="h-exact")])
    assert _duplicate_of(index) == {"exact": None, "near": None, "third": "exact"}


def test_a_rescrape_that_makes_an_article_a_copy_is_reported_updated_and_duplicate(
    index: Index,
) -> None:
    index.upsert_many([make_article("a", "Времето", WEATHER), make_article("x", "В", KARABAKH)])
    report = index.upsert_many([make_article("a", "Карабах", KARABAKH)])
    assert report == UpsertReport(0, 1, 0, 0, 1)


def test_a_rescrape_s_old_title_is_no_longer_found(index: Index) -> None:
    index.upsert_many([make_article("a1", "Слънчогледи", WEATHER)])
    index.upsert_many([make_article("a1", "Карабах", WEATHER + " Кратко обновяване.")])
    assert search(index, "слънчогледи") == []
    assert _ids(search(index, "карабах")) == ["a1"]


def test_a_postgresql_index_whose_server_went_away_mid_batch_says_so_without_the_password(
    postgres_url: str,
) -> None:
    import psycopg

    from vestnik.index import IndexUnavailable

    name = f"vt-gone-{random.randrange(10**9)}"
    with postgres_schema(postgres_url) as url, open_index(f"{url}&application_name={name}") as pg:
        pg.upsert_many([make_article("a1", body=KARABAKH)])
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = %s", (name,))
        with pytest.raises(IndexUnavailable, match="cannot reach PostgreSQL at") as info:
            pg.upsert_many([make_article("a2", body=WEATHER)])
        assert name in str(info.value)  # the URL, redacted


# --- a new fingerprint version: stored fingerprints migrated ------------------------------


def _as_before(url: str) -> None:
    """Make the index at ``url`` look as the previous schema left it: fingerprints of
    another version (here: every bit flipped) and the previous schema version; the
    first article's doc stored as plain JSON, as before docs were compressed."""
    old_simhash = "(-1 - simhash)"  # every bit flipped, NULL stays NULL
    scramble = (f"UPDATE articles SET simhash = {old_simhash}, band0 = 65535 - band0, "
                "band1 = 65535 - band1, band2 = 65535 - band2, band3 = 65535 - band3")
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        first = conn.execute("SELECT id, doc FROM articles ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE articles SET doc = ? WHERE id = ?",
                     (zlib.decompress(first[1]), first[0]))
        conn.execute(scramble)
        conn.execute("PRAGMA user_version = 2")
        conn.commit()
        conn.close()
        return
    with psycopg.connect(url) as pg:
        first = pg.execute("SELECT id, doc FROM articles ORDER BY id LIMIT 1").fetchone()
        assert first is not None
        pg.execute("UPDATE articles SET doc = %s WHERE id = %s",
                   (zlib.decompress(first[1]), first[0]))
        pg.execute(scramble)
        pg.execute("DELETE FROM vestnik_schema WHERE version >= 2")


def _stored_fingerprints(url: str) -> dict[str, tuple[Any, ...]]:
    sql = ("SELECT article_id, body_terms, simhash, band0, band1, band2, band3 "
           "FROM articles ORDER BY id")
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            rows = conn.execute(sql).fetchall()
    else:
        with psycopg.connect(url) as pg:
            rows = pg.execute(sql).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture(params=["sqlite", "postgres"])
def index_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    with backend_url(request, tmp_path) as url:
        yield url


def test_an_index_with_older_fingerprints_is_migrated_and_finds_copies_after(
    index_url: str,
) -> None:
    karabakh = make_article("karabakh", "Карабах", KARABAKH)
    with open_index(index_url) as index:
        index.upsert_many([karabakh, make_article("parliament", "Глоби", PARLIAMENT)])
    _as_before(index_url)
    with pytest.raises(RuntimeError, match="start the indexer once to migrate"):
        open_index(index_url, create=False)
    with open_index(index_url) as index:
        for article_id, (terms, *columns) in _stored_fingerprints(index_url).items():
            expected = fingerprint_columns(terms)
            assert columns == [expected[c] for c in
                               ("simhash", "band0", "band1", "band2", "band3")], (
                f"{article_id}: the stored fingerprint was not recomputed")
        assert index.get("karabakh") == karabakh, (
            "an article stored as plain JSON no longer reads")
        edited = KARABAKH.replace("в сряда", "в четвъртък")
        report = index.upsert_many([make_article("copy", "Карабах отново", edited)])
        assert report.duplicates == 1, "a near copy of a migrated row was not found"
