"""The ``too_large`` dead letter of an entry over a stage's per-entry limit that was measured
in Redis and never brought to the worker (``vestnik.streams.Oversized``: by a read or by a
reclaim): what is known of it, within ``VESTNIK_DEAD_LETTER_MAX_BYTES``."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from vestnik.contracts import DeadLetter, DeadLetterCut, FieldDigest
from vestnik.settings import Settings
from vestnik.stage import Stage
from vestnik.streams import Oversized
from vestnik.wire import BODY_FIELDS, DATA_FIELD, DIGESTS_MAX, NAME_MAX_BYTES, encode_model


def _text(value: bytes) -> tuple[str, bool]:
    """``value`` as UTF-8 text, else as base64 (and True)."""
    try:
        return value.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii"), True


def _size(letter: DeadLetter) -> int:
    return sum(len(k) + len(v) for k, v in encode_model(letter).items())


def oversized_letter(stage: Stage, entry: Oversized, limit: int, settings: Settings
                     ) -> DeadLetter:
    """A ``too_large`` dead letter for an entry that was never read: its small values
    (names cut to ``NAME_MAX_BYTES``; page bodies only when dead letters keep them), and
    the size of every other field it was seen to have (no sha256: the value never left
    Redis). At most ``VESTNIK_DEAD_LETTER_MAX_BYTES``, like any dead letter."""
    keep_bodies = settings.dead_letter_keep_bodies
    fields: dict[str, str] = {}
    b64: list[str] = []
    unread: dict[str, FieldDigest] = {}
    names_cut: list[str] = []
    for f in entry.fields:
        name = f.name[:NAME_MAX_BYTES].decode("utf-8", "backslashreplace")
        if f.name_bytes > NAME_MAX_BYTES:
            names_cut.append(name)
        is_body = name in BODY_FIELDS or name == DATA_FIELD
        if f.value is not None and (keep_bodies or not is_body) and name not in fields:
            fields[name], in_b64 = _text(f.value)
            if in_b64:
                b64.append(name)
        elif len(unread) < DIGESTS_MAX:
            unread[name] = FieldDigest(name_bytes=f.name_bytes, value_bytes=f.value_bytes,
                                       sha256="")
    unseen = entry.field_count - len(entry.fields)
    parts = []
    if unread:
        listed = ", ".join(f"{n[:40]!r} ({d.value_bytes} bytes)" for n, d in unread.items())
        parts.append(f"values not read: {listed}")
    if names_cut:
        parts.append(f"{len(names_cut)} field name(s) cut to {NAME_MAX_BYTES} bytes")
    if unseen:
        parts.append(f"{unseen} field(s) not seen")
    summary = (f"not the whole entry ({entry.size} bytes in {entry.field_count} fields): it "
               f"is over the limit and was never read, only measured in Redis (its first "
               f"fields' sizes, values of at most a few hundred bytes, no sha256): "
               f"{'; '.join(parts) or 'nothing else'}")
    cut_names = [*dict.fromkeys([*names_cut, *unread])][:DIGESTS_MAX]

    def letter(fields: dict[str, str], originals: dict[str, FieldDigest],
               note: str = "") -> DeadLetter:
        return DeadLetter(
            stage=stage.name, error_type="too_large",
            reason=f"entry is {entry.size} bytes (field names and values), the limit is "
                   f"{limit}; it was measured in Redis and never read",
            source_stream=stage.stream, entry_id=entry.entry_id, failed_at=datetime.now(UTC),
            fields=fields, base64_fields=[n for n in b64 if n in fields],
            truncated_fields=cut_names,
            cut=DeadLetterCut(summary=summary + note, entry_bytes=entry.size,
                              entry_fields=entry.field_count,
                              left_out_fields=entry.field_count - len(fields),
                              max_bytes=settings.dead_letter_max_bytes,
                              bodies_kept=keep_bodies, originals=originals))

    found = letter(fields, unread)
    fit = f" (values and sizes left out to fit {settings.dead_letter_max_bytes} bytes)"
    if _size(found) > settings.dead_letter_max_bytes:  # hostile names: keep sizes only
        found = letter({}, unread, fit)
    if _size(found) > settings.dead_letter_max_bytes:
        found = letter({}, {}, fit)
    return found
