"""A small learned ranker for the title of a plain-text dump.

A dump has no ``<h1>``: the title is one of the lines above the body, among menu
items, teasers of other articles, share labels and bylines.  When the rules' choice
(``_layout.title_and_lead``) does not already spell the URL's slug (:func:`settled`),
every headline- or prose-shaped line up to :data:`REACH` blocks above the body (those
further than :data:`NEAR` only when they share words with the body or the slug) and the
body run's first lines are candidates; a linear score of each one's shape and
surroundings picks the title.  The strongest signals: the words of the line recur in
the body's opening (a teaser of another story shares few of them), it agrees with the
slug, a breadcrumb ends with it, it sits on a byline or a date, little but share
buttons lies between it and the body, and the rules chose it.

The weights come from ``dev/train_title.py``: a conditional logit (a softmax over each
page's candidates) fitted on the development pages whose gold title is one of the dump's
lines, cross-validated by page; re-run it to refit.  Pure Python, a few dozen float
operations per candidate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from vestnik.extract._blocks import (
    AUTHOR,
    BOILER,
    CAPTION,
    DATE,
    HEADING,
    PROSE,
    SECTION,
    SHORT,
    Block,
    is_headline_like,
)
from vestnik.extract._title import (
    raw_keys,
    shape_parts,
    slug_overlap,
    teases,
    text_keys,
    word_keys,
)

__all__ = [
    "FEATURE_NAMES",
    "NEAR",
    "REACH",
    "WEIGHTS",
    "Context",
    "body_keys",
    "candidates",
    "context",
    "ends_with_period",
    "features",
    "rank",
    "rank_below",
    "related",
    "score",
    "settled",
]

REACH = 60  # blocks above the body searched for the title ...
RUN_REACH = 6  # ... and at the body's head, before its first long paragraph
SHORT_REACH = 15  # a line of one or two words is a candidate this near the body
SETTLED_SLUG_SHARE = 0.6  # see settled()
NEAR = 15  # a line further up must share this much with the body or the slug:
FAR_BODY_SHARE = 0.5  # ... its words found in the body's opening
FAR_SLUG_SHARE = 0.3  # ... or the slug's words found in it
MAX_CHARS = 300
BODY_KEY_CHARS = 600  # the body's opening, whose words a title shares
CREDIT_CHARS = 60  # a caption this short right below a line is a photo credit: a caption title

FEATURE_NAMES = (
    "bias",
    "log_distance",
    "log_rank",
    "log_shorts_between",
    "log_boilers_between",
    "section_between",
    "slug_overlap",
    "has_slug",
    "date_shaped",
    "meta_separated",
    "breadcrumb",
    "name_shaped",
    "tag_list",
    "meta_start",
    "few_words",
    "headline_words",
    "many_words",
    "log_chars",
    "ends_period",
    "ends_question",
    "ends_colon",
    "byline_below",
    "credit_below",
    "dup",
    "is_heading",
    "is_prose",
    "is_short",
    "headline_like",
    "body_overlap",
    "log_body_shared",
    "lead_overlap",
    "in_run",
    "truncated_teaser",
    "breadcrumb_tail",
    "upper_share",
    "prose_below",
    "menu_above",
    "rules_pick",
)

# fitted by dev/train_title.py; see its output for the cross-validated figures
WEIGHTS: tuple[float, ...] = (
    0.0000,  # bias
    -0.4171,  # log_distance
    1.4203,  # log_rank
    -1.0752,  # log_shorts_between
    -0.2170,  # log_boilers_between
    0.6681,  # section_between
    6.1688,  # slug_overlap
    -0.0000,  # has_slug
    -2.4051,  # date_shaped
    0.4024,  # meta_separated
    -2.6027,  # breadcrumb
    -0.0462,  # name_shaped
    0.6568,  # tag_list
    -1.7879,  # meta_start
    0.0293,  # few_words
    0.5191,  # headline_words
    -4.5835,  # many_words
    0.4402,  # log_chars
    -4.3291,  # ends_period
    0.4056,  # ends_question
    -2.0281,  # ends_colon
    1.1926,  # byline_below
    0.8788,  # credit_below
    1.0298,  # dup
    -0.3697,  # is_heading
    0.2465,  # is_prose
    0.3278,  # is_short
    -0.0202,  # headline_like
    1.4237,  # body_overlap
    0.5665,  # log_body_shared
    0.1978,  # lead_overlap
    -0.5821,  # in_run
    -1.8000,  # truncated_teaser
    3.3468,  # breadcrumb_tail
    -0.0761,  # upper_share
    0.0344,  # prose_below
    -0.0110,  # menu_above
    0.9613,  # rules_pick
)

_META_BELOW = frozenset({DATE, AUTHOR})
_MENU = frozenset({SHORT, BOILER})
_SENTENCE_INSIDE = re.compile(r"\w{2}[.!?](?:\s+[A-ZА-Я]|[A-ZА-Я])")
_TEXT_KINDS = frozenset({HEADING, PROSE, SHORT})
# a breadcrumb's last part, when it is long enough to be the page's headline
_CRUMB_TAIL = re.compile(r" (?:[>/»›|→]) ([^>/»›|→]{15,})$")
# a headline may end with an abbreviation: "... до 31 декември 2020 г.", "... to the U.S."
_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:г|гг|в|вв|ок|др|млн|млрд|хил|лв|ул|бул|проф|акад|инж|д-р|т\.нар|"
    r"U\.S|U\.K|Inc|Ltd|Co|Jr|Sr|St|Dr|Mr|Mrs|etc|bzw|ca|Nr|Str)\.$"
)


def ends_with_period(text: str) -> bool:
    """``text`` ends with a sentence's period: not an ellipsis ("при всич...") nor an
    abbreviation ("2020 г.")."""
    return (
        text[-1] == "."
        and not text.endswith("..")
        and _ABBREVIATION_END.search(text[-12:]) is None
    )


def body_keys(
    blocks: list[Block], start: int, end: int
) -> tuple[frozenset[str], frozenset[str]]:
    """Word keys of the body's opening, and of its first paragraph."""
    texts: list[str] = []
    size = 0
    for b in blocks[start:end]:
        if b.kind is PROSE:
            texts.append(b.text)
            size += len(b.text)
            if size >= BODY_KEY_CHARS:
                break
    if not texts:
        return frozenset(), frozenset()
    lead = text_keys(texts[0])  # one-off texts: not cached
    return (lead | text_keys(" ".join(texts[1:])) if len(texts) > 1 else lead), lead


def candidates(blocks: list[Block], start: int, end: int) -> list[int]:
    """Indices of the lines that may be the title: the headline-shaped lines at the
    body run's head (a header the run swallowed), then the headline- or prose-shaped
    lines above the body, nearest first; a repeated line counts once."""
    out: list[int] = []
    seen: set[str] = set()
    for i in range(start, min(end, start + RUN_REACH)):  # a header the run swallowed
        b = blocks[i]
        sentence = b.text[-1] in ":;,!?" or ends_with_period(b.text)
        headline = (
            b.kind in _TEXT_KINDS
            and (not sentence or b.text[-1] in "!?")
            and b.text not in seen
            and is_headline_like(b.text)
        )
        if headline:
            out.append(i)
            seen.add(b.text)
        if b.kind is PROSE and (i > start or (sentence and not headline)):
            break  # the text proper
    for i in range(start - 1, max(-1, start - REACH - 1), -1):
        b = blocks[i]
        kind = b.kind
        if kind not in _TEXT_KINDS or len(b.text) > MAX_CHARS:
            continue
        if kind is SHORT and (start - i > SHORT_REACH or not is_headline_like(b.text)):
            continue  # a two-word line far up is a menu item
        if b.link_density >= 0.5 or b.text in seen:
            continue  # a title repeated further up: its nearest copy stands for it
        seen.add(b.text)
        out.append(i)
    return out


@dataclass(frozen=True, slots=True)
class Context:
    """What every candidate of a page is compared with."""

    start: int  # the body run's first block
    slug: frozenset[str]
    body: frozenset[str]  # word keys of the body's opening ...
    lead: frozenset[str]  # ... and of its first paragraph
    texts: tuple[str, ...]  # all candidates' texts
    # the last parts of the candidates that are breadcrumbs ("Новини > Общество > Ковид-19
    # отстъпва, рязък спад на..."), which the title starts with
    crumb_tails: tuple[str, ...]
    rules: str  # the title the hand-written rules chose
    # per block above the body, nearest first: the SHORT and BOILER blocks and the
    # section headers between it and the body
    between: list[tuple[int, int, int]]


def context(
    blocks: list[Block], cands: list[int], start: int, end: int, slug: frozenset[str],
    rules: str = "",
) -> Context:
    """What the candidates ``cands`` of the body run ``blocks[start:end]`` are compared
    with (``cands`` not empty)."""
    # the body's words, past the candidates at its head (a line shares all its own)
    body_from = max((i + 1 for i in cands if i >= start), default=start)
    body, lead = body_keys(blocks, body_from, end)
    between: list[tuple[int, int, int]] = []
    n_short = n_boiler = n_section = 0
    for i in range(start - 1, min(cands) - 1, -1):
        between.append((n_short, n_boiler, n_section))
        kind = blocks[i].kind
        if kind is SHORT:
            n_short += 1
        elif kind is BOILER:
            n_boiler += 1
        elif kind is SECTION:
            n_section += 1
    texts = tuple(blocks[i].text for i in cands)
    tails = (_CRUMB_TAIL.search(t) for t in texts)
    crumb_tails = tuple(m.group(1).rstrip(".… ") for m in tails if m is not None)
    return Context(start, slug, body, lead, texts, crumb_tails, rules, between)


def features(blocks: list[Block], i: int, rank: int, ctx: Context) -> list[float]:
    """The feature vector of candidate ``blocks[i]`` (``rank``: its place among the
    candidates, nearest the body first)."""
    b = blocks[i]
    text = b.text
    words = text.split()
    n_words = len(words) or 1
    last = text[-1]
    start = ctx.start
    shorts, boilers, sections = ctx.between[start - 1 - i] if i < start else (0, 0, 0)
    below = blocks[i + 1 : i + 4]
    own = raw_keys(text)
    n_keys = len(own) or 1
    shared = own & ctx.body
    slug = ctx.slug
    prev = blocks[i - 1] if i > 0 else None
    return [
        1.0,
        math.log1p(abs(start - i)),
        math.log1p(rank),
        math.log1p(shorts),
        math.log1p(boilers),
        1.0 if sections else 0.0,
        len(slug & word_keys(text)) / len(slug) if slug else 0.0,
        1.0 if slug else 0.0,
        *shape_parts(text),
        1.0 if n_words <= 3 else 0.0,
        1.0 if 4 <= n_words <= 20 else 0.0,
        1.0 if n_words > 20 else 0.0,
        math.log1p(len(text)),
        1.0 if ends_with_period(text) else 0.0,
        1.0 if last in "?!" else 0.0,
        1.0 if last == ":" else 0.0,
        1.0 if any(x.kind in _META_BELOW for x in below) else 0.0,
        1.0 if below and below[0].kind is CAPTION and len(below[0].text) <= CREDIT_CHARS else 0.0,
        1.0 if b.dup else 0.0,
        1.0 if b.kind is HEADING else 0.0,
        1.0 if b.kind is PROSE else 0.0,
        1.0 if b.kind is SHORT else 0.0,
        1.0 if is_headline_like(text) else 0.0,
        len(shared) / n_keys,
        math.log1p(len(shared)),
        len(own & ctx.lead) / n_keys,
        1.0 if i >= start else 0.0,
        1.0 if teases(text, ctx.texts) else 0.0,
        1.0 if any(text.startswith(tail) for tail in ctx.crumb_tails) else 0.0,
        sum(map(str.isupper, words)) / n_words,
        1.0 if below and below[0].kind is PROSE and len(below[0].text) > 100 else 0.0,
        1.0 if prev is not None and prev.kind in _MENU else 0.0,
        1.0 if text == ctx.rules else 0.0,
    ]


def score(x: list[float], weights: tuple[float, ...] = WEIGHTS) -> float:
    total = 0.0
    for k in range(len(x)):  # a typed loop: mypyc compiles it to float arithmetic
        total += weights[k] * x[k]
    return total


def rank(
    blocks: list[Block], start: int, end: int, slug: frozenset[str], rules: str = ""
) -> int | None:
    """The index of the block most likely the title, or None when there is no
    candidate; ``rules``: the title the hand-written rules chose (``_layout``)."""
    return rank_below(blocks, start, end, slug, rules, -1)


def rank_below(
    blocks: list[Block], start: int, end: int, slug: frozenset[str], rules: str, above: int
) -> int | None:
    """:func:`rank` among the candidates below ``blocks[above]`` only."""
    cands = candidates(blocks, start, end)
    if not cands:
        return None
    ctx = context(blocks, cands, start, end, slug, rules)
    best, best_score = None, -math.inf
    for r, i in enumerate(cands):
        if i <= above or (start - i > NEAR and not related(blocks[i].text, ctx)):
            continue
        s = score(features(blocks, i, r, ctx))
        if s > best_score:
            best, best_score = i, s
    return best


def settled(rules: str, slug: frozenset[str]) -> bool:
    """The rules' title spells most of the URL's slug: the ranker is not asked (it
    agrees on nearly all such pages, and they are most pages with a slug)."""
    return (
        bool(rules)
        and bool(slug)
        # a sentence sharing the slug's words is a lead or a caption
        and rules[-1] != "."
        and _SENTENCE_INSIDE.search(rules) is None  # "... in 2023.Credit Jeon/EPA"
        and slug_overlap(rules, slug) >= SETTLED_SLUG_SHARE
    )


def related(text: str, ctx: Context) -> bool:
    """A line far above the body is only weighed when it shares words with the body or
    the slug (most lines there are menus and teasers of other stories)."""
    own = raw_keys(text)
    if len(own & ctx.body) >= FAR_BODY_SHARE * len(own):
        return True
    slug = ctx.slug
    return bool(slug) and len(slug & word_keys(text)) >= FAR_SLUG_SHARE * len(slug)
