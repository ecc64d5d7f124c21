"""Build a development set with full gold from mozilla/readability's test pages.

Usage::

    git clone https://github.com/mozilla/readability CLONES/readability
    .venv/bin/python dev/make_fullgold.py --clones CLONES [OUT_DIR]
    .venv/bin/python dev/make_fullgold.py --score [OUT_DIR]   # vestnik vs trafilatura

The pages are readability's regression fixtures (``test/test-pages/<name>/``): the
saved ``source.html``, readability's cleaned article ``expected.html`` and its
``expected-metadata.json``.  They are read from the clone ``CLONES/readability`` (a work
tree or a bare clone, see dev/sources.py; nothing needs checking out) at the pinned
commit ``COMMIT``, ab4027a8b37669745016869a37a504727992b2ba (main of 2026-07-09).  Per
kept page this writes::

    OUT_DIR/<name>.html       source.html, decoded to UTF-8 honouring its declared charset
    OUT_DIR/<name>.txt        the text dump of dev/make_devset.py (one block per line)
    OUT_DIR/<name>.gold.json  {"url"?, "title", "body_paragraphs"}

The gold is derived, not typed by hand, but checked page by page:

* ``body_paragraphs``: the text of every block of ``expected.html`` in document order
  (``p li h2-h6 pre blockquote td dd``; text loose in a container is a block of its own,
  kept when the container is a ``li``, list or ``header``), whitespace-normalised, empty
  ones dropped; figure captions (``figcaption``) and the ``h1`` are left out; then, hand-
  checked, what readability keeps that is no body text (``DROP`` and ``CUT``: player
  widgets, photo labels, bylines, author notes, related links, comments) is taken out;
* ``title``: readability's title, kept only where that exact text (whitespace-normalised)
  is the text of an ``h1``/``h2`` of source.html or a segment of its ``<title>`` (the
  whole ``<title>`` when it has no separator such as `` | `` or `` - ``, otherwise one of
  the parts between separators); otherwise null (not scored), because readability's
  title is sometimes the ``<title>`` with the site's name.  Where the page's ``h1``/``h2``
  spells it with other quotes (``“Burned Her Up”`` where the ``<title>`` has straight
  ones), the headline's spelling, the one a reader of the page sees;
* ``url``: the page's ``<link rel=canonical>`` or ``og:url`` where it has one;
* no ``published_at`` (no date is scored) and no ``lead`` (the lead is part of the body).

Skipped (see ``skip_reason``): readability's hand-written unit fixtures (a source under
5 kB or lorem ipsum), pages whose expected text is under 500 characters, pages not
mostly in Latin or Cyrillic script, and the pages in ``NOT_ARTICLES`` (no news or blog
article: fiction, books, reference and product pages, a front page).

OUT_DIR defaults to dev/full (git-ignored); the script is re-runnable.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_devset import decode_html, text_dump, words
from sources import CloneError, clone_git_dir, clone_path

HERE = Path(__file__).resolve().parent
REPO = "mozilla/readability"
COMMIT = "ab4027a8b37669745016869a37a504727992b2ba"  # main, 2026-07-09
PAGES = "test/test-pages"

# Prose pages that are no news or blog article (page name -> why).
NOT_ARTICLES: dict[str, str] = {
    "archive-of-our-own": "fiction: a fan-fiction chapter",
    "royal-road": "fiction: a web-serial chapter",
    "clean-links": "literature: a study edition of 'Bartleby, the Scrivener'",
    "google-sre-book-1": "a book chapter",
    "ietf-1": "a specification (an Internet-Draft)",
    "mercurial": "software documentation",
    "lwn-1": "a whole weekly edition (many articles)",
    "daringfireball-1": "a site's colophon (about page)",
    "mozilla-1": "a product page",
    "mozilla-2": "a product page",
    "mathjax": "a MathJax demo page",
    "nytimes-5": "a section front (teasers of many articles)",
    "wikipedia": "an encyclopedia article",
    "wikipedia-2": "an encyclopedia article",
    "wikipedia-3": "an encyclopedia article",
    "wikipedia-4": "an encyclopedia list",
}

# Hand-checked: what readability keeps that is no body text (player and subscription
# widgets, photo labels and credits, datelines and bylines, author notes, related links,
# comments).  Per page, the paragraphs to drop (exact text, or a prefix ending in "...")
# and in CUT the first paragraph of a tail to drop whole.
DROP: dict[str, tuple[str, ...]] = {
    "aktualne": ("Pokud jste v článku zaznamenali chybu...",),
    "ars-1": ("Biz & IT —",),
    "article-author-tag": ("(All photos: Atlas staff)",),
    "breitbart": ("JIM WATSON/AFP/Getty Images", "SIGN UP FOR OUR NEWSLETTER",
                  "Lucas Nolan is a reporter for Breitbart Tech..."),
    "bug-1255978": ("Play Video", "Play", "Current Time 0:00", "/", "Duration Time 0:00",
                    "Loaded: 0%", "Progress: 0%", "Remaining Time -0:00", "Share",
                    "Fullscreen"),
    "buzzfeed-1": ("West Merica Police", "Facebook"),
    "citylab-1": ("Why Neon Is the Ultimate Symbol of the 20th Century", "1:39 PM ET"),
    "cnet": ("Tech Enabled: CNET chronicles...", "Technically Literate: Original works..."),
    "cnet-svg-classes": ("Reproduciendo: Mira esto:...", "8:09"),
    "cnn": ("Powered by SmartAsset.com", "Related: Chicago is America's most segregated city",
            "CNNMoney (New York) First published..."),
    "ebb-org": ("Tuesday 15 October 2019 by Bradley M. Kuhn",),
    "ehow-1": ("Found This Helpful", "Featured"),
    "ehow-2": ("Last updated September 14, 2016", "Save"),
    "engadget": ("Gallery: Xbox One X...", "from $610.00", "87"),
    "herald-sun-1": ("LAURIE OAKES IS THE NINE NETWORK POLITICAL EDITOR",),
    "keep-tabular-data": ("Posted by kovarex, TOGos, Ernestas, Albert on 2019-02-15...",),
    "la-nacion": ("Andrés Malamud es politólogo...",),
    "lazy-image-2": ("(Artist:...", "(Source:...", "Mama Robotnik is a video game historian..."),
    "links-in-tables": ("Posted by Andrew Hayden, Software Engineer on Google Play",),
    "nytimes-1": ("Continue reading the main story",),
    "nytimes-2": ("Continue reading the main story",),
    "nytimes-3": ("Image", "Feb. 21, 2019"),
    "nytimes-4": ("Image", "Sept. 25, 2018"),
    "quanta-1": ("This article was reprinted on Wired.com.",),
    "schema-org-context-object": ("Stella Kim", "Stella Kim is an NBC News freelance...",
                                  "Jennifer Jett", "Jennifer Jett is the Asia Digital..."),
    "simplyfound-1": ("Raspberry Pi 3 - A credit card sized PC that only costs $35 - Image:...",
                      "Raspberry Pi - Various Usage"),
    "theverge": ("Monthly", "$7/month", "A flexible plan you can cancel anytime.", "Annual",
                 "$70/year", "A discounted plan to keep you up to date all year.", "Corporate",
                 "$60/person/year", "Keep your team informed on the inside conversation.",
                 "We accept credit card, Apple Pay and Google Pay.",
                 "Sign up for Command Line, a paid weekly newsletter..."),
    "tmz-1": ("2/26/2015 7:11 AM PST BY TMZ STAFF", "EXCLUSIVE"),
    "videos-2": ("Alexandre Hervaud , Jérémy Piette",),
    "wapo-2": ("Israeli Prime Minister Benjamin Netanyahu reacts as he visits...",
               "Steven Mufson covers the White House..."),
    "wikia": ("Would you like to be part of the Fandom team?...",),
    "yahoo-2": ("1 / 5", "In this photo dated Tuesday, Nov, 29, 2016...", "___", "__"),
    "yahoo-3": ("'GMA' Cookie Search:", "Redesigned Scopes Fail to Stop...", "View photo", ".",
                "Vanessa Hicks"),
}
CUT: dict[str, str] = {
    "bug-1255978": "More about:",
    "citylab-1": "About the Author",
    "ebb-org": "#include <std/disclaimer.h>",
    "ehow-2": "Related Searches",
    "firefox-nightly-blog": "2 comments on",
    "iab-1": "About the author",
    "keep-images": "Top photo by Joan Bardeletti",
    "nytimes-3": "Corey Kilgannon is a Metro reporter",
    "nytimes-4": "Nelson D. Schwartz has covered economics",
    "wapo-1": "Read more:",
    "yahoo-1": "Review: High-flying ‘NBA 2K17’",
}

MIN_TEXT = 500  # characters of expected text
MIN_SOURCE = 5000  # bytes: smaller sources are readability's hand-written unit fixtures
SCRIPTS = ("LATIN", "CYRILLIC")

# Where a block of body text starts and ends (text between two boundaries is one block).
_BOUNDARY = words(
    "address article aside blockquote body dd details div dl dt figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "thead tfoot tr td th ul caption"
)
# The blocks whose text is body text (``td`` only when it has text, as every block); text
# loose in a list is too (a page indents quotes with bare ``ul``), and in a ``header``
# (a standfirst).
_BODY_BLOCKS = words("p li h2 h3 h4 h5 h6 pre blockquote td dd ul ol header")
_SKIP = words("script style noscript template svg head iframe math img")
_WS = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_TITLE_SEP = re.compile(r"\s+(?:[|\-\u2013\u2014\u00bb/\\>:]{1,2})\s+")


def norm(text: str) -> str:
    """Whitespace-normalised text, as vestnik.evaluation.norm (invisible characters out)."""
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


def read_blob(gdir: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={gdir}", "cat-file", "blob", f"{COMMIT}:{path}"],
        capture_output=True, check=True,
    ).stdout


def page_names(gdir: Path) -> list[str]:
    res = subprocess.run(
        ["git", f"--git-dir={gdir}", "ls-tree", "--name-only", f"{COMMIT}:{PAGES}"],
        capture_output=True, check=True, text=True,
    )
    return sorted(res.stdout.split())


def body_paragraphs(expected_html: str) -> list[str]:
    """The text of each block of readability's article, in order (see the docstring)."""
    tree = LexborHTMLParser(expected_html)
    root = tree.body or tree.root
    if root is None:
        return []
    out: list[str] = []
    current: list[str] = []

    def flush(block: str | None, in_caption: bool) -> None:
        text = norm("".join(current))
        current.clear()
        if text and block in _BODY_BLOCKS and not in_caption:
            out.append(text)

    def walk(node: LexborNode, block: str | None, in_caption: bool) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                current.append(child.text_content or "")
                continue
            if tag is None or tag.startswith("-") or tag in _SKIP:
                continue
            if tag == "br":
                current.append(" ")
                continue
            if tag not in _BOUNDARY:
                walk(child, block, in_caption)
                continue
            flush(block, in_caption)
            walk(child, tag, in_caption or tag == "figcaption")
            flush(tag, in_caption or tag == "figcaption")

    walk(root, None, False)
    flush(None, False)
    return out


def hand_checked(name: str, paragraphs: list[str]) -> list[str]:
    """``paragraphs`` without the page's DROP entries and its CUT tail."""
    drop = DROP.get(name, ())
    exact = {d for d in drop if not d.endswith("...")}
    prefixes = tuple(d.removesuffix("...") for d in drop if d.endswith("..."))
    kept: list[str] = []
    unused = set(drop) | ({CUT[name]} if name in CUT else set())
    for text in paragraphs:
        unused -= {d for d in unused
                   if text == d or (d.endswith("...") and text.startswith(d[:-3]))
                   or (d == CUT.get(name) and text.startswith(d))}
        if name in CUT and text.startswith(CUT[name]):
            break
        if text not in exact and not (prefixes and text.startswith(prefixes)):
            kept.append(text)
    for entry in sorted(unused):
        print(f"{name}: hand-checked entry {entry!r} matches nothing", file=sys.stderr)
    return kept


def dominant_script(text: str) -> str:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "? ?").split()[0]
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda s: counts[s]) if counts else "-"


def skip_reason(name: str, source: bytes, paragraphs: list[str]) -> str | None:
    text = " ".join(paragraphs)
    if name in NOT_ARTICLES:
        return NOT_ARTICLES[name]
    if len(source) < MIN_SOURCE or "lorem ipsum" in text.lower():
        return "a unit fixture"
    if len(text) < MIN_TEXT:
        return f"{len(text)} characters of article text"
    script = dominant_script(text)
    if script not in SCRIPTS:
        return f"{script.lower()} script"
    return None


def title_candidates(tree: LexborHTMLParser) -> set[str]:
    """h1/h2 texts and the <title>'s segments (see the docstring)."""
    found = {norm(node.text()) for node in tree.css("h1, h2")}
    for node in tree.css("title"):
        title = norm(node.text())
        parts = [norm(p) for p in _TITLE_SEP.split(title)]
        found.update(parts if len(parts) > 1 else [title])
    return found - {""}


_QUOTES = str.maketrans("“”„«»‘’‚`´", "\"\"\"\"\"\'\'\'\'\'")


def gold_title(meta_title: str | None, tree: LexborHTMLParser) -> str | None:
    title = norm(meta_title or "")
    if not title or title not in title_candidates(tree):
        return None
    plain = title.translate(_QUOTES)
    shown = [h for h in (norm(node.text()) for node in tree.css("h1, h2"))
             if h != title and h.translate(_QUOTES) == plain]
    return shown[0] if shown else title


def page_url(tree: LexborHTMLParser) -> str | None:
    for sel, attr in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        node = tree.css_first(sel)
        value = (node.attributes.get(attr) or "").strip() if node is not None else ""
        if value.startswith(("http://", "https://")):
            return value
    return None


def build(out: Path, clones: Path) -> int:
    try:
        gdir = clone_git_dir(clone_path(clones, REPO), REPO, [COMMIT])
    except CloneError as exc:
        print(exc, file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    skipped: list[tuple[str, str]] = []
    for name in page_names(gdir):
        folder = f"{PAGES}/{name}"
        source = read_blob(gdir, f"{folder}/source.html")
        paragraphs = body_paragraphs(decode_html(read_blob(gdir, f"{folder}/expected.html")))
        reason = skip_reason(name, source, paragraphs)
        if reason:
            skipped.append((name, reason))
            for suffix in (".html", ".txt", ".gold.json"):  # a page skipped since a run
                (out / f"{name}{suffix}").unlink(missing_ok=True)
            continue
        meta = json.loads(read_blob(gdir, f"{folder}/expected-metadata.json"))
        paragraphs = hand_checked(name, paragraphs)
        html = decode_html(source)
        tree = LexborHTMLParser(html)
        gold: dict[str, object] = {}
        url = page_url(tree)
        if url:
            gold["url"] = url
        gold["title"] = gold_title(meta.get("title"), tree)
        gold["body_paragraphs"] = paragraphs
        (out / f"{name}.html").write_text(html, encoding="utf-8")
        (out / f"{name}.txt").write_text(text_dump(html), encoding="utf-8")
        (out / f"{name}.gold.json").write_text(
            json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        n += 1
    for name, reason in skipped:
        print(f"skip {name}: {reason}", file=sys.stderr)
    titled = sum(json.loads(f.read_text(encoding="utf-8"))["title"] is not None
                 for f in out.glob("*.gold.json"))
    print(f"wrote {n} pages to {out} ({titled} with a gold title; {len(skipped)} skipped)",
          file=sys.stderr)
    return 0


def score(out: Path, worst: int = 10) -> int:
    """make_cyrset's body-F1 table, then the worst text-dump pages and the wrong titles."""
    from make_cyrset import score as score_bodies

    score_bodies(out)
    sys.path.insert(0, str(HERE.parent / "services"))
    from vestnik.evaluation import Gold, body_score, title_correct
    from vestnik.extract import Extracted, Page, extract

    fetched = datetime(2026, 1, 1, tzinfo=UTC)
    text_f1: list[tuple[float, str]] = []
    wrong: list[tuple[str, str, str | None, str]] = []  # front end, page, found, gold
    for gold_file in sorted(out.glob("*.gold.json")):
        name = gold_file.name.removesuffix(".gold.json")
        raw = json.loads(gold_file.read_text(encoding="utf-8"))
        gold = Gold.from_json(raw)
        url = raw.get("url") or f"https://eval.vestnik.invalid/{name}"
        for front, suffix, ctype in (("html", ".html", "text/html"),
                                     ("text", ".txt", "text/plain")):
            doc = (out / f"{name}{suffix}").read_text(encoding="utf-8")
            found = extract(Page(url=url, fetched_at=fetched, content_type=ctype,  # type: ignore[arg-type]
                                 text=doc))
            title = found.title if isinstance(found, Extracted) else None
            if front == "text":
                body = ("\n".join([*([found.lead] if found.lead else []),
                                   *found.body_paragraphs])
                        if isinstance(found, Extracted) else "")
                text_f1.append((body_score(body, gold).f1 if body else 0.0, name))
            if title_correct(title, gold) is False:
                wrong.append((front, name, title, gold.title or ""))
    print(f"\n{worst} worst vestnik text-dump F1")
    for f1, name in sorted(text_f1)[:worst]:
        print(f"  {f1:.3f}  {name}")
    print(f"\nwrong titles ({sum(w[0] == 'html' for w in wrong)} html, "
          f"{sum(w[0] == 'text' for w in wrong)} text): found / gold")
    for front, name, title, gold_title_ in wrong:
        print(f"  {front:<5}{name}\n        found {title!r}\n        gold  {gold_title_!r}")
    return 0


def main() -> int:
    from make_cyrset import cli

    return cli(__doc__, HERE / "full", build, score)


if __name__ == "__main__":
    raise SystemExit(main())
