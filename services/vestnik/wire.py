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

An entry is bounded as a whole: its size (field names and values) is checked against the
limit before anything in it is decoded, and a dead letter is cut as a whole to its own
limit (saying what it cut), with or without page bodies.

vestnik writes its own messages (articles, rejections, dead letters) as shape 2: one
``__data__`` field of plain JSON, readable by FastStream subscribers and by anyone with
``redis-cli``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from vestnik._entry import _BDATA, Fields, _body_text, plain_fields
from vestnik._entry import DATA_FIELD as DATA_FIELD
from vestnik._entry import WireError as WireError
from vestnik._entry import entry_size as entry_size
from vestnik._entry import unwrap_faststream as unwrap_faststream
from vestnik.contracts import DeadLetter, DeadLetterCut, FieldDigest, ScrapeEvent, Stage

if TYPE_CHECKING:  # `vestnik clean` decodes events without pydantic-settings
    from vestnik.settings import Settings

M = TypeVar("M", bound=BaseModel)


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


def _schema_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "event"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def decode_event(fields: Fields, *, max_body_bytes: int) -> ScrapeEvent:
    """The scrape event in one stream entry, in any of the three shapes, or ``WireError``.

    ``max_body_bytes`` bounds the whole entry (``entry_size``), checked before anything
    in it is decoded, so no decoder is ever given more."""
    size = entry_size(fields)
    if size > max_body_bytes:
        raise WireError("too_large", f"entry is {size} bytes (field names and values), "
                        f"the limit is {max_body_bytes}")
    if _BDATA in fields:
        obj = _with_base64_body(_json_object(unwrap_faststream(fields[_BDATA])),
                                max_body_bytes)
    else:
        obj = plain_fields(fields, max_body_bytes)
    try:
        return ScrapeEvent.model_validate(obj)
    except ValidationError as exc:
        raise WireError("schema", _schema_reason(exc)) from exc


def decode_model(fields: Fields, model: type[M]) -> M:
    """A vestnik message (``__data__`` JSON, FastStream envelope accepted) or ``WireError``."""
    raw = fields.get(_BDATA)
    if raw is None:
        raise WireError("schema", f"entry has no {DATA_FIELD} field")
    obj = _json_object(unwrap_faststream(raw))
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise WireError("schema", _schema_reason(exc)) from exc


def encode_model(model: BaseModel) -> dict[str, bytes]:
    """Stream fields for a vestnik message: one ``__data__`` of plain JSON."""
    return {DATA_FIELD: orjson.dumps(model.model_dump(mode="json"))}


NAME_MAX_BYTES = 200  # a dead letter keeps this much of a field's name
REASON_MAX_CHARS = 1000  # ... and of the reason
DIGESTS_MAX = 16  # ... and the size and sha256 of this many fields it cut or left out
BODY_FIELDS = frozenset({"body", "body_base64"})  # plain fields that hold a page
# keys of ``__data__``'s JSON that hold a page (an event's) or its text (an article's)
BODY_KEYS = ("body", "body_base64", "body_text", "body_paragraphs", "lead", "captions")
_SLACK = 2048  # room for what a letter's size estimate leaves out (the summary's numbers)


@cache
def _process_settings() -> Settings:
    from vestnik.settings import Settings

    return Settings()


@dataclass
class _Kept:
    """A field of the original entry, and what a dead letter keeps of it."""

    name: str  # as kept
    value: bytes  # the original value
    text: str  # what is kept of the value: UTF-8, else base64
    b64: bool
    kept_bytes: int  # how many bytes of the value ``text`` holds
    name_cut: bool
    name_bytes: int
    stripped: bool = False  # page bodies taken out of it
    dropped: bool = False  # left out: the letter would not fit it
    digest: FieldDigest | None = None

    @property
    def cut(self) -> bool:
        return self.name_cut or self.stripped or self.kept_bytes < len(self.value)

    def original(self) -> FieldDigest:
        if self.digest is None:
            self.digest = _digest(self.name_bytes, self.value)
        return self.digest


def _digest(name_bytes: int, value: bytes) -> FieldDigest:
    return FieldDigest(name_bytes=name_bytes, value_bytes=len(value),
                       sha256=hashlib.sha256(value).hexdigest())


def _utf8_prefix(data: bytes, limit: int) -> bytes:
    """``data`` cut to ``limit`` bytes, not in the middle of a UTF-8 character."""
    if len(data) <= limit:
        return data
    end = start = limit
    while start > max(0, end - 4) and data[start - 1] & 0xC0 == 0x80:
        start -= 1
    lead = data[start - 1] if start else 0
    if lead >= 0xC0 and end - start + 1 < (2 if lead < 0xE0 else 3 if lead < 0xF0 else 4):
        end = start - 1
    return data[:end]


def _as_text(data: bytes) -> tuple[str, bool]:
    """``data`` as UTF-8 text, else as base64 (and True)."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), True


def _json_len(text: str) -> int:
    return len(orjson.dumps(text)) - 2


def _letter_size(letter: DeadLetter) -> int:
    """The size of the entry ``encode_model`` makes of ``letter``."""
    return len(_BDATA) + len(orjson.dumps(letter.model_dump(mode="json")))


def _without_bodies(value: bytes, max_bytes: int) -> tuple[bytes, list[tuple[str, bytes]]] | None:
    """``__data__`` without the page bodies in its JSON, and the bodies taken out (by
    key); None when it cannot be read as a JSON object of at most
    ``max_bytes`` (then all of it may be a page)."""
    if len(value) > max_bytes:
        return None
    try:
        obj = orjson.loads(unwrap_faststream(value))
    except (WireError, orjson.JSONDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    taken = [(key, obj.pop(key)) for key in BODY_KEYS if key in obj]
    if not taken:
        return value, []
    return orjson.dumps(obj), [(key, v.encode() if isinstance(v, str) else orjson.dumps(v))
                               for key, v in taken]


def dead_letter(
    *,
    stage: Stage,
    error: WireError | Exception,
    source_stream: str,
    entry_id: str,
    fields: Fields,
    delivery_count: int = 1,
    max_field_bytes: int | None = None,
    max_bytes: int | None = None,
    keep_bodies: bool | None = None,
) -> DeadLetter:
    """A dead letter keeping the original fields (UTF-8, else base64) within its limits.

    Each value is cut to ``max_field_bytes``, each name to ``NAME_MAX_BYTES``, and the
    whole letter (the entry ``encode_model`` makes of it) to ``max_bytes``: the largest
    values are cut first, and fields whose names alone would not fit are left out. With
    ``keep_bodies`` false, page bodies are left out (``body``, ``body_base64``; in
    ``__data__``'s JSON also an article's text), their size and sha256 kept. ``cut`` says
    what was cut or left out and ``truncated_fields`` names it, so such a letter is never
    replayed. Limits not given are the process's settings'.
    """
    if max_field_bytes is None or max_bytes is None or keep_bodies is None:
        settings = _process_settings()
        if max_field_bytes is None:
            max_field_bytes = settings.dead_letter_max_field_bytes
        if max_bytes is None:
            max_bytes = settings.dead_letter_max_bytes
        if keep_bodies is None:
            keep_bodies = settings.dead_letter_keep_bodies
    if isinstance(error, WireError):
        code, reason = error.code, error.reason
    else:
        code, reason = type(error).__name__, str(error) or type(error).__name__
    if len(reason) > REASON_MAX_CHARS:
        reason = reason[:REASON_MAX_CHARS] + " [...]"

    kept: list[_Kept] = []
    # fields not kept at all, by name: page bodies, then (the first few) past the limit
    bodies: list[tuple[str, FieldDigest]] = []
    left_out: list[tuple[str, FieldDigest]] = []
    taken: list[tuple[str, FieldDigest]] = []  # page bodies taken out of __data__'s JSON
    over_limit = 0  # fields past the limit, beyond those in ``left_out``
    names_room = max_bytes // 4  # names take at most a quarter of the letter
    for key, value in fields.items():
        if names_room < 0:
            if len(left_out) < DIGESTS_MAX:
                name = _utf8_prefix(key, NAME_MAX_BYTES).decode("utf-8", "backslashreplace")
                left_out.append((name, _digest(len(key), value)))
            else:
                over_limit += 1
            continue
        piece = _utf8_prefix(key, NAME_MAX_BYTES)
        name = piece.decode("utf-8", "backslashreplace")
        names_room -= 3 * len(orjson.dumps(name)) + 8
        if names_room < 0:
            left_out.append((name, _digest(len(key), value)))
            continue
        source, stripped = value, False
        if not keep_bodies and name in BODY_FIELDS:
            bodies.append((name, _digest(len(key), value)))
            continue
        if not keep_bodies and name == DATA_FIELD:
            found = _without_bodies(value, max_bytes)
            if found is None:
                bodies.append((name, _digest(len(key), value)))
                continue
            source, out_of_data = found
            stripped = bool(out_of_data)
            taken += [(f"{DATA_FIELD}.{k}", _digest(len(k), v)) for k, v in out_of_data]
        kept_value = _utf8_prefix(source, max_field_bytes)
        text, b64 = _as_text(kept_value)
        kept_bytes = len(value) if kept_value is value else len(kept_value)
        kept.append(_Kept(name, value, text, b64, kept_bytes, len(piece) < len(key), len(key),
                          stripped))

    def build(kept: list[_Kept]) -> DeadLetter:
        dropped = [k for k in kept if k.dropped]
        named_out = [*bodies, *left_out, *((k.name, k.original()) for k in dropped)]
        cut_names = [k.name for k in kept if k.cut and not k.dropped]
        cut_names += [name for name, _ in named_out[:DIGESTS_MAX]]
        out = over_limit + len(named_out)
        cut = None
        if cut_names or out:
            originals = dict([*taken, *named_out][:DIGESTS_MAX])
            for k in kept:
                if k.cut and not k.dropped and len(originals) < DIGESTS_MAX:
                    originals.setdefault(k.name, k.original())
            cut = DeadLetterCut(
                summary=_cut_summary(kept, [n for n, _ in [*bodies, *taken]],
                                     [n for n, _ in left_out], out - len(bodies), fields,
                                     max_bytes, max_field_bytes, keep_bodies),
                entry_bytes=entry_size(fields), entry_fields=len(fields), left_out_fields=out,
                max_bytes=max_bytes, bodies_kept=keep_bodies, originals=originals)
        whole = [k for k in kept if not k.dropped]
        return DeadLetter(
            stage=stage, reason=reason, error_type=code, source_stream=source_stream,
            entry_id=entry_id, delivery_count=delivery_count, failed_at=datetime.now(UTC),
            fields={k.name: k.text for k in whole}, base64_fields=[k.name for k in whole if k.b64],
            truncated_fields=cut_names, cut=cut)

    return _fit(kept, build, max_bytes)


def _fit(kept: list[_Kept], build: Callable[[list[_Kept]], DeadLetter],
         max_bytes: int) -> DeadLetter:
    """The letter ``build`` makes of ``kept``, its largest values cut until it is at most
    ``max_bytes``: each value gets an equal share of the room left, and a value smaller
    than its share leaves the rest to the others."""
    letter = build(kept)
    if _letter_size(letter) <= max_bytes:
        return letter
    full = [(k.text, k.kept_bytes) for k in kept]
    for k in kept:  # the letter without any value, every field counted as cut
        k.text, k.kept_bytes = "", -1
    active = list(range(len(kept)))
    while active and _letter_size(build(kept)) + _SLACK > max_bytes:
        for i in active[len(active) // 2:]:
            kept[i].dropped = True
        del active[len(active) // 2:]
    room = max_bytes - _letter_size(build(kept)) - _SLACK
    costs = {i: _json_len(full[i][0]) for i in active}
    for done, i in enumerate(sorted(active, key=costs.__getitem__)):
        share = max(0, room // (len(active) - done))
        text, kept_bytes = full[i]
        if costs[i] > share:
            text, kept_bytes = _cut_text(text, kept[i].b64, share)
        kept[i].text, kept[i].kept_bytes = text, kept_bytes
        room -= _json_len(text)
    letter = build(kept)
    if _letter_size(letter) > max_bytes:  # the estimate was off: keep no value at all
        for k in kept:
            k.text, k.kept_bytes = "", 0
        letter = build(kept)
    if _letter_size(letter) > max_bytes:
        for k in kept:
            k.dropped = True
        letter = build(kept)
    return letter


def _cut_text(text: str, b64: bool, room: int) -> tuple[str, int]:
    """The longest start of ``text`` (base64 if ``b64``) whose JSON string takes at most
    ``room`` bytes, and the number of bytes of the value it holds."""
    if b64:
        chars = room // 4 * 4
        return text[:chars], chars // 4 * 3
    low, high = 0, len(text)  # binary search: JSON escapes make the cost uneven
    while low < high:
        mid = (low + high + 1) // 2
        if _json_len(text[:mid]) <= room:
            low = mid
        else:
            high = mid - 1
    kept = text[:low]
    return kept, len(kept.encode("utf-8", "surrogatepass"))


def _cut_summary(kept: list[_Kept], bodies: list[str], left_out: list[str], past_limit: int,
                 fields: Fields, max_bytes: int, max_field_bytes: int,
                 keep_bodies: bool) -> str:
    """What a dead letter cut or left out, in a line."""
    parts = []
    values = [k for k in kept
              if not k.dropped and not k.stripped and 0 <= k.kept_bytes < len(k.value)]
    if values:
        listed = ", ".join(f"{k.name[:40]!r} from {len(k.value)} to {k.kept_bytes} bytes"
                           for k in values[:3])
        parts.append(f"values cut: {listed}" + (f" and {len(values) - 3} more"
                                                if len(values) > 3 else ""))
    if names := sum(k.name_cut for k in kept if not k.dropped):
        parts.append(f"{names} field name(s) cut to {NAME_MAX_BYTES} bytes")
    if bodies:
        parts.append(f"page bodies left out: {', '.join(bodies[:4])}")
    if past_limit:
        named = ", ".join(repr(name[:40]) for name in left_out[:3])
        parts.append(f"{past_limit} field(s) left out" + (f" ({named}...)" if named else ""))
    why = (f"a dead letter is at most {max_bytes} bytes, {max_field_bytes} a value"
           + ("" if keep_bodies else ", and keeps no page bodies"))
    return (f"not the whole entry ({entry_size(fields)} bytes in {len(fields)} fields): "
            f"{'; '.join(parts)} ({why})")


def original_fields(letter: DeadLetter) -> dict[str, bytes]:
    """The entry's original fields, as they were, for a replay."""
    return {
        k: base64.b64decode(v) if k in letter.base64_fields else v.encode("utf-8")
        for k, v in letter.fields.items()
    }
