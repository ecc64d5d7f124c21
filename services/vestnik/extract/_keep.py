"""A small learned filter for the lines of a text dump's body run.

The body run of a plain-text dump (no tags, no links) still holds lines that are not
the article: "War der Artikel nützlich?", "Lesen Sie auch:", a teaser headline, a
newsletter pitch, a copyright line.  Rules catch the common phrasings (``_blocks``);
this logistic model catches what they miss from the shape of the line and of its
neighbours: length, closing punctuation, case, digits, its place in the run.

The weights come from ``dev/train_keep.py`` (logistic regression on the development
set's must-keep / must-drop snippets, cross-validated by page); re-run it to refit.
Pure Python, a few dozen float operations per line.
"""

from __future__ import annotations

import math

from vestnik.extract._blocks import HEADING, PROSE, Block

__all__ = [
    "FEATURE_NAMES",
    "JUNK_THRESHOLD",
    "applies",
    "features",
    "is_junk",
    "keep_probability",
]

FEATURE_NAMES = (
    "bias",
    "log_chars",
    "log_words",
    "ends_sentence",
    "ends_question",
    "ends_colon",
    "ends_bare",
    "starts_lower",
    "is_prose",
    "is_heading",
    "run_position",
    "near_run_end",
    "near_run_start",
    "prev_prose",
    "next_prose",
    "prev_log_chars",
    "next_log_chars",
    "caps_word_share",
    "mean_word_len",
    "web_marks",
    "commas_per_word",
    "capitalised_share",
    "short_at_end",
    "dup",
)

PARAGRAPH_MIN_WORDS = 25
_SENTENCE_END = frozenset(".!?…\"»”)")

# fitted by dev/train_keep.py; see its output for the cross-validated figures
WEIGHTS: tuple[float, ...] = (
    1.8107,  # bias
    -0.9030,  # log_chars
    1.2380,  # log_words
    -0.6247,  # ends_sentence
    -0.9724,  # ends_question
    -0.1120,  # ends_colon
    -1.1720,  # ends_bare
    0.0503,  # starts_lower
    0.4263,  # is_prose
    -0.4263,  # is_heading
    -1.1510,  # run_position
    -0.7666,  # near_run_end
    -0.3380,  # near_run_start
    1.0940,  # prev_prose
    1.1877,  # next_prose
    -0.0638,  # prev_log_chars
    0.0826,  # next_log_chars
    -2.2250,  # caps_word_share
    0.0947,  # mean_word_len
    -0.1104,  # web_marks
    2.8594,  # commas_per_word
    -1.1414,  # capitalised_share
    -0.6261,  # short_at_end
    0.0000,  # dup
)
JUNK_THRESHOLD = 0.45  # drop a line whose keep probability is below this


def features(blocks: list[Block], i: int, start: int, end: int) -> list[float]:
    """The feature vector of ``blocks[i]``, a line of the run ``blocks[start:end]``.

    Counts are taken over words with C-level ``map`` (a loop over characters in Python
    would cost more than the rest of the extraction)."""
    b = blocks[i]
    text = b.text
    n = len(text)
    words = text.split()
    n_words = len(words) or 1
    last = text[-1] if text else " "
    first = text[0] if text else " "
    prev = blocks[i - 1] if i > start else None
    nxt = blocks[i + 1] if i + 1 < end else None
    span = max(1, end - start - 1)
    return [
        1.0,
        math.log1p(n),
        math.log1p(n_words),
        1.0 if last in ".!…\"»”)'’" else 0.0,
        1.0 if last == "?" else 0.0,
        1.0 if last == ":" else 0.0,
        1.0 if last.isalnum() else 0.0,
        1.0 if first.islower() else 0.0,
        1.0 if b.kind is PROSE else 0.0,
        1.0 if b.kind is HEADING else 0.0,
        (i - start) / span,
        min(end - 1 - i, 5) / 5.0,
        min(i - start, 5) / 5.0,
        1.0 if prev is not None and prev.kind is PROSE else 0.0,
        1.0 if nxt is not None and nxt.kind is PROSE else 0.0,
        math.log1p(len(prev.text)) if prev is not None else 0.0,
        math.log1p(len(nxt.text)) if nxt is not None else 0.0,
        sum(map(str.isupper, words)) / n_words,
        (n - n_words + 1) / n_words,
        1.0 if ("©" in text or "http" in text or "@" in text or "www." in text) else 0.0,
        text.count(",") / n_words,
        sum(map(str.istitle, words)) / n_words,
        1.0 if end - 1 - i < 3 and n < 100 else 0.0,
        1.0 if b.dup else 0.0,
    ]


def keep_probability(x: list[float], weights: tuple[float, ...] = WEIGHTS) -> float:
    z = 0.0
    for k in range(len(x)):  # a typed loop: mypyc compiles it to float arithmetic
        z += weights[k] * x[k]
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def applies(text: str) -> bool:
    """False for a line the model is not asked about: a paragraph of 25+ words that
    ends like a sentence (it keeps nearly all of them, and they are most lines)."""
    return text[-1] not in _SENTENCE_END or text.count(" ") < PARAGRAPH_MIN_WORDS - 1


def is_junk(blocks: list[Block], i: int, start: int, end: int) -> bool:
    """True when the model is confident that ``blocks[i]`` is not article text."""
    if JUNK_THRESHOLD <= 0.0 or not applies(blocks[i].text):
        return False
    return keep_probability(features(blocks, i, start, end)) < JUNK_THRESHOLD
