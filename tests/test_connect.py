"""One way to connect: what each kind of Redis URL names, and a client from each."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from vestnik.cli_errors import mask_url
from vestnik.connect import Target, broker_url, connect, parse
from vestnik.settings import Settings

from .conftest import REDIS_URL


def test_a_plain_url_is_one_server() -> None:
    assert parse("redis://127.0.0.1:6379/0") == Target("single", "redis://127.0.0.1:6379/0")
    assert parse("rediss://u:p@h:6380/2").mode == "single"


def test_a_sentinel_url_names_its_sentinels_service_db_and_the_masters_login() -> None:
    t = parse("redis+sentinel://vestnik:s%40cret@10.0.0.1:26379,10.0.0.2/mymaster/3"
              "?sentinel_password=sp")
    assert t.mode == "sentinel"
    assert t.nodes == (("10.0.0.1", 26379), ("10.0.0.2", 26379))
    assert (t.service, t.db, t.username, t.password) == ("mymaster", 3, "vestnik", "s@cret")
    assert t.sentinel_auth == {"password": "sp"}
    assert parse("redis+sentinel://h:1/m").db == 0
    with pytest.raises(ValueError, match="service"):
        parse("redis+sentinel://h:26379")


def test_a_cluster_url_names_its_startup_nodes() -> None:
    t = parse("rediss+cluster://:pw@[::1]:7000,127.0.0.1:7001,node")
    assert t.mode == "cluster" and t.tls and t.password == "pw"
    assert t.nodes == (("::1", 7000), ("127.0.0.1", 7001), ("node", 6379))
    with pytest.raises(ValueError, match="database 0"):
        parse("redis+cluster://h:7000/2")


def test_settings_take_the_new_schemes() -> None:
    for url in ("redis+sentinel://h:26379/m", "redis+cluster://h:7000"):
        assert Settings(redis_url=url).resolved_redis_url == url
    with pytest.raises(ValueError):
        Settings(redis_url="http://h:7000")


def test_the_broker_is_given_one_node_it_could_reach() -> None:
    assert broker_url("redis://h:1/4") == "redis://h:1/4"
    assert broker_url("redis+sentinel://u:p@s1:26379,s2:26379/m") == "redis://s1:26379/0"
    assert broker_url("rediss+cluster://a:7000,b:7001") == "rediss://a:7000/0"


def test_passwords_of_every_kind_of_url_are_masked() -> None:
    masked = mask_url("redis+sentinel://u:topsecret@h1:26379,h2:26379/m?sentinel_password=x9")
    assert "topsecret" not in masked and "x9" not in masked


def test_clients_of_each_kind() -> None:
    assert isinstance(connect(REDIS_URL), Redis)
    assert isinstance(connect("redis+cluster://127.0.0.1:7000"), RedisCluster)
    sentinel_client = connect("redis+sentinel://127.0.0.1:26379/m")
    assert isinstance(sentinel_client, Redis)

    async def ping() -> bool:
        client = connect(REDIS_URL)
        async with client:
            return bool(await client.ping())

    assert asyncio.run(ping())
