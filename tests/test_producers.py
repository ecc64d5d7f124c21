"""The example producers in examples/producers/, each run as a subprocess against the real
workers and the real Redis: what they publish comes out as indexed articles, titles intact."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import urlsplit

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from vestnik.contracts import Article, DeadLetter, Rejection
from vestnik.index import open_index
from vestnik.settings import Settings
from vestnik.wire import decode_model

from .conftest import REDIS_URL, ROOT
from .workers import running_workers, wait_drained

M = TypeVar("M", bound=BaseModel)

PRODUCERS = ROOT / "examples" / "producers"
NODE_DIR = PRODUCERS / "node"
# Settings of the machine running the tests must not steer the producers.
_PRODUCER_ENV = ("VESTNIK_REDIS_URL", "VESTNIK_EVENTS_STREAM", "REDIS_HOST", "REDIS_PORT",
                 "PRODUCER_BASE_URL")


@dataclass(frozen=True)
class Expected:
    url: str
    title: str
    phrases: tuple[str, ...] = ()  # found in the article's body text


REDIS_CLI_ARTICLES = (
    Expected("https://example.bg/producers/redis-cli/cli-article",
             "Градската библиотека дигитализира вестници отпреди век",
             ("„Много от тези издания съществуват само в един екземпляр",)),
    Expected("https://example.bg/producers/redis-cli/cli-dump",
             "Зимният сезон в планинските курорти започва по-рано заради обилния сняг",
             ("снежната покривка по високите писти надхвърли 60 сантиметра",)),
)
NODE_ARTICLES = (
    Expected("https://example.bg/producers/node/node-article",
             "Рекордна реколта от орехи в Северозападна България",
             # quotes, dash, ellipsis and numero sign: windows-1251 bytes 0x84 0x93 0x97 0x85 0xB9
             ("„Времето тази година беше на наша страна — нямаше късни слани",
              "търсят повече орехова ядка за износ…", "с писмо № 17")),
    Expected("https://example.bg/producers/node/node-dump",
             "Студенти създадоха карта на качеството на въздуха в Русе",
             ("Данните идват от 25 евтини сензора",)),
)
REDIS_PY_ARTICLES = (
    Expected("https://example.bg/producers/redis-py/python-article",
             "Нова екопътека води до водопад в Родопите",
             ("„Искаме хората да идват не само за водопада",)),
    Expected("https://example.bg/producers/redis-py/python-dump",
             "Драматичният театър открива сезона с „Чайка“ от Чехов",
             ("Сценографията е изградена от стари лодки",)),
)


def _host_port_args(url: str) -> list[str]:
    """``--host H --port P`` for a plain ``redis://host:port[/0]`` URL, else ``--redis-url``."""
    parts = urlsplit(url)
    plain = (parts.scheme == "redis" and not parts.username and not parts.password
             and parts.path in ("", "/", "/0") and parts.hostname)
    if not plain:
        return ["--redis-url", url]
    return ["--host", str(parts.hostname), "--port", str(parts.port or 6379)]


async def _run_producer(
    argv: list[str], env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> str:
    """Run a producer to the end; its stdout, or a test failure showing its output."""
    clean_env = {k: v for k, v in os.environ.items() if k not in _PRODUCER_ENV}
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env={**clean_env, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"{argv[0]} did not finish in 60 s")
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited with {proc.returncode}\n"
                    f"stdout: {out.decode(errors='replace')}\n"
                    f"stderr: {err.decode(errors='replace')}")
    return out.decode()


def _indexed(settings: Settings) -> dict[str, Article]:
    index = open_index(settings.index_url)
    try:
        articles = (index.get(article_id) for article_id in index.ids())
        return {a.url: a for a in articles if a is not None}
    finally:
        index.close()


async def _messages(redis: Redis, stream: str, model: type[M]) -> list[M]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(stream))
    return [decode_model(fields, model) for _, fields in entries]


async def _what_went_wrong(redis: Redis, settings: Settings) -> list[str]:
    """The cleaner's dead letters and rejections, one line each."""
    letters = await _messages(redis, settings.dead_letter_stream("cleaner"), DeadLetter)
    rejections = await _messages(redis, settings.rejected_stream, Rejection)
    return [
        *(f"dead letter {d.fields.get('url')}: {d.error_type}: {d.reason}" for d in letters),
        *(f"rejected {r.url}: {r.reason}: {r.detail}" for r in rejections),
    ]


async def _assert_indexed(
    redis: Redis, settings: Settings, expected: tuple[Expected, ...], producer_output: str
) -> None:
    for item in expected:
        assert item.url in producer_output, f"the producer did not report {item.url}"
    found = _indexed(settings)
    problems = await _what_went_wrong(redis, settings)
    titles = {url: article.title for url, article in found.items()}
    silence = (f"nothing: no dead letters, no rejections (did the producer publish to "
               f"{settings.events_stream}?)")
    assert titles == {item.url: item.title for item in expected}, (
        "indexed titles differ from the sample pages' titles; the cleaner said:\n  "
        + ("\n  ".join(problems) or silence)
    )
    for item in expected:
        for phrase in item.phrases:
            assert phrase in found[item.url].body_text, f"{item.url}: {phrase!r} not in the body"
    assert problems == []


@pytest.fixture(scope="module")
def node() -> str:
    """``node``, with the Node example's packages installed (``npm ci`` once if missing)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the Node.js producer example cannot run")
    if (NODE_DIR / "node_modules" / "ioredis" / "package.json").is_file():
        return node
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not on PATH and examples/producers/node/node_modules is missing: "
                    "cannot install ioredis for the Node.js producer example")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"npm ci in examples/producers/node failed ({done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}")
    return node


async def test_redis_cli_script_html_page_and_text_dump_are_indexed_with_their_titles(
    redis: Redis, settings: Settings
) -> None:
    if shutil.which("redis-cli") is None:
        pytest.skip("redis-cli is not on PATH: the redis-cli producer example cannot run")
    argv = [str(PRODUCERS / "redis-cli.sh"), *_host_port_args(REDIS_URL),
            "--stream", settings.events_stream]
    async with running_workers(settings):
        output = await _run_producer(argv)
        await wait_drained(redis, settings)
    await _assert_indexed(redis, settings, REDIS_CLI_ARTICLES, output)


async def test_node_producer_windows_1251_page_is_indexed_with_its_cyrillic_title(
    redis: Redis, settings: Settings, node: str
) -> None:
    env = {"VESTNIK_REDIS_URL": REDIS_URL, "VESTNIK_EVENTS_STREAM": settings.events_stream}
    async with running_workers(settings):
        output = await _run_producer([node, "producer.js"], env, cwd=NODE_DIR)
        await wait_drained(redis, settings)
    await _assert_indexed(redis, settings, NODE_ARTICLES, output)


async def test_redis_py_producer_html_page_and_text_dump_are_indexed_with_their_titles(
    redis: Redis, settings: Settings
) -> None:
    argv = [sys.executable, str(PRODUCERS / "redis_py_producer.py"), "--redis-url", REDIS_URL]
    async with running_workers(settings):
        output = await _run_producer(argv, {"VESTNIK_EVENTS_STREAM": settings.events_stream})
        await wait_drained(redis, settings)
    await _assert_indexed(redis, settings, REDIS_PY_ARTICLES, output)
