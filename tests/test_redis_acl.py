"""docker-compose.yml's Redis security, run for real: a private redis-server with the compose
file's users (``default`` off, ``vestnik`` with its password and rules), the workers and
the commands logging in as ``vestnik`` with the password in VESTNIK_REDIS_URL.

It shows that the ACL user may do everything the pipeline does (publish, clean, index into
SQLite, status, dead letters, rejections) and nothing it should not, that the healthcheck
logs in, and that the password appears in no log line and no command's output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson
import pytest
import redis

from vestnik.embedded import free_port, wait_ready
from vestnik.index import open_index

from . import compose_file
from .conftest import REDIS_SERVER, SEEDS

PASSWORD = f"acl-pass-{uuid.uuid4().hex[:12]}"  # unique: finding it anywhere is a leak
COMPOSE = compose_file.load({"VESTNIK_REDIS_PASSWORD": PASSWORD})
USERS = compose_file.redis_users(COMPOSE["services"]["redis"]["command"])


@pytest.fixture(scope="module")
def acl_redis() -> Iterator[str]:
    """The compose file's Redis users on a private server; the workers' URL to it."""
    if REDIS_SERVER is None:
        pytest.skip("no redis-server to start a private one with the compose file's users")
    port = free_port()
    users = [arg for name, rules in USERS.items() for arg in ("--user", name, *rules)]
    url = COMPOSE["services"]["cleaner"]["environment"]["VESTNIK_REDIS_URL"]
    assert "@redis:6379/" in url
    url = url.replace("@redis:6379/", f"@127.0.0.1:{port}/")
    with tempfile.TemporaryDirectory(prefix="vestnik-acl-") as workdir:
        proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir, *users],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(url)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The cleaner's compose environment (the indexer's streams are the same defaults),
    pointed at the private server, everything logged."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")}
    env.update(COMPOSE["services"]["cleaner"]["environment"])
    env.update(VESTNIK_REDIS_URL=url, VESTNIK_INDEX_URL=f"sqlite:///{tmp_path}/index.sqlite3",
               VESTNIK_LOG_LEVEL="DEBUG", VESTNIK_POLL_MS="50", VESTNIK_GRACEFUL_TIMEOUT_S="5")
    env.update(extra)
    return env


def _vestnik(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "vestnik", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"vestnik {' '.join(args)}: {done.stderr}"
    return done.stdout + done.stderr


@contextlib.contextmanager
def _worker(env: dict[str, str], command: str, log: Path) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "vestnik", command], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for(condition: Callable[[], bool], what: str | Callable[[], str],
              timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what() if callable(what) else what)
        time.sleep(0.2)


def _indexed(index_url: str) -> int:
    try:
        index = open_index(index_url, create=False)
    except Exception:
        return 0
    try:
        return index.count()
    finally:
        index.close()


def test_the_whole_pipeline_runs_as_the_acl_user_and_never_shows_its_password(
        acl_redis: str, tmp_path: Path) -> None:
    env = _env(acl_redis, tmp_path)
    outputs = [_vestnik(env, "publish", str(SEEDS))]
    logs = [tmp_path / "cleaner.log", tmp_path / "indexer.log"]
    with _worker(env, "cleaner", logs[0]), _worker(env, "indexer", logs[1]):
        _wait_for(lambda: _indexed(env["VESTNIK_INDEX_URL"]) == 2,
                  lambda: "the seeds were not indexed: " + " | ".join(
                      p.read_text()[-2000:] for p in logs))
        _wait_for(lambda: bool(orjson.loads(_vestnik(env, "status", "--json"))["drained"]),
                  "the pipeline did not drain")
        outputs += [_vestnik(env, *args) for args in [
            ("status",), ("status", "--json"), ("dlq", "list"), ("dlq", "list", "--stage",
            "indexer"), ("rejected", "list"), ("config",), ("config", "--json"),
            ("search", "Карабах")]]
    worker_logs = [p.read_text() for p in logs]
    for log, stage in zip(worker_logs, ["cleaner", "indexer"], strict=True):
        assert '"event": "started"' in log and f'"stage": "{stage}"' in log, log[-2000:]
        assert '"level": "error"' not in log, log[-2000:]
    assert worker_logs[1].count('"outcome": "indexed"') == 2
    assert "2 hit(s)" in outputs[-1]
    for text in [*worker_logs, *outputs]:
        assert PASSWORD not in text
    assert f"redis://vestnik:***@{urlsplit(acl_redis).netloc.split('@')[1]}/0" in outputs[6]


def test_the_acl_user_is_refused_what_the_pipeline_does_not_need(acl_redis: str) -> None:
    vestnik = redis.Redis.from_url(acl_redis)
    anonymous = redis.Redis.from_url(acl_redis.replace(f"vestnik:{PASSWORD}@", ""))
    wrong = redis.Redis.from_url(acl_redis.replace(PASSWORD, "not-the-password"))
    try:
        assert vestnik.ping()
        with pytest.raises(redis.AuthenticationError):  # the default user is off
            anonymous.ping()
        with pytest.raises(redis.AuthenticationError):
            wrong.ping()
        for refused in (lambda: vestnik.flushall(), lambda: vestnik.config_get("*"),
                        lambda: vestnik.keys("*"), lambda: vestnik.set("elsewhere:x", 1),
                        lambda: vestnik.publish("vestnik:news", "x")):
            with pytest.raises(redis.exceptions.NoPermissionError):
                refused()
        vestnik.set("vestnik:acl-test", 1)  # its own keys it may write
        vestnik.delete("vestnik:acl-test")
    finally:
        for client in (vestnik, anonymous, wrong):
            client.close()


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="no redis-cli")
def test_the_healthcheck_logs_in_and_fails_on_a_wrong_password(acl_redis: str) -> None:
    test = COMPOSE["services"]["redis"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    port = str(urlsplit(acl_redis).port)
    command = test[1].replace("redis-cli", f"redis-cli -h 127.0.0.1 -p {port}")
    auth = COMPOSE["services"]["redis"]["environment"]["REDISCLI_AUTH"]
    assert auth == PASSWORD
    for password, healthy in ((auth, True), ("not-the-password", False)):
        done = subprocess.run(["sh", "-c", command], env={**os.environ, "REDISCLI_AUTH": password},
                              capture_output=True, text=True, timeout=30)
        assert (done.returncode == 0) is healthy, done


def test_the_indexer_never_logs_the_password_of_its_postgresql_index(
        acl_redis: str, postgres_url: str, tmp_path: Path) -> None:
    from .index.backends import postgres_schema

    parts = urlsplit(postgres_url)
    pg_password = parts.password
    if pg_password is None:  # a server that lets the tests in without one ignores it
        pg_password = f"pg-pass-{uuid.uuid4().hex[:12]}"
        netloc = f"{parts.username or ''}:{pg_password}@{parts.netloc.rpartition('@')[2]}"
        postgres_url = urlunsplit(parts._replace(netloc=netloc))
    with postgres_schema(postgres_url) as index_url:
        env = _env(acl_redis, tmp_path, VESTNIK_INDEX_URL=index_url)
        log = tmp_path / "indexer.log"
        with _worker(env, "indexer", log):
            _wait_for(lambda: '"event": "started"' in log.read_text(), "the indexer did not start")
        shown = log.read_text() + _vestnik(env, "config") + _vestnik(env, "config", "--json")
    assert pg_password not in shown and PASSWORD not in shown
    assert ":***@" in log.read_text()
