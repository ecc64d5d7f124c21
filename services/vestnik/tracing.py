"""Traces that follow each page through the streams, with OpenTelemetry.

A trace context travels *in the entries*: a producer that adds a W3C ``traceparent`` field
(and ``tracestate``) to its scrape event gets the cleaning of that page as a child of its
own span; the cleaner writes the ``traceparent`` of its span into the article (or the
dead letter, or the rejection) it commits, and the indexer continues from there, so one
trace runs from the producer's ``XADD`` to the indexed row. Without a ``traceparent`` a
page starts a trace of its own at the cleaner.

Off unless the standard OpenTelemetry variables ask for an exporter
(``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``; ``OTEL_SDK_
DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none`` turn it off): spans then go over OTLP/HTTP
in batches, named by ``OTEL_SERVICE_NAME`` (default ``vestnik-<stage>``). Off, every call
here costs next to nothing (the API's no-op tracer).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Link, Span, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic_settings import BaseSettings, SettingsConfigDict

TRACE_FIELDS = ("traceparent", "tracestate")  # W3C Trace Context, as entry fields
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER = "vestnik"


class TracingSettings(BaseSettings):
    """The standard OpenTelemetry variables vestnik looks at (the exporter reads the rest
    itself: headers, timeouts, protocol details)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    otel_sdk_disabled: bool = False
    otel_traces_exporter: str = "otlp"
    otel_exporter_otlp_endpoint: str | None = None
    otel_exporter_otlp_traces_endpoint: str | None = None

    @property
    def exporting(self) -> bool:
        return (not self.otel_sdk_disabled and self.otel_traces_exporter != "none"
                and bool(self.otel_exporter_otlp_endpoint
                         or self.otel_exporter_otlp_traces_endpoint))


_SET_UP: list[str] = []  # the service this process exports as, once set up


def setup(service: str, settings: TracingSettings | None = None) -> bool:
    """Export this process's spans over OTLP when the variables ask for it (once per
    process); True if they are exported."""
    if _SET_UP:
        return True
    settings = settings or TracingSettings()
    if not settings.exporting:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _SET_UP.append(service)
    return True


class _FieldGetter(Getter[Mapping[bytes, bytes]]):
    def get(self, carrier: Mapping[bytes, bytes], key: str) -> list[str] | None:
        value = carrier.get(key.encode())
        if value is None:
            return None
        try:
            return [value.decode("ascii")]
        except UnicodeDecodeError:  # not a trace context: ignored, as a bad header is
            return None

    def keys(self, carrier: Mapping[bytes, bytes]) -> list[str]:
        return [k.decode("ascii", "replace") for k in carrier]


_GETTER = _FieldGetter()


def context_of(fields: Mapping[bytes, bytes]) -> Context:
    """The trace context an entry carries (``traceparent`` field), else an empty one."""
    return _PROPAGATOR.extract(fields, getter=_GETTER)


def carried(span: Span) -> dict[str, bytes]:
    """Entry fields carrying ``span``'s context to the next stage (none when not recording)."""
    if not span.get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return {k: v.encode("ascii") for k, v in carrier.items() if k in TRACE_FIELDS}


def start_entry_span(name: str, *, stage: str, stream: str, entry_id: str,
                     fields: Mapping[bytes, bytes]) -> Span:
    """A consumer span for one entry, child of the context it carries; end it with
    ``end_entry_span`` once the entry has its outcome."""
    return trace.get_tracer(_TRACER).start_span(
        name, context=context_of(fields), kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "redis", "messaging.operation.type": "process",
                    "messaging.destination.name": stream, "messaging.message.id": entry_id,
                    "messaging.consumer.group.name": stage})


def child_span(parent: Span, name: str, *, duration_ms: float, **attributes: Any) -> None:
    """A finished child of ``parent`` for work timed elsewhere (an extraction process),
    ending now and lasting ``duration_ms``."""
    end = time.time_ns()
    span = trace.get_tracer(_TRACER).start_span(
        name, context=trace.set_span_in_context(parent), attributes=attributes,
        start_time=end - int(duration_ms * 1_000_000))
    span.end(end_time=end)


def end_entry_span(span: Span, line: Mapping[str, Any]) -> None:
    """End an entry's span with its outcome (its canonical log line's)."""
    for key in ("outcome", "reason", "error_type", "article_id", "event_id"):
        if (value := line.get(key)) is not None:
            span.set_attribute(f"vestnik.{key}", str(value))
    if line.get("outcome") == "dead_letter":
        span.set_status(StatusCode.ERROR, str(line.get("error_type", "")))
    span.end()


@contextmanager
def batch_span(name: str, spans: list[Span], **attributes: Any) -> Iterator[Span]:
    """A span for work done on a whole batch (a commit, an index write), linked to the
    spans of its entries: each entry's trace shows it."""
    tracer = trace.get_tracer(_TRACER)
    links = [Link(s.get_span_context()) for s in spans if s.get_span_context().is_valid]
    with tracer.start_as_current_span(name, context=Context(), links=links,
                                      attributes=attributes) as span:
        yield span
