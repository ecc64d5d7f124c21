"""A stream entry's fields read without the models: its size, the FastStream envelope, the
plain-fields shape decoded into the event's fields, and ``WireError``, why an entry can
never be processed. ``vestnik.wire`` builds on these; ``vestnik clean FILE`` uses them
alone, so that it starts without pydantic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vestnik import charsets

DATA_FIELD = "__data__"
_BDATA = DATA_FIELD.encode()
_FASTSTREAM_MAGIC = b"\x89BIN\x0d\x0a\x1a\x0a"

Fields = Mapping[bytes, bytes]


class WireError(Exception):
    """An entry that can never be processed; ``code`` is stable, ``reason`` says why."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def unwrap_faststream(raw: bytes) -> bytes:
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


def entry_size(fields: Fields) -> int:
    """An entry's size as the limits count it: its fields' names and values, in bytes."""
    return sum(len(k) + len(v) for k, v in fields.items())


def plain_fields(fields: Fields, max_bytes: int) -> dict[str, Any]:
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
