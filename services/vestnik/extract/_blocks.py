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
from functools import lru_cache
from itertools import accumulate

from vestnik.extract._agency import KNOWN_AGENCY_PATTERN, find_source_line
from vestnik.extract._dates import is_date_line, may_hold_date

__all__ = [
    "AUTHOR",
    "BOILER",
    "CAPTION",
    "COUNT",
    "DATE",
    "HEADING",
    "PROSE",
    "SECTION",
    "SHORT",
    "SOURCE",
    "Block",
    "Draft",
    "Kind",
    "alternation",
    "best_run",
    "classify",
    "classify_coarse",
    "comment_count",
    "comment_count_in_line",
    "find_authors",
    "is_caption",
    "is_headline_like",
    "is_login_wall",
    "mark_duplicates",
    "refine",
    "word_count",
    "word_set",
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


# the kinds as module constants: looking up an attribute of an Enum class costs
# about ten times more than a global, and the hot loops test kinds of every block
PROSE = Kind.PROSE
HEADING = Kind.HEADING
SHORT = Kind.SHORT
BOILER = Kind.BOILER
SECTION = Kind.SECTION
DATE = Kind.DATE
SOURCE = Kind.SOURCE
AUTHOR = Kind.AUTHOR
CAPTION = Kind.CAPTION
COUNT = Kind.COUNT


class Block:
    """One block of a page (a line of a dump, a block element of HTML) and what is known
    of it.  A plain class, not a dataclass: mypyc compiles its ``__init__`` (a dataclass's
    is generated Python, which made building the blocks a tenth of a dump's time)."""

    __slots__ = (
        "dup",
        "hint",
        "kind",
        "link_density",
        "path",
        "refined",
        "score",
        "tag",
        "text",
    )

    def __init__(
        self,
        text: str,
        kind: Kind = PROSE,
        dup: bool = False,
        score: float = 0.0,
        tag: str = "",  # HTML front end hints: the element's tag ...
        link_density: float = 0.0,
        hint: float = 0.0,  # ... its class/id hint: >0 content-like, <0 boilerplate-like
        refined: bool = False,  # fully classified (see refine())
        path: tuple[int, ...] = (),  # HTML: ids of the enclosing block elements, outermost first
    ) -> None:
        self.text = text
        self.kind = kind
        self.dup = dup
        self.score = score
        self.tag = tag
        self.link_density = link_density
        self.hint = hint
        self.refined = refined
        self.path = path

    def __repr__(self) -> str:
        return (f"Block({self.text!r}, {self.kind.name}, dup={self.dup}, tag={self.tag!r}, "
                f"link_density={self.link_density}, hint={self.hint})")


_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'“”»’)\]]*$|[\"“”»]$")
_STARTS_UPPER = re.compile(r"^[\W\d]*[A-ZА-ЯЁЇІЄЃЌЅЈЉЊЋЂЏÀ-ÖØ-Þ]")
_STARTS_FIGURE = re.compile(r"^\W?\d[\d\s.,]*%?\s+(?:[-–—:]\s+)?\w")


def word_set(text: str) -> frozenset[str]:
    """``"a b c"`` -> ``frozenset({"a", "b", "c"})``: word lists written as one string."""
    return frozenset(text.split())


def alternation(alternatives: tuple[str, ...], guard: str = "", suffix: str = "") -> str:
    """A regex for "any of ``alternatives``" that the regex engine can search fast.

    Every alternative starts with a literal character; they are grouped by it, so the
    pattern starts with a set of literals and the engine skips every position that holds
    none of them (a pattern that starts with a group or an assertion is tried in full at
    every position).  ``guard`` (a lookbehind) is checked right after the first
    character, ``suffix`` after each alternative.
    """
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        first, rest = alt[0], alt[1:]
        if not (first.isalnum() or first in "©(") or rest[:1] in ("?", "*", "+", "{"):
            raise ValueError(f"needs a literal first character: {alt!r}")
        groups.setdefault(re.escape(first), []).append(rest)
    return "|".join(f"{c}{guard}(?:{'|'.join(rests)}){suffix}" for c, rests in groups.items())


# phrases that practically never occur in news prose: matched in blocks up to 200 chars
_BOILER_PHRASES = (
    "последвайте ни", "следвайте ни", "последвай ни", "абонирайте се", "абонирай се",
    "follow us", "подпишитесь на", "подписывайтесь", "subscribe to (?:our|the)",
    "sign up for", "our newsletter", "присъединете се към", "join us on", "folgen sie uns",
    "suivez-nous", "síguenos", "запомни ме", "забравена парола", "забравихте паролата",
    "потребителско име", "логнете се", "влезте в профила", "регистрирайте се",
    "create an account", "remember me", "forgot (?:your )?password", "забыли пароль",
    r"маркирани с \*", "required fields?", "задължително поле", "са задължителни",
    "privacy policy", "политика за поверителност",
    "всички права запазени", "all rights reserved", "все права защищены",
    "общите условия", "общи условия", "условия за ползване", "terms of (?:use|service)",
    "позволени символа", "напиши(?:те)? коментар", "добави коментар",
    "leave a (?:comment|reply)", "post a comment", "оставить комментарий", "коментирайте",
    "прочетете (?:още|също)", "вижте (?:още|също)", "още по темата", "read more", "read also",
    "see also", "читайте (?:также|еще|ещё|тоже)", "continue reading",
    "google news", "google новини",
    "your video will play", "media playback is unsupported",
    "своим мнением", "присылайте (?:фото|нам)", "стали очевидцем", "станахте свидетел",
    "изпратете ни", "прежде чем оставить комментарий", "сервис комментирования",
    "play video", "watch video", "reproduciendo", "вижте видеото", "смотрите видео",
    "recommended stories",
    "enable javascript", "javascript (?:is )?(?:disabled|required)", "javascript aktivieren",
    "aktivieren sie javascript", "включете javascript", "включите javascript",
    "min(?:ute)?s? read", "minuten lesezeit", "lesezeit", "affiliate[- ]links?",
    "earn (?:a )?(?:small )?(?:commission|compensation)",
    "receive (?:a )?(?:small )?(?:commission|compensation)",
    "beitrag teilen", "artikel teilen", "nichts mehr verpassen", "newsletter",
    # comment forms, post footers, author boxes, calls to action (common CMS phrases)
    "notify me", "write a comment", "no comments", "keine kommentare",
    "bookmark the permalink", "this entry was posted", "der beitrag wurde am",
    "dieser eintrag wurde", "about the author", "über den autor", "об авторе", "за автора",
    "get (?:regular|the latest) (?:updates|news)", "subscribe now",
    r"download (?:the|our) \w+ app", "if you enjoyed", "support our work", "unterstütze",
    "unterstützen sie uns", "we want to hear", "submit a letter", "fan-?shop",
    "klicken sie auf den", "um den inhalt von", "inhalt laden",
    "харесайте ни", "абонирайте се за",
    # comment forms and "most read" boxes (en, bg, ru, de)
    "your email address will not be published", "e-mail-adresse wird nicht veröffentlicht",
    "имейл адрес(?:ът)? (?:ви )?няма да бъде публикуван", "не будет опубликован",
    "schreibe einen kommentar", "hinterlasse einen kommentar", "оставете коментар",
    "напишете коментар", "добавить комментарий", "оставьте комментарий",
    "meistgelesen", "auf einer seite lesen", "zurück zur übersicht",
    "empfiehl dies", "no responses? so far", "най-четени", "самое читаемое",
    # the comment form of WordPress, word for word in its translations, and its spam filter
    "save my name", "for the next time i comment", "in diesem browser speichern",
    "в этом браузере для последующих", "в браузъра за следващия път", "в цьому браузері",
    "fill in your details below", "trage deine daten unten ein", "wenn ein kommentar",
    "akismet", "cookies are absolutely essential",
)
# searched in " " + text: a leading non-word character is a cheap first test
_BOILER_PHRASE = re.compile(r"\W(?:" + alternation(_BOILER_PHRASES) + r")(?:$|\W)")
# cookie banners are long: matched in blocks up to 600 chars
_COOKIE = re.compile(
    r"(?:използва|използваме|употребява) (?:\w+ )?бисквитки|политика за бисквитки|"
    r"(?:uses?|using) cookies|cookie (?:policy|settings|preferences|consent)|"
    r"accept (?:all )?cookies|использует (?:файлы )?cookie|файлы cookie|"
    r"verwendet cookies|cookies verwenden|nutzt cookies|utilise des cookies|"
    r"utiliza cookies|utilizza (?:i )?cookie"
)
_COOKIE_MAX_CHARS = 600
# the site's terms of reuse: "При цитировании ... гиперссылка на ... обязательна"; each
# phrase starts with a letter, so the search skips the positions that start none of them
_LEGAL_USE = r"(?:цитировани|использовани|цитиране|използване|використанн|цитуванн)\w* "
_LEGAL_PHRASES = (
    "при " + _LEGAL_USE + r"(?:[\w-]+ ){0,3}материал",
    "за " + _LEGAL_USE + r"(?:[\w-]+ ){0,3}материал",
    r"использование (?:\w+ ){0,2}материал", r"използването (?:\w+ ){0,2}материал",
    r"використання (?:\w+ ){0,2}матеріал", r"препечатка (?:\w+ ){0,2}материал",
    r"перепечатка (?:\w+ ){0,2}материал", r"копирането (?:\w+ ){0,2}материал",
    "гиперссылк", "гіперпосиланн", "хипервръзк", "активная ссылка", "активна връзка",
    r"все материал\w* (?:\w+ ){0,3}(?:на |на этом |в )?сайт",
    r"всі матеріал\w* (?:\w+ ){0,3}(?:на |на цьому )?сайт",
    r"всички материал\w* (?:\w+ ){0,3}(?:на )?сайт",
    r"без (?:письменного|письмового|писменото|писмено) (?:\w+ )?(?:разрешения|дозволу|"
    r"разрешение|съгласие|согласия)",
    "на правах (?:рекламы|реклами)", "свидетельство о регистрации",
    r"зарегистрирован\w* (?:в|роскомнадзором)", "роскомнадзор",
    r"правил\w* (?:комментирования|коментування|коментиране|за коментиране|общения на)",
    "в комментариях запрещ", "all rights reserved", "всички права (?:са )?запазени",
    "все права защищены", "всі права захищені", "alle rechte vorbehalten",
    "tous droits réservés",
)
_LEGAL = re.compile(alternation(_LEGAL_PHRASES))
# one of these is in every phrase above: a cheaper first test for long paragraphs
_LEGAL_ANCHORS = (
    "материал", "матеріал", "ссылк", "посилан", "връзк", "сайт", "письм", "писм", "рекл",
    "регистр", "роскомнадзор", "комент", "коммент", "общени", "rights", "права", "rechte",
    "droits",
)
_LEGAL_MAX_CHARS = 1500
DUP_MIN_SHARE = 3  # a block inside a neighbour up to this many times its length repeats it
# words that are boilerplate when they make up (most of) a short block
_BOILER_WORDS = (
    "сподели(?:те)?", "share(?: this| on)?", "поделиться", "поділитися", "podijeli",
    "partager", "teilen", "compartir", "condividi", "tweet", "pin it", "print", "принтирай",
    "разпечатай", "e-?mail", "имейл", "subscribe", "абонамент", "newsletter", "бюлетин",
    "log ?in", "log ?out", "sign ?in", "sign ?up", "register",
    "вход", "изход", "регистрация", "войти", "пароль", "парола", "password",
    "бисквитки", "cookies?", "куки", "datenschutz", "impressum", "copyright", "©",
    "кирилица", "фонетична", "реклама", "advertisement", "sponsored", "спонсорирано",
    "отговори", "reply", "харесай", "like", "обратно", "back to top", "към началото",
    "нагоре", "next page", "previous page", "следваща страница", "предишна страница",
    "следующая страница", "предыдущая страница", "наступна сторінка", "попередня сторінка",
    "nächste seite", "vorherige seite", "page suivante", "page précédente",
)
_BOILER_WORD = re.compile(r"\W(?:" + alternation(_BOILER_WORDS) + r")(?:$|\W)")  # in " " + text

_BOILER_MAX_CHARS = 200
_BOILER_WORD_MAX_CHARS = 40

_SECTION_PHRASES = (
    "последни(?: новини)?", "най-(?:нови|четени|коментирани|популярни)(?: новини)?",
    "още от (?:рубриката|категорията|автора)?.*", "още новини", "други новини",
    "свързани(?: новини| статии| материали)?", "по темата", "препоръчано", "препоръчваме",
    "коментари", "comments?", "discussion", "related(?: articles| stories| posts| news)?",
    "latest(?: news| stories)?", "most (?:read|popular|viewed)",
    "more (?:from|stories|news)(?: .{0,30})?", "you (?:may|might) also like",
    "recommended(?: for you)?", "top stories", "trending(?: now)?", "popular",
    "editor'?s picks", "читайте также", "последние новости", "популярное", "комментарии",
    "похожие (?:новости|статьи)", "другие (?:новости|материалы|статьи)", "свежие новости",
    "самое (?:читаемое|популярное)", "інші (?:новини|матеріали|статті)", "останні новини",
    "популярне", "коментарі", "новини", "news", "tags?", "тагове", "етикети", "теги",
    "категории", "categories", "archives?", "архив", "по теме", "още по темата", "вижте още",
    "вижте също", "прочетете още", "weitere artikel", "mehr zum thema",
    "das könnte sie auch interessieren", "auch interessant", "ähnliche (?:beiträge|artikel)",
    "verwandte (?:beiträge|artikel)", "kommentare", "über den autor", "about the author",
    "за автора", "об авторе", "markiert mit", "schlagworte", "top themen(?: der redaktion)?",
    "weitere (?:themen|artikel|beiträge|news)(?: .{0,40})?",
    "mehr (?:zum thema|dazu|aus .{0,40}|kolumnen .{0,30})", "infos zum .{0,30}",
    "das könnte (?:sie|dich|euch) auch interessieren", "à lire aussi", "lire aussi",
    "aller plus loin", "sur le même sujet", "dans la même rubrique", "noticias relacionadas",
    "te puede interesar", "más noticias", "leggi anche", "potrebbe interessarti",
    "zobacz (?:też|także)", "czytaj (?:też|także)", "related (?:content|coverage|reading)",
    "further reading", "see also", "read (?:more|next)",
    "more (?:on this|about this)(?: story| topic)?", "what to read next", "up next",
    "en direct", "direct", "live", "liveticker", "live ticker", "на живо",
    # a line of tags ends the article: "Етикети: таблет компютър Хасково"
    r"етикети\s*:.*", r"тагове\s*:.*", r"теги\s*:.*", r"тэги\s*:.*", r"tags?\s*:.*",
    r"ключови думи\s*:.*", r"in this article\s*:.*", r"topics\s*:.*",
    r"ключевые слова\s*:.*", r"keywords\s*:.*",
    r"schlagw(?:orte|örter)\s*:.*", r"mots-clés\s*:.*", r"etiquetas\s*:.*",
)
_SECTION = re.compile(r"^(?:" + alternation(_SECTION_PHRASES) + r")\W*$")

_COUNT = re.compile(
    r"^(?:коментари|коментара|коментар|comments?|комментари[ийя]?|коментарі|"
    r"коментари|komentari|komentáře|kommentare|commentaires|comentarios|commenti)"
    r"\s*[:(\[]?\s*(?P<a>\d{1,6})\s*[)\]]?$"
    r"|^(?P<b>\d{1,6})\s+(?:коментар[аи]?|comments?|комментари[ийяев]*|"
    r"коментар[іяів]*|kommentare?|commentaires?|comentarios?|commenti)$",
)

_LOGIN_WALL_PHRASES = (
    "за да (?:прочетете|четете|видите|продължите)", "само за (?:абонати|регистрирани)",
    r"достъпн\w* (?:само )?(?:за|на) абонати", "влезте,? за да", "абонирайте се,? за да",
    "to (?:continue|keep) reading", "log in to (?:read|continue|view)",
    "sign in to (?:read|continue|view)", "subscribe (?:now )?to (?:read|continue|unlock)",
    "available (?:only )?(?:to|for) (?:subscribers|members)",
    "only (?:only )?(?:to|for) (?:subscribers|members)", "subscriber[- ]only",
    "premium (?:content|article)", "войдите,? чтобы", "доступно только (?:для )?подписчик",
    "jetzt (?:abonnieren|weiterlesen)", "réservé aux abonnés",
)
_LOGIN_WALL = re.compile(alternation(_LOGIN_WALL_PHRASES))
# every phrase above holds one of these: substring tests are cheaper than the regex
_LOGIN_WALL_WORDS = (
    "за да", "само за", "абонати", "reading", "in to", "subscri", "members", "premium",
    "войдите", "подписчик", "jetzt", "réservé",
)


def _login_wall(low: str) -> bool:
    for word in _LOGIN_WALL_WORDS:
        if word in low:
            return _LOGIN_WALL.search(low) is not None
    return False


_CAPTION = re.compile(
    alternation(
        (
            "снимк[аи]", "фото(?:графия|графии)?", "photo(?:graph|s)?", "foto(?:s|grafie)?",
            "image", "picture", "credit", "кадър", "видео", "източник на снимката", "bild",
            "фотограф",
        ),
        r"(?<![^\s,;(|/–—-].)",  # at the start or after a space or a separator
        r"\s*:",
    )
    + r"|©|\(c\) "
)
_CAPTION_START = ("vergrößern ", "photograph by ", "photo by ", "фото: ", "снимка: ")
_CAPTION_TAIL = re.compile(
    alternation(
        ("снимк[аи]", "photo", "фото", "foto", "credit", "image"),
        r"(?<![^\s(].)",  # at the start or after a space or "("
        r"(?:\s*:|\s+by\b|\s*/)\s*[\w .,&'/-]{0,40}\)?$",
    )
    + r"|\((?:снимк[аи]|photo|фото|foto)\s+[^()]{1,40}\)$"
)
_CAPTION_MAX_CHARS = 300
# "Тереза Мей / ЕПА/БГНЕС", "Протест в Исламабад / Shutterstock": what the photo shows, then
# after a spaced slash who took or sold it: an agency or a photo bank (matched lowercased)
_PHOTO_CREDIT = (
    "(?:" + KNOWN_AGENCY_PATTERN.lower() + r"|епа|epa|getty images|getty|shutterstock|"
    r"istock|depositphotos|pixabay|unsplash|архив|личен архив|pa images|dpa picture-alliance)"
)
_SLASH_CREDIT = re.compile(
    r"^[^.!?/]{3,120}\s/\s" + _PHOTO_CREDIT + r"(?:\s*/\s*" + _PHOTO_CREDIT + r")?$"
)

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


# a count of comments as one part of a meta line: "29 Януари 2018, 17:46 | 9050 прочитания |
# Коментари (2)", "Вторник, 15 декември 2020 Коментари (63)"
_COUNT_PART = re.compile(
    r"(?:^|[\s|•·,;])(?:коментари|коментара|comments?|комментари[ийя]?|коментарі|"
    r"kommentare|commentaires|comentarios|commenti)\s*[:(\[]\s*(?P<a>\d{1,6})\s*[)\]]?"
    r"(?=\s*(?:$|[|•·,;]))"
    r"|(?:^|[|•·,;]\s*)(?P<b>\d{1,6})\s+(?:коментар[аи]?|comments?|комментари[ийяев]*|"
    r"коментар[іяів]*)(?=\s*(?:$|[|•·,;]))"
)
COUNT_LINE_MAX_CHARS = 160


def comment_count_in_line(text: str) -> int | None:
    """The count of comments a short meta line gives among its parts ("... | Коментари
    (2)", "14:05 • 12 коментара • 300 прочитания"), or None."""
    if len(text) > COUNT_LINE_MAX_CHARS:
        return None
    low = text.lower()
    if "мента" not in low and "ment" not in low:  # most lines: no regex
        return None
    m = _COUNT_PART.search(low)
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
    return (
        low.startswith(_CAPTION_START)
        or _CAPTION.search(low) is not None
        or _CAPTION_TAIL.search(low) is not None
        or (" / " in low and _SLASH_CREDIT.match(low) is not None)
    )


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
    """The kind of a (repaired) block that matched no special pattern: by length and
    punctuation."""
    n_chars = len(text)
    # len(text.split()) without the list: a repaired block is stripped and its words
    # are separated by one space or a lone no-break space
    words = text.count(" ") + 1
    if words >= 25 and words * 12 >= n_chars:
        return PROSE  # the usual paragraph: no-break spaces would change nothing
    if not text.isascii():
        words += text.count("\u00a0") + text.count("\u202f")
    if words * 12 < n_chars and max(text) >= "\u3000":  # CJK has no spaces: count chars
        words = n_chars // 3
    if words <= 2 or (text[0] in _NUMBER_START and _ONLY_NUMBER.match(text)):
        return SHORT
    if words >= 25:
        return PROSE
    last = text[-1]
    ends = last in _SENTENCE_CHARS or last in _QUOTES_END
    if not ends and last in _CLOSERS and n_chars > 1:
        ends = text[-2] in _SENTENCE_CHARS
    if not ends and (last == "/" or last.isupper()):
        ends = _CREDIT_TAIL.search(text) is not None  # "... армия. /БГНЕС"
    return PROSE if words >= 5 and ends else HEADING


_SHORT_MAX_CHARS = 80  # the longest block that may be a date, source, author, section


def _special(text: str, now: datetime | None) -> Kind | None:
    n_chars = len(text)
    if n_chars > _COOKIE_MAX_CHARS:  # a long paragraph: only a notice of terms may be one
        return BOILER if n_chars <= _LEGAL_MAX_CHARS and _legal(text.lower()) else None
    if n_chars > _SHORT_MAX_CHARS:
        return _boiler_or_caption(text.lower(), n_chars)
    before_date, maybe_date, after_date = _short_special(text)
    if before_date is not None:
        return before_date
    if maybe_date and is_date_line(text, now):
        return DATE
    return after_date


@lru_cache(maxsize=32768)  # menus, labels and footers repeat from page to page
def _short_special(text: str) -> tuple[Kind | None, bool, Kind | None]:
    """What :func:`_special` finds in a short block without knowing the time: the kind
    found by the tests before the date test, whether the text may hold a date at all,
    and the kind found by the tests after it."""
    low = text.lower()
    if len(text) <= 40 and _COUNT.match(low):
        return COUNT, False, None
    if find_source_line(text) is not None:
        return SOURCE, False, None
    if _SECTION.match(low):
        return SECTION, False, None
    after = AUTHOR if find_authors(text) else _boiler_or_caption(low, len(text))
    return None, may_hold_date(text), after


def _legal(low: str) -> bool:
    """A notice of the site's terms; the anchor words are a cheaper first test than the
    phrases."""
    if not any(w in low for w in _LEGAL_ANCHORS):
        return False
    return _LEGAL.search(low) is not None


def _boiler_or_caption(low: str, n_chars: int) -> Kind | None:
    """BOILER or CAPTION from the lowercased text of a block (of ``n_chars`` chars)."""
    if n_chars <= 400 and _login_wall(low):
        return BOILER
    if ("cookie" in low or "бисквит" in low) and _COOKIE.search(low):
        return BOILER
    if _legal(low):
        return BOILER
    if n_chars <= _BOILER_MAX_CHARS:
        spaced = " " + low
        if _BOILER_PHRASE.search(spaced) or (
            n_chars <= _BOILER_WORD_MAX_CHARS and _BOILER_WORD.search(spaced)
        ):
            return BOILER
    if n_chars <= _CAPTION_MAX_CHARS and _maybe_caption(low):
        return CAPTION
    return None


def classify(text: str, now: datetime | None) -> Kind:
    """What kind of block ``text`` is, judged from the text alone."""
    return _special(text, now) or _plain(text)


_SECTION_HEAD_CHARS = 100  # a line's head searched for a section header or a counter
# every line of a document starts after a "\n" (one is prepended): the leading literal
# lets the regex engine jump from line start to line start instead of trying every char
_SECTION_OR_COUNT = re.compile(
    "\n(?:" + _SECTION.pattern.replace(r"\W*$", r"[^\w\n]*$") + "|" + _COUNT.pattern + ")",
    re.MULTILINE,
)


def classify_coarse(texts: list[str]) -> list[Kind]:
    """A cheap first classification of single-line blocks.

    Only length, punctuation and the section-header/comment-counter patterns (one
    multi-line pass); the other special kinds are left to :func:`refine`, which is run
    only where it matters (around the body candidate).
    """
    kinds = [_plain(t) for t in texts]  # native calls (mypyc), not map()
    # each line's head is enough: the headers and counters are short, and a pattern that
    # goes on to the line's end (".*" of "Етикети: ...") matches its head as its whole;
    # lowercasing the paragraphs in full would cost more than the rest of this pass
    heads = [t[:_SECTION_HEAD_CHARS] for t in texts]
    joined = "\n" + "\n".join(heads)
    low = joined.lower()
    lows = heads
    if len(low) != len(joined):  # a few characters ("İ") change length when lowercased
        lows = [t.lower() for t in heads]
        low = "\n" + "\n".join(lows)
    found = [m.start() for m in _SECTION_OR_COUNT.finditer(low)]
    if not found:
        return kinds
    # where each line's "\n" is: after the previous line and its own "\n"
    starts = list(accumulate([len(t) + 1 for t in lows[:-1]], initial=0))
    for at in found:
        i = bisect_right(starts, at) - 1
        kinds[i] = COUNT if comment_count(texts[i]) is not None else SECTION
    return kinds


def classify_section(text: str) -> Kind | None:
    if len(text) > 80:
        return None
    if comment_count(text) is not None:
        return COUNT
    return SECTION if _SECTION.match(text.lower()) else None


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


@lru_cache(maxsize=16384)  # asked of a page's header lines more than once
def is_headline_like(text: str) -> bool:
    """A capitalised run of 2-40 words, or one opening with a figure and 4+ words
    ("157 миллиона за бездействие")."""
    if len(text) > 250:
        return False
    words = word_count(text)
    if not 2 <= words <= 40:
        return False
    return _STARTS_UPPER.match(text) is not None or (
        words >= 4 and _STARTS_FIGURE.match(text) is not None
    )


def mark_duplicates(blocks: list[Block], window: int = 3) -> None:
    """Flag blocks repeated (or contained) in a near neighbour: listing teasers.

    Headline-like and short prose blocks of 12+ chars are compared with those at most
    ``window`` blocks further down.
    """
    cands = [
        (i, b.text)
        for i, b in enumerate(blocks)
        if (b.kind is HEADING or (b.kind is PROSE and len(b.text) <= 300))
        and len(b.text) >= 12
    ]
    for k, (i, a) in enumerate(cands):
        for j, b in cands[k + 1 : k + 1 + window]:
            if j - i > window:
                break
            short, long_ = (a, b) if len(a) <= len(b) else (b, a)
            # a teaser repeats its headline (or the headline its start); a phrase quoted
            # in a longer paragraph (a subheading it repeats) is no repetition
            if short in long_ and (
                len(short) * DUP_MIN_SHARE >= len(long_) or long_.startswith(short)
            ):
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
    return len(text) <= 400 and _login_wall(text.lower())


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
    teaser_led: int = 0  # HTML: body paragraphs right below a linked headline
    dated_heads: int = 0  # headlines with a date or time line right above or below them
    own_header: bool = False  # the body run sits under a headline with its date or byline
    dated_entries: int = 0  # days that open an entry of prose inside the body: a feed
    entry_days: int = 0  # days of date lines between two entries in and around the body run
    pager: bool = False  # a pager ("1 2 3 … Next") right below the body
    read_more: int = 0  # "Read more"/"още" lines among and right below the body's paragraphs
    calendar_days: int = 0  # days of date lines each over a time-led line, near the body
    calendar_times: int = 0  # lines that open with a time of day, near the body
    headed_days: int = 0  # days of bare date lines under other headlines between paragraphs
    comment_lines: int = 0  # lines naming comments, with a number, between paragraphs
    extra: dict[str, str] = field(default_factory=dict)
