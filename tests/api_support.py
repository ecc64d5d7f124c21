"""For the API's tests: the seed pages cleaned into articles, an index holding them, and
the API served by uvicorn on a free loopback port in a thread."""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from vestnik.api import create_app
from vestnik.api.serve import address, listen
from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, ScrapeEvent
from vestnik.index import open_index
from vestnik.settings import Settings

from .conftest import SEEDS

SEED_PAGES = sorted(SEEDS.glob("*.txt"))
FETCHED = datetime(2025, 12, 8, 9, 0, tzinfo=UTC)


def seed_article(page: Path, url: str, fetched_at: datetime = FETCHED) -> Article:
    """The seed ``page`` cleaned as if fetched from ``url``."""
    event = ScrapeEvent(url=url, fetched_at=fetched_at, content_type="text/plain",
                        body=page.read_text(encoding="utf-8"))
    article = clean_event(event)
    assert isinstance(article, Article), article
    return article


def seed_articles(sites: Sequence[str] = ("vesti.example", "novini.example")) -> list[Article]:
    """Each seed page as an article of its own site (the first page on the first site...)."""
    return [seed_article(page, f"https://{site}/{page.stem}")
            for page, site in zip(SEED_PAGES, sites, strict=True)]


def index_articles(url: str, articles: Sequence[Article]) -> None:
    with open_index(url) as index:
        index.upsert_many(articles)


@contextlib.contextmanager
def served(settings: Settings, timeout_s: float = 15.0) -> Iterator[str]:
    """The API over ``settings.index_url``, on a free port of 127.0.0.1: its address."""
    sock = listen("127.0.0.1", 0)
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.02)
    try:
        yield address(sock)
    finally:
        server.should_exit = True
        thread.join(timeout_s)
        sock.close()


def later(days: int) -> datetime:
    return FETCHED + timedelta(days=days)


def printed_address(process: subprocess.Popen[str],
                    timeout_s: float) -> tuple[str | None, list[str]]:
    """The ``http://127.0.0.1:PORT/`` that ``vestnik api`` or ``vestnik demo --serve`` prints
    once it serves, and every line it printed (read on, in a thread)."""
    lines: list[str] = []
    found: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if match := re.search(r"http://127\.0\.0\.1:\d+/", line):
                found.append(match.group())
                seen.set()
        seen.set()  # it ended without serving

    threading.Thread(target=read, daemon=True).start()
    seen.wait(timeout_s)
    return (found[0] if found else None), lines
