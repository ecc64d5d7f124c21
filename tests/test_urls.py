"""Canonical URLs: every spelling of a page's URL gives one article id, distinct pages
distinct ids, and the article keeps the URL as fetched beside the canonical one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vestnik.cleaner.pipeline import clean_event
from vestnik.contracts import Article, ScrapeEvent
from vestnik.urls import article_id, canonical_url, site_of

from .conftest import SEEDS

CYRILLIC_PATH = "/новини/2025/11/14/министър-подаде-оставка"
ENCODED_PATH = (
    "/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8/2025/11/14/%D0%BC%D0%B8%D0%BD%D0%B8%D1%81%D1%82"
    "%D1%8A%D1%80-%D0%BF%D0%BE%D0%B4%D0%B0%D0%B4%D0%B5-%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0"
)


def _id(url: str) -> str:
    return article_id(canonical_url(url))


def test_cyrillic_path_percent_encoded_or_not_gives_one_article_id() -> None:
    assert _id(f"https://www.example.bg{CYRILLIC_PATH}") == _id(f"https://example.bg{ENCODED_PATH}")
    assert _id(f"https://example.bg{ENCODED_PATH.lower()}") == _id(
        f"https://example.bg{ENCODED_PATH}"
    )


def test_idn_host_in_unicode_or_punycode_gives_one_article_id() -> None:
    assert _id("https://новини.бг/a/1") == _id("https://xn--b1amarcd.xn--90ae/a/1")
    assert _id("https://НОВИНИ.бг/a/1") == _id("https://новини.бг/a/1")


def test_tilde_and_its_percent_encoding_give_one_article_id() -> None:
    assert _id("https://example.org/%7Eivan/post") == _id("https://example.org/~ivan/post")
    assert _id("https://example.org/%7eivan/post") == _id("https://example.org/~ivan/post")


def test_the_canonical_url_is_an_ascii_uri() -> None:
    assert canonical_url(f"https://новини.бг{CYRILLIC_PATH}") == (
        f"https://xn--b1amarcd.xn--90ae{ENCODED_PATH}"
    )


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("http://WWW.Example.bg:80/a/1/", "https://example.bg/a/1"),
        ("https://example.bg:443/a/1#comments", "https://example.bg/a/1"),
        ("https://example.bg:8443/a/1", "https://example.bg:8443/a/1"),
        ("https://example.bg/a/1?utm_source=fb&b=2&fbclid=x&a=1&ref=home", "https://example.bg/a/1?a=1&b=2"),
        ("https://example.bg/a/1?UTM_Medium=x", "https://example.bg/a/1"),
        ("https://example.bg", "https://example.bg/"),
        ("https://user:secret@example.bg/a/1", "https://example.bg/a/1"),
        ("https://example.bg/a/./b/../1", "https://example.bg/a/1"),
    ],
)
def test_the_rules_of_our_own_still_apply(spelling: str, canonical: str) -> None:
    assert canonical_url(spelling) == canonical


def test_a_url_the_normaliser_refuses_still_has_a_canonical_form() -> None:
    assert canonical_url("https://example.bg:99999/a/1") == "https://example.bg/a/1"


def test_site_is_the_host_without_www_in_unicode() -> None:
    assert site_of("https://www.xn--b1amarcd.xn--90ae/a") == "новини.бг"
    assert site_of(canonical_url("https://WWW.новини.бг/a")) == "новини.бг"
    assert site_of("https://www.Dnevnik.bg/a") == "dnevnik.bg"


# -- properties ----------------------------------------------------------------------------

_UNRESERVED = "abcxyzABCXYZ0189-_~."
_LETTERS = _UNRESERVED + "абвгдежзийклмнопрстуфхцчшщъьюяАБВЖЯёєіїўäöüßéçñ"
_SEGMENT = st.text(_LETTERS, min_size=1, max_size=12).filter(lambda s: s.strip(".") != "")
_PATHS = st.lists(_SEGMENT, min_size=1, max_size=4)
_HOSTS = [("новини.бг", "xn--b1amarcd.xn--90ae"), ("example.bg", "example.bg"),
          ("пример.рф", "xn--e1afmkfd.xn--p1ai")]


def _encoded(char: str, lower: bool) -> str:
    hexes = "".join(f"%{b:02X}" for b in char.encode())
    return hexes.lower() if lower else hexes


@given(path=_PATHS, host=st.sampled_from(_HOSTS), data=st.data())
def test_encoded_and_decoded_forms_of_a_url_give_one_id(
    path: list[str], host: tuple[str, str], data: st.DataObject
) -> None:
    unicode_host, puny_host = host
    decoded = f"https://{unicode_host}/" + "/".join(path)
    # every character kept or percent-encoded, by chance, in upper- or lower-case hex
    encoded_segments = []
    for segment in path:
        chars = [
            _encoded(c, data.draw(st.booleans())) if data.draw(st.booleans()) else c
            for c in segment
        ]
        encoded_segments.append("".join(chars))
    encoded = f"https://{data.draw(st.sampled_from(host))}/" + "/".join(encoded_segments)
    assert _id(encoded) == _id(decoded), (encoded, decoded)
    assert canonical_url(encoded).startswith(f"https://{puny_host}/")


@given(path=_PATHS, data=st.data())
def test_distinct_paths_give_distinct_ids(path: list[str], data: st.DataObject) -> None:
    # another path one character away (a letter's case, a Cyrillic for a Latin look-alike...)
    i = data.draw(st.integers(0, len(path) - 1))
    j = data.draw(st.integers(0, len(path[i]) - 1))
    other_char = data.draw(st.sampled_from(_LETTERS).filter(lambda c: c != path[i][j]))
    other = [*path]
    other[i] = path[i][:j] + other_char + path[i][j + 1:]
    assume(other[i].strip(".") != "")
    assert _id("https://example.bg/" + "/".join(path)) != _id(
        "https://example.bg/" + "/".join(other)
    )


# -- the article ---------------------------------------------------------------------------


def test_article_keeps_the_fetched_url_beside_the_canonical_one() -> None:
    fetched = f"http://www.example.bg{CYRILLIC_PATH}/?utm_source=telegram#comments"
    event = ScrapeEvent(url=fetched, fetched_at=datetime(2025, 11, 14, 10, tzinfo=UTC),
                        content_type="text/plain",
                        body=(SEEDS / "003_95b17be52b6e4541.txt").read_text())
    article = clean_event(event)
    assert isinstance(article, Article)
    assert article.url == f"https://example.bg{ENCODED_PATH}"
    assert article.provenance.fetched_url == fetched
    assert article.article_id == _id(f"https://example.bg{ENCODED_PATH}")
    assert article.site == "example.bg"
