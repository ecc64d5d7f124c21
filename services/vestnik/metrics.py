"""Prometheus metrics of a vestnik process, in one registry (``REGISTRY``).

What the stages count is what their canonical log lines say: each handled entry is
``record``-ed from the same fields as its ``message`` line (stage, outcome, reason or error
type, duration), so the counters and the logs cannot disagree. Gauges of the streams
(length, pending, lag) are read from Redis when ``/metrics`` is scraped (``refresh``),
through ``vestnik.status``, as ``vestnik status`` reads them. (FastStream's Prometheus
middleware is not used: the workers read with their own bounded script and write their
outputs in their own commit, so it would see no message; see docs/observability.md.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from redis.asyncio import Redis

from vestnik.status import stream_status

REGISTRY = CollectorRegistry(auto_describe=True)

_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            10.0, 30.0)

MESSAGES = Counter(
    "vestnik_messages", "Entries a stage handled, by outcome: article, rejected, indexed, "
    "dead_letter, lost_ownership (another replica holds it now; its outcome counts there), "
    "already_done (committed before, by a group made again: its first outcome stands).",
    ["stage", "outcome", "reason"], registry=REGISTRY)
MESSAGE_SECONDS = Histogram(
    "vestnik_message_duration_seconds", "Time spent on one entry, from decoding to its "
    "outcome (the cleaner: decoding and cleaning; the indexer: its share of the batch).",
    ["stage"], buckets=_SECONDS, registry=REGISTRY)
EXTRACT_SECONDS = Histogram(
    "vestnik_extract_duration_seconds", "Cleaning one page in an extraction process "
    "(extraction, building and encoding the article).", buckets=_SECONDS, registry=REGISTRY)
INDEX_SECONDS = Histogram(
    "vestnik_index_write_duration_seconds", "Writing one batch of articles to the index.",
    buckets=_SECONDS, registry=REGISTRY)
BATCH_SIZE = Histogram(
    "vestnik_batch_size", "Entries per batch handed to a stage.", ["stage"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), registry=REGISTRY)
INDEX_WRITES = Counter(
    "vestnik_index_articles", "Articles written to the index, by what the write did: "
    "inserted, updated, unchanged, stale (an older fetch, ignored); duplicates: those of them "
    "found to be copies of another article.",
    ["result"], registry=REGISTRY)
FAILED_DELIVERIES = Counter(
    "vestnik_failed_deliveries", "Entries whose batch failed (the index or Redis away, a "
    "bug): left pending, delivered again later.", ["stage", "error_type"], registry=REGISTRY)
RECLAIMED = Counter(
    "vestnik_reclaimed", "Entries claimed from other replicas after VESTNIK_CLAIM_IDLE_MS.",
    ["stage"], registry=REGISTRY)
TRIMMED = Counter(
    "vestnik_trimmed", "Entries trimmed off a stream: read by every group (trim), or past "
    "its retention (retention).", ["stream", "why"], registry=REGISTRY)
GROUPS_RECREATED = Counter(
    "vestnik_groups_recreated", "Consumer groups made again after Redis lost them.",
    ["stream", "group"], registry=REGISTRY)
REPLICATION_LAGGING = Counter(
    "vestnik_replication_lagging", "Commits that fewer replicas than VESTNIK_WAIT_REPLICAS "
    "acknowledged within VESTNIK_WAIT_TIMEOUT_MS (WAIT after the commit), by input stream.",
    ["stream"], registry=REGISTRY)
API_REQUESTS = Counter(
    "vestnik_api_requests", "HTTP requests the API answered, by route and status code.",
    ["route", "status"], registry=REGISTRY)
API_SECONDS = Histogram(
    "vestnik_api_request_duration_seconds", "Time to answer an API request, by route.",
    ["route"], buckets=_SECONDS, registry=REGISTRY)
STREAM_LENGTH = Gauge(
    "vestnik_stream_length", "Entries in a stream, read when scraped.", ["stream"],
    registry=REGISTRY)
GROUP_PENDING = Gauge(
    "vestnik_group_pending", "Entries delivered to a group and not yet acknowledged.",
    ["stream", "group"], registry=REGISTRY)
GROUP_LAG = Gauge(
    "vestnik_group_lag", "Entries a group has not read yet (NaN when Redis cannot tell).",
    ["stream", "group"], registry=REGISTRY)
GROUP_WORKERS = Gauge(
    "vestnik_group_workers", "Live vestnik replicas of a group (their heartbeats).",
    ["stream", "group"], registry=REGISTRY)


def record(line: Mapping[str, Any]) -> None:
    """Count one entry's outcome from its canonical log line."""
    outcome = str(line.get("outcome", "unknown"))
    reason = line.get("reason") if outcome == "rejected" else line.get("error_type")
    if outcome in ("article", "indexed"):
        reason = ""
    MESSAGES.labels(str(line.get("stage", "")), outcome, str(reason or "")).inc()
    if (duration_ms := line.get("duration_ms")) is not None:
        MESSAGE_SECONDS.labels(str(line.get("stage", ""))).observe(float(duration_ms) / 1000)


async def refresh(redis: Redis, streams: Mapping[str, str | None]) -> None:
    """Read the length of each stream, and pending, lag and live replicas of the group
    given beside it (``None``: the stream only)."""
    for stream, group in streams.items():
        status = await stream_status(redis, stream, stream)
        STREAM_LENGTH.labels(stream).set(status.length)
        found = status.group(group) if group else None
        if found is not None:
            GROUP_PENDING.labels(stream, group).set(found.pending)
            GROUP_LAG.labels(stream, group).set(float("nan") if found.lag is None
                                                 else found.lag)
            GROUP_WORKERS.labels(stream, group).set(found.workers)


def reference_markdown() -> str:
    """The metrics reference of ``docs/observability.md``: a Markdown table of every
    ``vestnik_*`` metric of ``REGISTRY``, in the order they are registered, each under the
    names Prometheus exposes (counters end in ``_total``; a histogram gives ``_bucket``,
    ``_sum`` and ``_count``), with its type, labels and help text."""
    from prometheus_client.metrics import MetricWrapperBase

    exposed = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
    labels = {family.name: wrapper._labelnames  # prometheus_client keeps them only here
              for wrapper in globals().values() if isinstance(wrapper, MetricWrapperBase)
              for family in wrapper.describe()}
    rows = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
    for family in REGISTRY.collect():
        if not family.name.startswith("vestnik_"):
            continue
        first, *more = [family.name + suffix for suffix in exposed.get(family.type, ("",))]
        names = ", ".join([f"`{first}`", *(f"`{name[len(family.name):]}`" for name in more)])
        label_text = ", ".join(f"`{label}`" for label in labels.get(family.name, ())) or "—"
        rows.append(f"| {names} | {family.type} | {label_text} | "
                    f"{family.documentation.replace('|', '&#124;')} |")
    return "\n".join(rows) + "\n"
