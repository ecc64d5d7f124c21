"""extract() must return Extracted or Rejected for any str, never raise."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vestnik.extract import ContentType, Extracted, Page, Rejected, extract

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
CONTENT_TYPES: tuple[ContentType, ...] = ("text/plain", "text/html")

# fragments that steer generated text into the interesting paths
FRAGMENTS = st.sampled_from(
    [
        "<p>", "</p>", "<div class='comments'>", "</div>", "<br>", "<h1>", "</h1>", "<a href=x>",
        "</a>", "<script type='application/ld+json'>{\"@type\":\"NewsArticle\",", "</script>",
        "&nbsp;", "&#1040;", "&bogus;", "Р уските", "Mоже", "Коментари 57", "Източник: БГНЕС",
        "Преди 2 часа", "07.12.2025 14:35", "31.02.2025", "вчера", " /БГНЕС", "\n\n", "\n",
        "\u00ad", "\u200b", "\x00", "Ð\x9f", "РЎ", "Последни", "снимка: архив", "2025-13-45T99:99",
        "Г", "\ud7ff", "<!--", "-->", "<", ">", "&", "\u3000", "ы", "ї", "ќ",
        # Markdown: three links make a dump Markdown, then anything goes
        "[a](https://x.example/a) [b](/b) [c](#c)\n\n", "# ", "## ", "* ", "> ", "**",
        "![", "](", ")", "[", "]", "`", "```", "---", "1. ", "    ",
    ]
)
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=40)), max_size=60).map("".join)


def _check(text: str, content_type: ContentType) -> None:
    result = extract(Page("https://x.example/", NOW, content_type, text))
    assert isinstance(result, Extracted | Rejected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, content_type=st.sampled_from(CONTENT_TYPES))
def test_extract_never_raises_on_generated_text(text: str, content_type: ContentType) -> None:
    _check(text, content_type)


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_extract_never_raises_on_binary_junk_decoded_as_latin1(
    raw: bytes, content_type: ContentType
) -> None:
    _check(raw.decode("latin-1"), content_type)


def test_extract_never_raises_on_edge_cases() -> None:
    cases = [
        "",
        " ",
        "\x00" * 10,
        "a" * 1_000_000,  # one huge line
        "Дума " * 200_000,
        "<div>" * 20_000 + "текст" + "</div>" * 20_000,  # deeply nested
        "<p>" * 10_000,
        "\n" * 100_000,
        "<html><body>" + "<p>Кратко.</p>" * 5_000 + "</body></html>",
        bytes(range(256)).decode("latin-1") * 50,
        "\ud800 lone surrogate \udfff",
    ]
    for text in cases:
        for content_type in CONTENT_TYPES:
            _check(text, content_type)


HOSTILE_MARKDOWN = {
    "quotes nested 5,000 deep": "> " * 5000 + "x",
    "a list nested 1,000 deep": "".join("  " * i + "* a\n" for i in range(1000)),
    "brackets nested 10,000 deep": "[" * 10000 + "](https://x.example/)" + "]" * 10000,
    "emphasis nested 5,000 deep": "*a " * 5000 + "b" + " a*" * 5000,
}


def test_extract_never_raises_on_hostile_markdown() -> None:
    links = "[a](https://x.example/a) [b](https://x.example/b) [c](https://x.example/c)\n\n"
    for name, text in HOSTILE_MARKDOWN.items():
        result = extract(Page("https://x.example/", NOW, "text/plain", links + text))
        assert isinstance(result, Extracted | Rejected), name
