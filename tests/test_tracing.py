"""Traces: one trace from the producer's span through the cleaner to the indexed row, the
workers run in this process against the real Redis, spans kept in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from redis.asyncio import Redis

from vestnik import tracing
from vestnik.contracts import DeadLetter
from vestnik.settings import Settings
from vestnik.wire import decode_model

from .conftest import SEEDS
from .workers import running_workers, wait_drained

SEED_TEXT = (SEEDS / "000_57d1c5b430fd8800.txt").read_text(encoding="utf-8")
PRODUCER_TRACE = 0x4BF92F3577B34DA6A3CE929D0E0E4736
PRODUCER_SPAN = 0x00F067AA0BA902B7
TRACEPARENT = f"00-{PRODUCER_TRACE:032x}-{PRODUCER_SPAN:016x}-01"


@pytest.fixture(scope="module")
def provider() -> TracerProvider:
    """The SDK's provider of this process (set once: OpenTelemetry allows no second)."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    made = TracerProvider()
    trace.set_tracer_provider(made)
    return made


@pytest.fixture
def spans(provider: TracerProvider) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    yield exporter
    processor.shutdown()  # exports nothing more (the provider keeps it, inert)


def _event(url: str, body: str = SEED_TEXT) -> dict[Any, Any]:
    return {"url": url.encode(), "fetched_at": b"2025-12-07T12:00:00Z",
            "content_type": b"text/plain", "body": body.encode()}


def _one(found: list[ReadableSpan], name: str, trace_id: int) -> ReadableSpan:
    named = [s for s in found if s.name == name and s.context is not None
             and s.context.trace_id == trace_id]
    assert len(named) == 1, (name, [(s.name, s.context) for s in found])
    return named[0]


async def test_one_trace_runs_from_the_producer_through_cleaner_and_indexer(
    redis: Redis, settings: Settings, spans: InMemorySpanExporter
) -> None:
    await redis.xadd(settings.events_stream,
                     {**_event("https://a.bg/traced"), "traceparent": TRACEPARENT.encode()})
    async with running_workers(settings):
        await wait_drained(redis, settings)
    found = list(spans.get_finished_spans())

    clean = _one(found, "vestnik.clean", PRODUCER_TRACE)
    assert clean.parent is not None and clean.parent.span_id == PRODUCER_SPAN
    assert clean.kind == trace.SpanKind.CONSUMER
    assert clean.attributes is not None
    assert clean.attributes["vestnik.outcome"] == "article"
    assert clean.attributes["messaging.destination.name"] == settings.events_stream
    extract = _one(found, "vestnik.extract", PRODUCER_TRACE)
    assert extract.parent is not None and clean.context is not None
    assert extract.parent.span_id == clean.context.span_id
    index = _one(found, "vestnik.index", PRODUCER_TRACE)
    assert index.parent is not None and index.parent.span_id == clean.context.span_id
    assert index.attributes is not None and index.attributes["vestnik.outcome"] == "indexed"
    assert index.attributes["vestnik.article_id"] == clean.attributes["vestnik.article_id"]
    # the batch work, in traces of their own, linked to the entries they did
    assert index.context is not None
    for name, entry in (("vestnik.commit", clean), ("vestnik.commit", index),
                        ("vestnik.index.write", index)):
        assert entry.context is not None
        assert any(any(link.context.span_id == entry.context.span_id for link in s.links)
                   for s in found if s.name == name), (name, entry.name)


async def test_an_event_without_a_traceparent_starts_a_trace_the_indexer_continues(
    redis: Redis, settings: Settings, spans: InMemorySpanExporter
) -> None:
    await redis.xadd(settings.events_stream, _event("https://a.bg/untraced"))
    async with running_workers(settings):
        await wait_drained(redis, settings)
    found = list(spans.get_finished_spans())
    (clean,) = [s for s in found if s.name == "vestnik.clean"]
    assert clean.parent is None and clean.context is not None
    index = _one(found, "vestnik.index", clean.context.trace_id)
    assert index.parent is not None and index.parent.span_id == clean.context.span_id


async def test_a_dead_letter_carries_the_trace_of_its_entry(
    redis: Redis, settings: Settings, spans: InMemorySpanExporter
) -> None:
    await redis.xadd(settings.events_stream,
                     {"__data__": b"{not json", "traceparent": TRACEPARENT.encode()})
    async with running_workers(settings):
        await wait_drained(redis, settings)
    clean = _one(list(spans.get_finished_spans()), "vestnik.clean", PRODUCER_TRACE)
    assert clean.attributes is not None
    assert clean.attributes["vestnik.outcome"] == "dead_letter"
    assert clean.status.status_code == trace.StatusCode.ERROR
    letters: Any = await redis.xrange(settings.dead_letter_stream("cleaner"))
    ((_, fields),) = letters
    assert decode_model(fields, DeadLetter).error_type == "invalid_json"
    carried = fields[b"traceparent"].decode()
    assert carried.split("-")[1] == f"{PRODUCER_TRACE:032x}"
    assert clean.context is not None and carried.split("-")[2] == f"{clean.context.span_id:016x}"


def test_a_traceparent_that_is_not_ascii_is_ignored_not_fatal() -> None:
    context = tracing.context_of({b"traceparent": "не-ascii".encode()})
    assert not trace.get_current_span(context).get_span_context().is_valid


def test_tracing_is_off_unless_an_otlp_endpoint_is_given() -> None:
    assert not tracing.TracingSettings(otel_exporter_otlp_endpoint=None).exporting
    assert tracing.TracingSettings(otel_exporter_otlp_endpoint="http://collector:4318").exporting
    assert not tracing.TracingSettings(otel_exporter_otlp_endpoint="http://collector:4318",
                                       otel_sdk_disabled=True).exporting
    assert not tracing.TracingSettings(otel_exporter_otlp_endpoint="http://collector:4318",
                                       otel_traces_exporter="none").exporting
