"""The parity test's data itself: deterministic, valid, and holding what it says it holds."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

import pytest

from vestnik.contracts import Article
from vestnik.index._base import SearchRequest
from vestnik.urls import article_id, canonical_url, site_of

from .corpus import (
    BG_SENTENCES,
    EN_SENTENCES,
    QUERIES,
    RU_SENTENCES,
    UK_SENTENCES,
    Labelled,
    corpus,
    labelled_corpus,
    seed_sentences,
)

SITES = {"dnevnik.bg", "novinite.bg", "bta.bg", "ria.ru", "tass.ru", "reuters.com",
         "bbc.co.uk", "pravda.com.ua"}
AGENCIES = {"БТА", "БГНЕС", "ТАСС", "Reuters", None}


@pytest.fixture(scope="module")
def items() -> list[Labelled]:
    return labelled_corpus()


def _share(count: int, total: int) -> float:
    return count / total


def test_the_same_list_on_every_call() -> None:
    first, second = corpus(), corpus()
    assert [a.model_dump() for a in first] == [a.model_dump() for a in second]
    assert [a.article_id for a in corpus(seed=8)] != [a.article_id for a in first]


def test_size(items: list[Labelled]) -> None:
    assert len(items) == 1200
    assert len(corpus(300)) == 300


def test_sentence_banks() -> None:
    assert len(seed_sentences()) >= 20
    assert len(RU_SENTENCES) >= 40 and len(EN_SENTENCES) >= 40
    assert len(BG_SENTENCES) >= 40 and len(UK_SENTENCES) >= 5
    for bank in (seed_sentences(), BG_SENTENCES, RU_SENTENCES, EN_SENTENCES, UK_SENTENCES):
        assert len(set(bank)) == len(bank)


def test_every_article_is_valid(items: list[Labelled]) -> None:
    for item in items:
        a = item.article
        assert Article.model_validate_json(a.model_dump_json()) == a
        assert a.url == canonical_url(a.url)
        assert a.article_id == article_id(a.url)
        assert a.site == site_of(a.url)
        assert a.body_text == "\n\n".join(a.body_paragraphs)
        assert 3 <= len(a.body_paragraphs) <= 9  # a re-scrape may add one
        assert a.word_count >= 20
        assert re.fullmatch(r"[0-9a-f]{64}", a.content_hash)
        assert a.provenance.cleaner_version == "test"
        assert a.provenance.fetched_at.tzinfo is not None
        assert a.provenance.event_id
        if isinstance(a.published_at, datetime):
            assert a.published_at.tzinfo is not None
            assert a.published_at.year == 2025
            assert a.published_at <= a.provenance.fetched_at
        elif isinstance(a.published_at, date):
            assert a.published_at.year == 2025


def test_languages_sites_agencies_dates(items: list[Labelled]) -> None:
    total = len(items)
    languages = Counter(i.article.language for i in items)
    assert set(languages) == {"bg", "ru", "en", "uk"}
    assert 0.55 <= _share(languages["bg"], total) <= 0.75
    assert 0.10 <= _share(languages["ru"], total) <= 0.20
    assert 0.10 <= _share(languages["en"], total) <= 0.20
    assert 5 <= languages["uk"] <= 0.05 * total
    sites = Counter(i.article.site for i in items)
    assert set(sites) == SITES
    assert min(sites.values()) >= 10
    assert {i.article.source_agency for i in items} == AGENCIES
    published = [i.article.published_at for i in items]
    kinds = Counter(type(p).__name__ for p in published)
    assert _share(kinds["datetime"], total) >= 0.6
    assert _share(kinds["date"], total) >= 0.1
    assert 0.02 <= _share(kinds["NoneType"], total) <= 0.15
    assert len({p.month for p in published if p is not None}) == 12


def test_copies_are_listed_after_their_source(items: list[Labelled]) -> None:
    for position, item in enumerate(items):
        if item.kind == "original":
            assert item.source is None
        else:
            assert item.source is not None and item.source < position


def test_exact_copies(items: list[Labelled]) -> None:
    copies = [i for i in items if i.kind == "copy"]
    assert 0.04 <= _share(len(copies), len(items)) <= 0.06
    for copy in copies:
        assert copy.source is not None
        src = items[copy.source].article
        a = copy.article
        assert (a.title, a.body_paragraphs, a.content_hash) == (
            src.title, src.body_paragraphs, src.content_hash)
        assert a.url != src.url and a.article_id != src.article_id
        assert a.language == src.language
        assert a.provenance.fetched_at > src.provenance.fetched_at
    assert sum(i.article.site != items[i.source].article.site  # type: ignore[index]
               for i in copies) >= 0.9 * len(copies)


def test_near_copies(items: list[Labelled]) -> None:
    near = [i for i in items if i.kind == "near"]
    assert 0.04 <= _share(len(near), len(items)) <= 0.06
    for copy in near:
        assert copy.source is not None
        src = items[copy.source].article
        a = copy.article
        assert a.title == src.title and a.content_hash != src.content_hash
        assert a.article_id != src.article_id
        assert a.provenance.fetched_at > src.provenance.fetched_at
        words, src_words = a.body_text.split(), src.body_text.split()
        assert len(words) == len(src_words)
        assert 1 <= sum(x != y for x, y in zip(words, src_words, strict=True)) <= 2


def test_rescrapes(items: list[Labelled]) -> None:
    rescrapes = [i for i in items if i.kind == "rescrape"]
    assert 0.02 <= _share(len(rescrapes), len(items)) <= 0.04
    for item in rescrapes:
        assert item.source is not None
        before = items[item.source].article
        a = item.article
        assert a.article_id == before.article_id and a.url == before.url
        assert a.provenance.fetched_at > before.provenance.fetched_at
        assert a.content_hash != before.content_hash


def test_stale_rescrapes_come_after_a_newer_version(items: list[Labelled]) -> None:
    stale = [(p, i) for p, i in enumerate(items) if i.kind == "stale"]
    assert 3 <= len(stale) <= 10
    for position, item in stale:
        earlier = [i.article for i in items[:position]
                   if i.article.article_id == item.article.article_id]
        newest = max(earlier, key=lambda a: a.provenance.fetched_at)
        assert item.article.provenance.fetched_at <= newest.provenance.fetched_at
        assert item.article.content_hash not in {a.content_hash for a in earlier}
    # Some after a re-scrape, not only after an original.
    assert any(items[i.source].kind == "rescrape" for _, i in stale)  # type: ignore[index]


def test_tricky_fetch_times(items: list[Labelled]) -> None:
    """Fetch times compare as instants, not as ISO strings, and "no later" means stale."""
    def pairs(kind: str) -> list[tuple[datetime, datetime]]:
        return [(items[i.source].article.provenance.fetched_at,  # type: ignore[index]
                 i.article.provenance.fetched_at) for i in items if i.kind == kind]
    stale, rescrapes = pairs("stale"), pairs("rescrape")
    assert any(new == old for old, new in stale)
    assert any(new < old and new.isoformat() > old.isoformat() for old, new in stale)
    assert any(new > old and new.isoformat() < old.isoformat() for old, new in rescrapes)


def test_ids_are_unique_except_for_rescrapes(items: list[Labelled]) -> None:
    counts = Counter(i.article.article_id for i in items)
    repeated = {aid for aid, count in counts.items() if count > 1}
    refetched = {i.article.article_id for i in items if i.kind in ("rescrape", "stale")}
    assert repeated == refetched
    assert len(counts) == sum(i.kind in ("original", "copy", "near") for i in items)
    assert len({i.article.url for i in items}) == len(counts)


# --- the queries ------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def substring_matches(request: SearchRequest, articles: list[Article]) -> int:
    """How many articles ``request`` would match by plain, case-blind substrings: a rough
    stand-in for the index (no stemming), to see that the queries find something."""
    clauses: list[list[str]] = []
    excluded: list[str] = []
    join = False
    for match in _TOKEN.finditer(request.q):
        minus, phrase, bare = match.groups()
        if bare == "OR":
            join = True
            continue
        negated = bool(minus) or (bare is not None and bare.startswith("-"))
        needle = (phrase if phrase is not None else bare.lstrip("-")).rstrip("*").lower()
        if negated:
            excluded.append(needle)
        elif join and clauses:
            clauses[-1].append(needle)
        else:
            clauses.append([needle])
        join = False

    def day(a: Article) -> date | None:
        p = a.published_at
        return p.date() if isinstance(p, datetime) else p

    count = 0
    for a in articles:
        text = f"{a.title}\n{a.body_text}".lower()
        d = day(a)
        if ((request.site and a.site != request.site)
                or (request.language and a.language != request.language)
                or (request.source_agency and a.source_agency != request.source_agency)
                or ((request.date_from or request.date_to) and d is None)
                or (request.date_from and d is not None and d < request.date_from)
                or (request.date_to and d is not None and d > request.date_to)):
            continue
        if all(any(n in text for n in clause) for clause in clauses) and not any(
                n in text for n in excluded):
            count += 1
    return count


def test_queries_cover_the_syntax_and_the_options() -> None:
    assert len(QUERIES) >= 30
    assert len(set(QUERIES)) == len(QUERIES)
    text = [r.q for r in QUERIES]
    assert any(" OR " in q for q in text)
    assert any(re.search(r"(^|\s)-\w", q) for q in text)
    assert any(re.search(r'(^|\s)-"', q) for q in text)
    assert any(q.endswith("*") or "* " in q for q in text)
    assert any(q.startswith('"') for q in text)
    assert any(re.search(r'"[^"]+" -\w', q) for q in text)  # a phrase plus an exclusion
    for field in ("site", "language", "source_agency", "date_from", "date_to"):
        assert any(getattr(r, field) is not None for r in QUERIES), field
    assert any(r.sort == "date" for r in QUERIES)
    assert any(r.offset for r in QUERIES)
    assert any(r.include_duplicates for r in QUERIES)
    assert any(re.search("[a-z]", q) and re.search("[а-я]", q) for q in text)


def test_queries_find_something_in_the_corpus() -> None:
    articles = corpus()
    counts = {r: substring_matches(r, articles) for r in QUERIES}
    empty = [r.q for r, count in counts.items() if count == 0]
    assert sorted(empty) == sorted(["квантовата телепортация", "Армения"])  # on purpose
    most = max(counts.values())
    assert most >= 0.9 * len(articles)  # a common word
    assert sum(count >= 10 for count in counts.values()) >= len(QUERIES) // 2


def test_every_date_filter_day_is_in_2025() -> None:
    for r in QUERIES:
        for d in (r.date_from, r.date_to):
            assert d is None or d.year == 2025
