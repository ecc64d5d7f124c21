"""Block classification and scoring shared by the text and HTML front ends.

A block is one repaired paragraph-sized piece of text.  :func:`classify` tells what
kind of block it is from its text alone (prose, headline-like, boilerplate, a date,
a source line, a caption, a comment counter, a section header such as "Последни");
:func:`best_run` picks the contiguous run of blocks with the highest score, which is
how the main text is found in both front ends.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum

from vestnik.extract._agency import find_source_line
from vestnik.extract._dates import is_date_line

__all__ = [
    "Block",
    "Draft",
    "Kind",
    "best_run",
    "classify",
    "classify_coarse",
    "comment_count",
    "find_authors",
    "is_caption",
    "is_headline_like",
    "is_login_wall",
    "mark_duplicates",
    "refine",
    "word_count",
]


class Kind(IntEnum):  # an IntEnum: hashing is int hashing (Enum's is Python code)
    PROSE = 1  # sentence-like text
    HEADING = 2  # headline-like: a few words, no final full stop
    SHORT = 3  # one or two words: menu items, labels, numbers
    BOILER = 4  # share/login/cookie/follow-us/footer text
    SECTION = 5  # header of a non-article section: "Последни", "Comments"
    DATE = 6  # a line that is mostly a date
    SOURCE = 7  # "Източник: БГНЕС"
    AUTHOR = 8  # "Автор: Иван Петров", "By Jane Doe"
    CAPTION = 9  # photo caption / credit
    COUNT = 10  # "Коментари 57"


@dataclass(slots=True)
class Block:
    text: str
    kind: Kind = Kind.PROSE
    dup: bool = False
    score: float = 0.0
    # HTML front end hints
    tag: str = ""
    link_density: float = 0.0
    hint: float = 0.0  # class/id hint: >0 content-like, <0 boilerplate-like
    refined: bool = False  # fully classified (see refine())
    path: tuple[int, ...] = ()  # HTML: ids of the enclosing block elements, outermost first
    extra: dict[str, str] = field(default_factory=dict)


_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'“”»’)\]]*$|[\"“”»]$")
_STARTS_UPPER = re.compile(r"^[\W\d]*[A-ZА-ЯЁЇІЄЃЌЅЈЉЊЋЂЏÀ-ÖØ-Þ]")

# phrases that practically never occur in news prose: matched in blocks up to 200 chars
_BOILER_PHRASE = re.compile(
    r"(?:^|\W)(?:"
    r"последвайте ни|следвайте ни|последвай ни|абонирайте се|абонирай се|follow us|"
    r"подпишитесь на|подписывайтесь|subscribe to (?:our|the)|sign up for|our newsletter|"
    r"присъединете се към|join us on|folgen sie uns|suivez-nous|síguenos|"
    r"запомни ме|забравена парола|забравихте паролата|потребителско име|"
    r"логнете се|влезте в профила|регистрирайте се|create an account|remember me|"
    r"forgot (?:your )?password|забыли пароль|маркирани с \*|required fields?|"
    r"задължително поле|са задължителни|"
    r"privacy policy|политика за поверителност|"
    r"всички права запазени|all rights reserved|все права защищены|"
    r"общите условия|общи условия|условия за ползване|terms of (?:use|service)|"
    r"позволени символа|напиши(?:те)? коментар|добави коментар|leave a (?:comment|reply)|"
    r"post a comment|оставить комментарий|коментирайте|"
    r"прочетете (?:още|също)|вижте (?:още|също)|още по темата|read more|read also|"
    r"see also|читайте (?:также|еще|ещё|тоже)|continue reading|"
    r"google news|google новини|"
    r"enable javascript|javascript (?:is )?(?:disabled|required)|javascript aktivieren|"
    r"aktivieren sie javascript|включете javascript|включите javascript|"
    r"min(?:ute)?s? read|minuten lesezeit|lesezeit|affiliate[- ]links?|"
    r"(?:earn|receive) (?:a )?(?:small )?(?:commission|compensation)|"
    r"beitrag teilen|artikel teilen|nichts mehr verpassen|newsletter|"
    # comment forms, post footers, author boxes, calls to action (common CMS phrases)
    r"notify me|write a comment|no comments|keine kommentare|bookmark the permalink|"
    r"this entry was posted|der beitrag wurde am|dieser eintrag wurde|about the author|"
    r"über den autor|об авторе|за автора|"
    r"get (?:regular|the latest) (?:updates|news)|subscribe now|download (?:the|our) \w+ app|"
    r"if you enjoyed|support our work|unterstütze|unterstützen sie uns|"
    r"we want to hear|submit a letter|fan-?shop|"
    r"klicken sie auf den|um den inhalt von|inhalt laden|"
    r"последвайте ни|харесайте ни|абонирайте се за"
    r")(?:$|\W)",
)
# cookie banners are long: matched in blocks up to 600 chars
_COOKIE = re.compile(
    r"(?:използва|използваме|употребява) (?:\w+ )?бисквитки|политика за бисквитки|"
    r"(?:uses?|using) cookies|cookie (?:policy|settings|preferences|consent)|"
    r"accept (?:all )?cookies|использует (?:файлы )?cookie|файлы cookie|"
    r"verwendet cookies|cookies verwenden|nutzt cookies|utilise des cookies|"
    r"utiliza cookies|utilizza (?:i )?cookie"
)
_COOKIE_MAX_CHARS = 600
# words that are boilerplate when they make up (most of) a short block
_BOILER_WORD = re.compile(
    r"(?:^|\W)(?:"
    r"сподели(?:те)?|share(?: this| on)?|поделиться|поділитися|podijeli|partager|teilen|"
    r"compartir|condividi|tweet|pin it|print|принтирай|разпечатай|e-?mail|имейл|"
    r"subscribe|абонамент|newsletter|бюлетин|log ?in|log ?out|sign ?in|sign ?up|register|"
    r"вход|изход|регистрация|войти|пароль|парола|password|"
    r"бисквитки|cookies?|куки|datenschutz|impressum|copyright|©|"
    r"кирилица|фонетична|реклама|advertisement|sponsored|спонсорирано|"
    r"отговори|reply|харесай|like|обратно|back to top|към началото|нагоре"
    r")(?:$|\W)",
)
_BOILER_MAX_CHARS = 200
_BOILER_WORD_MAX_CHARS = 40

_SECTION = re.compile(
    r"^(?:последни(?: новини)?|най-(?:нови|четени|коментирани|популярни)(?: новини)?|"
    r"още от (?:рубриката|категорията|автора)?.*|още новини|други новини|"
    r"свързани(?: новини| статии| материали)?|по темата|препоръчано|препоръчваме|"
    r"коментари|comments?|discussion|related(?: articles| stories| posts| news)?|"
    r"latest(?: news| stories)?|most (?:read|popular|viewed)|more (?:from|stories|news)"
    r"(?: .{0,30})?|you (?:may|might) also like|recommended(?: for you)?|"
    r"top stories|trending(?: now)?|popular|editor'?s picks|"
    r"читайте также|последние новости|популярное|комментарии|похожие (?:новости|статьи)|"
    r"новини|news|tags?|тагове|етикети|теги|категории|categories|archives?|архив|"
    r"по теме|още по темата|вижте още|вижте също|прочетете още|"
    r"weitere artikel|mehr zum thema|das könnte sie auch interessieren|auch interessant|"
    r"ähnliche (?:beiträge|artikel)|verwandte (?:beiträge|artikel)|kommentare|"
    r"über den autor|about the author|за автора|об авторе|markiert mit|schlagworte|"
    r"top themen(?: der redaktion)?|weitere (?:themen|artikel|beiträge|news)(?: .{0,40})?|"
    r"mehr (?:zum thema|dazu|aus .{0,40}|kolumnen .{0,30})|infos zum .{0,30}|"
    r"das könnte (?:sie|dich|euch) auch interessieren|"
    r"à lire aussi|lire aussi|aller plus loin|sur le même sujet|dans la même rubrique|"
    r"noticias relacionadas|te puede interesar|más noticias|leggi anche|"
    r"potrebbe interessarti|zobacz (?:też|także)|czytaj (?:też|także)|"
    r"related (?:content|coverage|reading)|further reading|see also|read (?:more|next)|"
    r"more (?:on this|about this)(?: story| topic)?|what to read next|up next)\W*$",
)

_COUNT = re.compile(
    r"^(?:коментари|коментара|коментар|comments?|комментари[ийя]?|коментарі|"
    r"коментари|komentari|komentáře|kommentare|commentaires|comentarios|commenti)"
    r"\s*[:(\[]?\s*(?P<a>\d{1,6})\s*[)\]]?$"
    r"|^(?P<b>\d{1,6})\s+(?:коментар[аи]?|comments?|комментари[ийяев]*|"
    r"коментар[іяів]*|kommentare?|commentaires?|comentarios?|commenti)$",
)

_LOGIN_WALL = re.compile(
    r"за да (?:прочетете|четете|видите|продължите)|само за (?:абонати|регистрирани)|"
    r"достъпн\w* (?:само )?(?:за|на) абонати|влезте,? за да|абонирайте се,? за да|"
    r"to (?:continue|keep) reading|(?:log|sign) in to (?:read|continue|view)|"
    r"subscribe (?:now )?to (?:read|continue|unlock)|(?:available|only) (?:only )?(?:to|for) "
    r"(?:subscribers|members)|subscriber[- ]only|premium (?:content|article)|"
    r"войдите,? чтобы|доступно только (?:для )?подписчик|"
    r"jetzt (?:abonnieren|weiterlesen)|réservé aux abonnés",
)


_CAPTION = re.compile(
    r"(?:^|[\s,;(|/–—-])(?:снимк[аи]|фото(?:графия|графии)?|photo(?:graph|s)?|foto(?:s|grafie)?|"
    r"image|picture|credit|кадър|видео|източник на снимката|bild|фотограф)\s*:"
    r"|©|\(c\) |^vergrößern |^photograph by |^photo by |^фото: |^снимка: ",
)
_CAPTION_TAIL = re.compile(
    r"(?:^|[\s(])(?:снимк[аи]|photo|фото|foto|credit|image)(?:\s*:|\s+by\b|\s*/)"
    r"\s*[\w .,&'/-]{0,40}\)?$"
    r"|\((?:снимк[аи]|photo|фото|foto)\s+[^()]{1,40}\)$"
)
_CAPTION_MAX_CHARS = 300

_AUTHOR = re.compile(
    r"^(?i:автор(?:и)?|author(?:s)?|by|written by|текст|редактор|reporter|von|par|por|di|"
    r"автор текста)\s*:?\s+(?P<names>[A-ZА-ЯЁ][\w.'’-]*(?:\s+[A-ZА-ЯЁ][\w.'’-]*){0,3}"
    r"(?:\s*(?:,|и|and|&|und|et|y)\s*[A-ZА-ЯЁ][\w.'’-]*(?:\s+[A-ZА-ЯЁ][\w.'’-]*){0,3})*)"
    r"\s*$",
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|\band\b|\bи\b|&|\bund\b|\bet\b|\by\b)\s*")
_ONLY_NUMBER = re.compile(r"^[\d\s.,:/()+%-]+$")


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def comment_count(text: str) -> int | None:
    """"Коментари 57", "Коментари (0)", "57 коментара", "Comments: 3" -> the number."""
    if len(text) > 40:
        return None
    m = _COUNT.match(text.lower())
    if m is None:
        return None
    return int(m.group("a") or m.group("b"))


def is_caption(text: str) -> bool:
    """A photo caption or credit ("..., снимка: архив", "Photo: Reuters")."""
    return len(text) <= _CAPTION_MAX_CHARS and _maybe_caption(text.lower())


def _maybe_caption(low: str) -> bool:
    # every caption pattern needs one of these characters: test them first (cheap)
    if (
        ":" not in low
        and "(" not in low
        and "/" not in low
        and " by " not in low
        and "©" not in low
        and not low.startswith(("vergrößern", "photo"))
    ):
        return False
    return _CAPTION.search(low) is not None or _CAPTION_TAIL.search(low) is not None


def find_authors(text: str) -> tuple[str, ...]:
    """"Автор: Иван Петров и Мария Иванова" -> ("Иван Петров", "Мария Иванова")."""
    if len(text) > 100:
        return ()
    m = _AUTHOR.match(text)
    if m is None:
        return ()
    names = [n.strip(" .") for n in _AUTHOR_SPLIT.split(m.group("names"))]
    return tuple(n for n in names if n)


_SENTENCE_CHARS = frozenset(".!?…:;。！？")
_CLOSERS = frozenset("\"'“”»’)]」")
_QUOTES_END = frozenset("\"“”»")
_NUMBER_START = frozenset("0123456789+-(")
_CREDIT_TAIL = re.compile(r"[.!?…\"“”»)]\s*/\s*[A-ZА-Я][\w .-]{0,20}/?$")


def _plain(text: str) -> Kind:
    """The kind of a block that matched no special pattern: by length and punctuation."""
    n_chars = len(text)
    words = len(text.split())
    if words * 12 < n_chars and max(text) >= "\u3000":  # CJK has no spaces: count chars
        words = n_chars // 3
    if words <= 2 or (text[0] in _NUMBER_START and _ONLY_NUMBER.match(text)):
        return Kind.SHORT
    if words >= 25:
        return Kind.PROSE
    last = text[-1]
    ends = last in _SENTENCE_CHARS or last in _QUOTES_END
    if not ends and last in _CLOSERS and n_chars > 1:
        ends = text[-2] in _SENTENCE_CHARS
    if not ends and (last == "/" or last.isupper()):
        ends = _CREDIT_TAIL.search(text) is not None  # "... армия. /БГНЕС"
    return Kind.PROSE if words >= 5 and ends else Kind.HEADING


def _special(text: str, now: datetime | None) -> Kind | None:
    n_chars = len(text)
    if n_chars > _COOKIE_MAX_CHARS:
        return None
    low = text.lower()
    if n_chars <= 80:
        if n_chars <= 40 and _COUNT.match(low):
            return Kind.COUNT
        if find_source_line(text) is not None:
            return Kind.SOURCE
        if _SECTION.match(low):
            return Kind.SECTION
        if is_date_line(text, now):
            return Kind.DATE
        if find_authors(text):
            return Kind.AUTHOR
    if n_chars <= 400 and _LOGIN_WALL.search(low):
        return Kind.BOILER
    if ("cookie" in low or "бисквит" in low) and _COOKIE.search(low):
        return Kind.BOILER
    if n_chars <= _BOILER_MAX_CHARS and _BOILER_PHRASE.search(low):
        return Kind.BOILER
    if n_chars <= _BOILER_WORD_MAX_CHARS and _BOILER_WORD.search(low):
        return Kind.BOILER
    if n_chars <= _CAPTION_MAX_CHARS and _maybe_caption(low):
        return Kind.CAPTION
    return None


def classify(text: str, now: datetime | None) -> Kind:
    """What kind of block ``text`` is, judged from the text alone."""
    return _special(text, now) or _plain(text)


_SECTION_OR_COUNT = re.compile(
    _SECTION.pattern.replace(r"\W*$", r"[^\w\n]*$") + "|" + _COUNT.pattern,
    re.MULTILINE,
)


def classify_coarse(texts: list[str]) -> list[Kind]:
    """A cheap first classification of single-line blocks.

    Only length, punctuation and the section-header/comment-counter patterns (one
    multi-line pass); the other special kinds are left to :func:`refine`, which is run
    only where it matters (around the body candidate).
    """
    kinds = [_plain(t) for t in texts]
    joined = "\n".join(texts)
    low = joined.lower()
    if len(low) != len(joined):  # a few characters change length when lowercased
        return [classify_section(t) or k for t, k in zip(texts, kinds, strict=True)]
    starts: list[int] = []
    pos = 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    for m in _SECTION_OR_COUNT.finditer(low):
        i = bisect_right(starts, m.start()) - 1
        kinds[i] = Kind.COUNT if comment_count(texts[i]) is not None else Kind.SECTION
    return kinds


def classify_section(text: str) -> Kind | None:
    if len(text) > 80:
        return None
    if comment_count(text) is not None:
        return Kind.COUNT
    return Kind.SECTION if _SECTION.match(text.lower()) else None


def refine(blocks: list[Block], lo: int, hi: int, now: datetime | None) -> list[int]:
    """Fully classify blocks[lo:hi] not refined yet; returns the indices that changed."""
    changed: list[int] = []
    for i in range(lo, hi):
        b = blocks[i]
        if b.refined:
            continue
        b.refined = True
        if b.link_density >= 0.5:
            continue  # a link (menu item, teaser): never body text, kind does not matter
        special = _special(b.text, now)
        if special is not None and special is not b.kind:
            b.kind = special
            changed.append(i)
    return changed


def is_headline_like(text: str) -> bool:
    words = word_count(text)
    return 2 <= words <= 40 and len(text) <= 250 and _STARTS_UPPER.match(text) is not None


def mark_duplicates(blocks: list[Block], window: int = 3) -> None:
    """Flag blocks repeated (or contained) in a near neighbour: listing teasers."""
    idx = [
        i
        for i, b in enumerate(blocks)
        if b.kind is Kind.HEADING or (b.kind is Kind.PROSE and len(b.text) <= 300)
    ]
    for k, i in enumerate(idx):
        a = blocks[i].text
        if len(a) < 12:
            continue
        for j in idx[k + 1 : k + 1 + window]:
            if j - i > window:
                break
            b = blocks[j].text
            if len(b) < 12:
                continue
            if a == b or (len(a) < len(b) and a in b) or (len(b) < len(a) and b in a):
                blocks[i].dup = True
                blocks[j].dup = True


def best_run(scores: list[float]) -> tuple[int, int, float]:
    """Maximum-sum contiguous run (Kadane): returns (start, end_exclusive, total)."""
    best = (0, 0, 0.0)
    cur_start, cur = 0, 0.0
    for i, s in enumerate(scores):
        if cur <= 0.0:
            cur_start, cur = i, s
        else:
            cur += s
        if cur > best[2]:
            best = (cur_start, i + 1, cur)
    return best


def is_login_wall(text: str) -> bool:
    """A "log in / subscribe to read the rest" message."""
    return len(text) <= 400 and _LOGIN_WALL.search(text.lower()) is not None


@dataclass(slots=True)
class Draft:
    """What a front end found, before the shared post-processing in ``_core``."""

    title: str = ""
    lead: str | None = None
    body: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    published: date | None = None  # a datetime is a date too
    source: str | None = None
    authors: tuple[str, ...] = ()
    comment_count: int | None = None
    language: str | None = None  # a declared language (<html lang>), may be wrong
    # signals for the rejection decision
    n_blocks: int = 0
    n_headlines: int = 0
    login_wall: bool = False
    declared_article: bool = False  # the page says it is an article (JSON-LD, og:type)
    extra: dict[str, str] = field(default_factory=dict)
