"""One typed settings object per process, read from ``VESTNIK_*`` environment variables."""

from __future__ import annotations

import math
import os
import socket
import uuid
from typing import Literal, TypedDict

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vestnik.timezones import canonical_zone

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://", "rediss+sentinel://",
                 "redis+cluster://", "rediss+cluster://")


def _default_consumer() -> str:
    """Unique per replica: host name (the container id under Docker), pid and a random tag."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class DeadLetterLimits(TypedDict):
    """What a dead letter is cut to and keeps (``wire.dead_letter``'s keyword arguments)."""

    max_field_bytes: int
    max_bytes: int
    keep_bodies: bool


class Settings(BaseSettings):
    """Everything a vestnik process can be told; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="VESTNIK_", extra="ignore", frozen=True)

    redis_url: str | None = Field(
        None, description="Redis to use: `redis://`, `rediss://`, "
        "`redis+sentinel://[user:pass@]host:26379[,host:port]/<service>[/db]` (Sentinel) or "
        "`redis+cluster://[user:pass@]host:port[,host:port]` (Cluster; see "
        "`VESTNIK_PARTITIONS`). Unset: workers use redis://127.0.0.1:6379/0, `vestnik demo` "
        "starts a private Redis."
    )
    events_stream: str = "vestnik:events"
    articles_stream: str = "vestnik:articles"
    rejected_stream: str = "vestnik:rejected"
    dead_letter_prefix: str = "vestnik:dlq:"
    cleaner_group: str = "vestnik-cleaners"
    indexer_group: str = "vestnik-indexers"
    consumer_name: str = Field(default_factory=_default_consumer)

    index_url: str = "sqlite:///vestnik-index.sqlite3"

    partitions: int = Field(
        1, ge=1, le=1024, description="Each stream split into this many partitions, "
        "`prefix:rest` named `prefix:{pK}:rest` for K in 0..N-1 (a hash tag: a partition's "
        "streams share a Cluster slot); producers choose K from the URL (README). 1: the "
        "names as set."
    )
    partition_subset: str | None = Field(
        None, description="The partitions this worker consumes, e.g. `0-3,6`; unset: all."
    )
    wait_replicas: int = Field(
        0, ge=0, description="After each commit, WAIT for this many replicas to have it "
        "(0: do not wait); fewer in time is logged (`replication_lagging`) and counted."
    )
    wait_timeout_ms: int = Field(
        1000, ge=1, description="How long a commit waits for `VESTNIK_WAIT_REPLICAS`."
    )

    max_body_bytes: int = Field(
        5_000_000, ge=1, description="Larger entries (field names and values together) are "
        "dead-lettered before anything in them is decoded."
    )
    dead_letter_max_field_bytes: int = Field(
        1_000_000, ge=1024, description="Original fields are cut to this in a dead letter."
    )
    batch_size: int = Field(64, ge=1, le=10_000, description="Most entries per read.")
    read_max_bytes: int = Field(
        8_000_000, ge=1, description="A read stops after the entry that brings its bytes "
        "(field names and values) to this, so it brings less than this plus one entry; an "
        "entry over `max_body_bytes` counts but is never brought (it is measured in Redis)."
    )
    poll_ms: int = Field(
        1000, ge=1, description="The longest an idle worker waits before it looks at its "
        "stream again: the wait grows from 10 ms to this while the stream stays empty."
    )
    graceful_timeout_s: float = Field(15.0, ge=0, description="Time to finish work on SIGTERM.")
    startup_timeout_s: float = Field(
        60.0, ge=0, description="How long a starting worker waits for an unreachable Redis."
    )

    max_deliveries: int = Field(5, ge=1, description="Deliveries before an entry is dead-lettered.")
    claim_idle_ms: int = Field(
        30_000, ge=10, description="Entries pending this long on any consumer are reclaimed."
    )
    upkeep_interval_s: float = Field(
        2.0, gt=0, description="How often a worker reclaims, trims and tidies its group."
    )
    trim: bool = Field(True, description="Trim streams up to the slowest group's position.")
    consumer_max_idle_ms: int = Field(
        600_000, ge=1000, description="Consumers idle this long and holding nothing are removed."
    )

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    api_host: str = Field(
        "127.0.0.1", min_length=1, description="Address `vestnik api` listens on "
        "(0.0.0.0 in a container)."
    )
    api_port: int = Field(8000, ge=1, le=65535, description="Port `vestnik api` listens on.")
    metrics_host: str = Field(
        "127.0.0.1", min_length=1, description="Address a worker's probe server listens on "
        "(0.0.0.0 in a container)."
    )
    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="A worker serves `/metrics` (Prometheus), `/healthz` "
        "(live) and `/readyz` (ready) on this port (0: any free one); unset: no server. The "
        "image sets 9464. The API serves the three on its own port."
    )

    page_timeout_s: float = Field(
        5.0, gt=0, description="Time budget for cleaning one page (decoding the entry, "
        "extraction, building and encoding the article); past it the page's extraction "
        "process is replaced and the entry dead-lettered as `timeout`."
    )
    extract_workers: int = Field(
        1, ge=1, le=64, description="Extraction processes per cleaner replica: pages are "
        "cleaned in them, under the page time budget, while the worker's event loop goes on; "
        "the replica works on as many batches at once, so a page read while one process is "
        "on a slow page is cleaned in another."
    )
    site_timezones: dict[str, str] = Field(
        {}, description="The time zone a site's pages show their times "
        "in, as JSON: host or host suffix -> IANA name, e.g. `{\"mk.ru\": "
        "\"Europe/Moscow\", \"bg\": \"Europe/Sofia\"}` (the longest key that matches "
        "wins). An event's own `timezone` comes first; a host matched by no key is read in its "
        "country's zone by the top-level domain (`.ru` Europe/Moscow, `.de` Europe/Berlin, "
        "...), else Europe/Sofia."
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(REDIS_SCHEMES):  # empty: unset
            raise ValueError(f"a Redis URL starts with {', '.join(REDIS_SCHEMES)}")
        return value

    @field_validator("site_timezones")
    @classmethod
    def _zones(cls, value: dict[str, str]) -> dict[str, str]:
        return {host: canonical_zone(zone) for host, zone in value.items()}

    @field_validator("partition_subset")
    @classmethod
    def _subset(cls, value: str | None) -> str | None:
        if value:
            parse_ranges(value)
        return value or None

    @property
    def resolved_redis_url(self) -> str:
        return self.redis_url or DEFAULT_REDIS_URL

    def partition_ids(self) -> list[int]:
        """The partitions this worker consumes: ``partition_subset`` (those below
        ``partitions``), else all."""
        if not self.partition_subset:
            return list(range(self.partitions))
        wanted = parse_ranges(self.partition_subset)
        outside = sorted(k for k in wanted if k >= self.partitions)
        if outside:
            raise ValueError(f"VESTNIK_PARTITION_SUBSET names partitions {outside}, but "
                             f"VESTNIK_PARTITIONS is {self.partitions}")
        return sorted(wanted)

    def partition(self, k: int) -> Settings:
        """These settings for partition ``k`` alone: its stream names (``partitioned``), one
        partition. With one partition, the settings as they are."""
        if self.partitions == 1:
            return self
        return self.model_copy(update={
            "events_stream": partitioned(self.events_stream, k),
            "articles_stream": partitioned(self.articles_stream, k),
            "rejected_stream": partitioned(self.rejected_stream, k),
            "dead_letter_prefix": partitioned(self.dead_letter_prefix, k),
            "partitions": 1, "partition_subset": None,
        })

    def consumed(self) -> list[Settings]:
        """The settings of every partition this worker consumes."""
        return [self.partition(k) for k in self.partition_ids()]

    def every_partition(self) -> list[Settings]:
        """The settings of every partition (what ``vestnik status`` and draining cover)."""
        return [self.partition(k) for k in range(self.partitions)]

    def dead_letter_stream(self, stage: str) -> str:
        return f"{self.dead_letter_prefix}{stage}"

    def dead_letter_limits(self) -> DeadLetterLimits:
        """What ``wire.dead_letter`` cuts to and keeps, as its keyword arguments."""
        return DeadLetterLimits(max_field_bytes=self.dead_letter_max_field_bytes,
                                max_bytes=self.dead_letter_max_bytes,
                                keep_bodies=self.dead_letter_keep_bodies)

    # dead letters under hostile input: their size as a whole, and page bodies in them
    dead_letter_max_bytes: int = Field(
        1_000_000, ge=65_536, description="A dead letter is cut as a whole to this many bytes "
        "(its fields' names and values), and says what it cut."
    )
    dead_letter_keep_bodies: bool = Field(
        True, description="false: dead letters keep no page bodies at all, only each body's "
        "size and sha256 (and the entry's other fields)."
    )

    # what is kept for people to read, and replicas that stopped reporting
    dead_letter_retention: float = Field(
        30 * 86_400, ge=0, description="Dead letters older than this are removed by the upkeep "
        "loop (XTRIM MINID): a duration such as `7d`, `12h`, `30m` or seconds; 0 keeps them "
        "however old."
    )
    dead_letter_maxlen: int = Field(
        100_000, ge=0, description="About this many dead letters per stage are kept, the "
        "newest (XTRIM MAXLEN ~, whole stream nodes); 0: no limit."
    )
    rejected_retention: float = Field(
        7 * 86_400, ge=0, description="Rejections older than this are removed by the cleaner's "
        "upkeep loop (XTRIM MINID): a duration such as `7d` or seconds; 0 keeps them."
    )
    rejected_maxlen: int = Field(
        100_000, ge=0, description="About this many rejections are kept, the newest "
        "(XTRIM MAXLEN ~); 0: no limit."
    )
    stalled_worker_grace_s: float = Field(
        3600.0, gt=0, description="A replica whose heartbeat expired is shown as stalled by "
        "`vestnik status` (with the entries it holds) for this long, then forgotten."
    )

    @field_validator("dead_letter_retention", "rejected_retention", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value


    # site memory (docs/extraction.md#site-memory): lines recurring across a site's pages
    site_memory: bool = Field(
        True, description="Learn which lines recur across each site's pages (menus, feeds, "
        "legal footers) and keep them out of the body and the title; shared by the cleaner "
        "replicas through Redis. false: every page alone."
    )
    site_memory_min_count: float = Field(
        5.0, gt=0, description="A line on this many of a site's pages (decayed) is furniture ..."
    )
    site_memory_min_pages: float = Field(
        10.0, ge=0, description="... once the site has this many pages learned (decayed)."
    )
    site_memory_half_life_s: float = Field(
        3 * 86_400, ge=0, description="A site memory count halves in this long (a duration "
        "such as `3d` or seconds; 0: no decay), so a story that ran in a site's news feed "
        "fades."
    )
    site_memory_max_lines: int = Field(
        1024, ge=16, description="Lines kept per site, the heaviest (in each replica and in "
        "Redis)."
    )
    site_memory_max_urls: int = Field(
        1024, ge=1, description="URLs remembered per site: a page fetched again teaches nothing."
    )
    site_memory_max_sites: int = Field(
        256, ge=1, description="Sites a cleaner replica keeps in memory, the most recently "
        "seen."
    )
    site_memory_refresh_s: float = Field(
        30.0, gt=0, description="How often a cleaner writes what it learned to Redis and reads "
        "the sites it uses back, in the background: no batch waits for it."
    )
    site_memory_ttl_s: float = Field(
        30 * 86_400, gt=0, description="A site's memory in Redis expires this long after its "
        "last page (a duration such as `30d` or seconds)."
    )
    site_memory_timeout_s: float = Field(
        1.0, gt=0, description="Longest wait for Redis's site memory before a batch; past it "
        "the batch is cleaned with what the replica knows."
    )
    site_memory_prefix: str = Field(
        "vestnik:sitememory:", description="Prefix of the site memory keys in Redis: "
        "`PREFIX{site}:lines`, `:urls`, `:meta` (one Cluster slot per site)."
    )

    @field_validator("site_memory_half_life_s", "site_memory_ttl_s", mode="before")
    @classmethod
    def _site_memory_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value


def partitioned(name: str, k: int) -> str:
    """``vestnik:events`` -> ``vestnik:{p3}:events`` (k=3); a name without ``:`` gets the
    tag in front: ``events`` -> ``{p3}:events``."""
    prefix, sep, rest = name.partition(":")
    return f"{prefix}:{{p{k}}}:{rest}" if sep else f"{{p{k}}}:{name}"


def parse_ranges(text: str) -> set[int]:
    """``"0-3,6"`` -> {0, 1, 2, 3, 6}."""
    out: set[int] = set()
    try:
        for part in filter(None, (p.strip() for p in text.split(","))):
            low, dash, high = part.partition("-")
            first, last = int(low), int(high) if dash else int(low)
            if first < 0 or last < first:
                raise ValueError(part)
            out.update(range(first, last + 1))
    except ValueError:
        raise ValueError(f"{text!r} is not a list of partitions such as 0-3,6") from None
    if not out:
        raise ValueError(f"{text!r} names no partition")
    return out


_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def parse_duration(text: str) -> float:
    """``"7d"`` -> 604800.0 seconds; ``"90"`` (plain seconds), ``"1500ms"``, ``"12h"``, ``"2w"``."""
    value = text.strip().lower()
    for unit in sorted(_DURATION_UNITS, key=len, reverse=True):
        if value.endswith(unit):
            number, scale = value[: -len(unit)].strip(), _DURATION_UNITS[unit]
            break
    else:
        number, scale = value, 1
    try:
        seconds = float(number) * scale
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise ValueError(f"{text!r} is not a duration: a number with w, d, h, m, s or ms, "
                         "e.g. 7d")
    return seconds
