"""The console script's Redis commands, against the real Redis and real processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import orjson
from redis.asyncio import Redis

from vestnik.contracts import Rejection
from vestnik.settings import Settings
from vestnik.wire import WireError, dead_letter, encode_model

from .conftest import REDIS_URL, ROOT, SEEDS
from .workers import running_workers, wait_drained

VESTNIK = [sys.executable, "-m", "vestnik.cli"]


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")}
    for name in ("redis_url", "events_stream", "articles_stream", "rejected_stream",
                 "dead_letter_prefix", "cleaner_group", "indexer_group", "index_url"):
        env[f"VESTNIK_{name.upper()}"] = str(getattr(settings, name))
    return env | {"VESTNIK_POLL_MS": "100", "VESTNIK_LOG_FORMAT": "json"}


async def _vestnik(settings: Settings, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *VESTNIK, *args, cwd=ROOT, env=_env(settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_publish_then_search_finds_the_seed_articles(
    redis: Redis, settings: Settings
) -> None:
    code, _, err = await _vestnik(settings, "publish", str(SEEDS), "--repeat", "3")
    assert code == 0, err
    assert f"published 6 events to {settings.events_stream}" in err
    assert await redis.xlen(settings.events_stream) == 6
    async with running_workers(settings):
        await wait_drained(redis, settings)
    code, out, err = await _vestnik(settings, "search", "Карабах", "--json", "--duplicates")
    assert code == 0, err
    *hits, summary = [json.loads(line) for line in out.splitlines()]
    assert len(hits) == 6 and all("Карабах" in h["snippet"] for h in hits)
    assert summary["total"] == 6
    code, out, _ = await _vestnik(settings, "search", "Карабах", "--json")
    assert 1 <= len(out.splitlines()) - 1 < 6  # syndicated copies folded by default


async def test_status_shows_every_stream_with_pending_lag_workers_and_dead_letters(
    redis: Redis, settings: Settings
) -> None:
    for i in range(3):
        await redis.xadd(settings.events_stream, {"__data__": b"{broken " + bytes([48 + i])})
    async with running_workers(settings):
        await wait_drained(redis, settings)
        code, out, err = await _vestnik(settings, "status")
        jcode, jout, _ = await _vestnik(settings, "status", "--json")
    assert code == 0, err
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in out.splitlines()[1:]}
    events = rows[(settings.events_stream, settings.cleaner_group)]
    assert events[0] in ("0", "3")  # length: trimmed or not yet
    assert events[1:5] == ["0", "0", "1", "1"]  # pending, lag, live workers, consumers
    assert rows[(settings.dead_letter_stream("cleaner"), "-")][0] == "3"
    assert (settings.rejected_stream, "-") in rows
    assert jcode == 0
    report = json.loads(jout)
    assert report["drained"] is True
    dead = next(s for s in report["streams"]
                if s["stream"] == settings.dead_letter_stream("cleaner"))
    assert dead["length"] == 3 and dead["groups"] == []


async def test_dlq_list_show_and_replay_from_the_command_line(
    redis: Redis, settings: Settings
) -> None:
    dlq = settings.dead_letter_stream("cleaner")
    letter = dead_letter(stage="cleaner", error=WireError("schema", "url: missing"),
                         source_stream=settings.events_stream, entry_id="1-0",
                         fields={b"__data__": b'{"body": "x"}'})
    letter_id = (await redis.xadd(dlq, encode_model(letter))).decode()  # type: ignore[arg-type]
    code, out, _ = await _vestnik(settings, "dlq", "list")
    assert code == 0 and letter_id in out and "url: missing" in out
    code, out, _ = await _vestnik(settings, "dlq", "show", letter_id)
    assert json.loads(out)["error_type"] == "schema"
    code, out, _ = await _vestnik(settings, "dlq", "replay", letter_id)
    assert code == 0 and "replayed 1" in out
    (_, fields), = await redis.xrange(settings.events_stream)
    assert fields == {b"__data__": b'{"body": "x"}'} and await redis.xlen(dlq) == 0


async def test_cleaner_runs_under_faststream_run_and_logs_one_canonical_line_per_message(
    redis: Redis, settings: Settings
) -> None:
    faststream = os.path.join(os.path.dirname(sys.executable), "faststream")
    proc = await asyncio.create_subprocess_exec(
        faststream, "run", "--factory", "vestnik.cleaner.app:create_app", cwd=ROOT,
        env=_env(settings), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    event = {"url": "https://a.bg/fs", "fetched_at": "2025-12-07T10:00:00Z",
             "content_type": "text/plain",
             "body": (SEEDS / "003_95b17be52b6e4541.txt").read_text()}
    await redis.xadd(settings.events_stream, {"__data__": orjson.dumps(event)})
    for _ in range(200):
        if await redis.xlen(settings.articles_stream):
            break
        await asyncio.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert await redis.xlen(settings.articles_stream) == 1
    lines = [json.loads(line) for line in (out + err).decode().splitlines()
             if line.startswith("{") and '"message"' in line]
    (line,) = [x for x in lines if x.get("event") == "message"]
    assert {"event_id", "entry_id", "stage", "outcome", "duration_ms"} <= set(line)
    assert line["stage"] == "cleaner" and line["outcome"] == "article"
    assert REDIS_URL  # the workers above used the test Redis


async def test_dlq_list_json_gives_one_object_per_letter_without_its_original_fields(
    redis: Redis, settings: Settings
) -> None:
    dlq = settings.dead_letter_stream("cleaner")
    letter = dead_letter(stage="cleaner", error=WireError("schema", "url: missing"),
                         source_stream=settings.events_stream, entry_id="1-0",
                         fields={b"__data__": b'{"body": "x"}'})
    letter_id = (await redis.xadd(dlq, encode_model(letter))).decode()  # type: ignore[arg-type]
    broken_id = (await redis.xadd(dlq, {"__data__": b"{broken"})).decode()
    code, out, err = await _vestnik(settings, "dlq", "list", "--json")
    assert code == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {"id": letter_id, **letter.model_dump(mode="json", exclude={"fields"})}
    assert {"error_type": "schema", "reason": "url: missing", "entry_id": "1-0",
            "source_stream": settings.events_stream}.items() <= first.items()
    assert second["id"] == broken_id and second["unreadable"]["error_type"] == "invalid_json"


async def _rejections(redis: Redis, settings: Settings) -> list[tuple[str, Rejection]]:
    """Two rejections on the rejected stream, written as the cleaner writes them."""
    out = []
    for n, reason in enumerate(["listing", "login_wall"]):
        rejection = Rejection(event_id=f"ev-{n}", url=f"https://a.bg/{reason}", reason=reason,
                              detail=f"a {reason}\nover two lines", cleaner_version="test",
                              source_entry_id=f"{n}-0")
        write = encode_model(rejection)
        entry_id = await redis.xadd(settings.rejected_stream, write)  # type: ignore[arg-type]
        out.append((entry_id.decode(), rejection))
    return out


async def test_rejected_list_gives_a_line_per_rejected_page(
    redis: Redis, settings: Settings
) -> None:
    rejections = await _rejections(redis, settings)
    code, out, err = await _vestnik(settings, "rejected", "list")
    assert code == 0, err
    assert out.splitlines() == [
        f"{entry_id}  {r.reason:<16} {r.url}  a {r.reason} over two lines"
        for entry_id, r in rejections
    ]
    assert err == f"2 entries in {settings.rejected_stream}\n"
    code, out, _ = await _vestnik(settings, "rejected", "list", "--json", "--limit", "1")
    ((entry_id, rejection),) = rejections[:1]
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": entry_id, **rejection.model_dump(mode="json")}]


async def test_rejected_show_prints_the_whole_rejection_or_one_line_saying_there_is_none(
    redis: Redis, settings: Settings
) -> None:
    (_, _), (entry_id, rejection) = await _rejections(redis, settings)
    code, out, err = await _vestnik(settings, "rejected", "show", entry_id)
    assert code == 0, err
    assert Rejection.model_validate_json(out) == rejection
    code, out, err = await _vestnik(settings, "rejected", "show", "1-0")
    assert (code, out) == (1, "")
    assert err == (f"vestnik: error: no entry 1-0 in {settings.rejected_stream}: `list` shows "
                   "what there is\n")
    code, _, err = await _vestnik(settings, "rejected", "show", "latest")
    assert code == 1 and err.startswith("vestnik: error: 'latest' is not an entry id")
    assert len(err.splitlines()) == 1
