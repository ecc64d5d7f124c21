"""From a sequence of classified blocks to a :class:`Draft`.

Shared by both front ends: score the blocks, take the best contiguous run as the body,
read title/lead/date/source/authors/captions from the header zone above it (and a few
blocks below it), and the comment counter from anywhere on the page.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from datetime import date, datetime
from itertools import pairwise

from vestnik.extract import _headline, _keep
from vestnik.extract._agency import find_source_line
from vestnik.extract._blocks import (
    AUTHOR,
    BOILER,
    CAPTION,
    COUNT,
    DATE,
    HEADING,
    PROSE,
    SECTION,
    SHORT,
    SOURCE,
    Block,
    Draft,
    Kind,
    best_run,
    comment_count,
    comment_count_in_line,
    find_authors,
    is_headline_like,
    is_login_wall,
    mark_duplicates,
    refine,
)
from vestnik.extract._marks import (
    COMMENTS_HEADER,
    count_dated_heads,
    count_teasers,
    mark_listing,
)
from vestnik.extract._metaline import meta_line_authors
from vestnik.extract._pubdate import dated_meta_line, dated_zone, pick_date
from vestnik.extract._title import (
    headline_score,
    lead_shaped,
    shape_parts,
    shape_penalty,
    slug_overlap,
    teases,
)

__all__ = [
    "CONTENT_TRUSTED_CHARS",
    "assemble",
    "block_score",
    "score_blocks",
    "title_and_lead",
]

HEADER_WINDOW = 10  # blocks above the body searched for title, lead, date, source
MAX_TITLE_CANDIDATES = 5
SHORT_GAP_PENALTY = 0.3
SLUG_SEARCH_MIN_KEYS = 3  # a slug of this many words names the headline ...
SLUG_WEAK = 0.5  # ... so a title sharing less of it is looked for further up ...
SLUG_STRONG = 0.7  # ... among blocks sharing this much of it ...
SLUG_SEARCH_REACH = 120  # ... this many blocks above the body
TITLE_FALLBACK_REACH = 40
CAPTIONED_PENALTY = 1.0
CREDIT_MAX_CHARS = 60  # "Image: Vjeran Pavic / The Verge"
BYLINE_BONUS = 0.5
SHORT_TITLE_REACH = 4  # a two-word line this near the body may be the title ...
SHORT_TITLE_PENALTY = 0.6  # ... at this cost
LEAD_MIN_CHARS = 25  # a shorter lead must end like a sentence
HEAD_LEAD_MIN_CHARS = 60
CONTINUATION_REACH = 60  # blocks after the run searched for the rest of the article ...
CONTINUATION_DEPTH = 3  # ... in elements sharing all but this many ancestors ...
CONTINUATION_MAX_GAP = 15  # ... with at most this many other blocks between them
CONTINUATION_MIN_CHARS = 300
RESUME_REACH = 14  # text dumps: blocks after a box header searched for the article again
RESUME_MIN_CHARS = 150  # ... which resumes with a paragraph this long ...
RESUME_MIN_SCORE = 400.0  # ... and goes on for about this many characters of prose
BOX_MAX_LINES = 12  # text dumps: an in-text box under its header is this many lines at most,
BOX_PARAGRAPHS_AFTER = 3  # ... with this many article-sized paragraphs in the ...
BOX_AFTER_REACH = 6  # ... blocks right below it: the run goes on across the box
RUN_TITLE_MAX_CHARS = 160
OWN_HEADER_REACH = 3  # an article's date or byline among the run's first lines ...
OWN_HEADER_SKIP = 8  # ... or this many blocks above it, its headline this far above that
LABEL_MAX_WORDS = 4  # a line of this many words, repeated in a menu, is a section label
LABEL_WORD_CHARS = 15  # ... with words of up to this many characters on average
RUN_HEADER_REACH = 6  # a date/byline among a text run's first blocks ends its header ...
RUN_HEADER_MAX_CHARS = 400  # ... of blocks no longer than this
RUN_AFTER_HEADER_MIN = 2  # ... when at least this many blocks of text follow,
RUN_ONE_PARAGRAPH_CHARS = 600  # ... or one paragraph at least this long
KEEP_FILTER_MIN_CHARS = 300  # the line filter never leaves less text than this
# HTML: this much prose under a content-like class makes the class hints trusted: prose
# under a boilerplate class is then left out (a gallery's captions, comments), and kept
# even when it is most of the page's prose (_html)
CONTENT_TRUSTED_CHARS = 1500
AFTER_WINDOW = 4  # blocks below the body searched for date, source, authors
DAMPING = 0.3  # prose after a "Последни"/"Коментари" header counts this much
DAMP_AFTER_RUN = 600.0  # ... unless a stack of box headers above the article, see
ARTICLE_PARAGRAPH_CHARS = 200  # a "Tags: ..." line damps what follows only below such prose

_SCORES: dict[Kind, float] = {
    PROSE: 0.0,  # scored by length
    HEADING: -20.0,
    SHORT: -10.0,
    BOILER: -60.0,
    SECTION: -1e9,  # a section header ends the article: the run never crosses it
    COUNT: -1e9,
    DATE: 0.0,
    SOURCE: 0.0,
    AUTHOR: 0.0,
    CAPTION: 0.0,
}
_DUP_SCORE = -60.0
_MAX_REFINE_ROUNDS = 4
EARLY_RUN_MIN_SCORE = 1000.0  # see _pick_run
EARLY_RUN_SHARE = 0.4
LOGIN_WALL_MAX_BODY_CHARS = 600  # a login-wall message only matters on a short page
CONTAINER_SHARE = 0.9
EXPAND = True
_ITEM_TAGS = frozenset(("li", "td", "th", "dd"))
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_HEADLINE_TAGS = frozenset(("h1", "h2"))
_MENU_KINDS = frozenset({SHORT, BOILER})
_TEASER_GAP_KINDS = frozenset({DATE, SHORT, CAPTION})
_READ_MORE = re.compile(
    r"(?:read more|continue reading|show more|прочети(?:те)? още|виж повече|читать далее|"
    r"читать полностью|показать полностью|weiterlesen|lire la suite|leer más)\W*$"
)
_BYLINE = re.compile(r"(?i)(?:by|von|от|автор\w*:?) [A-ZА-Я]")
_META_KINDS = frozenset({DATE, SOURCE, AUTHOR, CAPTION, COUNT})
TAIL_FURNITURE_MAX_CHARS = 300
INNER_SHORT_MAX_LINES = 12  # short lines between two paragraphs of a dump's body: kept
# what ends an article without being part of it: the author's bio, where the story was
# first published or reprinted, follow-us lines, a sponsor's teaser box
_TAIL_FURNITURE = re.compile(
    r"\b(?:is|was) (?:a|an|the) (?:[\w-]+ ){0,4}(?:reporter|writer|journalist|editor|"
    r"correspondent|contributor|columnist|historian|producer|professor|lecturer|"
    r"researcher|analyst|consultant|founder|co-founder|cofounder|blogger)\b"
    # the author's bio in German: "Schreibt seit 2008 für die taz", "ist freie Journalistin"
    r"|^schreibt (?:seit \d{4} )?(?:für|über)\b"
    r"|\bist (?:freie[r]? |freiberufliche[r]? )?(?:journalist|redakteur|autor)(?:in)?\b"
    # the newsletter box: "Sign up to get ...", "Verpasse keine News" (a line naming a
    # newsletter is boilerplate anywhere: _blocks)
    r"|^(?:sign up (?:to|for|now)|subscribe (?:to|for|now)|join (?:the )?(?:hundreds|thousands)"
    r"|verpasse keine|abonniere|подпишитесь)\b"
    r"|\bis on (?:twitter|x|facebook|instagram|mastodon|bluesky)\b|^follow (?:[\w:]+ ){0,3}"
    r"(?:on )?(?:twitter|facebook|instagram)|\bfirst published:? (?:on )?\w+ \d"
    r"|^promoted by\b"
    r"|\b(?:was|were) (?:reprinted|republished|originally published|first published) "
    r"(?:on|in|by|at)\b|^this (?:article|story|post) (?:was|first|originally)\b"
)


def block_score(b: Block, factor: float = 1.0) -> float:
    """Score of one block for :func:`best_run`, using the HTML hints when present.

    Prose scores its length, damped by link density, a boilerplate class/id hint and
    ``factor`` (a preceding section header); everything else has a small penalty.
    """
    if b.dup:
        return _DUP_SCORE
    if b.kind is PROSE:
        s = float(len(b.text)) * factor
        if b.link_density > 0.0:
            s = -30.0 if b.link_density > 0.5 else s * (1.0 - b.link_density) ** 2
        if b.hint < 0.0:
            s *= 0.25
        elif b.hint > 0.0:
            s *= 1.5
        return s
    if b.hint > 0.0 and b.link_density < 0.2 and b.kind in (HEADING, SHORT):
        # HTML: a short unlinked line inside a content container (list item, subheading)
        return 0.3 * len(b.text) * factor
    s = _SCORES[b.kind]
    return s * 2.0 if b.hint < 0.0 else s


def _in_menu(blocks: list[Block], i: int) -> bool:
    """A section word ("Новини", "Архив") between two menu items is a menu item too."""
    return (
        0 < i < len(blocks) - 1
        and blocks[i - 1].kind in _MENU_KINDS
        and blocks[i + 1].kind in _MENU_KINDS
    )


def score_blocks(
    blocks: list[Block], menus: bool = False
) -> tuple[list[float], list[float]]:
    """Scores of all blocks, and the damping factor each one was scored with.

    ``menus``: a section word amid menu items does not damp what follows (text dumps;
    HTML's link density already tells menus apart)."""
    # from the first section header or comment counter on (in a dump, the first one past
    # a sidebar's stack of boxes above the article), every block is damped
    paragraph = next(  # the first paragraph of an article's size: a tag line above it is
        (i for i, b in enumerate(blocks)  # the article's, and damps nothing
         if b.kind is PROSE and len(b.text) >= ARTICLE_PARAGRAPH_CHARS),
        len(blocks),
    )
    headers = [
        i
        for i, b in enumerate(blocks)
        if (
            b.kind is SECTION
            and not (menus and _in_menu(blocks, i))
            and not (b.link_density >= 0.5 and b.hint < 0.0)  # a link in a menu, a sidebar
            and not (":" in b.text and i < paragraph)  # tags above the article
        )
        or b.kind is COUNT
    ]
    # text dumps: the header of a box amid the article's paragraphs neither damps nor ends
    # the run (it scores as a heading; its lines as what they are)
    boxes = _in_text_boxes(blocks, headers) if menus else set()
    if boxes:
        headers = [h for h in headers if h not in boxes]
    undamped: list[float] = []  # the blocks' scores before ``first``, as found
    if menus:  # text dumps: from the first header that heads no box of a sidebar
        first = _damping_start(blocks, headers, undamped)
    else:  # HTML tells a sidebar by its links
        first = headers[0] if headers else len(blocks)
    factors = [1.0] * first + [DAMPING] * (len(blocks) - first)
    scores = undamped + [
        len(b.text) * f  # block_score() of plain prose, inlined
        if b.kind is PROSE and not b.dup and not b.link_density and not b.hint
        else block_score(b, f)
        for b, f in zip(blocks[len(undamped):], factors[len(undamped):], strict=True)
    ]
    for i in boxes:
        scores[i] = _SCORES[HEADING] * factors[i]
    return scores, factors


def _in_text_boxes(blocks: list[Block], headers: list[int]) -> set[int]:
    """Text dumps: the section headers ("Related Coverage", "Свързани новини") of boxes
    set inside an article: an article-sized paragraph ends within two lines above the
    header, at most BOX_MAX_LINES short lines follow it (the box's headlines, dates,
    "Advertisement"), and then prose resumes with BOX_PARAGRAPHS_AFTER article-sized
    paragraphs among the next BOX_AFTER_REACH blocks. A box at the article's end is
    followed by teasers, a footer or comments instead; a comments header never heads
    such a box."""
    found: set[int] = set()
    for h in headers:
        b = blocks[h]
        if b.kind is not SECTION or COMMENTS_HEADER.match(b.text.lower()):
            continue
        above = next((i for i in range(h - 1, max(-1, h - 4), -1)
                      if blocks[i].kind is PROSE), None)
        if above is None or len(blocks[above].text) < ARTICLE_PARAGRAPH_CHARS:
            continue
        k = h + 1
        while (k < len(blocks) and k - h <= BOX_MAX_LINES
               and blocks[k].kind in (SHORT, HEADING, BOILER)):
            k += 1
        if k >= len(blocks) or k - h > BOX_MAX_LINES or blocks[k].kind is not PROSE:
            continue
        resumed = sum(1 for x in blocks[k:k + BOX_AFTER_REACH]
                      if x.kind is PROSE and len(x.text) >= ARTICLE_PARAGRAPH_CHARS)
        if resumed >= BOX_PARAGRAPHS_AFTER:
            found.add(h)
    return found


def _damping_start(blocks: list[Block], headers: list[int], undamped: list[float]) -> int:
    """The first of ``headers`` that damps what follows it: one that heads no box of a
    stack above the article (a blog's sidebar dumped first: "Recent Posts", "Top",
    "Archives"). A header heads such a box when another header sits between the same two
    paragraphs (RESUME_MIN_CHARS or longer) and no run of prose above it scores
    DAMP_AFTER_RUN yet; an in-text box ("Свързани новини" and a few headlines) is alone
    between two paragraphs, and a comment counter or comments header always damps.
    One pass over the blocks up to that header, whose scores it appends to ``undamped``
    (so the caller scores each block once)."""
    if len(headers) < 2:
        return headers[0] if headers else len(blocks)
    # the paragraphs' positions, to find the two around each header
    paragraphs = [i for i, b in enumerate(blocks)
                  if b.kind is PROSE and len(b.text) >= RESUME_MIN_CHARS]
    best = current = 0.0  # Kadane's best run so far, advanced to each header in turn
    for h in headers:
        for b in blocks[len(undamped):h]:
            score = block_score(b)
            undamped.append(score)
            current = score if current <= 0.0 else current + score
            best = max(best, current)
        b = blocks[h]
        if b.kind is COUNT or COMMENTS_HEADER.match(b.text.lower()) or best >= DAMP_AFTER_RUN:
            return h
        k = bisect_left(paragraphs, h)
        before = paragraphs[k - 1] if k else -1
        after = paragraphs[k] if k < len(paragraphs) else len(blocks)
        if bisect_left(headers, after) - bisect_right(headers, before) < 2:
            return h
    return len(blocks)


def _pick_run(scores: list[float], first: int) -> tuple[int, int, float]:
    """The best run; but when it lies after the first section header or comment
    counter (``first``) and a substantial run comes before it (long, and not much
    shorter than the damped later one), that earlier run: the text after such a header
    is comments or teasers, however long they are."""
    found = best_run(scores)
    if found[0] >= first > 0:
        early = best_run(scores[:first])
        if early[2] >= max(EARLY_RUN_MIN_SCORE, EARLY_RUN_SHARE * found[2]):
            return early
    return found


def _header_zone(blocks: list[Block], start: int) -> list[Block]:
    lo = max(0, start - HEADER_WINDOW)
    zone = blocks[lo:start]
    for i in range(len(zone) - 1, -1, -1):
        if zone[i].kind is SECTION:
            return zone[i + 1 :]
    return zone


def title_and_lead(
    zone: list[Block], slug: frozenset[str] = frozenset()
) -> tuple[str, str | None]:
    """Pick the title and lead from the blocks above the body.

    Candidates are the headline-like blocks of the zone (nearest first, up to a section
    header); the best :func:`headline_score` is the title. A prose block between it and
    the body is the lead.
    """
    cands: list[Block] = []
    gaps: list[int] = []  # short blocks (menu items, labels) between a candidate and the body
    places: list[int] = []  # where each candidate is in the zone
    seen: set[str] = set()
    shorts = 0
    for k, b in enumerate(reversed(zone)):
        if b.kind is SHORT or b.kind is BOILER or b.link_density >= 0.5:  # links: teasers
            if (
                b.kind is SHORT  # a two-word headline ("Легкий троннинг") near the body
                and k < SHORT_TITLE_REACH
                and len(cands) <= 1
                and is_headline_like(b.text)
                and b.text not in seen
            ):
                seen.add(b.text)
                cands.append(b)
                gaps.append(shorts)
                places.append(len(zone) - 1 - k)
            shorts += 1
            continue
        if b.kind in _META_KINDS:
            continue
        if b.kind is SECTION:
            break
        if len(b.text) > 400 or (not is_headline_like(b.text) and b.kind is not PROSE):
            continue
        if b.text in seen:
            continue
        seen.add(b.text)
        cands.append(b)
        gaps.append(shorts)
        places.append(len(zone) - 1 - k)
        if len(cands) == MAX_TITLE_CANDIDATES:
            break
    if not cands:
        return "", None
    scores = [
        headline_score(b.text, i, slug)
        - SHORT_GAP_PENALTY * gap
        - (SHORT_TITLE_PENALTY if b.kind is SHORT else 0.0)
        for i, (b, gap) in enumerate(zip(cands, gaps, strict=True))
    ]
    for i, at in enumerate(places):
        below = zone[at + 1 : at + 3]
        if below and below[0].kind is CAPTION and len(below[0].text) <= CREDIT_MAX_CHARS:
            scores[i] -= CAPTIONED_PENALTY  # a photo's caption, its credit right below
        elif cands[i].text[-1] not in ".…" and any(
            x.kind is DATE or x.kind is AUTHOR or _BYLINE.match(x.text) for x in below
        ):
            scores[i] += BYLINE_BONUS  # the headline sits on its byline and date
    texts = [c.text for c in cands]
    for i, b in enumerate(cands):  # "Община Хасково осигури ..." teases the full title
        if teases(b.text, texts):
            scores[i] -= 1.0
    full = [i for i, b in enumerate(cands) if b.kind is not SHORT]  # two-word lines aside
    if len(full) >= 2:
        n, f = full[0], full[1]
        near, far = cands[n], cands[f]
        if (
            (near.dup and not far.dup)
            or len(far.text) > 250
            or not is_headline_like(far.text)
            or near.text in far.text  # a breadcrumb ending in the title
        ):
            scores[f] -= 1.0  # the nearer block is the title
        elif gaps[f] == gaps[n] and len(near.text) > len(far.text):
            scores[n] -= 0.5  # "title, lead, body" is the usual order
    best = max(range(len(cands)), key=lambda i: (scores[i], -i))
    title = cands[best]
    # the standfirst: the block right below the title that reads like one (the lines
    # between it and the body are labels, bylines and dates)
    for i in range(best - 1, -1, -1):
        near = cands[i]
        if (
            near.kind is not SHORT
            and not near.dup
            and (len(near.text) >= LEAD_MIN_CHARS or near.text[-1] in ".!?…")
            and lead_shaped(near.text)
        ):
            return title.text, near.text
    return title.text, None


def _text_run_start(blocks: list[Block], start: int, end: int) -> int:
    """A text run opens with its first paragraph, not with the header lines (byline,
    date, meta line) it swallowed."""
    start = _after_header(blocks, start, end)
    while end - start > 1 and blocks[start].kind is not PROSE:
        start += 1
    return start


def _after_header(blocks: list[Block], start: int, end: int) -> int:
    """Where the text proper starts when the run swallowed the article's header: a
    date or byline line among its first blocks ends the header (title, lead, byline)."""
    for j in range(start + 1, min(end - 1, start + RUN_HEADER_REACH)):
        b = blocks[j]
        if b.kind is DATE or b.kind is AUTHOR or dated_meta_line(b):
            if (
                all(len(x.text) <= RUN_HEADER_MAX_CHARS for x in blocks[start:j])
                and _text_follows(blocks, j + 1, end)
            ):
                return j + 1
            break
    return start


def _text_follows(blocks: list[Block], at: int, end: int) -> bool:
    """The text proper below a header line: a few blocks, or one long paragraph (a dump
    that gives the whole article as one line)."""
    return end - at >= RUN_AFTER_HEADER_MIN or any(
        b.kind is PROSE and len(b.text) >= RUN_ONE_PARAGRAPH_CHARS for b in blocks[at:end])


def _continuation(blocks: list[Block], picked: list[int], end: int) -> list[int]:
    """HTML: the article's paragraphs after an in-text box that ended the run ("Related
    coverage", an advert): prose further down in sibling elements of the body's last
    paragraph (same tag and depth, the same ancestors but the last few), up to a long
    gap."""
    last = next((i for i in reversed(picked) if blocks[i].kind is PROSE), None)
    if last is None or not blocks[last].path:
        return []
    ref = blocks[last].path
    depth = len(ref)
    shared = depth - CONTINUATION_DEPTH
    found: list[int] = []
    gap = 0
    for i in range(max(end, picked[-1] + 1), min(len(blocks), end + CONTINUATION_REACH)):
        b = blocks[i]
        if b.kind is COUNT:
            break
        if (
            b.kind is PROSE
            and len(b.path) == depth
            and b.tag == blocks[last].tag
            and b.path[:shared] == ref[:shared]
            and b.link_density < 0.3
            and not b.dup
            and not _below_linked_headline(blocks, i, headings_only=True)  # a teaser
        ):
            found.append(i)
            gap = 0
        else:
            gap += 1
            if gap > CONTINUATION_MAX_GAP:
                break
    if not found and end < len(blocks) and _READ_MORE.match(blocks[end].text.lower()):
        found = _after_read_more(blocks, end + 1)
    if sum(len(blocks[i].text) for i in found) < CONTINUATION_MIN_CHARS:
        return []
    return found


def _after_read_more(blocks: list[Block], at: int) -> list[int]:
    """The rest of an article folded behind a "Read more" button: the paragraphs right
    after it, up to the first block that is not one."""
    found: list[int] = []
    for i in range(at, min(len(blocks), at + CONTINUATION_REACH)):
        b = blocks[i]
        if b.kind is PROSE and b.link_density < 0.3 and not b.dup:
            found.append(i)
        elif b.kind is not CAPTION:
            break
    return found


def _text_continuation(
    blocks: list[Block], end: int, now: datetime | None
) -> tuple[int, int] | None:
    """Text dumps: the article's paragraphs after an in-text box ("Related coverage",
    "Recommended" and a few teasers) whose header ended the run: long prose resuming
    within a few blocks, up to the next section header."""
    if end >= len(blocks) or blocks[end].kind is not SECTION:
        return None
    if COMMENTS_HEADER.match(blocks[end].text.lower()):
        return None
    for j in range(end + 1, min(len(blocks) - 1, end + 1 + RESUME_REACH)):
        b = blocks[j]
        if b.kind is SECTION or b.kind is COUNT:
            return None
        if not (
            b.kind is PROSE
            and len(b.text) >= RESUME_MIN_CHARS
            and not b.dup
            and blocks[j + 1].kind is PROSE
        ):
            continue
        k = j
        while k < len(blocks) and blocks[k].kind is not SECTION and blocks[k].kind is not COUNT:
            k += 1
        refine(blocks, j, k, now)
        run_start, run_end, total = best_run([block_score(x) for x in blocks[j:k]])
        if run_start > 1 or total < RESUME_MIN_SCORE:
            return None
        return j + run_start, j + run_end
    return None


def _below_linked_headline(blocks: list[Block], i: int, headings_only: bool = False) -> bool:
    """``blocks[i]`` sits right below a linked headline (dates and labels between them
    aside): the shape of a teaser's summary, not of an article's paragraph."""
    j = i - 1
    while j >= 0 and i - j <= 3 and blocks[j].kind in _TEASER_GAP_KINDS:
        j -= 1
    if j < 0:
        return False
    above = blocks[j]
    heading = above.tag in _HEADING_TAGS
    return (
        above.link_density >= 0.5
        and not above.dup  # "Continue reading the main story" repeats; teasers do not
        and (heading or (not headings_only and len(above.text) >= 20))
    )


def _ranked_title(
    draft: Draft, blocks: list[Block], start: int, end: int, slug: frozenset[str],
    zone: list[Block],
) -> tuple[int, list[Block]]:
    """Text dumps: the title by the learned ranker (``_headline``), which sees further
    than the header zone and weighs the rules' choice among its clues. A title among
    the run's first lines ends the page's header: the body starts below it."""
    if _headline.settled(draft.title, slug):
        return start, zone
    at = _headline.rank(blocks, start, end, slug, draft.title)
    if at is not None and _section_label(blocks, at):  # the section over the headline
        at = _headline.rank_below(blocks, start, end, slug, draft.title, at)
    if at is None or blocks[at].text == draft.title:
        return start, zone
    draft.title = blocks[at].text
    if at >= start:
        if at + 1 >= end:
            return start, zone
        start = _text_run_start(blocks, at + 1, end)
        zone = _header_zone(blocks, start)
    draft.lead = _lead_below(blocks, at, start)
    return start, zone


def _section_label(blocks: list[Block], at: int) -> bool:
    """``blocks[at]`` is a label of the site's navigation: a line of a few words that
    the page shows again among the items of a menu (lines of a few words on both
    sides), away from the header: the section's name over the article ("Сельское
    хозяйство" under the breadcrumb, the date and the headline below it)."""
    text = blocks[at].text
    if not _few_words(text):
        return False
    last = len(blocks) - 1
    return any(
        b.text == text
        and abs(j - at) > HEADER_WINDOW
        and 0 < j < last
        and _few_words(blocks[j - 1].text)
        and _few_words(blocks[j + 1].text)
        for j, b in enumerate(blocks)
    )


def _few_words(text: str) -> bool:
    """Up to LABEL_MAX_WORDS words, of a usual length (not a line of unspaced script)."""
    words = text.count(" ") + 1
    return words <= LABEL_MAX_WORDS and len(text) <= LABEL_WORD_CHARS * words


def _lead_below(blocks: list[Block], at: int, start: int) -> str | None:
    """The standfirst below the title ``blocks[at]``: the block right under it when it
    reads like one; else the first block of text past labels, bylines and dates when it
    also ends like a sentence (a headline-shaped line there may be the title the rules
    chose) and no section header ("Related posts") parts it from the body."""
    for j in range(at + 1, start):
        b = blocks[j]
        if b.kind is SECTION:
            return None
        if b.kind is not PROSE and b.kind is not HEADING:
            continue
        if b.dup or b.link_density >= 0.5 or len(b.text) < LEAD_MIN_CHARS:
            return None
        if not lead_shaped(b.text) or b.text[-1] == ":":
            return None
        if j == at + 1:
            return b.text  # right under the title: its standfirst, sentence or not
        if b.text[-1] in ".!?…" and all(
            x.kind is not SECTION for x in blocks[j + 1 : start]  # "Related posts"
        ):
            return b.text
        return None
    return None


def _head_text(b: Block, title: str) -> bool:
    """A run-head block outside the article's element that is text: a paragraph or a
    subheading-sized standfirst, not linked, not under a boilerplate class."""
    return (
        (b.kind is PROSE or (b.kind is HEADING and b.tag not in _HEADLINE_TAGS))
        and not b.dup
        and b.link_density < 0.5
        and b.hint >= 0.0
        and len(b.text) >= HEAD_LEAD_MIN_CHARS
        and b.text != title
    )


def _clean_headline(text: str, max_chars: int) -> bool:
    """Headline-shaped and nothing else: no date, byline, breadcrumb or meta shape."""
    return len(text) <= max_chars and is_headline_like(text) and shape_penalty(text) == 0.0


def _nearest_headline(blocks: list[Block], start: int) -> str:
    """No title in the header zone: the nearest clean headline-shaped block above the
    body, past section headers and menus."""
    for i in range(start - 1, max(-1, start - TITLE_FALLBACK_REACH), -1):
        b = blocks[i]
        if (
            (b.kind is HEADING or b.kind is PROSE)
            and not b.dup
            and b.link_density < 0.5
            and _clean_headline(b.text, 200)
        ):
            return b.text
    return ""


def _title_by_slug(blocks: list[Block], start: int, slug: frozenset[str]) -> int | None:
    """The headline the URL's slug spells, further up the page than the header zone
    (menus, share bars and a photo's credit between it and the body)."""
    best: tuple[float, int] | None = None
    for i in range(max(0, start - SLUG_SEARCH_REACH), start):
        b = blocks[i]
        if b.kind is not HEADING and b.kind is not PROSE and b.kind is not SHORT:
            continue
        if len(b.text) > 250:
            continue
        overlap = slug_overlap(b.text, slug)
        if (
            overlap >= SLUG_STRONG
            and (best is None or overlap >= best[0])
            and _clean_headline(b.text, 250)
        ):
            best = (overlap, i)
    return None if best is None else best[1]


def _opens_with_headline(blocks: list[Block], start: int, end: int) -> bool:
    """The run's first block reads like a headline: short, no closing period, and
    followed by more of the run."""
    text = blocks[start].text
    return (
        end - start >= 3 and text[-1] not in ".…:;," and _clean_headline(text, RUN_TITLE_MAX_CHARS)
    )


def _with_inner_short_lines(
    blocks: list[Block], kept: list[int], start: int, end: int
) -> list[int]:
    """Text dumps: the short lines between two kept paragraphs, a few together (a
    subheading, the items of a list, figures), are the article's too, unless the
    learned filter takes one for furniture."""
    out: list[int] = []
    for a, b in pairwise(kept):
        out.append(a)
        between = range(a + 1, b)
        if 0 < len(between) <= INNER_SHORT_MAX_LINES and all(
            blocks[j].kind is SHORT and not blocks[j].dup for j in between
        ):
            out.extend(j for j in between if not _keep.is_junk(blocks, j, start, end))
    out.append(kept[-1])
    return out


def _keep_in_body(b: Block, title: str, lead: str | None) -> bool:
    if b.kind is SHORT and b.hint > 0.0 and b.tag in _ITEM_TAGS and not b.dup:
        # HTML: a short list item or table cell of the article (ingredients, figures)
        return b.link_density < 0.5
    if b.kind not in (PROSE, HEADING) or b.dup:
        return False
    if b.link_density > 0.5 or b.text == title or b.text == lead:
        return False
    return b.hint >= 0.0 or b.kind is PROSE


def _main_container(blocks: list[Block], start: int, end: int) -> tuple[int, int] | None:
    """(depth, id) of the deepest element holding most of the run's prose (HTML)."""
    weights: dict[tuple[int, int], int] = {}
    total = 0
    for b in blocks[start:end]:
        if b.kind is not PROSE or b.dup or b.link_density >= 0.5 or not b.path:
            continue
        n = len(b.text)
        total += n
        for key in enumerate(b.path):
            weights[key] = weights.get(key, 0) + n
    if not total:
        return None
    need = CONTAINER_SHARE * total
    best = max((k for k, w in weights.items() if w >= need), default=None)
    return best


def _container_blocks(
    blocks: list[Block], start: int, end: int, now: datetime | None
) -> list[int] | None:
    """Indices of the body candidates: the run, cut to the article's element and grown
    to the rest of that element (paragraphs the run missed around an in-text box)."""
    found = _main_container(blocks, start, end)
    if found is None:
        return None
    depth, node = found

    def inside(b: Block) -> bool:
        return len(b.path) > depth and b.path[depth] == node

    lo, hi = start, end
    while lo > 0 and inside(blocks[lo - 1]):
        lo -= 1
    while hi < len(blocks) and inside(blocks[hi]):
        hi += 1
    refine(blocks, lo, hi, now)
    first = next((i for i in range(start, end) if inside(blocks[i])), start)
    last = next((i for i in range(end - 1, start - 1, -1) if inside(blocks[i])), end - 1)
    out: list[int] = []
    for i in range(min(lo, first), max(hi, last + 1)):
        b = blocks[i]
        if first <= i <= last:
            out.append(i)  # the middle of the run stays, even outside the element
            continue
        if not inside(b):
            continue
        if start <= i < end or (
            EXPAND
            and b.hint >= 0.0
            and b.link_density < 0.5
            and not b.dup
            and b.kind in (PROSE, HEADING, CAPTION)
        ):
            out.append(i)
    return out


def _own_header(blocks: list[Block], start: int, end: int) -> bool:
    """The body run opens under an article's header: a date or byline line among its
    first lines or above it (past share buttons and labels), with a headline above that
    line (past the byline's name and labels)."""
    at = next(
        (i for i in range(min(end, start + OWN_HEADER_REACH) - 1,
                          max(-1, start - OWN_HEADER_SKIP - 1), -1)
         if _date_or_byline(blocks[i])),
        None,
    )
    if at is None or any(
        not _date_or_byline(b) and b.kind not in _MENU_KINDS and b.kind is not CAPTION
        for b in blocks[at + 1 : start]
    ):
        return False
    for a in reversed(blocks[max(0, at - OWN_HEADER_SKIP) : at]):
        if _date_or_byline(a) or a.kind is CAPTION:
            continue
        if a.kind in _MENU_KINDS and (not is_headline_like(a.text) or shape_parts(a.text)[3]):
            continue  # "By", the byline's name, "-", a share button
        return (
            not a.dup and a.link_density < 0.5 and a.kind is not BOILER
            and _clean_headline(a.text, RUN_TITLE_MAX_CHARS)
        )
    return False


def _meta_line_count(blocks: list[Block], start: int, end: int) -> int | None:
    """The count of comments a meta line of the article gives (above the body, among its
    first lines or right below it) when the page has no line of its own for it."""
    near = [*blocks[max(0, start - HEADER_WINDOW) : start + RUN_HEADER_REACH],
            *blocks[end : end + AFTER_WINDOW]]
    for b in near:
        if b.kind is not PROSE:
            found = comment_count_in_line(b.text)
            if found is not None:
                return found
    return None


def _date_or_byline(b: Block) -> bool:
    return (b.kind is DATE or b.kind is AUTHOR or dated_meta_line(b)
            or _BYLINE.match(b.text) is not None)


def assemble(
    blocks: list[Block], now: datetime | None, links: bool = False,
    slug: frozenset[str] = frozenset(), url_day: date | None = None,
) -> tuple[Draft, int, int]:
    """Body, header and metadata from classified blocks; also returns the run bounds.

    ``links``: the blocks carry link density (HTML), used to count listing teasers.
    """
    draft = Draft(n_blocks=len(blocks))
    if not blocks:
        return draft, 0, 0
    mark_duplicates(blocks)
    for b in blocks:
        if b.kind is COUNT:
            draft.comment_count = comment_count(b.text)
            break
    # classify in full only around the current best run; repeat while that changes it
    scores, factors = score_blocks(blocks, menus=not links)
    first = next((i for i, f in enumerate(factors) if f != 1.0), len(factors))
    start = end = 0
    for _ in range(_MAX_REFINE_ROUNDS):
        start, end, _score = _pick_run(scores, first)
        lo, hi = max(0, start - HEADER_WINDOW), min(len(blocks), end + AFTER_WINDOW)
        changed = refine(blocks, lo, hi, now)
        if not changed:
            break
        for i in changed:
            scores[i] = block_score(blocks[i], factors[i])
    else:
        start, end, _score = _pick_run(scores, first)
    draft.n_headlines = count_teasers(blocks, start, end, links)
    draft.dated_heads = count_dated_heads(blocks)
    draft.own_header = _own_header(blocks, start, end)
    body_chars = sum(len(b.text) for b in blocks[start:end] if b.kind is PROSE)
    if body_chars < LOGIN_WALL_MAX_BODY_CHARS:
        near = blocks[max(0, start - 3) : end + AFTER_WINDOW + 3]
        draft.login_wall = any(is_login_wall(b.text) for b in near)
    if end <= start:
        return draft, start, end

    if not links:
        start = _text_run_start(blocks, start, end)
    zone = _header_zone(blocks, start)
    if not links and _opens_with_headline(blocks, start, end):
        zone.append(blocks[start])  # the dump's first line of the article: its title
    draft.title, draft.lead = title_and_lead(zone, slug)
    if len(slug) >= SLUG_SEARCH_MIN_KEYS and slug_overlap(draft.title, slug) < SLUG_WEAK:
        found = _title_by_slug(blocks, start, slug)
        if found is not None:
            draft.title = blocks[found].text
            draft.lead = None if links else _lead_below(blocks, found, start)
    if not draft.title:
        draft.title = _nearest_headline(blocks, start)
    if not links:
        start, zone = _ranked_title(draft, blocks, start, end, slug, zone)
    if draft.comment_count is None:
        draft.comment_count = _meta_line_count(blocks, start, end)
    run = blocks[start:end]
    after: list[Block] = []
    for b in blocks[end : end + AFTER_WINDOW]:
        if b.kind in (SECTION, COUNT):
            break
        after.append(b)

    draft.captions = [b.text for b in zone if b.kind is CAPTION]
    picked = _container_blocks(blocks, start, end, now) if links else None
    if picked is None:
        picked = list(range(start, end))
    elif picked and picked[0] > start:
        # the run's head outside the article's element: a standfirst set apart from it,
        # or (under a content-like class) the opening paragraphs in a wrapper of their own
        head = [i for i in range(start, picked[0]) if _head_text(blocks[i], draft.title)]
        if head and draft.lead is None:
            draft.lead = blocks[head.pop(0)].text
        picked = [i for i in head if blocks[i].hint > 0.0 and blocks[i].kind is PROSE] + picked
    if links:
        picked += _continuation(blocks, picked, end)
    else:
        resumed = _text_continuation(blocks, end, now)
        if resumed is not None:
            picked += range(*resumed)
    kept: list[int] = []  # indices of the body's blocks
    junk: list[int] = []  # text dumps: lines the learned filter drops
    filter_end = max(end, picked[-1] + 1) if picked else end
    # HTML: prose under a boilerplate class is not the article's, however long, when
    # the hints are trusted (see CONTENT_TRUSTED_CHARS)
    trusted = links and sum(
        len(blocks[i].text) for i in picked if blocks[i].kind is PROSE and blocks[i].hint >= 1.0
    ) >= CONTENT_TRUSTED_CHARS
    for i in picked:
        b = blocks[i]
        if trusted and b.hint < 0.0:
            continue
        if b.kind is CAPTION:
            if b.text not in draft.captions:
                draft.captions.append(b.text)
        elif _keep_in_body(b, draft.title, draft.lead):
            if not links and _keep.is_junk(blocks, i, start, filter_end):
                junk.append(i)
            else:
                kept.append(i)
    if junk and sum(len(blocks[i].text) for i in kept) < KEEP_FILTER_MIN_CHARS:
        both = {*kept, *junk}
        kept = [i for i in picked if i in both]  # the filter never leaves too little
    if not links and len(kept) >= 2:
        kept = _with_inner_short_lines(blocks, kept, start, filter_end)
    # the author's bio, "first published ...", "Follow X: Twitter": furniture at the end
    while (
        len(kept) > 1
        and len(blocks[kept[-1]].text) <= TAIL_FURNITURE_MAX_CHARS
        and _TAIL_FURNITURE.search(blocks[kept[-1]].text.lower()) is not None
    ):
        kept.pop()
    # subheadings belong between paragraphs, not after the text
    while kept and blocks[kept[-1]].kind is HEADING and blocks[kept[-1]].tag in _HEADING_TAGS:
        kept.pop()
    draft.body = [blocks[i].text for i in kept]
    if kept:  # marks of a listing around the body, weighed in _core
        mark_listing(draft, blocks, start, end, kept, now, HEADER_WINDOW, AFTER_WINDOW)
    if links:  # summaries under linked headlines: most of the body on a listing (_core)
        draft.teaser_led = sum(
            1 for i in kept if blocks[i].kind is PROSE and _below_linked_headline(blocks, i)
        )

    draft.published = pick_date(dated_zone(zone, run, RUN_HEADER_REACH), draft.title,
                                [*run, *after], now, url_day)
    for b in (*zone, *run, *after):
        if b.kind is SOURCE and draft.source is None:
            draft.source = find_source_line(b.text)
        elif b.kind is AUTHOR and not draft.authors:
            draft.authors = find_authors(b.text)
        elif b.kind is DATE and not draft.authors:  # "14.11.2025 | Автор: Мария Петрова"
            draft.authors = meta_line_authors(b.text, now)
    return draft, start, end
