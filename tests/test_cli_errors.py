"""Errors a person can read: every failure the user can fix is one line on stderr, exit
code 1, no traceback (``--debug`` shows it); run as a user runs the console script."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
from click.testing import CliRunner

from vestnik.cli_errors import VestnikGroup, mask_url

from .conftest import REDIS_URL, ROOT, SEEDS

VESTNIK = [sys.executable, "-m", "vestnik.cli"]
PASSWORD = "s3cret-pw"


def _run(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``vestnik ARGS`` with only the given ``VESTNIK_*`` settings (and a quiet, fast
    start for the workers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")}
    env |= {"VESTNIK_STARTUP_TIMEOUT_S": "0", "VESTNIK_LOG_FORMAT": "json"}
    env |= {f"VESTNIK_{name.upper()}": value for name, value in settings.items()}
    return subprocess.run([*VESTNIK, *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env, check=False)


def _error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a failed command (asserting that is all there is)."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("vestnik: error: ")
    return line


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def unreachable() -> str:
    return f"redis://:{PASSWORD}@127.0.0.1:{_closed_port()}/0"


@pytest.mark.parametrize("command", [
    ["dlq", "list"], ["dlq", "show", "1-0"], ["dlq", "replay", "--all"], ["rejected", "list"],
    ["publish", str(SEEDS)], ["status"],
])
def test_unreachable_redis_is_one_line_with_the_url_masked(
    command: list[str], unreachable: str
) -> None:
    line = _error_line(_run(*command, redis_url=unreachable))
    masked = unreachable.replace(PASSWORD, "***")
    assert line == (f"vestnik: error: cannot reach Redis at {masked} (Connection refused); "
                    "start it or set VESTNIK_REDIS_URL")


@pytest.mark.parametrize("worker", ["cleaner", "indexer"])
def test_a_worker_giving_up_on_redis_ends_with_the_same_one_line(
    worker: str, unreachable: str
) -> None:
    done = _run(worker, redis_url=unreachable, startup_timeout_s="0.6")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    *retries, last = done.stderr.splitlines()
    assert retries and all('"start_failed"' in line for line in retries)  # it did wait
    masked = unreachable.replace(PASSWORD, "***")
    assert last == (f"vestnik: error: cannot reach Redis at {masked} (Connection refused); "
                    "start it or set VESTNIK_REDIS_URL")
    assert PASSWORD not in done.stderr


def test_wrong_redis_password_is_one_line_saying_the_login_was_refused() -> None:
    parts = urlsplit(REDIS_URL)
    url = f"redis://no-such-user:{PASSWORD}@{parts.hostname}:{parts.port}/0"
    line = _error_line(_run("dlq", "list", redis_url=url))
    assert line.startswith(f"vestnik: error: Redis at redis://no-such-user:***@{parts.hostname}"
                           f":{parts.port}/0 refused the login (")
    assert "set the user and password in VESTNIK_REDIS_URL" in line


@pytest.mark.parametrize("command", [
    ["dlq", "list"], ["search", "карабах"], ["clean", str(SEEDS)], ["cleaner"], ["indexer"],
])
def test_bad_setting_is_one_line_naming_the_variable(command: list[str]) -> None:
    line = _error_line(_run(*command, batch_size="abc"))
    assert line == ("vestnik: error: bad setting VESTNIK_BATCH_SIZE (Input should be a valid "
                    "integer, unable to parse string as an integer); fix it or unset it")


def test_bad_settings_are_all_named_on_one_line_without_their_values() -> None:
    line = _error_line(_run("status", batch_size="abc", log_level="LOUD",
                            redis_url=f"localhost:{PASSWORD}"))
    for name in ("VESTNIK_BATCH_SIZE", "VESTNIK_LOG_LEVEL", "VESTNIK_REDIS_URL"):
        assert name in line
    assert "LOUD" not in line and PASSWORD not in line and line.endswith("unset them")


def test_search_on_missing_index_says_so_and_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/index.sqlite3"
    line = _error_line(_run("search", "карабах", index_url=url))
    assert line == (f"vestnik: error: no index at {url}; run `vestnik indexer` to build it, "
                    "or set VESTNIK_INDEX_URL to an existing index")
    assert list(tmp_path.iterdir()) == []


def test_search_on_an_empty_index_file_says_it_is_not_built_yet(tmp_path: Path) -> None:
    """An empty file is what an indexer's first connect leaves before its schema."""
    path = tmp_path / "index.sqlite3"
    path.write_bytes(b"")
    line = _error_line(_run("search", "карабах", index_url=f"sqlite:///{path}"))
    assert line == (f"vestnik: error: no index at sqlite:///{path}; run `vestnik indexer` to "
                    "build it, or set VESTNIK_INDEX_URL to an existing index")
    assert path.read_bytes() == b""


def test_search_on_a_file_that_is_no_index_says_so_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    content = b"this is no SQLite file\n" * 100
    path.write_bytes(content)
    line = _error_line(_run("search", "карабах", index_url=f"sqlite:///{path}"))
    assert line.startswith(f"vestnik: error: cannot use the index at sqlite:///{path} (")
    assert line.endswith("check VESTNIK_INDEX_URL, or rebuild the index with `vestnik indexer`")
    assert path.read_bytes() == content


@pytest.mark.parametrize("command", ["clean", "publish"])
def test_unknown_charset_is_one_line_before_anything_is_done(
    command: str, unreachable: str
) -> None:
    done = _run(command, "--charset", "no-such-charset", str(SEEDS), redis_url=unreachable)
    assert _error_line(done) == ("vestnik: error: unknown charset 'no-such-charset'; give a "
                                 "label of the Encoding Standard, e.g. utf-8, windows-1251 "
                                 "or koi8-r")
    assert done.stdout == ""


def test_a_query_that_only_excludes_is_one_line(tmp_path: Path) -> None:
    from vestnik.index import open_index

    url = f"sqlite:///{tmp_path}/index.sqlite3"
    open_index(url).close()
    line = _error_line(_run("search", "--", "-армения", "-баку", index_url=url))
    assert line == ("vestnik: error: the query '-армения -баку' only excludes words: "
                    "add one to look for")


def test_debug_shows_the_traceback_instead(unreachable: str) -> None:
    done = _run("--debug", "dlq", "list", redis_url=unreachable)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "redis.exceptions.ConnectionError" in done.stderr
    assert "vestnik: error:" not in done.stderr


# --- the group and its helpers, in process ------------------------------------------------


def _group_raising(exc: Exception) -> click.Group:
    @click.group(cls=VestnikGroup)
    @click.option("--debug", is_flag=True)
    def cli(debug: bool) -> None:
        pass

    @cli.command()
    def fail() -> None:
        raise exc

    return cli


def test_a_failure_that_is_a_bug_keeps_its_traceback() -> None:
    result = CliRunner().invoke(_group_raising(KeyError("x")), ["fail"])
    assert isinstance(result.exception, KeyError)  # not a one-line message: a bug


def test_an_unknown_encoding_anywhere_is_an_unknown_charset() -> None:
    result = CliRunner().invoke(_group_raising(LookupError("unknown encoding: x-mac-bg")),
                                ["fail"])
    assert result.exit_code == 1
    assert result.stderr == ("vestnik: error: unknown charset 'x-mac-bg'; give a label of the "
                             "Encoding Standard, e.g. utf-8, windows-1251 or koi8-r\n")


@pytest.mark.parametrize(("url", "masked"), [
    ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
    ("redis://user:p%40ss@host/1", "redis://user:***@host/1"),
    ("rediss://user:pw@host:6380/0?password=pw2&ssl_cert_reqs=none",
     "rediss://user:***@host:6380/0?password=***&ssl_cert_reqs=none"),
    ("unix:///run/redis.sock?password=pw&db=2", "unix:///run/redis.sock?password=***&db=2"),
    ("redis://host:6379/0", "redis://host:6379/0"),
    ("sqlite:///index.sqlite3", "sqlite:///index.sqlite3"),
    ("postgresql://vestnik:pw@db/vestnik", "postgresql://vestnik:***@db/vestnik"),
    ("redis://[::1:6379/0", "(a URL that cannot be parsed)"),
])
def test_a_url_is_shown_without_its_password(url: str, masked: str) -> None:
    assert mask_url(url) == masked
