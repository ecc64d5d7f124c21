"""Throughput of the whole path: seeds x N through one cleaner and one indexer process.

    .venv/bin/python benchmarks/pipeline_throughput.py --repeat 1000

Starts `vestnik cleaner` and `vestnik indexer` as separate processes against the Redis at
VESTNIK_REDIS_URL (default redis://127.0.0.1:6379/0) on streams private to this run,
publishes every seed page N times (as N distinct URLs), and prints articles/s from the
first publish until both consumer groups are drained.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from redis.asyncio import Redis

from vestnik.files import page_files
from vestnik.index import open_index
from vestnik.publishing import publish_files
from vestnik.settings import Settings
from vestnik.status import wait_drained

ROOT = Path(__file__).resolve().parents[1]


async def _drain(settings: Settings, timeout_s: float) -> None:
    client: Redis = Redis.from_url(settings.resolved_redis_url)
    async with client:
        await wait_drained(client, settings, timeout_s)


async def _cleanup(settings: Settings) -> None:
    client: Redis = Redis.from_url(settings.resolved_redis_url)
    async with client:
        keys = [k async for k in client.scan_iter(match=settings.events_stream[:-6] + "*")]
        if keys:
            await client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--pages", type=Path, default=ROOT / "seeds")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    prefix = f"vestnik-bench-{uuid.uuid4().hex[:8]}:"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "VESTNIK_REDIS_URL": os.environ.get("VESTNIK_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "VESTNIK_EVENTS_STREAM": prefix + "events",
            "VESTNIK_ARTICLES_STREAM": prefix + "articles",
            "VESTNIK_REJECTED_STREAM": prefix + "rejected",
            "VESTNIK_DEAD_LETTER_PREFIX": prefix + "dlq:",
            "VESTNIK_INDEX_URL": f"sqlite:///{tmp}/index.sqlite3",
            "VESTNIK_BATCH_SIZE": str(args.batch_size),
            "VESTNIK_LOG_LEVEL": "WARNING",
            "VESTNIK_POLL_MS": "100",
        }
        settings = Settings(
            redis_url=env["VESTNIK_REDIS_URL"], events_stream=env["VESTNIK_EVENTS_STREAM"],
            articles_stream=env["VESTNIK_ARTICLES_STREAM"],
            rejected_stream=env["VESTNIK_REJECTED_STREAM"],
            dead_letter_prefix=env["VESTNIK_DEAD_LETTER_PREFIX"],
            index_url=env["VESTNIK_INDEX_URL"],
        )
        vestnik = [sys.executable, "-m", "vestnik.cli"]
        workers = [subprocess.Popen([*vestnik, stage], env=env) for stage in ("cleaner", "indexer")]
        try:
            time.sleep(2.0)  # both groups created, both workers polling
            files = list(page_files([args.pages]))
            started = time.perf_counter()
            sent = asyncio.run(publish_files(settings, files, repeat=args.repeat))
            published = time.perf_counter() - started
            asyncio.run(_drain(settings, timeout_s=600))
            elapsed = time.perf_counter() - started
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=30)
            asyncio.run(_cleanup(settings))
        index = open_index(settings.index_url)
        rows = index.count()
        index.close()
    print(f"events published     {sent} ({sent / published:,.0f}/s while publishing)")
    print(f"articles indexed     {rows}")
    print(f"whole path           {elapsed:.2f} s  ->  {sent / elapsed:,.0f} articles/s "
          f"(1 cleaner, 1 indexer, batch {args.batch_size})")


if __name__ == "__main__":
    main()
