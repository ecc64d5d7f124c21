"""Several indexers write one PostgreSQL index at once: no lost update, no duplicate row,
copies still recognised. Three processes upsert 10,000 articles (copies, near copies,
re-scrapes and stale re-fetches among them) in batches dealt out as a consumer group
deals entries, so versions of one article and copies of one story race each other."""

from __future__ import annotations

import multiprocessing
import random

from vestnik.contracts import Article
from vestnik.index import open_index

from .backends import postgres_schema
from .corpus import corpus

ARTICLES = 10_000
WRITERS = 3
BATCH = 64


def _write(url: str, batches: list[list[Article]]) -> int:
    """In a child process: upsert ``batches`` one by one; how many were written."""
    with open_index(url) as index:
        return sum(index.upsert_many(batch).inserted for batch in batches)


def test_three_indexers_at_once_lose_no_update_and_duplicate_no_row(postgres_url: str) -> None:
    articles = corpus(ARTICLES, seed=11)
    batches = [articles[i:i + BATCH] for i in range(0, len(articles), BATCH)]
    shares: list[list[list[Article]]] = [[] for _ in range(WRITERS)]
    rng = random.Random(3)
    for batch in batches:  # whichever replica asks first gets the next batch
        shares[rng.randrange(WRITERS)].append(batch)
    newest: dict[str, Article] = {}  # what newer-wins must keep, worked out here alone:
    for article in articles:  # the later fetch, and of two at one instant the higher hash
        known = newest.get(article.article_id)
        if known is None or ((article.provenance.fetched_at, article.content_hash)
                             > (known.provenance.fetched_at, known.content_hash)):
            newest[article.article_id] = article

    with postgres_schema(postgres_url) as url:  # the tables made by whichever writer is first
        with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
            inserted = pool.starmap(_write, [(url, share) for share in shares])
        with open_index(url) as index:
            ids = index.ids()
            assert len(ids) == len(set(ids)) == len(newest)  # one row per article id
            assert sum(inserted) == len(newest)  # each inserted exactly once
            lost = [aid for aid, article in newest.items() if index.get(aid) != article]
            assert not lost, f"{len(lost)} rows hold an older version, e.g. {lost[:3]}"
            rows = index._read(  # type: ignore[attr-defined]
                "SELECT content_hash, count(*) FILTER (WHERE duplicate_of IS NULL) "
                "FROM articles GROUP BY content_hash")
            chains = index._read(  # type: ignore[attr-defined]
                "SELECT c.article_id FROM articles c LEFT JOIN articles p "
                "ON p.article_id = c.duplicate_of "
                "WHERE c.duplicate_of IS NOT NULL AND (p.id IS NULL OR p.duplicate_of IS NOT NULL)")
            copies = index._read(  # type: ignore[attr-defined]
                "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")[0][0]
    several = {h: n for h, n in rows if n > 1}
    assert not several, f"{len(several)} exact-copy groups with several canonical rows"
    assert not chains, f"copies pointing at no canonical row: {chains[:3]}"
    assert copies >= len(articles) * 0.05  # the corpus's exact copies at least
