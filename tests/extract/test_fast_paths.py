"""The speed-ups in the extractor must not change what it finds.

Each fast path is compared with the plain formulation it replaces, on hand-picked
cases and on random strings built from the characters that matter.
"""

from __future__ import annotations

import importlib
import random
import re
from typing import Any

import pytest

from vestnik.extract import _blocks, _html, _repair, _text
from vestnik.extract._dates import find_date, is_date_line, may_hold_date


def _slow_collapse(text: str) -> str:
    for ch in _repair._ODD_SPACES:
        text = text.replace(ch, " ")
    if "\u00a0" in text or "\u202f" in text:
        return re.sub("[ \u00a0\u202f]{2,}", " ", text)
    return re.sub("  +", " ", text)


def test_collapse_runs_matches_one_regex() -> None:
    rnd = random.Random(1)
    alphabet = [" ", "  ", "\u00a0", "\u202f", "a", "б", "\n", "\t", "\u2009"]
    for _ in range(20000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
        assert _repair._collapse_runs(text) == _slow_collapse(text), repr(text)


def _slow_drop_cap(text: str) -> str:
    rx = re.compile(
        r"^([\"„“«(]?)([A-Z\u0400-\u042f])[ \u00a0]+([a-z\u0430-\u045f][a-z\u0430-\u045f]+)",
        re.MULTILINE,
    )

    def join(m: re.Match[str]) -> str:
        fixed = _repair.join_drop_cap(m.group(0))  # one paragraph: the same rule
        return fixed

    return rx.sub(join, text)


@pytest.mark.parametrize(
    "text",
    ["Р уските", "И двете", "A car", "„Р уски войски", "x\nТ he end\nK ъща", "\nЗ аедно", ""],
)
def test_drop_cap_on_every_line(text: str) -> None:
    assert _repair.join_drop_cap(text) == _slow_drop_cap(text)


def test_cyrillic_count() -> None:
    assert _repair._cyrillic_count("abc д") == 1
    assert _repair._cyrillic_count("\u04ff") == 1
    assert _repair._cyrillic_count("Straße – „quote“ \u0500 \ud800") == 0
    assert _repair._cyrillic_count("Mоже да, ѐ и ӿ") == 8


def _expansions(pattern: str) -> list[str]:
    """Every string a small regex matches, for the constructs the phrases use: literals,
    groups of alternatives, "?", "*" (zero or one time) and character sets."""
    parser: Any = importlib.import_module("re._parser")

    def walk(items: Any) -> list[str]:
        out = [""]
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                opts = [chr(av)]
            elif name == "IN":
                opts = [chr(v) for o, v in av if str(o) == "LITERAL"] or [""]
            elif name == "SUBPATTERN":
                opts = walk(av[3])
            elif name == "BRANCH":
                opts = [x for branch in av[1] for x in walk(branch)]
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                lo, hi, sub = av
                opts = ([""] if lo == 0 else []) + (walk(sub) if hi else [])
            else:
                raise AssertionError(f"unexpected {name}")
            out = [a + b for a in out for b in opts]
        return out

    return walk(parser.parse(pattern))


def test_login_wall_words_gate_every_phrase() -> None:
    for phrase in _blocks._LOGIN_WALL_PHRASES:
        for sample in _expansions(phrase):
            assert _blocks._LOGIN_WALL.search(sample), sample
            assert any(w in sample for w in _blocks._LOGIN_WALL_WORDS), sample


@pytest.mark.parametrize(
    ("alternatives", "text", "found"),
    [
        (("share", "share this"), "please share this", True),
        (("e-?mail", "©"), "email", True),
        (("e-?mail", "©"), "© 2020", True),
        (("abc", "abd", "xyz"), "zzabdzz", True),
        (("abc", "abd", "xyz"), "zzabzz", False),
    ],
)
def test_alternation_finds_what_a_plain_one_does(
    alternatives: tuple[str, ...], text: str, found: bool
) -> None:
    fast = re.compile(_blocks.alternation(alternatives))
    plain = re.compile("|".join(alternatives))
    assert (fast.search(text) is not None) is (plain.search(text) is not None) is found


def test_alternation_needs_a_literal_start() -> None:
    with pytest.raises(ValueError):
        _blocks.alternation(("(?:a|b)c",))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Последвайте ни във Facebook", _blocks.Kind.BOILER),
        ("share", _blocks.Kind.BOILER),
        ("Снимка: БТА", _blocks.Kind.CAPTION),
        ("Photo by Jane Doe", _blocks.Kind.CAPTION),
        ("Коментари (12)", _blocks.Kind.COUNT),
        ("Източник: БГНЕС", _blocks.Kind.SOURCE),
        ("12.03.2024, 10:15", _blocks.Kind.DATE),
        ("преди 2 часа", _blocks.Kind.DATE),
        ("Автор: Иван Петров", _blocks.Kind.AUTHOR),
        ("За да прочетете цялата статия, влезте в профила си.", _blocks.Kind.BOILER),
        ("Днес времето ще бъде слънчево в цялата страна.", None),
    ],
)
def test_special_kinds(text: str, kind: _blocks.Kind | None) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert _blocks._special(text, now) is kind
    assert _blocks._special(text, now) is kind  # the second time from the cache


def test_dates_gates_are_necessary() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    for text in ("2024-03-12", "12.03.2024 10:00", "вчера в 10:30", "3 hours ago", "днес"):
        assert may_hold_date(text)
        assert find_date(text, now) is not None
        assert is_date_line(text, now)
    assert not may_hold_date("преди един час")  # no digit, no day word: never a date


def test_plain_counts_words_like_split() -> None:
    rnd = random.Random(2)
    words = ["дума", "word", "5", "\u00a0", "a.", "B", "x/", "“", "…", "—"]
    for _ in range(5000):
        parts = [rnd.choice(words) for _ in range(rnd.randint(1, 40))]
        text = _repair.repair(" ".join(parts))
        if not text:
            continue
        n = len(text.split())
        if n <= 2:
            assert _blocks._plain(text) is _blocks.Kind.SHORT
        elif n >= 25 and n * 12 >= len(text):
            assert _blocks._plain(text) is _blocks.Kind.PROSE


@pytest.mark.parametrize(
    ("cls", "ident", "hint"),
    [
        ("main nav", None, -1.0),
        ("x", "nav", -1.0),
        ("ad", "content", -1.0),
        ("bad", "content", 1.0),
        ("post", "tags", 1.0),
        ("widget", None, -1.0),
        ("post widget", None, 1.0),
        ("article-lead", "x", 1.25),
        (None, None, 0.0),
        ("foo", "bar", 0.0),
    ],
)
def test_attr_hint_judges_class_and_id_apart(
    cls: str | None, ident: str | None, hint: float
) -> None:
    assert _html._attr_hint(cls, ident, None, None, None, False) == hint


def test_split_blocks_glues_wrapped_lines() -> None:
    text = "Това е дълъг ред, който е пренесен посред\nизречението.\nНов ред."
    assert _text.split_blocks(text) == [
        "Това е дълъг ред, който е пренесен посред изречението.",
        "Нов ред.",
    ]
