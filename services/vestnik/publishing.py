"""Publishing pages on disk as scrape events, pipelined, each to its URL's partition."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from redis.asyncio import Redis

from vestnik.connect import connect
from vestnik.contracts import ContentType
from vestnik.files import event_fields
from vestnik.settings import Settings

CHUNK = 500


def partition_of(url: str, partitions: int) -> int:
    """The partition a producer publishes ``url``'s event to: the first 8 hex digits of
    the SHA-1 of the URL (as UTF-8) as an integer, modulo ``partitions``. Any language can
    compute it (README: *Partitions*); one URL always lands in one partition, so its
    newer fetches are cleaned in order after the older ones."""
    return int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:8], 16) % partitions


async def publish_files(
    settings: Settings,
    files: Sequence[Path],
    *,
    url: str | None = None,
    content_type: ContentType | None = None,
    repeat: int = 1,
    charset: str | None = None,
    progress: Callable[[int], object] = lambda _n: None,
) -> int:
    """XADD each file (``repeat`` times, as distinct URLs) in pipelines of ``CHUNK``."""
    client: Redis = connect(settings.resolved_redis_url)
    sent = 0
    async with client:
        pipe = client.pipeline(transaction=False)
        for path in files:
            for i in range(repeat):
                suffix = f"-{i}" if repeat > 1 else ""
                fields = event_fields(path, url=url and f"{url}{suffix}",
                                      content_type=content_type, suffix=suffix,
                                      charset=charset)
                k = partition_of(str(fields["url"]), settings.partitions)
                stream = settings.partition(k).events_stream
                pipe.xadd(stream, fields)  # type: ignore[arg-type]
                sent += 1
                if len(pipe) >= CHUNK:
                    await pipe.execute()
                    progress(CHUNK)
        if len(pipe):
            rest = len(pipe)
            await pipe.execute()
            progress(rest)
    return sent
