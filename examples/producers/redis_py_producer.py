"""Publish scrape events to vestnik with plain redis-py (no FastStream, no vestnik import).

An HTML page goes out as plain stream fields, its body the file's bytes untouched
(``content_type: text/html; charset=utf-8``); a text dump goes out as one ``__data__`` field
of JSON, with the optional ``event_id`` and ``site`` set.

usage: python redis_py_producer.py [options] [HTML_PAGE [TEXT_DUMP]]

Arguments win over the environment; a URL wins over host and port given the same way.
Without page files the sample pages in pages/ beside this file are published.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import redis
from redis.typing import EncodableT, FieldT

HERE = Path(__file__).resolve().parent
DEFAULT_BASE_URL = "https://example.bg/producers/redis-py"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url", help="full Redis URL, e.g. redis://:secret@host:6380/0 "
                        "(env VESTNIK_REDIS_URL)")
    parser.add_argument("--host", help="Redis host (env REDIS_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="Redis port (env REDIS_PORT, default 6379)")
    parser.add_argument("--stream", default=env.get("VESTNIK_EVENTS_STREAM", "vestnik:events"),
                        help="events stream (env VESTNIK_EVENTS_STREAM, default %(default)s)")
    parser.add_argument("--base-url", default=env.get("PRODUCER_BASE_URL", DEFAULT_BASE_URL),
                        help="the pages' URLs are this plus the file name without its "
                        "extension (env PRODUCER_BASE_URL, default %(default)s)")
    parser.add_argument("html_page", nargs="?", type=Path,
                        default=HERE / "pages" / "python-article.html")
    parser.add_argument("text_dump", nargs="?", type=Path,
                        default=HERE / "pages" / "python-dump.txt")
    return parser.parse_args(argv)


def redis_url(args: argparse.Namespace) -> str:
    env = os.environ
    if args.redis_url:
        return str(args.redis_url)
    if args.host is None and args.port is None and env.get("VESTNIK_REDIS_URL"):
        return env["VESTNIK_REDIS_URL"]
    host = args.host or env.get("REDIS_HOST", "127.0.0.1")
    port = args.port or int(env.get("REDIS_PORT", "6379"))
    return f"redis://[{host}]:{port}" if ":" in host else f"redis://{host}:{port}"


def page_url(base_url: str, page: Path) -> str:
    return f"{base_url.rstrip('/')}/{page.stem}"


def now() -> str:
    return datetime.now(UTC).isoformat()


def publish_html(client: redis.Redis, stream: str, url: str, page: Path) -> str:
    """Plain fields (shape 3): the body is bytes, in the charset the content type names."""
    fields: dict[FieldT, EncodableT] = {
        "url": url,
        "fetched_at": now(),
        "content_type": "text/html; charset=utf-8",
        "site": "example.bg",
        "body": page.read_bytes(),
    }
    return str(client.xadd(stream, fields))


def publish_text_dump(client: redis.Redis, stream: str, url: str, dump: Path) -> str:
    """JSON in one ``__data__`` field (shape 2), with the optional event_id and site."""
    fetched_at = now()
    event = {
        "event_id": hashlib.sha256(f"{url} {fetched_at}".encode()).hexdigest()[:32],
        "url": url,
        "fetched_at": fetched_at,
        "content_type": "text/plain",
        "site": "example.bg",
        "body": dump.read_text(encoding="utf-8"),
    }
    return str(client.xadd(stream, {"__data__": json.dumps(event, ensure_ascii=False)}))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    client = redis.Redis.from_url(redis_url(args), decode_responses=True,
                                  socket_connect_timeout=5)
    try:
        for publish, page in ((publish_html, args.html_page), (publish_text_dump, args.text_dump)):
            url = page_url(args.base_url, page)
            entry_id = publish(client, args.stream, url, page)
            print(entry_id, url)
    except (OSError, redis.RedisError) as exc:
        print(f"publishing failed: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
