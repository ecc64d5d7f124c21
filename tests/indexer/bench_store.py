"""Benchmark of the SQLite index: upsert synthetic Bulgarian-ish articles, then search.

    .venv/bin/python tests/indexer/bench_store.py [--articles 10000] [--batch 100]

Not collected by pytest (the name does not start with ``test_``).  Articles are built from
a Zipf-distributed vocabulary of made-up Cyrillic words with Bulgarian endings; one in
twenty is a syndicated copy of an earlier one, so de-duplication is exercised too.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import tempfile
import time
from pathlib import Path

from vestnik.contracts import Article
from vestnik.index.sqlite import SqliteIndex

SYLLABLES = ("ба", "ве", "го", "да", "же", "зи", "ка", "ло", "ми", "но", "пе", "ра", "си",
             "то", "ху", "це", "ча", "ше", "бъ", "дъ", "лъ", "мъ", "пъ", "ръ", "стъ", "кра",
             "гра", "пра", "бра", "тро", "ско", "сла", "мла", "бла")
ENDINGS = ("", "", "", "а", "и", "ът", "те", "ите", "ата", "ове", "ия", "ият", "ски", "ската")


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(size)}
    return sorted(words)


class Generator:
    """Articles of Zipf-distributed words, every ``copy_every``-th a copy of an earlier one."""

    def __init__(self, seed: int, copy_every: int = 20) -> None:
        self.rng = random.Random(seed)
        self.stems = vocabulary(self.rng, 20_000)
        self.cum_weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(self.stems))))
        self.copy_every = copy_every
        self.bodies: list[str] = []

    def words(self, count: int) -> list[str]:
        stems = self.rng.choices(self.stems, cum_weights=self.cum_weights, k=count)
        return [stem + self.rng.choice(ENDINGS) for stem in stems]

    def sentence(self, count: int) -> str:
        return " ".join(self.words(count)).capitalize() + "."

    def body(self, n: int) -> str:
        if n % self.copy_every == self.copy_every - 1 and self.bodies:
            return self.rng.choice(self.bodies) + " (БТА)"
        paragraphs = [" ".join(self.sentence(self.rng.randint(8, 20)) for _ in range(3))
                      for _ in range(self.rng.randint(4, 8))]
        text = "\n\n".join(paragraphs)
        self.bodies.append(text)
        return text

    def article(self, n: int) -> Article:
        title, body = self.sentence(7), self.body(n)
        paragraphs = body.split("\n\n")
        return Article(
            article_id=f"bench-{n}", url=f"https://bench.example.bg/{n}",
            site="bench.example.bg", title=title, lead=self.sentence(20),
            body_paragraphs=paragraphs, body_text=body, word_count=len(body.split()),
            content_hash=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
            provenance={"event_id": f"ev-{n}", "fetched_at": "2025-12-07T10:00:00Z",
                        "cleaner_version": "bench"},
        )

    def query(self) -> str:
        return " ".join(self.words(self.rng.choice((1, 1, 2, 2, 3))))


def bench_upserts(index: SqliteIndex, articles: list[Article], batch: int) -> None:
    total = len(articles)
    started = time.perf_counter()
    duplicates = 0
    for start in range(0, total, batch):
        duplicates += index.upsert_many(articles[start : start + batch]).duplicates
    elapsed = time.perf_counter() - started
    print(f"upsert: {total} articles in batches of {batch}: {elapsed:.2f}s "
          f"= {total / elapsed:,.0f} articles/s ({duplicates} marked as copies)")


def bench_redelivery(index: SqliteIndex, batch: list[Article]) -> None:
    started = time.perf_counter()
    report = index.upsert_many(batch)
    elapsed = time.perf_counter() - started
    print(f"redelivered batch of {len(batch)}: {elapsed * 1000:.1f} ms "
          f"({report.unchanged} unchanged)")


def bench_searches(index: SqliteIndex, gen: Generator, total: int) -> None:
    queries = [gen.query() for _ in range(total)]
    started = time.perf_counter()
    hits = sum(len(index.search(q, limit=10)) for q in queries)
    elapsed = time.perf_counter() - started
    print(f"search: {total} queries (1-3 words, limit 10): {elapsed:.2f}s "
          f"= {total / elapsed:,.0f} queries/s ({hits / total:.1f} hits/query)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vestnik-bench-") as tmp:
        path = Path(tmp) / "index.sqlite3"
        gen = Generator(args.seed)
        articles = [gen.article(n) for n in range(args.articles)]
        with SqliteIndex(str(path)) as index:
            bench_upserts(index, articles, args.batch)
            bench_searches(index, gen, args.queries)
            bench_redelivery(index, articles[: args.batch])
        size = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
        print(f"index files: {size:.1f} MiB")


if __name__ == "__main__":
    main()
