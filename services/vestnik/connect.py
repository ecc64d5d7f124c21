"""One way to reach Redis, for every part of vestnik that talks to it.

``VESTNIK_REDIS_URL`` names one of three set-ups:

* one server: ``redis://[user:pass@]host:port/db``, ``rediss://…`` (TLS), ``unix://…``;
* Sentinel: ``redis+sentinel://[user:pass@]host1:26379,host2:26379/<service>[/db]``
  (``rediss+sentinel://`` for TLS to the master). The sentinels are asked for the
  service's master and asked again when a connection to it fails, so a failover is
  followed. The user and password are the master's; the sentinels' own, when they ask for
  one, are given as ``?sentinel_username=…&sentinel_password=…``;
* Cluster: ``redis+cluster://[user:pass@]host:port[,host:port…]`` (``rediss+cluster://``):
  the startup nodes, from which the client learns the cluster's slots and follows them as
  they move (a replica promoted after its master failed). Every key one script touches
  must be in one slot: ``VESTNIK_PARTITIONS`` names each partition's streams with a hash
  tag (``vestnik:{p3}:events``), see ``Settings.partition``.

``connect`` makes the asyncio client; a cluster's ``RedisCluster`` answers the commands
vestnik sends as a ``Redis`` does, routed by key, and is typed as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import parse_qs, unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel

SENTINEL_SCHEMES = ("redis+sentinel://", "rediss+sentinel://")
CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")
Mode = Literal["single", "sentinel", "cluster"]


@dataclass(frozen=True)
class Target:
    """What a Redis URL names: its mode, nodes (host, port), and what the URL says of them."""

    mode: Mode
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    service: str | None = None  # Sentinel: the monitored master's name
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    sentinel_auth: dict[str, str] = field(default_factory=dict)


def mode_of(url: str) -> Mode:
    if url.startswith(SENTINEL_SCHEMES):
        return "sentinel"
    if url.startswith(CLUSTER_SCHEMES):
        return "cluster"
    return "single"


def _nodes(netloc: str, default_port: int) -> tuple[tuple[str, int], ...]:
    hosts = netloc.rpartition("@")[2]
    nodes = []
    for part in filter(None, hosts.split(",")):
        if part.startswith("["):  # [::1]:26379
            host, _, port = part[1:].partition("]")
            port = port.lstrip(":")
        else:
            host, _, port = part.rpartition(":") if ":" in part else (part, "", "")
        nodes.append((host, int(port) if port else default_port))
    if not nodes:
        raise ValueError("a Sentinel or Cluster URL names at least one host:port")
    return tuple(nodes)


def parse(url: str) -> Target:
    """The set-up ``url`` names (see the module's notes); raises ValueError when it is not
    one."""
    mode = mode_of(url)
    if mode == "single":
        return Target("single", url)
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    user, _, password = userinfo.partition(":")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    path = [p for p in parts.path.split("/") if p]
    tls = parts.scheme.startswith("rediss")
    common: dict[str, Any] = dict(
        username=unquote(user) or None, password=unquote(password) or None, tls=tls)
    if mode == "sentinel":
        if not path:
            raise ValueError("a Sentinel URL names the master's service: "
                             "redis+sentinel://host:26379/<service>[/db]")
        auth = {k.removeprefix("sentinel_"): v for k, v in query.items()
                if k in ("sentinel_username", "sentinel_password")}
        return Target("sentinel", url, _nodes(parts.netloc, 26379), unquote(path[0]),
                      int(path[1]) if len(path) > 1 else 0, sentinel_auth=auth, **common)
    if path and path != ["0"]:
        raise ValueError("a Redis Cluster has database 0 only")
    return Target("cluster", url, _nodes(parts.netloc, 6379), **common)


def connect(url: str, **options: Any) -> Redis:
    """An asyncio client for the set-up ``url`` names; ``options`` go to its connections
    (``retry``, ``retry_on_error``, ``socket_timeout``…)."""
    target = parse(url)
    if target.mode == "single":
        return Redis.from_url(url, **options)
    auth: dict[str, Any] = {"username": target.username, "password": target.password}
    if target.tls:
        auth["ssl"] = True
    if target.mode == "sentinel":
        assert target.service is not None
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            list(target.nodes), sentinel_kwargs=target.sentinel_auth or None,
            **({"ssl": True} if target.tls else {}))
        return cast(Redis, sentinel.master_for(target.service, redis_class=Redis,
                                               db=target.db, **auth, **options))
    cluster = RedisCluster(startup_nodes=[ClusterNode(h, p) for h, p in target.nodes],
                           **auth, **options)
    return cast(Redis, cluster)


def is_cluster(redis: Redis) -> bool:
    return isinstance(redis, RedisCluster)


def broker_url(url: str) -> str:
    """The URL FastStream's plain ``RedisBroker`` is made with. The broker gives the
    workers their lifecycle only: it subscribes to nothing and publishes nothing, so it
    opens no connection at all (its pool would connect on first use, which never comes).
    For a Sentinel or Cluster URL it is given the first node named (a sentinel, or a
    cluster node), which answers should it ever connect."""
    target = parse(url)
    if target.mode == "single":
        return url
    host, port = target.nodes[0]
    return f"{'rediss' if target.tls else 'redis'}://{host}:{port}/0"
