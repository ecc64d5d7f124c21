"""Charsets: the Encoding Standard's labels decode, nothing else is ever handed to a codec,
and a body that declares nothing is sniffed (BOM, UTF-8, <meta charset>, detection)."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vestnik import charsets
from vestnik.charsets import CharsetError, decode, lookup, prescan
from vestnik.files import event_fields

from .conftest import ROOT, SEEDS

LIMIT = 10_000_000
RU = ("Президент России заявил, что переговоры о мирном урегулировании продолжатся на "
      "следующей неделе в Москве. По словам источников, стороны обсудят вопросы безопасности "
      "и экономического сотрудничества. Эксперты считают, что соглашение может быть "
      "подписано уже в этом году.")
BG = (SEEDS / "003_95b17be52b6e4541.txt").read_text()
BG_HTML = (ROOT / "examples/producers/pages/node-article.html").read_text()


def _html(text: str, head: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>\n" for p in text.split("\n") if p.strip())
    return (f"<!DOCTYPE html>\n<html><head>{head}<title>Новини</title></head>\n"
            f"<body><div class='article'>\n{paragraphs}</div></body></html>\n")


# --- the label table ---------------------------------------------------------------------


@pytest.mark.parametrize(("label", "name"), [
    ("windows-1251", "windows-1251"), ("cp1251", "windows-1251"), ("x-cp1251", "windows-1251"),
    ("koi8-r", "KOI8-R"), ("koi8", "KOI8-R"), ("koi8_r", "KOI8-R"), ("koi8-u", "KOI8-U"),
    ("koi8-ru", "KOI8-U"), ("iso-8859-5", "ISO-8859-5"), ("cyrillic", "ISO-8859-5"),
    ("cp866", "IBM866"), ("866", "IBM866"), ("x-mac-ukrainian", "x-mac-cyrillic"),
    ("utf-8", "UTF-8"), ("utf8", "UTF-8"), ("unicode-1-1-utf-8", "UTF-8"),
    ("utf-16", "UTF-16LE"), ("utf-16le", "UTF-16LE"), ("unicode", "UTF-16LE"),
    ("utf-16be", "UTF-16BE"), ("windows-1252", "windows-1252"), ("iso-8859-1", "windows-1252"),
    ("latin1", "windows-1252"), ("ascii", "windows-1252"), ("us-ascii", "windows-1252"),
    ("iso-8859-9", "windows-1254"), ("tis-620", "windows-874"), ("gb2312", "GBK"),
    ("gb18030", "gb18030"), ("big5-hkscs", "Big5"), ("shift_jis", "Shift_JIS"),
    ("sjis", "Shift_JIS"), ("windows-31j", "Shift_JIS"), ("euc-kr", "EUC-KR"),
    ("euc-jp", "EUC-JP"), ("iso-2022-jp", "ISO-2022-JP"),
    (" Windows-1251\n", "windows-1251"), ("KOI8-R", "KOI8-R"),  # case and whitespace
])
def test_a_label_of_the_standard_names_its_encoding(label: str, name: str) -> None:
    encoding = lookup(label)
    assert encoding is not None and encoding.name == name


def test_every_label_is_taken_from_the_standard_once() -> None:
    labels = [label for e in charsets.ENCODINGS for label in e.labels]
    # the Standard's encodings.json has 228, 7 of them for replacement and x-user-defined
    assert len(labels) == len(set(labels)) == 221


@pytest.mark.parametrize(("label", "text", "codec"), [
    ("windows-1251", RU, "cp1251"), ("cp1251", BG, "cp1251"), ("x-cp1251", RU, "cp1251"),
    ("koi8-r", RU, "koi8_r"), ("koi8-u", "Ґрунтовні зміни: їхні пропозиції", "koi8_u"),
    ("iso-8859-5", RU, "iso8859_5"), ("ibm866", RU, "cp866"), ("x-mac-cyrillic", RU,
                                                                   "mac_cyrillic"),
    ("utf-8", BG, "utf-8"), ("utf-16le", RU, "utf-16-le"), ("utf-16be", RU, "utf-16-be"),
    ("windows-1252", "Größe, Ärger, naïve café — “quoted” €5", "cp1252"),
    ("iso-8859-1", "Größe, Ärger, naïve café — “quoted” €5", "cp1252"),
    ("windows-1250", "Zażółć gęślą jaźń", "cp1250"), ("windows-1253", "Καλημέρα κόσμε", "cp1253"),
    ("gb18030", "中华人民共和国国务院总理在北京会见了代表团", "gb18030"),
    ("gbk", "中华人民共和国国务院总理", "gbk"), ("big5", "中華民國總統府今日發表聲明", "big5"),
    ("shift_jis", "日本政府は新しい経済対策を発表しました", "shift_jis"),
    ("euc-jp", "日本政府は新しい経済対策を発表しました", "euc_jp"),
    ("iso-2022-jp", "日本政府は新しい経済対策を発表しました", "iso2022_jp"),
    ("euc-kr", "대한민국 정부는 새로운 경제 정책을 발표했습니다", "euc_kr"),
])
def test_whatwg_labels_decode(label: str, text: str, codec: str) -> None:
    found = decode(text.encode(codec), label, html=False, max_bytes=LIMIT)
    assert found.text == text and found.how == "declared"


def test_utf_16_with_a_byte_order_mark_decodes_either_way_round() -> None:
    for data in ("\ufeff" + RU).encode("utf-16-le"), ("\ufeff" + RU).encode("utf-16-be"):
        found = decode(data, "utf-16", html=False, max_bytes=LIMIT)
        assert found.text == RU and found.how == "bom"


def test_single_byte_encodings_follow_the_standard_where_python_differs() -> None:
    def one(label: str, byte: int) -> str:
        return decode(bytes([byte]), label, html=False, max_bytes=LIMIT).text

    assert one("iso-8859-1", 0x80) == "€"  # iso-8859-1 is windows-1252
    assert one("iso-8859-1", 0x81) == "\x81"  # a C1 control, not an error
    assert one("windows-1251", 0x98) == "\x98"
    assert one("koi8-u", 0xAE) == "ў" and one("koi8-u", 0xBE) == "Ў"
    assert one("windows-1255", 0xCA) == "\u05ba"
    with pytest.raises(CharsetError) as info:  # a byte the Standard does not define either
        decode(b"ok \xaa", "windows-1253", html=False, max_bytes=LIMIT)
    assert info.value.code == "undecodable"


# --- names that are not text encodings ----------------------------------------------------


NOT_TEXT = ["punycode", "idna", "unicode_escape", "raw_unicode_escape", "unicode-escape",
            "rot13", "rot_13", "base64", "base64_codec", "zlib", "zlib_codec", "bz2", "hex",
            "uu", "quopri", "utf-7", "utf_32", "mbcs", "x-user-defined", "replacement",
            "iso-2022-kr", "hz-gb-2312", "win1251", "no-such-charset", ""]


@pytest.fixture
def no_codec_is_called(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way vestnik could reach a decoder, replaced by a spy that records the call."""
    calls: list[str] = []

    def spy(name: str) -> Callable[..., Any]:
        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called")
        return called

    for name in ("lookup", "decode", "getdecoder", "getincrementaldecoder", "charmap_decode"):
        monkeypatch.setattr(codecs, name, spy(f"codecs.{name}"))
    monkeypatch.setattr(charsets, "_decode", spy("charsets._decode"))
    monkeypatch.setattr(charsets, "_detected", spy("charsets._detected"))
    return calls


@pytest.mark.parametrize("label", NOT_TEXT)
def test_a_non_text_codec_named_as_charset_is_unknown_without_calling_any_codec(
    label: str, no_codec_is_called: list[str]
) -> None:
    assert lookup(label) is None
    with pytest.raises(CharsetError) as info:
        decode(b"xn--80ak6aa92e " * 40_000, label, html=True, max_bytes=LIMIT)
    assert info.value.code == "unknown_charset"
    assert no_codec_is_called == []


def test_a_label_with_a_non_ascii_letter_is_not_a_label() -> None:
    assert lookup("\u212aoi8-r") is None  # KELVIN SIGN lowercases to "k" in Unicode


def test_no_decoder_is_given_more_than_the_size_limit(no_codec_is_called: list[str]) -> None:
    with pytest.raises(CharsetError) as info:
        decode(b"a" * 1001, "utf-8", html=False, max_bytes=1000)
    assert info.value.code == "too_large" and no_codec_is_called == []


# --- sniffing: a BOM, UTF-8, <meta charset>, detection ------------------------------------


@pytest.mark.parametrize(("bom", "codec"), [
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
])
def test_a_byte_order_mark_gives_the_encoding_and_is_not_part_of_the_text(
    bom: bytes, codec: str
) -> None:
    found = decode(bom + BG.encode(codec), None, html=False, max_bytes=LIMIT)
    assert found.text == BG and found.how == "bom"


def test_a_byte_order_mark_wins_over_a_declared_charset() -> None:
    found = decode(b"\xef\xbb\xbf" + RU.encode(), "windows-1251", html=False, max_bytes=LIMIT)
    assert found.text == RU and found.encoding.name == "UTF-8"


def test_undeclared_utf8_is_utf8_even_when_a_meta_says_otherwise() -> None:
    page = _html(BG, '<meta charset="windows-1251">')
    found = decode(page.encode(), None, html=True, max_bytes=LIMIT)
    assert found.text == page and found.how == "utf-8"


@pytest.mark.parametrize(("head", "codec", "name"), [
    ('<meta charset="windows-1251">', "cp1251", "windows-1251"),
    ("<META CHARSET=koi8-r>", "koi8_r", "KOI8-R"),
    ("<meta charset='iso-8859-5' />", "iso8859_5", "ISO-8859-5"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "cp1251",
     "windows-1251"),
    ("<meta content='text/html;charset=\"koi8-r\"' http-equiv=content-type>", "koi8_r",
     "KOI8-R"),
])
def test_meta_charset_or_http_equiv_in_the_head_names_the_encoding(
    head: str, codec: str, name: str
) -> None:
    page = _html("Руските войски", head)  # too short for detection to be sure of anything
    found = decode(page.encode(codec), None, html=True, max_bytes=LIMIT)
    assert found.text == page and found.how == "meta" and found.encoding.name == name


@pytest.mark.parametrize(("head", "expected"), [
    ('<!-- <meta charset="koi8-r"> --><meta charset="windows-1251">', "windows-1251"),
    ('<meta charset="punycode"><meta charset="cp1251">', "windows-1251"),  # passed over
    ('<meta charset="utf-16le">', "UTF-8"),  # as the HTML standard says
    ('<meta name="description" content="charset=koi8-r">', None),  # not http-equiv
    ('<meta http-equiv="refresh" content="5; charset=koi8-r">', None),
    ("<metadata charset=koi8-r>", None),
])
def test_the_prescan_reads_meta_as_the_html_standard_does(head: str, expected: str | None
                                                           ) -> None:
    found = prescan(_html("x", head).encode())
    assert (found and found.name) == expected


def test_a_meta_charset_is_not_looked_for_in_plain_text(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setattr(charsets, "_detected", lambda data: iter(()))
    data = ('<meta charset="koi8-r">\n' + "Руските войски").encode("koi8_r")
    assert decode(data, None, html=True, max_bytes=LIMIT).how == "meta"
    with pytest.raises(CharsetError) as info:
        decode(data, None, html=False, max_bytes=LIMIT)
    assert info.value.code == "undecodable"


@pytest.mark.parametrize(("text", "codec", "name"), [
    (RU, "cp1251", "windows-1251"),
    (RU, "koi8_r", "KOI8-R"),
    (RU, "iso8859_5", "ISO-8859-5"),
    (RU, "cp866", "IBM866"),
    (BG, "cp1251", "windows-1251"),
])
@pytest.mark.parametrize("as_html", [False, True])
def test_an_undeclared_cyrillic_page_is_detected(text: str, codec: str, name: str,
                                                 as_html: bool) -> None:
    page = _html(text) if as_html else text
    found = decode(page.encode(codec), None, html=as_html, max_bytes=LIMIT)
    assert found.text == page and found.how == "detected" and found.encoding.name == name


@pytest.mark.parametrize(("codec", "name"), [("cp1251", "windows-1251"), ("koi8_r", "KOI8-R")])
def test_a_bulgarian_or_russian_page_with_no_declaration_is_detected(codec: str, name: str
                                                                     ) -> None:
    page = BG_HTML if codec == "cp1251" else _html(RU)
    found = decode(page.encode(codec), None, html=True, max_bytes=LIMIT)
    assert found.text == page and found.encoding.name == name


def test_detection_looks_past_a_long_ascii_head() -> None:
    page = _html(BG, "<script>" + "var x = 1;\n" * 20_000 + "</script>")
    found = decode(page.encode("cp1251"), None, html=True, max_bytes=LIMIT)
    assert found.text == page and found.encoding.name == "windows-1251"


@pytest.mark.parametrize("data", [
    b"\xc3\x28\xa0\xa1" * 100,  # all capitals in any Cyrillic encoding
    bytes(range(256)) * 10,  # control characters
    b"\x00\x01\xfe\xff\x80\x90" * 500,
])
def test_bytes_that_are_no_text_in_any_encoding_are_undecodable(data: bytes) -> None:
    with pytest.raises(CharsetError) as info:
        decode(data, None, html=True, max_bytes=LIMIT)
    assert info.value.code == "undecodable"
    assert "not UTF-8" in info.value.reason


def test_a_declared_charset_the_bytes_are_not_in_is_undecodable() -> None:
    with pytest.raises(CharsetError) as info:
        decode(RU.encode("cp1251"), "utf-8", html=False, max_bytes=LIMIT)
    assert info.value.code == "undecodable" and "not valid UTF-8" in info.value.reason


def test_looks_like_text_refuses_case_swapped_cyrillic() -> None:
    assert charsets.looks_like_text(RU)
    assert not charsets.looks_like_text(RU.encode("koi8_r").decode("cp1251"))


# --- pages on disk: vestnik clean / publish ---------------------------------------------


def _vestnik(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vestnik.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, check=False)


BG_TITLE = "Рекордна реколта от орехи в Северозападна България"


def test_vestnik_clean_of_an_undeclared_windows_1251_page_gives_its_article(
    tmp_path: Path
) -> None:
    page = tmp_path / "page-cp1251.html"
    page.write_bytes(BG_HTML.encode("cp1251"))
    done = _vestnik("clean", str(page))
    assert done.returncode == 0, done.stderr
    article = json.loads(done.stdout)["article"]
    assert article["title"] == BG_TITLE and "орехи" in article["body_text"]


def test_vestnik_clean_takes_any_label_of_the_standard(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(BG_HTML.encode("cp1251"))
    done = _vestnik("clean", "--charset", "x-cp1251", str(page))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["article"]["title"] == BG_TITLE


@pytest.mark.parametrize("command", ["clean", "publish"])
def test_vestnik_clean_and_publish_refuse_a_charset_that_is_no_text_encoding(
    command: str, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(BG_HTML.encode())
    done = _vestnik(command, "--charset", "punycode", str(page))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("vestnik: error: unknown charset 'punycode'")


def test_page_files_carry_the_standard_name_of_their_charset_or_none(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(BG_HTML.encode("cp1251"))
    assert event_fields(page, charset="cp1251")["charset"] == "windows-1251"
    assert "charset" not in event_fields(page)  # the cleaner sniffs it
    with pytest.raises(LookupError):
        event_fields(page, charset="rot13")
