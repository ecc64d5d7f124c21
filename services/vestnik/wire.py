"""Stream entries on the wire: how any producer's entry becomes a model, and back.

A scrape event may arrive in three shapes, all accepted:

1. published by FastStream: ``__data__`` holds FastStream's binary envelope (headers + JSON);
2. ``XADD <stream> * __data__ '<json>'``: ``__data__`` holds the event as plain JSON;
3. ``XADD <stream> * url … content_type … body …``: one stream field per event field.

In shape 3 the body is bytes in ``charset``, so a producer can send a windows-1251 page
untouched. In JSON shapes a producer may send ``body_base64`` (with ``charset``) instead of
``body`` for the same purpose. A charset is a label of the Encoding Standard
(``vestnik.charsets``); without one the body's encoding is sniffed (a BOM, UTF-8, an HTML
page's ``<meta charset>``, detection).

vestnik writes its own messages (articles, rejections, dead letters) as shape 2: one
``__data__`` field of plain JSON, readable by FastStream subscribers and by anyone with
``redis-cli``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from vestnik import charsets
from vestnik.contracts import DeadLetter, ScrapeEvent, Stage

DATA_FIELD = "__data__"
_BDATA = DATA_FIELD.encode()
_FASTSTREAM_MAGIC = b"\x89BIN\x0d\x0a\x1a\x0a"

Fields = Mapping[bytes, bytes]
M = TypeVar("M", bound=BaseModel)


class WireError(Exception):
    """An entry that can never be processed; ``code`` is stable, ``reason`` says why."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def _unwrap_faststream(raw: bytes) -> bytes:
    """The JSON payload inside FastStream's binary envelope (shape 1), else ``raw``."""
    if not raw.startswith(_FASTSTREAM_MAGIC):
        return raw
    # magic (8 bytes), version (2), headers offset (4), data offset (4)
    data_start = int.from_bytes(raw[14:18], "big")
    if len(raw) < 18 or data_start > len(raw):
        raise WireError("invalid_envelope", "truncated FastStream envelope")
    return raw[data_start:]


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WireError(
            "undecodable", f"{what} is not valid UTF-8 (byte {exc.start}: {exc.reason})"
        ) from exc


def _declared_charset(obj: Mapping[str, Any]) -> str | None:
    """The ``charset`` field, else the ``charset`` parameter of ``content_type``."""
    charset = obj.get("charset")
    if charset is not None:
        if not isinstance(charset, str):
            raise WireError("schema", "charset must be a string")
        return charset
    ctype = obj.get("content_type")
    if isinstance(ctype, str):
        for param in ctype.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip("\"'")
    return None


def _body_text(body: bytes, obj: Mapping[str, Any], max_bytes: int) -> tuple[str, str]:
    """The body as text, and the name of the encoding it was in."""
    ctype = obj.get("content_type")
    html = isinstance(ctype, str) and ctype.partition(";")[0].strip().lower() == "text/html"
    try:
        found = charsets.decode(body, _declared_charset(obj), html=html, max_bytes=max_bytes)
    except charsets.CharsetError as exc:
        raise WireError(exc.code, exc.reason) from exc
    return found.text, found.encoding.name


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise WireError("invalid_json", f"__data__ is not valid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise WireError("schema", f"__data__ must be a JSON object, got {type(obj).__name__}")
    return obj


def _with_base64_body(obj: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    b64 = obj.get("body_base64")
    if b64 is None or "body" in obj:
        return obj
    if not isinstance(b64, str):
        raise WireError("schema", "body_base64 must be a string")
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WireError("schema", "body_base64 is not valid base64") from exc
    body, charset = _body_text(raw, obj, max_bytes)
    return {**obj, "body": body, "charset": charset}


def _plain_fields(fields: Fields, max_bytes: int) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    body: bytes | None = None
    for key, value in fields.items():
        name = _utf8(key, "a field name")
        if name == "body":
            body = value
        else:
            obj[name] = _utf8(value, f"field {name[:60]!r}")
    if body is not None:
        obj["body"], obj["charset"] = _body_text(body, obj, max_bytes)
    return obj


def _schema_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "event"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def decode_event(fields: Fields, *, max_body_bytes: int) -> ScrapeEvent:
    """The scrape event in one stream entry, in any of the three shapes, or ``WireError``."""
    size = sum(len(v) for v in fields.values())
    if size > max_body_bytes:
        raise WireError("too_large", f"entry is {size} bytes, the limit is {max_body_bytes}")
    if _BDATA in fields:
        obj = _with_base64_body(_json_object(_unwrap_faststream(fields[_BDATA])),
                                max_body_bytes)
    else:
        obj = _plain_fields(fields, max_body_bytes)
    try:
        return ScrapeEvent.model_validate(obj)
    except ValidationError as exc:
        raise WireError("schema", _schema_reason(exc)) from exc


def decode_model(fields: Fields, model: type[M]) -> M:
    """A vestnik message (``__data__`` JSON, FastStream envelope accepted) or ``WireError``."""
    raw = fields.get(_BDATA)
    if raw is None:
        raise WireError("schema", f"entry has no {DATA_FIELD} field")
    obj = _json_object(_unwrap_faststream(raw))
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise WireError("schema", _schema_reason(exc)) from exc


def encode_model(model: BaseModel) -> dict[str, bytes]:
    """Stream fields for a vestnik message: one ``__data__`` of plain JSON."""
    return {DATA_FIELD: orjson.dumps(model.model_dump(mode="json"))}


def dead_letter(
    *,
    stage: Stage,
    error: WireError | Exception,
    source_stream: str,
    entry_id: str,
    fields: Fields,
    delivery_count: int = 1,
    max_field_bytes: int = 1_000_000,
) -> DeadLetter:
    """A dead letter keeping the original fields (UTF-8, else base64), cut to a size limit."""
    kept: dict[str, str] = {}
    b64: list[str] = []
    cut: list[str] = []
    for key, value in fields.items():
        name = key.decode("utf-8", "backslashreplace")
        if len(value) > max_field_bytes:
            value = value[:max_field_bytes]
            cut.append(name)
        try:
            kept[name] = value.decode("utf-8")
        except UnicodeDecodeError:
            kept[name] = base64.b64encode(value).decode("ascii")
            b64.append(name)
    if isinstance(error, WireError):
        code, reason = error.code, error.reason
    else:
        code, reason = type(error).__name__, str(error) or type(error).__name__
    return DeadLetter(
        stage=stage,
        reason=reason,
        error_type=code,
        source_stream=source_stream,
        entry_id=entry_id,
        delivery_count=delivery_count,
        failed_at=datetime.now(UTC),
        fields=kept,
        base64_fields=b64,
        truncated_fields=cut,
    )


def original_fields(letter: DeadLetter) -> dict[str, bytes]:
    """The entry's original fields, as they were, for a replay."""
    return {
        k: base64.b64decode(v) if k in letter.base64_fields else v.encode("utf-8")
        for k, v in letter.fields.items()
    }
