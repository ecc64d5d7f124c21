"""Dead letters: list them, show one, replay them to their source stream after a fix.

``list_entries`` and ``show_entry`` read any stream of vestnik messages (rejections too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from redis.asyncio import Redis

from vestnik.contracts import DeadLetter
from vestnik.wire import WireError, decode_model, original_fields

Row = tuple[str, dict[bytes, bytes]]
M = TypeVar("M", bound=BaseModel)


async def _xrange(redis: Redis, stream: str, **kw: Any) -> list[Row]:
    rows = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(stream, **kw))
    return [(entry_id.decode(), fields) for entry_id, fields in rows]


async def list_entries(redis: Redis, stream: str, model: type[M], *, count: int = 100,
                       start: str = "-") -> list[tuple[str, M | WireError]]:
    """Up to ``count`` entries of a stream of vestnik messages (``model``: dead letters,
    rejections...) from ``start`` on, each decoded, or the ``WireError`` saying why not."""
    out: list[tuple[str, M | WireError]] = []
    for entry_id, fields in await _xrange(redis, stream, min=start, count=count):
        try:
            out.append((entry_id, decode_model(fields, model)))
        except WireError as exc:
            out.append((entry_id, exc))
    return out


async def show_entry(redis: Redis, stream: str, entry_id: str, model: type[M]) -> M | None:
    """One entry of a stream of vestnik messages, decoded; None when there is none."""
    rows = await _xrange(redis, stream, min=entry_id, max=entry_id, count=1)
    return decode_model(rows[0][1], model) if rows else None


async def list_letters(redis: Redis, stream: str, *, count: int = 100,
                       start: str = "-") -> list[tuple[str, DeadLetter | WireError]]:
    return await list_entries(redis, stream, DeadLetter, count=count, start=start)


async def show_letter(redis: Redis, stream: str, letter_id: str) -> DeadLetter | None:
    return await show_entry(redis, stream, letter_id, DeadLetter)


async def replay(redis: Redis, stream: str, letter_ids: Sequence[str] | None = None) -> list[str]:
    """Publish each letter's original fields again on its source stream and remove the
    letter, both in one transaction per letter. All letters when ``letter_ids`` is None.
    Returns the new entry ids."""
    if letter_ids is None:
        rows = await _xrange(redis, stream)
    else:
        rows = []
        for letter_id in letter_ids:
            rows += await _xrange(redis, stream, min=letter_id, max=letter_id, count=1)
    new_ids: list[str] = []
    for raw_id, fields in rows:
        letter = decode_model(fields, DeadLetter)
        if letter.cut is not None or letter.truncated_fields:
            what = (letter.cut.summary if letter.cut is not None else
                    f"not the whole entry: {', '.join(letter.truncated_fields)} cut")
            raise ValueError(f"dead letter {raw_id} cannot be replayed: {what}; "
                             "publish the event again from its source")
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(letter.source_stream, original_fields(letter))  # type: ignore[arg-type]
            pipe.xdel(stream, raw_id)
            new_id, _ = await pipe.execute()
        new_ids.append(new_id.decode())
    return new_ids
