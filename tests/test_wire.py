"""Entries from any producer become scrape events, or a WireError that says why."""

from __future__ import annotations

import base64
import codecs
from typing import NoReturn

import orjson
import pytest

from vestnik import charsets
from vestnik.wire import WireError, dead_letter, decode_event, original_fields

EVENT = {
    "url": "https://www.example.bg/news/1",
    "fetched_at": "2025-12-07T10:00:00+02:00",
    "content_type": "text/plain",
    "body": "Заглавие\n\nТекст на статията.",
}
NO_BODY = {k: v for k, v in EVENT.items() if k != "body"}
LIMIT = 1_000_000


def _plain(**overrides: str | bytes) -> dict[bytes, bytes]:
    fields = {**EVENT, **overrides}
    return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}


def test_event_as_plain_json_in_data_field_is_decoded() -> None:
    event = decode_event({b"__data__": orjson.dumps(EVENT)}, max_body_bytes=LIMIT)
    assert event.url == EVENT["url"] and event.body == EVENT["body"]


def test_event_as_plain_fields_is_decoded() -> None:
    event = decode_event(_plain(), max_body_bytes=LIMIT)
    assert event.content_type == "text/plain" and event.body == EVENT["body"]


async def test_event_in_faststream_envelope_is_decoded() -> None:
    from faststream.redis.parser import BinaryMessageFormatV1

    raw = await BinaryMessageFormatV1.encode(
        message=EVENT, reply_to=None, headers={"x": "1"}, correlation_id="c1"
    )
    event = decode_event({b"__data__": raw}, max_body_bytes=LIMIT)
    assert event.body == EVENT["body"]


def test_windows_1251_body_in_plain_fields_decodes_correctly() -> None:
    body = "Руските войски".encode("cp1251")
    event = decode_event(_plain(body=body, charset="windows-1251"), max_body_bytes=LIMIT)
    assert event.body == "Руските войски"


def test_charset_in_content_type_parameter_is_used() -> None:
    body = "Руските войски".encode("cp1251")
    fields = _plain(body=body, content_type="text/html; charset=windows-1251")
    event = decode_event(fields, max_body_bytes=LIMIT)
    assert event.body == "Руските войски" and event.content_type == "text/html"
    assert event.charset == "windows-1251"


def test_base64_body_with_charset_in_json_decodes() -> None:
    obj = {**EVENT, "charset": "cp1251"}
    del obj["body"]
    obj["body_base64"] = base64.b64encode("Новини".encode("cp1251")).decode()
    event = decode_event({b"__data__": orjson.dumps(obj)}, max_body_bytes=LIMIT)
    assert event.body == "Новини"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({b"__data__": b"{not json"}, "invalid_json"),
        ({b"__data__": b"[1, 2]"}, "schema"),
        ({b"__data__": orjson.dumps({**EVENT, "url": "ftp://x"})}, "schema"),
        ({b"__data__": orjson.dumps({k: v for k, v in EVENT.items() if k != "url"})}, "schema"),
        ({b"__data__": orjson.dumps({**EVENT, "body": "   "})}, "schema"),
        ({b"__data__": orjson.dumps({**EVENT, "fetched_at": 12.5e99})}, "schema"),
        ({b"__data__": orjson.dumps({**EVENT, "content_type": "image/png"})}, "schema"),
        (_plain(body=b"\xc3\x28\xa0\xa1" * 100), "undecodable"),
        (_plain(body="Новини".encode("cp1251"), charset="utf-8"), "undecodable"),
        (_plain(charset="no-such-charset"), "unknown_charset"),
        (_plain(charset="punycode"), "unknown_charset"),
        ({b"__data__": orjson.dumps({**NO_BODY, "body_base64": "eA==", "charset": 5})}, "schema"),
        ({b"__data__": b"\x00\x01\x02\xff" * 10}, "invalid_json"),
    ],
)
def test_bad_entry_raises_wire_error_with_code(fields: dict[bytes, bytes], code: str) -> None:
    with pytest.raises(WireError) as info:
        decode_event(fields, max_body_bytes=LIMIT)
    assert info.value.code == code
    assert info.value.reason


def test_entry_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(WireError) as info:
        decode_event(_plain(body="х" * 600), max_body_bytes=1000)
    assert info.value.code == "too_large"


def test_missing_event_id_is_derived_stably_from_url_and_time() -> None:
    a = decode_event(_plain(), max_body_bytes=LIMIT)
    b = decode_event({b"__data__": orjson.dumps(EVENT)}, max_body_bytes=LIMIT)
    assert a.event_id == b.event_id != ""


def test_dead_letter_keeps_binary_fields_as_base64_and_replays_them_exactly() -> None:
    fields = {b"url": b"https://x.bg/1", b"body": b"\xff\x00\xfe"}
    letter = dead_letter(
        stage="cleaner", error=WireError("undecodable", "bad"), source_stream="s",
        entry_id="1-0", fields=fields,
    )
    assert letter.base64_fields == ["body"]
    assert original_fields(letter) == {"url": b"https://x.bg/1", "body": b"\xff\x00\xfe"}


def test_dead_letter_cuts_fields_over_the_limit_and_says_so() -> None:
    letter = dead_letter(
        stage="cleaner", error=ValueError("boom"), source_stream="s", entry_id="1-0",
        fields={b"body": b"a" * 5000}, max_field_bytes=1024,
    )
    assert letter.truncated_fields == ["body"] and len(letter.fields["body"]) == 1024
    assert letter.error_type == "ValueError" and letter.reason == "boom"


# --- charsets ------------------------------------------------------------------------------


def test_any_label_of_the_standard_names_the_charset_and_the_event_says_which() -> None:
    event = decode_event(_plain(body="Руските войски".encode("cp1251"), charset="x-cp1251"),
                         max_body_bytes=LIMIT)
    assert event.body == "Руските войски" and event.charset == "windows-1251"


def test_an_undeclared_windows_1251_body_is_sniffed() -> None:
    body = "Армения и Азербайджан се споразумяха да градят взаимно доверие. " * 5
    event = decode_event(_plain(body=body.encode("cp1251")), max_body_bytes=LIMIT)
    assert event.body == body and event.charset == "windows-1251"


def test_an_undeclared_base64_body_is_sniffed_too() -> None:
    body = "Руските мироопазващи сили се изтеглят от Нагорни Карабах. " * 5
    obj = {**NO_BODY, "body_base64": base64.b64encode(body.encode("koi8_r")).decode()}
    event = decode_event({b"__data__": orjson.dumps(obj)}, max_body_bytes=LIMIT)
    assert event.body == body and event.charset == "KOI8-R"


def test_a_non_text_codec_named_in_an_event_is_unknown_charset_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python's punycode decoder is quadratic: 500 kB would take minutes. The label is
    refused before any codec is looked up or run."""
    calls: list[str] = []

    def spy(*args: object, **kwargs: object) -> NoReturn:
        calls.append("called")
        raise AssertionError("a codec was called")

    for name in ("lookup", "decode", "getdecoder", "charmap_decode"):
        monkeypatch.setattr(codecs, name, spy)
    monkeypatch.setattr(charsets, "_decode", spy)
    body = b"xn--80akhbyknj4f-" * 30_000  # 510 kB
    for fields in (_plain(body=body, charset="punycode"),
                   _plain(body=body, content_type="text/html; charset=punycode"),
                   {b"__data__": orjson.dumps({**NO_BODY, "charset": "punycode",
                                               "body_base64": base64.b64encode(body).decode()})}):
        with pytest.raises(WireError) as info:
            decode_event(fields, max_body_bytes=LIMIT)
        assert info.value.code == "unknown_charset" and "punycode" in info.value.reason
    assert calls == []
