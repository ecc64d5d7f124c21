"""The text encodings a page body may be in, and how its encoding is found.

Only the encodings of the WHATWG Encoding Standard (https://encoding.spec.whatwg.org/)
are decoded, named by the Standard's labels: ``cp1251``, ``x-cp1251`` and
``windows-1251`` are windows-1251; ``latin1``, ``iso-8859-1`` and ``ascii`` are
windows-1252; ``utf-16`` is UTF-16LE. A name that is not one of those labels (Python's
``punycode``, ``idna``, ``unicode_escape``, ``rot13``, ``base64``, ``zlib``, ``utf-7``...;
the Standard's ``replacement`` and ``x-user-defined``) is refused without being looked up
among Python's codecs, so no transform that is not a text decoder, and no decoder whose
time grows faster than its input (``punycode``'s is quadratic), is ever run on a body.

Single-byte encodings decode by the Standard's own tables (Python's codecs patched where
they differ: the C1 controls of windows-874 and windows-125x, two letters of KOI8-U, one
of windows-1255); multi-byte ones by Python's codec of the same family. A byte an
encoding does not define is an error, not U+FFFD.

A byte order mark wins over any declaration, as in the Standard's *decode*. With no
declaration, a body is UTF-8 if it is valid UTF-8; else the encoding an HTML page names
in a ``<meta charset>`` or ``http-equiv`` in its first kilobytes; else the encoding
charset-normalizer finds, if the text it gives looks like text (Cyrillic single-byte
encodings told apart by letter case, among others); else it is ``undecodable``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

ErrorCode = Literal["unknown_charset", "undecodable", "too_large"]
How = Literal["declared", "bom", "utf-8", "meta", "detected"]

PRESCAN_BYTES = 4096  # how far into an HTML page <meta charset> is looked for
SAMPLE_BYTES = 64 * 1024  # how much of a body detection looks at


class CharsetError(Exception):
    """A body that cannot be decoded; ``code`` is stable, ``reason`` says why."""

    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code: ErrorCode = code
        self.reason = reason


@dataclass(frozen=True)
class Encoding:
    """One encoding of the Standard: its name there, and the Python codec behind it."""

    name: str
    codec: str
    labels: tuple[str, ...] = field(repr=False)
    single_byte: bool = False
    # bytes whose character the Standard's index gives but Python's codec does not
    patch: dict[int, int] = field(default_factory=dict, compare=False, hash=False, repr=False)


def _c1(*bytes_: int) -> dict[int, int]:
    """Bytes 0x80-0x9F that Python's windows codec leaves undefined: the Standard decodes
    each to the C1 control of the same number."""
    return {b: b for b in bytes_}


# The Standard's encodings and labels (encodings.json), less `replacement` and
# `x-user-defined`; each with the Python codec that decodes it.
ENCODINGS: tuple[Encoding, ...] = (
    Encoding("UTF-8", "utf-8", ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8",
                                "utf-8", "utf8", "x-unicode20utf8")),
    Encoding("IBM866", "cp866", ("866", "cp866", "csibm866", "ibm866"), True),
    Encoding("ISO-8859-2", "iso8859_2", ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2",
                                         "iso88592", "iso_8859-2", "iso_8859-2:1987", "l2",
                                         "latin2"), True),
    Encoding("ISO-8859-3", "iso8859_3", ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3",
                                         "iso88593", "iso_8859-3", "iso_8859-3:1988", "l3",
                                         "latin3"), True),
    Encoding("ISO-8859-4", "iso8859_4", ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4",
                                         "iso88594", "iso_8859-4", "iso_8859-4:1988", "l4",
                                         "latin4"), True),
    Encoding("ISO-8859-5", "iso8859_5", ("csisolatincyrillic", "cyrillic", "iso-8859-5",
                                         "iso-ir-144", "iso8859-5", "iso88595", "iso_8859-5",
                                         "iso_8859-5:1988"), True),
    Encoding("ISO-8859-6", "iso8859_6", ("arabic", "asmo-708", "csiso88596e", "csiso88596i",
                                         "csisolatinarabic", "ecma-114", "iso-8859-6",
                                         "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127",
                                         "iso8859-6", "iso88596", "iso_8859-6",
                                         "iso_8859-6:1987"), True),
    Encoding("ISO-8859-7", "iso8859_7", ("csisolatingreek", "ecma-118", "elot_928", "greek",
                                         "greek8", "iso-8859-7", "iso-ir-126", "iso8859-7",
                                         "iso88597", "iso_8859-7", "iso_8859-7:1987",
                                         "sun_eu_greek"), True),
    Encoding("ISO-8859-8", "iso8859_8", ("csiso88598e", "csisolatinhebrew", "hebrew",
                                         "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
                                         "iso8859-8", "iso88598", "iso_8859-8",
                                         "iso_8859-8:1988", "visual"), True),
    Encoding("ISO-8859-8-I", "iso8859_8", ("csiso88598i", "iso-8859-8-i", "logical"), True),
    Encoding("ISO-8859-10", "iso8859_10", ("csisolatin6", "iso-8859-10", "iso-ir-157",
                                           "iso8859-10", "iso885910", "l6", "latin6"), True),
    Encoding("ISO-8859-13", "iso8859_13", ("iso-8859-13", "iso8859-13", "iso885913"), True),
    Encoding("ISO-8859-14", "iso8859_14", ("iso-8859-14", "iso8859-14", "iso885914"), True),
    Encoding("ISO-8859-15", "iso8859_15", ("csisolatin9", "iso-8859-15", "iso8859-15",
                                           "iso885915", "iso_8859-15", "l9"), True),
    Encoding("ISO-8859-16", "iso8859_16", ("iso-8859-16",), True),
    Encoding("KOI8-R", "koi8_r", ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"), True),
    Encoding("KOI8-U", "koi8_u", ("koi8-ru", "koi8-u"), True, {0xAE: 0x045E, 0xBE: 0x040E}),
    Encoding("macintosh", "mac_roman", ("csmacintosh", "mac", "macintosh", "x-mac-roman"), True),
    Encoding("windows-874", "cp874", ("dos-874", "iso-8859-11", "iso8859-11", "iso885911",
                                      "tis-620", "windows-874"), True,
             _c1(0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E,
                 0x8F, 0x90, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F)),
    Encoding("windows-1250", "cp1250", ("cp1250", "windows-1250", "x-cp1250"), True,
             _c1(0x81, 0x83, 0x88, 0x90, 0x98)),
    Encoding("windows-1251", "cp1251", ("cp1251", "windows-1251", "x-cp1251"), True, _c1(0x98)),
    Encoding("windows-1252", "cp1252", ("ansi_x3.4-1968", "ascii", "cp1252", "cp819",
                                        "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
                                        "iso8859-1", "iso88591", "iso_8859-1",
                                        "iso_8859-1:1987", "l1", "latin1", "us-ascii",
                                        "windows-1252", "x-cp1252"), True,
             _c1(0x81, 0x8D, 0x8F, 0x90, 0x9D)),
    Encoding("windows-1253", "cp1253", ("cp1253", "windows-1253", "x-cp1253"), True,
             _c1(0x81, 0x88, 0x8A, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x98, 0x9A, 0x9C, 0x9D, 0x9E,
                 0x9F)),
    Encoding("windows-1254", "cp1254", ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148",
                                        "iso8859-9", "iso88599", "iso_8859-9",
                                        "iso_8859-9:1989", "l5", "latin5", "windows-1254",
                                        "x-cp1254"), True,
             _c1(0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E)),
    Encoding("windows-1255", "cp1255", ("cp1255", "windows-1255", "x-cp1255"), True,
             {**_c1(0x81, 0x8A, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x9A, 0x9C, 0x9D, 0x9E, 0x9F),
              0xCA: 0x05BA}),
    Encoding("windows-1256", "cp1256", ("cp1256", "windows-1256", "x-cp1256"), True),
    Encoding("windows-1257", "cp1257", ("cp1257", "windows-1257", "x-cp1257"), True,
             _c1(0x81, 0x83, 0x88, 0x8A, 0x8C, 0x90, 0x98, 0x9A, 0x9C, 0x9F)),
    Encoding("windows-1258", "cp1258", ("cp1258", "windows-1258", "x-cp1258"), True,
             _c1(0x81, 0x8A, 0x8D, 0x8E, 0x8F, 0x90, 0x9A, 0x9D, 0x9E)),
    Encoding("x-mac-cyrillic", "mac_cyrillic", ("x-mac-cyrillic", "x-mac-ukrainian"), True),
    # the Standard decodes GBK with its gb18030 decoder; Big5 includes HKSCS; Shift_JIS
    # and EUC-KR are Microsoft's extensions of them (cp932, cp949)
    Encoding("GBK", "gb18030", ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312",
                                "gb_2312-80", "gbk", "iso-ir-58", "x-gbk")),
    Encoding("gb18030", "gb18030", ("gb18030",)),
    Encoding("Big5", "big5hkscs", ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5")),
    Encoding("EUC-JP", "euc_jp", ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp")),
    Encoding("ISO-2022-JP", "iso2022_jp", ("csiso2022jp", "iso-2022-jp")),
    Encoding("Shift_JIS", "cp932", ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis",
                                    "sjis", "windows-31j", "x-sjis")),
    Encoding("EUC-KR", "cp949", ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean",
                                 "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "ksc_5601",
                                 "windows-949")),
    Encoding("UTF-16BE", "utf-16-be", ("unicodefffe", "utf-16be")),
    Encoding("UTF-16LE", "utf-16-le", ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode",
                                       "unicodefeff", "utf-16", "utf-16le")),
)
_BY_LABEL: dict[str, Encoding] = {label: e for e in ENCODINGS for label in e.labels}
_BY_NAME: dict[str, Encoding] = {e.name: e for e in ENCODINGS}
UTF8 = _BY_NAME["UTF-8"]
UTF16BE = _BY_NAME["UTF-16BE"]
UTF16LE = _BY_NAME["UTF-16LE"]
_BOMS = ((b"\xef\xbb\xbf", UTF8), (b"\xfe\xff", UTF16BE), (b"\xff\xfe", UTF16LE))
_ASCII_WHITESPACE = "\t\n\f\r "

# What detection chooses among: Cyrillic single-byte encodings first (the pages vestnik
# is for), then Latin, Greek and the East Asian multi-byte ones.
DETECTABLE: tuple[str, ...] = (
    "windows-1251", "KOI8-R", "KOI8-U", "ISO-8859-5", "IBM866", "x-mac-cyrillic",
    "windows-1252", "windows-1250", "ISO-8859-2", "windows-1253", "windows-1254",
    "windows-1257", "gb18030", "Big5", "Shift_JIS", "EUC-JP", "EUC-KR",
)


def lookup(label: str) -> Encoding | None:
    """The encoding ``label`` names in the Standard (ASCII whitespace around it and case
    ignored), or None: never a Python codec that is not one of the Standard's."""
    if not label.isascii():
        return None
    return _BY_LABEL.get(label.strip(_ASCII_WHITESPACE).lower())


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: Encoding
    how: How


def decode(data: bytes, label: str | None, *, html: bool, max_bytes: int,
           what: str = "body") -> Decoded:
    """``data`` as text: in the encoding ``label`` names when there is one (a BOM wins),
    else found as the module says. ``CharsetError`` when it cannot be: an unknown label
    (refused before anything is decoded), bytes not in the encoding, or no encoding found.
    ``data`` longer than ``max_bytes`` is refused before any decoder sees it."""
    if len(data) > max_bytes:
        raise CharsetError("too_large", f"{what} is {len(data)} bytes, the limit is {max_bytes}")
    declared = None
    if label is not None:
        declared = lookup(label)
        if declared is None:
            raise CharsetError("unknown_charset", f"unknown charset {label[:60]!r}: not a "
                               "text encoding of the Encoding Standard")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return Decoded(_strict(encoding, data[len(bom):], what), encoding, "bom")
    if declared is not None:
        return Decoded(_strict(declared, data, what), declared, "declared")
    try:
        return Decoded(_decode(UTF8, data), UTF8, "utf-8")
    except UnicodeDecodeError as exc:
        not_utf8 = exc
    if html and (named := prescan(data[:PRESCAN_BYTES])) is not None:
        try:
            return Decoded(_decode(named, data), named, "meta")
        except UnicodeDecodeError:
            pass  # a <meta> that does not fit the bytes: look for one that does
    for encoding, text in _detected(data):
        return Decoded(text, encoding, "detected")
    raise CharsetError("undecodable", f"{what} is not UTF-8 (byte {not_utf8.start}: "
                       f"{not_utf8.reason}), declares no charset, and is in no encoding "
                       "that could be detected")


def _strict(encoding: Encoding, data: bytes, what: str) -> str:
    try:
        return _decode(encoding, data)
    except UnicodeDecodeError as exc:
        raise CharsetError("undecodable", f"{what} is not valid {encoding.name} "
                           f"(byte {exc.start}: {exc.reason})") from exc


def _decode(encoding: Encoding, data: bytes) -> str:
    """The one place bytes become text: strictly, by the Standard's table for a
    single-byte encoding, by Python's codec for the others."""
    if encoding.single_byte:
        return codecs.charmap_decode(data, "strict", _table(encoding))[0]
    return data.decode(encoding.codec)


@cache
def _table(encoding: Encoding) -> str:
    """The 256 characters of a single-byte encoding, as the Standard's index has them;
    U+FFFE where it defines none."""
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode(encoding.codec))
        except UnicodeDecodeError:
            chars.append("\ufffe")
    for byte, code_point in encoding.patch.items():
        chars[byte] = chr(code_point)
    return "".join(chars)


# -- <meta charset> ---------------------------------------------------------------------

_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.S)
_META = re.compile(rb"<meta(?=[\s/>])([^>]*)", re.I)
_ATTRIBUTE = re.compile(rb"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_CONTENT_CHARSET = re.compile(rb"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""", re.I)


def prescan(head: bytes) -> Encoding | None:
    """The encoding the first ``<meta charset=…>`` or ``<meta http-equiv=content-type
    content="…; charset=…">`` of ``head`` names, as the HTML standard's prescan takes it:
    comments skipped, unknown labels passed over, a UTF-16 label taken as UTF-8."""
    for meta in _META.finditer(_COMMENT.sub(b"", head)):
        attributes: dict[bytes, bytes] = {}
        for found in _ATTRIBUTE.finditer(meta[1]):
            value = found[2] or b""
            if value[:1] in (b'"', b"'"):
                value = value[1:-1]
            attributes.setdefault(found[1].lower(), value)
        label = attributes.get(b"charset")
        if label is None and attributes.get(b"http-equiv", b"").lower() == b"content-type":
            content = _CONTENT_CHARSET.search(attributes.get(b"content", b""))
            label = content and (content[1] or content[2] or content[3])
        encoding = label and lookup(label.decode("latin-1"))
        if encoding:
            return UTF8 if encoding in (UTF16BE, UTF16LE) else encoding
    return None


# -- detection ----------------------------------------------------------------------------

_NON_ASCII = re.compile(rb"[\x80-\xff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UNLIKELY = re.compile(r"[\x80-\x9f\ufffd\u2500-\u259f\ue000-\uf8ff]")  # C1, box drawing, PUA


def _detected(data: bytes) -> Iterator[tuple[Encoding, str]]:
    """The encodings charset-normalizer finds for a sample of ``data``, best first, each
    with ``data`` decoded, that decode all of it into something that looks like text."""
    from charset_normalizer import from_bytes

    sample = _sample(data)
    candidates = {e.codec: e for e in map(_BY_NAME.__getitem__, DETECTABLE)}
    matches = from_bytes(sample, cp_isolation=list(candidates), preemptive_behaviour=False)
    for match in matches:
        encoding = candidates.get(match.encoding)
        if encoding is None:
            continue
        try:
            if not looks_like_text(_decode(encoding, sample)):
                continue
            yield encoding, _decode(encoding, data)
        except UnicodeDecodeError:
            continue


def _sample(data: bytes) -> bytes:
    """Up to ``SAMPLE_BYTES`` of ``data`` from a little before its first byte over 0x7F (a
    page may open with more ASCII markup than that), cut after a space, newline, ``<`` or
    ``>``: never a part of a multi-byte character in any of the candidates."""
    if len(data) <= SAMPLE_BYTES:
        return data
    found = _NON_ASCII.search(data)
    start = max(0, found.start() - 1024) if found else 0
    end = start + SAMPLE_BYTES
    if end >= len(data):
        return data[start:]
    cut = max(data.rfind(sep, end - 4096, end) for sep in (b"\n", b" ", b"<", b">"))
    return data[start:cut + 1 if cut >= 0 else end]


def looks_like_text(text: str) -> bool:
    """Text a wrong guess of a single-byte encoding rarely gives: few control characters,
    C1 controls, box drawing or private-use characters, and more lower- than upper-case
    letters beyond ASCII (KOI8-R read as windows-1251 swaps the case of every letter)."""
    if len(_CONTROLS.findall(text)) * 100 > len(text):
        return False
    beyond = [c for c in text if c > "\x7f"]
    if len(_UNLIKELY.findall("".join(beyond))) * 50 > len(beyond):
        return False
    upper = sum(c.isupper() for c in beyond)
    lower = sum(c.islower() for c in beyond)
    return upper + lower < 8 or lower >= upper
