"""Front end for plain-text dumps of whole pages (one block per line or paragraph).

1. split into blocks, re-joining lines that a dump wrapped mid-sentence;
2. repair and classify every block (``_repair``, ``_blocks``);
3. hand the blocks to ``_layout.assemble``: best-scoring contiguous run = body,
   header zone above it = title, lead, date, source.
"""

from __future__ import annotations

import re
from datetime import datetime

from vestnik.extract._blocks import Block, Draft, classify_coarse
from vestnik.extract._layout import assemble
from vestnik.extract._repair import repair_lines

__all__ = ["parse_text", "split_blocks"]

_MAX_BLOCKS = 5000
_MAX_BLOCK_CHARS = 20000
_PARAGRAPHS = re.compile(r"\n[ \t\u00a0]*\n")
_WRAP_END = re.compile(r"[.!?:;\"“”»)\]]\s*$")
_STARTS_LOWER = re.compile(r"^[a-zа-яёїієґ]")
_NEWLINES = re.compile(r"\r\n?")


def split_blocks(text: str) -> list[str]:
    """Split a text dump into raw blocks: lines, re-joining lines wrapped mid-sentence.

    A line is glued to the previous one when both are in the same paragraph (no blank
    line between), the previous one is long and ends without punctuation, and this one
    starts with a lowercase letter.
    """
    text = _NEWLINES.sub("\n", text)
    out: list[str] = []
    for para in _PARAGRAPHS.split(text):
        prev: str | None = None
        for line in para.split("\n"):
            stripped = line.strip()
            if not stripped:
                continue
            if (
                prev is not None
                and len(prev) >= 30
                and not _WRAP_END.search(prev)
                and _STARTS_LOWER.match(stripped)
            ):
                prev = prev + " " + stripped
                out[-1] = prev
                continue
            out.append(stripped)
            prev = stripped
        if len(out) >= _MAX_BLOCKS:
            break
    return out[:_MAX_BLOCKS]


def parse_text(text: str, now: datetime | None) -> Draft:
    """Run the text front end over a whole dump."""
    raw = "\n".join(b[:_MAX_BLOCK_CHARS] for b in split_blocks(text))
    texts = [t for t in repair_lines(raw).split("\n") if t]
    kinds = classify_coarse(texts)
    blocks = [Block(t, k) for t, k in zip(texts, kinds, strict=True)]
    draft, _, _ = assemble(blocks, now)
    return draft
