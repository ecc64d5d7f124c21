"""Text repair for one block of scraped text.

Every function here is pure and usable alone; :func:`repair` chains them in the
order that makes each step see the output of the previous one:

mojibake -> HTML entities -> leaked tags -> invisible characters -> NFC ->
whitespace -> Latin/Cyrillic look-alikes -> split drop caps.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "collapse_line_whitespace",
    "collapse_whitespace",
    "fix_homoglyphs",
    "fix_mojibake",
    "join_drop_cap",
    "remove_invisible",
    "repair",
    "repair_lines",
    "strip_leaked_tags",
    "unescape_entities",
]

# --------------------------------------------------------------------------- mojibake


def _byte_table(codec: str, fallback_latin1: bool) -> dict[str, int]:
    table: dict[str, int] = {}
    if fallback_latin1:
        table.update({chr(b): b for b in range(256)})
    for b in range(256):
        try:
            table[bytes([b]).decode(codec)] = b
        except UnicodeDecodeError:
            continue
    return table


def _chars(table: dict[str, int], lo: int, hi: int) -> str:
    return "".join(re.escape(ch) for ch, b in table.items() if lo <= b <= hi and ord(ch) >= 0x80)


_CP1251 = _byte_table("cp1251", fallback_latin1=False)
_CP1252 = _byte_table("cp1252", fallback_latin1=True)


def _mojibake_run(table: dict[str, int]) -> re.Pattern[str]:
    lead2 = _chars(table, 0xC2, 0xDF)
    lead3 = _chars(table, 0xE0, 0xEF)
    cont = _chars(table, 0x80, 0xBF)
    unit = f"(?:[{lead2}][{cont}]|[{lead3}][{cont}]{{2}})"
    # units may be separated by ASCII (spaces, punctuation, digits) inside one run
    return re.compile(f"{unit}(?:[\\x20-\\x7e]{{0,3}}{unit})*")


_RUN_CP1251 = _mojibake_run(_CP1251)
# cheap gates, C-level substring searches, before the costly run patterns:
# 1. characters any mojibake of real text holds, rare in real text: "°µѕ‚ЃЂЅ" of "Р°" =
#    "а", "Рµ" = "е", "Рѕ" = "о", "С‚" = "т", "СЃ" = "с", "вЂ" = "“"; "ÐÑÃÂâ" (latin-1)
_CHARS_CP1251 = "°µѕ‚ЃЂЅ"
_CHARS_CP1252 = "ÐÑÃÂâ"
# 2. then pairs (single-character searches are several times faster than pairs, so they
#    come first): cp1251, the commonest Cyrillic letters, "вЂ" (“ ” – —), "Г©" (é) ...
_GATE_CP1251 = ("Рѕ", "Рµ", "Р°", "Рё", "РЅ", "С‚", "СЃ", "Р»", "СЂ", "РІ", "вЂ", "Г©")
# ... cp1252/latin-1: "â€" (’ “ ” – —), "â„" (™), or a lead ("Ã" of "Ã©" = "é", "Â" of
# "Â«", "Ð"/"Ñ" of Cyrillic) before a continuation character (not "ESPAÑA", "âge")
_GATE_CP1252 = ("â€", "â„")
_LEADS_CP1252 = "ÃÂÐÑ"
_CONT_CP1252 = frozenset(ch for ch, b in _CP1252.items() if 0x80 <= b <= 0xBF)
_RUN_CP1252 = _mojibake_run(_CP1252)
_UNIT_COUNT_CP1251 = re.compile(
    f"[{_chars(_CP1251, 0xC2, 0xDF)}][{_chars(_CP1251, 0x80, 0xBF)}]"
)
# latin-1 leads that are practically never followed by a continuation char in real text
_STRONG_LATIN_LEAD = frozenset("ÃÂÐÑâ")


# what re-decoded text may contain: Latin, Greek, Cyrillic, general punctuation, € № ™
_PLAUSIBLE = re.compile(
    "[\\x09\\x0a\\x0d\\x20-\\x7e\u00a0-\u024f\u0370-\u03ff\u0400-\u052f"
    "\u2000-\u206f\u20ac\u2116\u2122]*"
)


def _reencode(text: str, table: dict[str, int], codec: str) -> str | None:
    try:
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            if len(text) > 1000:
                return None
            raw = bytes(table[ch] if ord(ch) >= 0x80 else ord(ch) for ch in text)
        fixed = raw.decode("utf-8")
    except (KeyError, ValueError):
        return None
    return fixed if _PLAUSIBLE.fullmatch(fixed) else None


def _fix_runs(
    text: str, pattern: re.Pattern[str], table: dict[str, int], codec: str
) -> str:
    cyr = codec == "cp1251"
    def fix(m: re.Match[str]) -> str:
        run = m.group(0)
        if cyr:
            if len(_UNIT_COUNT_CP1251.findall(run)) < 2:
                return run
        elif len(run) < 4 and run[0] not in _STRONG_LATIN_LEAD:
            return run
        fixed = _reencode(run, table, codec)
        return run if fixed is None else fixed

    return pattern.sub(fix, text)


def _maybe_cp1252(text: str) -> bool:
    """Whether ``text`` may hold UTF-8 read as cp1252/latin-1 (see _GATE_CP1252)."""
    if any(g in text for g in _GATE_CP1252):
        return True
    for lead in _LEADS_CP1252:
        at = text.find(lead)
        while at >= 0:
            if text[at + 1 : at + 2] in _CONT_CP1252:
                return True
            at = text.find(lead, at + 1)
    return False


def fix_mojibake(text: str) -> str:
    """Reverse UTF-8 text that was decoded as cp1251 or latin-1/cp1252.

    The whole string is re-decoded when that works; otherwise only the runs that look
    like mojibake are, so a block mixing good text and mojibake is still repaired.
    """
    if not text.isascii():
        if (
            any(c in text for c in _CHARS_CP1251)
            and any(g in text for g in _GATE_CP1251)
            and _RUN_CP1251.search(text)
            and len(_UNIT_COUNT_CP1251.findall(text)) >= 2
        ):
            whole = _reencode(text, _CP1251, "cp1251")
            text = whole if whole is not None else _fix_runs(text, _RUN_CP1251, _CP1251, "cp1251")
        if (
            any(c in text for c in _CHARS_CP1252)
            and _maybe_cp1252(text)
            and _RUN_CP1252.search(text)
        ):
            whole = _reencode(text, _CP1252, "cp1252")
            text = whole if whole is not None else _fix_runs(text, _RUN_CP1252, _CP1252, "cp1252")
    return text


# --------------------------------------------------------------------------- markup

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]{0,20}(?:\s[^<>]{0,300})?/?>|<!--.{0,500}?-->")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def unescape_entities(text: str) -> str:
    """Decode HTML character references (``&nbsp;``, ``&#1088;``, ``&quot;``)."""
    if "&" not in text:
        return text
    return html.unescape(text)


def strip_leaked_tags(text: str) -> str:
    """Remove HTML tags that leaked into text (``<p>…</p>``, ``<br/>``, comments)."""
    if "<" not in text:
        return text
    return _TAG.sub(" ", _BR.sub(" ", text))


# --------------------------------------------------------------------------- characters

_INVISIBLE = re.compile(  # and the private-use area: icon-font glyphs
    "[\ue000-\uf8ff\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e\u034f"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
# whitespace other than " ", NBSP and newline; replaced one by one with str.replace,
# which is much faster than a character-class regex over a whole document
_ODD_SPACES = tuple(
    ch for ch in map(chr, range(0x3001)) if ch.isspace() and ch not in " \n\u00a0\u202f"
)
_SPACE_RUN = re.compile("   *")  # a literal prefix ("  +" has none): searched fast
# runs of spaces with a no-break one, in patterns that start with a literal (the regex
# engine searches for it fast): from each kind of no-break space on, and the one before
_NBSP_RUN = re.compile("\u00a0[ \u00a0\u202f]+")
_NNBSP_RUN = re.compile("\u202f[ \u00a0\u202f]+")
_SPACE_NBSP = re.compile(" [\u00a0\u202f]")


def _printable(text: str) -> bool:
    """No character but printable ones, line breaks and no-break spaces: then ``text``
    holds no invisible character (every one of _INVISIBLE but U+034F is "not printable")
    and no whitespace but " ", "\\n" and NBSP.  isprintable() is a C loop several times
    faster than a character-class search over a document."""
    return text.replace("\n", " ").replace("\u00a0", " ").isprintable()


def remove_invisible(text: str, printable: bool | None = None) -> str:
    """Drop soft hyphens, zero-width characters, BOMs and control characters
    (``printable``: :func:`_printable` of ``text``, when known)."""
    if (_printable(text) if printable is None else printable) and "\u034f" not in text:
        return text
    return _INVISIBLE.sub("", text)


def collapse_whitespace(text: str, odd_spaces: bool = True) -> str:
    """Collapse whitespace runs (NBSP and other Unicode spaces too) into one space.

    A lone non-breaking space between two words is typography ("5\u00a0000",
    "2020\u00a0г.") and is kept as it is; leading and trailing spaces are removed.
    ``odd_spaces=False``: the text has no whitespace but " ", "\\n" and NBSP.
    """
    return _collapse_runs(text.replace("\n", " "), odd_spaces).strip()


def collapse_line_whitespace(text: str, odd_spaces: bool = True) -> str:
    """Like :func:`collapse_whitespace` for each line; line breaks are kept."""
    text = _collapse_runs(text, odd_spaces)
    # the only whitespace left is " ", "\n" and the no-break spaces: lines are stripped
    # one by one only when one of them starts or ends with a space
    nbsp, nnbsp = "\u00a0" in text, "\u202f" in text
    if (
        "\n " in text or " \n" in text
        or (nbsp and ("\n\u00a0" in text or "\u00a0\n" in text))
        or (nnbsp and ("\n\u202f" in text or "\u202f\n" in text))
    ):
        return "\n".join(map(str.strip, text.split("\n")))
    return text.strip(" \u00a0\u202f")


def _collapse_runs(text: str, odd_spaces: bool = True) -> str:
    if odd_spaces:
        for ch in _ODD_SPACES:
            if ch in text:
                text = text.replace(ch, " ")
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    nbsp, nnbsp = "\u00a0" in text, "\u202f" in text
    if nbsp or nnbsp:
        if nbsp:
            text = _NBSP_RUN.sub(" ", text)
        if nnbsp:
            text = _NNBSP_RUN.sub(" ", text)
        text = _SPACE_RUN.sub(" ", _SPACE_NBSP.sub(" ", text))
    return text


# --------------------------------------------------------------------------- look-alikes

_LAT_TO_CYR = str.maketrans(
    "ABCEHKMOPTXYaceopxyk",
    "АВСЕНКМОРТХУасеорхук",
)
_CYR_TO_LAT = str.maketrans(
    "АВЕКМНОРСТХУаеорсухіјѕ",
    "ABEKMHOPCTXYaeopcyxijs",
)
_LAT_CONFUSABLE = frozenset("ABCEHKMOPTXYaceopxyk")
_CYR_CONFUSABLE = frozenset("АВЕКМНОРСТХУаеорсухіјѕ")
_LAT_RUN = re.compile(r"[A-Za-z][A-Za-z]*")  # not "[A-Za-z]+": a leading class is searched fast
_CYR_RUN = re.compile(r"[\u0400-\u04ff][\u0400-\u04ff]*")


# UTF-8 lead bytes of U+0400..U+04FF, and of nothing else
_CYR_LEAD_BYTES = b"\xd0\xd1\xd2\xd3"
# no byte of a character's UTF-8 but its own is ASCII
_ASCII_LETTER_BYTES = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _cyrillic_count(text: str, raw: bytes | None = None) -> int:
    """How many Cyrillic letters (U+0400..U+04FF) ``text`` holds (``raw``: its UTF-8, when
    known): encoding and dropping four bytes in one translate is C-level work, several
    times faster than a character-class regex (or four counts)."""
    if raw is None:
        raw = _utf8(text)
    return len(raw) - len(raw.translate(None, _CYR_LEAD_BYTES))


def _latin_count(raw: bytes) -> int:
    """How many ASCII letters the text of UTF-8 ``raw`` holds (what the letters of every
    ``_LAT_RUN`` add up to, without a regex pass over the text)."""
    return len(raw) - len(raw.translate(None, _ASCII_LETTER_BYTES))


def _is_cyr(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _fix_word(word: str, text_cyr: bool) -> str:
    n_cyr = sum(1 for ch in word if _is_cyr(ch))
    n_lat = sum(1 for ch in word if "A" <= ch <= "z")
    to_cyr = text_cyr if n_cyr == n_lat else n_cyr > n_lat
    if to_cyr:
        if all(ch in _LAT_CONFUSABLE for ch in word if "A" <= ch <= "z"):
            return word.translate(_LAT_TO_CYR)
    elif all(ch in _CYR_CONFUSABLE for ch in word if _is_cyr(ch)):
        return word.translate(_CYR_TO_LAT)
    return word


def fix_homoglyphs(text: str) -> str:
    """Replace Latin look-alike letters inside Cyrillic words ("Mоже" -> "Може").

    A word is converted to the script most of its letters are in, and only when every
    letter of the other script has a look-alike; ties go to the script of the text.
    """
    if text.isascii():
        return text
    raw = _utf8(text)
    n_cyr = _cyrillic_count(text, raw)
    if not n_cyr:
        return text
    # walk the runs of the rarer script (a text a quarter Cyrillic is mostly Cyrillic
    # letters: its Latin runs are the fewer) and look at their neighbours
    rare = _LAT_RUN if 4 * n_cyr >= len(text) else _CYR_RUN
    text_cyr: bool | None = None  # whether most letters are Cyrillic, found when needed
    out: list[str] = []
    pos = 0
    n = len(text)
    for m in rare.finditer(text):
        start, end = m.start(), m.end()
        if start < pos:
            continue
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < n else " "
        if not (before.isalpha() or after.isalpha()):
            continue
        while start > pos and text[start - 1].isalpha():
            start -= 1
        while end < n and text[end].isalpha():
            end += 1
        word = text[start:end]
        if text_cyr is None:
            text_cyr = n_cyr >= _latin_count(raw)
        fixed = _fix_word(word, text_cyr)
        if fixed != word:
            out.append(text[pos:start])
            out.append(fixed)
            pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- drop caps

# one-letter words that may legitimately start a sentence (bg, ru, uk, sr, mk, en, ...)
_ONE_LETTER_WORDS = frozenset("АВИКОСУЯЙЗІЇЄЈ")
_ONE_LETTER_LATIN = frozenset("AIOSVKZUWEY")  # en, and cs/sk/pl/sl/it/es prepositions
# searched in "\n" + text: the literal "\n" first lets the regex engine jump from line
# start to line start (a "^" with re.MULTILINE is tried at every character)
_DROP_CAP = re.compile(
    r"\n([\"„“«(]?)([A-Z\u0400-\u042f])[ \u00a0]+"
    r"([a-z\u0430-\u045f][a-z\u0430-\u045f]+)",
)


def _join_cap(m: re.Match[str]) -> str:
    quote, cap, rest = m.group(1), m.group(2), m.group(3)
    rest_cyr = _is_cyr(rest[0])
    if cap in (_ONE_LETTER_WORDS if rest_cyr else _ONE_LETTER_LATIN):
        return m.group(0)
    if rest_cyr and not _is_cyr(cap):
        if cap not in _LAT_CONFUSABLE:
            return m.group(0)
        cap = cap.translate(_LAT_TO_CYR)
        if cap in _ONE_LETTER_WORDS:
            return m.group(0)
    elif not rest_cyr and _is_cyr(cap):
        return m.group(0)
    return "\n" + quote + cap + rest


def join_drop_cap(text: str) -> str:
    """Join a drop cap that was split from its word at the start of a paragraph.

    "Р уските" -> "Руските"; one-letter words ("И двете", "В началото", "A car") are
    left alone.  A Latin capital look-alike before a Cyrillic word becomes Cyrillic.
    Every line of a multi-line text is a paragraph.
    """
    return _DROP_CAP.sub(_join_cap, "\n" + text)[1:]


# --------------------------------------------------------------------------- pipeline


def repair(text: str) -> str:
    """Run every repair on one block of text and return clean, single-line text."""
    if not text:
        return ""
    return _repair(text, collapse_whitespace)


def repair_lines(text: str) -> str:
    """Repair a whole multi-line text at once, keeping one block per line.

    Same steps as :func:`repair`, but newlines survive (each line is stripped and its
    inner whitespace collapsed), so a document is repaired in a few C-level passes.
    """
    if not text:
        return ""
    return _repair(text, collapse_line_whitespace)


def _repair(text: str, collapse: Callable[[str, bool], str]) -> str:
    text = fix_mojibake(text)
    text = unescape_entities(text)
    text = strip_leaked_tags(text)
    printable = _printable(text)  # most texts: no invisible characters, no odd spaces
    text = remove_invisible(text, printable)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = collapse(text, not printable)
    text = fix_homoglyphs(text)
    return join_drop_cap(text)
