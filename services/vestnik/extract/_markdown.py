"""Markdown dumps: a page a scraper turned into Markdown (html2text, pandoc, a crawler's
"markdown" output) and sent as text is read as the HTML it stands for, so that its
headings, links and lists count as they do in a page (a menu of links is a menu, the
``#`` headline a headline) instead of as lines strewn with ``](https://...)``.

Only the shape of the text decides (:func:`looks_like_markdown`): a few inline links or
images, or a heading line and a link. markdown-it-py renders it (CommonMark, raw HTML
inside it left as text).
"""

from __future__ import annotations

import re

__all__ = ["looks_like_markdown", "markdown_to_html"]

# "[text](https://...)", "[text](/path)", "![alt](...)": the target right after "]("
_LINK = re.compile(r"\]\((?:https?://|/|#|mailto:|\.\.?/)[^)\s]*(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
MIN_LINKS = 3  # this many inline links make a dump Markdown ...
MIN_LINKS_WITH_HEADING = 1  # ... or this many beside an ATX heading line
SNIFF_CHARS = 100_000  # the part of the text looked at


def looks_like_markdown(text: str) -> bool:
    """The text is a Markdown rendering of a page: inline links (or images) in Markdown's
    syntax, or a ``#`` heading line beside one."""
    sample = text[:SNIFF_CHARS]
    if "](" not in sample:
        return False
    links = len(_LINK.findall(sample))
    if links >= MIN_LINKS:
        return True
    return links >= MIN_LINKS_WITH_HEADING and _HEADING.search(sample) is not None


def markdown_to_html(text: str) -> str:
    """The HTML a Markdown text stands for (CommonMark; raw HTML in it stays text)."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).render(text))
