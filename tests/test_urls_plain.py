"""``vestnik.urls`` makes a plain URL canonical without w3lib (issue 16: `vestnik clean FILE`
starts without importing it): for every URL it takes, its answer is w3lib's."""

from __future__ import annotations

import re
from functools import cache

from hypothesis import example, given, settings
from hypothesis import strategies as st
from w3lib.url import canonicalize_url

from vestnik import urls
from vestnik.files import LOCAL_URL_BASE

from .conftest import ROOT, SEEDS

_URL_FIELD = re.compile(r'"url": "([^"\\]+)"')


@cache
def _dev_urls() -> list[str]:
    """The URLs of the dev sets' pages (gold files), and the seeds' as `vestnik clean` makes
    them from the file names."""
    found = {f"{LOCAL_URL_BASE}{p.stem}" for p in SEEDS.glob("*.txt")}
    for gold in sorted((ROOT / "dev").rglob("*.gold.json")):
        head = gold.read_text(encoding="utf-8", errors="replace")[:4000]
        found.update(_URL_FIELD.findall(head))
    return sorted(found)


def _agrees(url: str) -> bool:
    plain = urls._plain_canonical(url)
    return plain is None or plain == canonicalize_url(url)


def test_plain_urls_of_the_dev_sets_are_canonical_as_w3lib_makes_them() -> None:
    dev = _dev_urls()
    assert len(dev) > 100
    assert [u for u in dev if not _agrees(u)] == []
    taken = [u for u in dev if urls._plain_canonical(u) is not None]
    assert len(taken) > len(dev) // 3  # the plain way is the common one, not a rarity


def test_the_common_shapes_take_the_plain_way() -> None:
    for url in (
        f"{LOCAL_URL_BASE}000_57d1c5b430fd8800",
        "https://www.24chasa.bg/novini/article/6853156",
        "http://example.bg",
        "https://example.bg/a/1/?b=2&a=1&a=0#top",
    ):
        assert urls._plain_canonical(url) == canonicalize_url(url), url
    assert urls._plain_canonical("https://example.bg/?a=1&a.b=0") == (
        "https://example.bg/?a=1&a.b=0"
    )  # sorted by key, then value
    assert urls._plain_canonical("https://example.bg/a/1/?b=2&a=1&a=0#top") == (
        "https://example.bg/a/1/?a=0&a=1&b=2"
    )


_HOST = st.lists(st.text("abcxyzAB019-_.", min_size=1, max_size=8), min_size=1, max_size=4).map(
    ".".join
)
_SEGMENT = st.text("aZ09._~!$&'()*+,;=:@-%2Fé ?#[]\\|\"<>", max_size=8)
_PAIR = st.tuples(
    st.text("aZ09._~-+%2 ;é", max_size=4),
    st.sampled_from(["=", "", "=="]),
    st.text("aZ09._~-+%2 ;é", max_size=4),
).map("".join)
_QUERY = st.lists(_PAIR, max_size=4).map("&".join)
_URL = st.builds(
    lambda scheme, host, port, segments, query, fragment: (
        f"{scheme}://{host}{port}{''.join('/' + s for s in segments)}{query}{fragment}"
    ),
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    _HOST,
    st.sampled_from(["", ":80", ":8443", ":"]),
    st.lists(_SEGMENT, max_size=4),
    st.one_of(st.just(""), _QUERY.map(lambda q: f"?{q}")),
    st.sampled_from(["", "#", "#top", "#a/b?c", "#é"]),
)


@settings(max_examples=2000)
@given(_URL)
@example("https://example.bg/a/./b")
@example("https://example.bg/a/..")
@example("https://xn--b1amarcd.xn--90ae/a")
@example("https://1.2.3.4/a")
@example("https://example.bg/?a=1&a")
@example("https://a--b.bg/")
@example("https://example.bg/?a=1&a.b=0")
@example("http://a/;")  # the last segment's empty parameters: w3lib drops the ";"
@example("http://a/b;?q=1")
def test_a_plain_url_is_made_canonical_as_w3lib_makes_it(url: str) -> None:
    assert _agrees(url)
