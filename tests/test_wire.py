"""Entries from any producer become scrape events, or a WireError that says why."""

from __future__ import annotations

import base64
import codecs
import hashlib
from datetime import timedelta
from typing import NoReturn

import orjson
import pytest
from redis.asyncio import Redis

from vestnik import charsets
from vestnik.contracts import DeadLetter
from vestnik.dlq import replay
from vestnik.settings import Settings
from vestnik.wire import (
    WireError,
    _utf8_prefix,
    dead_letter,
    decode_event,
    decode_model,
    encode_model,
    original_fields,
)

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
    assert a.event_id == b.event_id != ""  # one scrape, whatever its shape
    other_body = decode_event(_plain(body="Друг текст."), max_body_bytes=LIMIT)
    assert other_body.event_id == a.event_id  # the body is not part of it


@pytest.mark.parametrize(("field", "value"), [
    ("url", "https://www.example.bg/news/2"),  # another page
    ("url", "http://www.example.bg/news/1"),  # another scheme
    ("fetched_at", "2025-12-07T10:00:01+02:00"),  # a second later
    ("fetched_at", "2025-12-08T10:00:00+02:00"),  # a day later
])
def test_a_derived_event_id_changes_with_the_url_and_with_the_fetch_time(
    field: str, value: str
) -> None:
    first = decode_event(_plain(), max_body_bytes=LIMIT)
    again = decode_event(_plain(**{field: value}), max_body_bytes=LIMIT)
    assert again.event_id != first.event_id, (
        f"two scrapes differing in {field} got one event id: {first.event_id}")


def test_an_event_id_the_producer_gives_is_kept() -> None:
    event = decode_event(_plain(event_id="scraper-42"), max_body_bytes=LIMIT)
    assert event.event_id == "scraper-42"


@pytest.mark.parametrize("url", [
    "", "   ", "https://", "http://", "https:///news/1", "https://:443/news/1",
    "//www.example.bg/news/1", "www.example.bg/news/1", "/news/1",
])
@pytest.mark.parametrize("shape", ["json", "fields"])
def test_a_blank_or_host_less_url_is_a_schema_error(url: str, shape: str) -> None:
    fields = (_plain(url=url) if shape == "fields"
              else {b"__data__": orjson.dumps({**EVENT, "url": url})})
    with pytest.raises(WireError) as info:
        decode_event(fields, max_body_bytes=LIMIT)
    assert info.value.code == "schema" and info.value.reason.startswith("url: "), (
        f"{url!r} was not refused as a url: {info.value}")


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


# --- the whole entry is bounded -----------------------------------------------------------


def test_the_size_limit_counts_field_names_too() -> None:
    fields = _plain()
    size = sum(len(k) + len(v) for k, v in fields.items())
    decode_event(fields, max_body_bytes=size)
    with pytest.raises(WireError) as info:
        decode_event({**fields, b"x" * 100: b""}, max_body_bytes=size)
    assert info.value.code == "too_large" and "field names and values" in info.value.reason


def test_a_30_mb_field_name_is_too_large_before_anything_is_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(charsets, "decode", lambda *a, **k: pytest.fail("decoded"))
    fields = {b"\xd0" * 30_000_000: b"x", b"url": b"https://x.bg/1"}
    with pytest.raises(WireError) as info:
        decode_event(fields, max_body_bytes=5_000_000)
    assert info.value.code == "too_large"


def _letter_bytes(letter: DeadLetter) -> int:
    return sum(len(k) + len(v) for k, v in encode_model(letter).items())


def _letter(fields: dict[bytes, bytes], *, max_bytes: int | None = None,
            max_field_bytes: int | None = None, keep_bodies: bool | None = None) -> DeadLetter:
    return dead_letter(stage="cleaner", error=WireError("too_large", "too big"),
                       source_stream="s", entry_id="1-0", fields=fields, max_bytes=max_bytes,
                       max_field_bytes=max_field_bytes, keep_bodies=keep_bodies)


def test_a_30_mb_field_name_becomes_a_small_dead_letter_saying_the_name_was_cut() -> None:
    name = "имe".encode() * 6_000_000
    letter = _letter({name: b"x", b"url": b"https://x.bg/1"}, max_bytes=100_000)
    assert _letter_bytes(letter) < 2_000
    (kept,) = letter.truncated_fields
    assert len(kept.encode()) <= 200 and letter.fields[kept] == "x"
    assert letter.cut is not None and "1 field name(s) cut" in letter.cut.summary
    assert letter.cut.originals[kept].name_bytes == len(name)


@pytest.mark.parametrize("value", [
    b"a" * 3_000_000,
    "я".encode() * 1_500_000,  # two bytes a character
    b"\x01\"\\" * 1_000_000,  # JSON escapes: up to six bytes a byte
    b"\xff\xfe" * 1_500_000,  # not UTF-8: base64
])
def test_a_dead_letter_is_cut_as_a_whole_and_says_what_it_cut(value: bytes) -> None:
    fields = {b"url": b"https://x.bg/1", b"body": value, b"other": value[:400_000],
              b"small": b"kept whole"}
    letter = _letter(fields, max_bytes=500_000, max_field_bytes=1_000_000)
    assert 400_000 < _letter_bytes(letter) <= 500_000
    assert letter.fields["small"] == "kept whole" and letter.fields["url"] == "https://x.bg/1"
    assert letter.truncated_fields == ["body", "other"]
    assert letter.cut is not None and letter.cut.entry_bytes == sum(
        len(k) + len(v) for k, v in fields.items())
    assert "values cut: 'body' from 3000000 to" in letter.cut.summary
    assert letter.cut.originals["body"].sha256 == hashlib.sha256(value).hexdigest()
    kept = original_fields(letter)["body"]
    assert value.startswith(kept) and 0 < len(kept) < len(value)


def test_a_dead_letter_of_too_many_fields_leaves_the_rest_out_and_counts_them() -> None:
    fields = {f"field-{i}".encode(): b"v" * 20 for i in range(200_000)}
    letter = _letter(fields, max_bytes=100_000)
    assert _letter_bytes(letter) <= 100_000
    assert letter.cut is not None
    assert letter.cut.left_out_fields == 200_000 - len(letter.fields) > 0
    assert letter.cut.entry_fields == 200_000 and letter.truncated_fields


def test_a_whole_dead_letter_says_nothing_was_cut() -> None:
    letter = _letter(_plain())
    assert letter.cut is None and letter.truncated_fields == []
    assert original_fields(letter) == {k.decode(): v for k, v in _plain().items()}


def test_with_bodies_not_kept_a_dead_letter_holds_only_their_size_and_sha256() -> None:
    body = "Страница".encode() * 1000
    letter = _letter(_plain(body=body), keep_bodies=False)
    assert "body" not in letter.fields and letter.fields["url"] == EVENT["url"]
    assert letter.truncated_fields == ["body"]
    assert letter.cut is not None and not letter.cut.bodies_kept
    digest = letter.cut.originals["body"]
    assert (digest.value_bytes, digest.sha256) == (len(body), hashlib.sha256(body).hexdigest())
    assert "Страница" not in encode_model(letter)["__data__"].decode()


def test_with_bodies_not_kept_the_body_in_json_goes_and_the_rest_stays() -> None:
    letter = _letter({b"__data__": orjson.dumps(EVENT)}, keep_bodies=False)
    assert orjson.loads(letter.fields["__data__"]) == NO_BODY
    assert letter.truncated_fields == ["__data__"]
    assert letter.cut is not None
    assert letter.cut.originals["__data__.body"].sha256 == hashlib.sha256(
        EVENT["body"].encode()).hexdigest()
    unreadable = _letter({b"__data__": b"{not json " + "текст".encode() * 100},
                         keep_bodies=False)
    assert unreadable.fields == {} and unreadable.truncated_fields == ["__data__"]


async def test_a_cut_dead_letter_is_refused_by_replay_with_a_clear_message(
    redis: Redis, settings: Settings
) -> None:
    stream = settings.dead_letter_stream("cleaner")
    for letter in (_letter(_plain(body=b"a" * 200_000), max_bytes=100_000),
                   _letter(_plain(), keep_bodies=False)):
        raw_id = await redis.xadd(stream, encode_model(letter))  # type: ignore[arg-type]
        letter_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        with pytest.raises(ValueError, match=f"dead letter {letter_id} cannot be replayed: "
                                             "not the whole entry .*body"):
            await replay(redis, stream, [letter_id])
    assert await redis.xlen(stream) == 2


# --- each refusal's code and reason, exactly (a dead letter says them to people) ------------

MAGIC = b"\x89BIN\r\n\x1a\n"


def _envelope(rest: bytes) -> dict[bytes, bytes]:
    return {b"__data__": MAGIC + b"\x00\x01" + rest}


def _refusal(fields: dict[bytes, bytes]) -> tuple[str, str]:
    with pytest.raises(WireError) as info:
        decode_event(fields, max_body_bytes=LIMIT)
    assert str(info.value) == f"{info.value.code}: {info.value.reason}"
    return info.value.code, info.value.reason


def test_a_truncated_faststream_envelope_is_invalid_envelope() -> None:
    short = _envelope(b"\x00\x00\x00\x10" + b"\x00\x00\x05")  # 17 bytes: no whole header
    assert _refusal(short) == ("invalid_envelope", "truncated FastStream envelope")
    past_end = _envelope(b"\x00\x00\x00\x12" + b"\x01\x00\x00\x00" + b"{}")  # data at 16 MB
    assert _refusal(past_end) == ("invalid_envelope", "truncated FastStream envelope")
    at_end = _envelope(b"\x00\x00\x00\x12" + b"\x00\x00\x00\x12")  # 18 bytes, data empty
    assert _refusal(at_end)[0] == "invalid_json"  # a whole envelope holding nothing


@pytest.mark.parametrize(("fields", "refusal"), [
    ({b"\xffurl": b"x"}, ("undecodable", "a field name is not valid UTF-8 "
                                         "(byte 0: invalid start byte)")),
    ({b"url": b"https://a.bg/\xff"}, ("undecodable", "field 'url' is not valid UTF-8 "
                                                     "(byte 13: invalid start byte)")),
    ({b"n" * 70: b"\xc3"}, ("undecodable", f"field {'n' * 60!r} is not valid UTF-8 "
                                           "(byte 0: unexpected end of data)")),
    ({b"__data__": b"[1]"}, ("schema", "__data__ must be a JSON object, got list")),
    ({b"__data__": orjson.dumps({**NO_BODY, "body_base64": "eA==", "charset": 5})},
     ("schema", "charset must be a string")),
    ({b"__data__": orjson.dumps({**NO_BODY, "body_base64": 5})},
     ("schema", "body_base64 must be a string")),
    ({b"__data__": orjson.dumps({**NO_BODY, "body_base64": "eA=?"})},
     ("schema", "body_base64 is not valid base64")),
    ({b"__data__": orjson.dumps({**NO_BODY, "body_base64": "e A=="})},
     ("schema", "body_base64 is not valid base64")),  # outside the alphabet: not skipped
    ({b"__data__": orjson.dumps(NO_BODY)}, ("schema", "body: Field required")),
    ({k.encode(): v.encode() for k, v in NO_BODY.items()}, ("schema", "body: Field required")),
    ({b"__data__": orjson.dumps({"content_type": "text/plain", "body": "x"})},
     ("schema", "url: Field required; fetched_at: Field required")),
    ({b"__data__": orjson.dumps({"version": 2, "content_type": "image/png", "body": " ",
                                 "charset": "x" * 50, "site": 5})},
     ("schema", "version: Input should be 1; url: Field required; fetched_at: Field required; "
                "content_type: Input should be 'text/html' or 'text/plain'; "
                "body: Value error, body is empty")),  # the first five of six
])
def test_each_refusal_says_its_code_and_why(fields: dict[bytes, bytes],
                                            refusal: tuple[str, str]) -> None:
    assert _refusal(fields) == refusal


def test_a_body_in_json_wins_over_a_body_base64_beside_it() -> None:
    obj = {**EVENT, "body_base64": "not base64 at all"}
    assert decode_event({b"__data__": orjson.dumps(obj)}, max_body_bytes=LIMIT).body == (
        EVENT["body"])


def test_a_quoted_charset_parameter_is_read_and_a_mangled_one_is_refused() -> None:
    body = "Руските войски".encode("cp1251")
    event = decode_event(_plain(body=body, content_type="text/plain; charset='windows-1251'"),
                         max_body_bytes=LIMIT)
    assert event.body == "Руските войски"
    for ctype in ("text/plain;charset=windows-1251", "text/plain; charset=x-cp1251"):
        assert decode_event(_plain(body=body, content_type=ctype),
                            max_body_bytes=LIMIT).body == "Руските войски", ctype
    code, reason = _refusal(_plain(body=body, content_type="text/plain; charset=cp1251=x"))
    assert code == "unknown_charset" and "cp1251=x" in reason


def test_an_html_page_s_meta_charset_is_read_only_for_html() -> None:
    text = "Армения и Азербайджан се споразумяха да градят взаимно доверие. " * 5
    page = (b'<html><head><meta charset="koi8-r"></head><body><p>' + text.encode("cp1251")
            + b"</p></body></html>")
    html = decode_event(_plain(body=page, content_type="text/html"), max_body_bytes=LIMIT)
    assert html.charset == "KOI8-R"  # the page's declaration, though the bytes are 1251
    upper = decode_event(_plain(body=page, content_type="Text/HTML"), max_body_bytes=LIMIT)
    assert upper.charset == "KOI8-R"
    plain = decode_event(_plain(body=page, content_type="text/plain"), max_body_bytes=LIMIT)
    assert plain.charset == "windows-1251"  # a text dump's bytes are only sniffed


def test_a_vestnik_message_without_data_or_off_its_contract_is_a_schema_error() -> None:
    with pytest.raises(WireError) as info:
        decode_model({b"body": b"x"}, DeadLetter)
    assert (info.value.code, info.value.reason) == ("schema", "entry has no __data__ field")
    with pytest.raises(WireError) as info:
        decode_model({b"__data__": b'{"stage": "cleaner"}'}, DeadLetter)
    assert info.value.code == "schema"
    assert info.value.reason.startswith("reason: Field required; error_type: Field required")


def test_an_article_dead_letter_without_bodies_keeps_the_digests_of_its_text() -> None:
    article = {"title": "Заглавие", "body_paragraphs": ["Първи.", "Втори."],
               "body_text": "Първи.\n\nВтори.", "lead": None, "url": "https://a.bg/1"}
    letter = _letter({b"__data__": orjson.dumps(article)}, keep_bodies=False)
    assert orjson.loads(letter.fields["__data__"]) == {"title": "Заглавие",
                                                       "url": "https://a.bg/1"}
    assert letter.cut is not None
    originals = letter.cut.originals
    assert originals["__data__.body_paragraphs"].sha256 == hashlib.sha256(
        orjson.dumps(["Първи.", "Втори."])).hexdigest()
    assert originals["__data__.body_text"].sha256 == hashlib.sha256(
        "Първи.\n\nВтори.".encode()).hexdigest()
    assert originals["__data__.lead"].sha256 == hashlib.sha256(b"null").hexdigest()


# --- dead letters: the cuts, exactly --------------------------------------------------------


def _valid_prefix_length(data: bytes, limit: int) -> int:
    """The longest prefix of at most ``limit`` bytes that is whole UTF-8, tried one by one."""
    for n in range(min(limit, len(data)), -1, -1):
        try:
            data[:n].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return n
    raise AssertionError("unreachable: the empty prefix decodes")


@pytest.mark.parametrize("text", ["abc", "яюя", "€a€", "😀a😀", "aя€😀" * 3, "я€😀a" * 3,
                                  "ऄaऄ", "ÀaÀ"])  # leads 0xE0 and 0xC3
def test_a_value_is_cut_to_whole_utf8_characters_only(text: str) -> None:
    data = text.encode()
    for limit in range(len(data) + 2):
        cut = _utf8_prefix(data, limit)
        assert len(cut) == _valid_prefix_length(data, limit), (text, limit, cut)
        assert data.startswith(cut)


def test_binary_values_lose_at_most_a_partial_character_s_bytes() -> None:
    data = bytes(range(256)) * 4
    for limit in range(0, 1030, 7):
        cut = _utf8_prefix(data, limit)
        assert data.startswith(cut) and min(limit, len(data)) - 4 <= len(cut) <= limit


def test_a_dead_letter_s_reason_is_cut_at_1000_characters_saying_so() -> None:
    whole = _letter_with(WireError("schema", "x" * 1000))
    assert whole.reason == "x" * 1000
    cut = _letter_with(WireError("schema", "y" * 1500))
    assert cut.reason == "y" * 1000 + " [...]"
    assert _letter_with(ValueError()).reason == "ValueError"  # no message: its type
    assert _letter_with(ValueError()).error_type == "ValueError"
    assert _letter_with(ValueError("x")).delivery_count == 1
    assert _letter_with(ValueError("x")).failed_at.utcoffset() == timedelta(0)  # aware, UTC


def _letter_with(error: Exception, **kw: object) -> DeadLetter:
    return dead_letter(stage="cleaner", error=error, source_stream="s", entry_id="1-0",
                       fields={b"url": b"https://x.bg/1"}, **kw)  # type: ignore[arg-type]


def test_limits_not_given_are_the_process_settings() -> None:
    fields = {b"body": b"a" * 2_000_000}
    only_field = dead_letter(stage="cleaner", error=ValueError("x"), source_stream="s",
                             entry_id="1-0", fields=fields, max_field_bytes=10)
    assert only_field.fields["body"] == "a" * 10  # the given limit
    only_bodies = dead_letter(stage="cleaner", error=ValueError("x"), source_stream="s",
                              entry_id="1-0", fields=fields, keep_bodies=True)
    assert only_bodies.cut is not None and only_bodies.cut.max_bytes == 1_000_000
    assert _letter_bytes(only_bodies) <= 1_000_000 < _letter_bytes(only_bodies) + 20_000
    no_size = dead_letter(stage="cleaner", error=ValueError("x"), source_stream="s",
                          entry_id="1-0", fields=fields, max_field_bytes=10, keep_bodies=True)
    assert no_size.cut is not None and no_size.cut.max_bytes == 1_000_000
    only_size = dead_letter(stage="cleaner", error=ValueError("x"), source_stream="s",
                            entry_id="1-0", fields=fields, max_bytes=100_000)
    assert only_size.cut is not None and only_size.cut.bodies_kept  # the default: kept


def test_a_field_name_that_is_not_utf8_is_kept_escaped() -> None:
    letter = _letter({b"na\xffme": b"value", b"url": b"https://x.bg/1"})
    assert letter.fields == {"na\\xffme": "value", "url": "https://x.bg/1"}
    names = [f"{i:03d}".encode() + b"n" * 197 for i in range(60)]
    names[30] = b"\xff" + names[30][1:]  # past the room names have: left out, named
    crowded = _letter(dict.fromkeys(names, b"v"), max_bytes=65_536)
    assert crowded.cut is not None and 0 < len(crowded.fields) < 30
    assert any(name.startswith("\\xff30n") for name in crowded.cut.originals)


def test_without_bodies_the_fields_after_a_body_are_kept() -> None:
    letter = _letter({b"body": b"<html>" * 10, b"url": b"https://x.bg/1",
                      b"content_type": b"text/html"}, keep_bodies=False)
    assert letter.fields == {"url": "https://x.bg/1", "content_type": "text/html"}
    unreadable = _letter({b"__data__": b"{not json", b"url": b"https://x.bg/1"},
                         keep_bodies=False)
    assert unreadable.fields == {"url": "https://x.bg/1"}
    assert unreadable.truncated_fields == ["__data__"]


def test_a_letter_without_its_page_body_says_only_that_in_its_summary() -> None:
    data = orjson.dumps({"url": "https://a.bg/1", "body": "abc"})
    letter = _letter({b"__data__": data}, keep_bodies=False, max_bytes=100_000,
                     max_field_bytes=5000)
    assert letter.cut is not None
    assert letter.cut.summary == (
        f"not the whole entry ({8 + len(data)} bytes in 1 fields): page bodies left out: "
        "__data__.body (a dead letter is at most 100000 bytes, 5000 a value, and keeps no "
        "page bodies)")
