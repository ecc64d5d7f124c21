"""Build a Bulgarian development set of plain-text page dumps around real news prose.

Usage::

    git clone https://github.com/UL-FRI-Zitnik/BSNLP-2021-Shared-Task CLONES/BSNLP-2021-Shared-Task
    .venv/bin/python dev/make_bgset.py --clones CLONES [OUT_DIR] [--cap 300]
    .venv/bin/vestnik eval OUT_DIR

The prose is the Bulgarian part of the BSNLP 2021 shared task (the raw documents in
``data/datasets/bsnlp/<topic>/raw/bg/*.txt`` of UL-FRI-Zitnik/BSNLP-2021-Shared-Task,
read from the clone ``CLONES/BSNLP-2021-Shared-Task``, a work tree or a bare clone (see
dev/sources.py; nothing needs checking out), at the pinned commit ``COMMIT``,
5163242ff2e0b41d760afb3b9e9f4508f8dbaac6, master of 2021-03-04).  Each raw file is: id,
language, date (YYYY-MM-DD), URL, title, then the body.

The body is cleaned first (HTML entities are decoded; the crawl glued site boilerplate,
photo credits, "Източник:" and "Автор:" lines and copyright notices to some texts;
paragraphs wrapped over several lines are re-joined; words mixing Latin and Cyrillic
look-alike letters are repaired).
Documents with a body under 400 characters, a placeholder date (1970), a broken title,
a duplicate body or boilerplate the cleaning cannot remove are skipped; of the rest,
``--cap`` are taken (a stable pick by the hash of the name).  Per document this writes::

    OUT_DIR/<name>.txt        a plain-text dump of a whole news page around the article:
                              menus, breadcrumbs, login links, the title, a date line
                              (absolute or relative), counters, author and source lines,
                              captions, share buttons, lists of other documents' titles,
                              reader comments, cookie and newsletter banners, a footer
    OUT_DIR/<name>.gold.json  {"url", "fetched_at", "title", "published_at",
                               "body_paragraphs", "source_agency", "language",
                               "captions", "comment_count"}: what the page shows
    OUT_DIR/index.tsv         name, source path, layout, date style, injected noise, and
                              whether the URL is the raw one or made (see ``URLS``)

The chrome is drawn from eight site layouts (in the style of dnevnik.bg, novinite.bg,
bta.bg, btvnovinite.bg, 24chasa.bg, fakti.bg, mediapool.bg, offnews.bg), chosen and
filled by a random generator seeded with the document's name, so a run is reproducible.
A minority of pages get the noise real scrapers produce: leaked markup ("<p>",
"&nbsp;"), a split drop cap ("Р уските"), a Latin look-alike letter inside a Cyrillic
word, paragraphs hard-wrapped over several lines; the gold always has the clean text.
``published_at`` is the date the page shows (null when it shows none); relative dates
("Преди 3 часа", "вчера, 14:35") are meant against ``fetched_at``.  The gold body is the
article's paragraphs only: no title, captions, credits or trailing agency credit
("/БТА/"), which goes to ``source_agency`` like a "Източник: БТА" line does.

OUT_DIR defaults to dev/bg (git-ignored); the script is re-runnable (it rewrites OUT_DIR's
pages and removes stale ones).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_devset import git_blobs
from sources import CLONES_HELP, CloneError, clone_git_dir, clone_path

HERE = Path(__file__).resolve().parent
REPO = "UL-FRI-Zitnik/BSNLP-2021-Shared-Task"
COMMIT = "5163242ff2e0b41d760afb3b9e9f4508f8dbaac6"  # master, 2021-03-04
RAW = re.compile(r"^data/datasets/bsnlp/(?P<topic>[^/]+)/raw/bg/(?P<file>[^/]+\.txt)$")
MIN_BODY = 400
SOFIA = ZoneInfo("Europe/Sofia")

_WS = re.compile(r"\s+")
_NAME_SAFE = re.compile(r"[^\w-]+")

# -- reading the corpus ----------------------------------------------------------------


def raw_documents(gdir: Path) -> dict[str, str]:
    """path -> text of every Bulgarian raw document at ``COMMIT`` (one cat-file batch)."""
    listing = subprocess.run(
        ["git", f"--git-dir={gdir}", "ls-tree", "-r", "-z", "--name-only", COMMIT],
        capture_output=True, check=True,
    ).stdout.decode()
    paths = sorted(p for p in listing.split("\0") if RAW.match(p))
    blobs = git_blobs(str(gdir), paths, COMMIT)
    return {p: raw.decode("utf-8", "replace") for p, raw in blobs.items()}


# -- cleaning the raw text -------------------------------------------------------------

_CYR_TO_LAT = dict(zip("аеорсхуАВЕКМНОРСТХ", "aeopcxyABEKMHOPCTX", strict=True))
_LAT_TO_CYR = {v: k for k, v in _CYR_TO_LAT.items()}
_CYR = re.compile(r"[\u0400-\u04ff]")
_LAT = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"\w+")


def fix_mixed_script(text: str) -> str:
    """Repair words mixing Cyrillic and Latin look-alikes, towards their majority script."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        cyr, lat = len(_CYR.findall(word)), len(_LAT.findall(word))
        if not cyr or not lat:
            return word
        table = _LAT_TO_CYR if cyr >= lat else _CYR_TO_LAT
        return "".join(table.get(ch, ch) for ch in word)

    return _WORD.sub(fix, text)


_META_LINE = re.compile(
    r"^(?P<key>Източник|Автор|автор|Снимка|СНИМКА|Снимки|Фото|От|Обновен|Публикувана|"
    r"Публикувано на)\s*:\s*(?P<value>.*)$"
)
_JUNK_LINE = re.compile(
    r"^(?:Webcafe|Препоръчай \(\d+\)|Към оригиналната статия|Актуално|\*+|\.|mediapool\.bg|"
    r"[a-z_]+\d+|https?://\S+|източници:|error:.*)$"
)
_TIME_LINE = re.compile(r"^\d{1,2}:\d{2}(?:\s*\|?\s*\d{1,2}[ .][^\s]+[ .]\d{4})?$")
_CUT = re.compile(
    r"\s*(?:Превод и редакция:|©|АКО ВИДИТЕ НЕЩО|Всички текстове публикувани|"
    r"Сподели Приятел Tweet|Абонамент за печатен).*$", re.S,
)
_LEAD_CAPTION = re.compile(
    r"^(?P<caption>[^.!?]{5,160}?)\s+(?:Снимка|СНИМКА):\s*(?P<who>\w+)\s+(?=[А-ЯA-Z„\"])"
)
_CREDIT = re.compile(r"\s*(?P<credit>(?:/[А-Я]{2,6}/\s*)+|\(БТА\))$")
_LEFTOVER = re.compile(
    r"©|всички права|задължително|https?://|www\.|снимка:|сподели|trud\.bg|абонамент", re.I
)
_BAD_TITLE = re.compile(
    r"^[\d\s.:/-]*$|\.\.\.$|…$|[a-zа-я0-9][А-Я][а-я]"  # a date, cut short, glued to its lead
)
_TITLE_TIME = re.compile(r"^\d{1,2}:\d{2}\s+")  # "21:30 Лондон иска ..."
_TITLE_DATE = re.compile(r"\s+\d{1,2}\.\d{1,2}\.\d{4}$")  # "... пазар 20.02.2018"
_ENDS_SENTENCE = tuple('.!?…:;"“”»)\'')
_AGENCY_SOURCES = {"БТА": "БТА", "БГНЕС": "БГНЕС", "Фокус": "Фокус"}


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def split_paragraphs(body: str) -> list[str]:
    """Blank lines end paragraphs; a single line break is a wrap when it looks like one."""
    paragraphs: list[str] = []
    for group in re.split(r"\n\s*\n", body):
        lines = [line.strip() for line in group.split("\n") if line.strip()]
        current = ""
        for line in lines:
            if current and (line[:1].islower()
                            or (len(current) >= 60 and not current.endswith(_ENDS_SENTENCE))):
                current += " " + line
            else:
                if current:
                    paragraphs.append(norm(current))
                current = line
        if current:
            paragraphs.append(norm(current))
    return paragraphs


@dataclass
class Doc:
    name: str
    path: str
    topic: str
    url: str
    day: date
    title: str
    paragraphs: list[str]
    source: str | None = None  # an agency named on a "Източник:" line of the raw text
    credit: str | None = None  # a trailing "/БТА/"-style credit of the raw text
    author: str | None = None
    caption: str | None = None


def parse_document(path: str, text: str) -> Doc | None:
    """The cleaned document, or None when it does not qualify."""
    m = RAW.match(path)
    assert m is not None
    text = html.unescape(text.replace("\r\n", "\n").replace("\r", "\n"))  # "&quot;" in some
    lines = fix_mixed_script(text).split("\n")
    if len(lines) < 6:
        return None
    try:
        day = date.fromisoformat(lines[2].strip())
    except ValueError:
        return None
    if day.year < 2000:  # a placeholder (1970-01-01) in some of the 2020 documents
        return None
    url = lines[3].strip()
    title = _TITLE_DATE.sub("", _TITLE_TIME.sub("", norm(lines[4])))
    if (_BAD_TITLE.search(title) or not 15 <= len(title) <= 150 or len(title.split()) < 3
            or title.count("(") != title.count(")")):
        return None
    stem = re.sub(r"\.txt", "", m["file"])
    doc = Doc(name=_NAME_SAFE.sub("_", f"{m['topic']}-{stem}").strip("_"), path=path,
              topic=m["topic"], url=url, day=day, title=title, paragraphs=[])
    for para in split_paragraphs("\n".join(lines[5:])):
        meta = _META_LINE.match(para)
        if meta:
            key, value = meta["key"], meta["value"].strip()
            if key == "Източник" and value in _AGENCY_SOURCES:
                doc.source = _AGENCY_SOURCES[value]
            elif key in ("Автор", "автор") and len(value.split()) == 2:
                doc.author = value
            continue
        if _JUNK_LINE.match(para) or _TIME_LINE.match(para):
            continue
        para = _CUT.sub("", para).strip()
        if not doc.paragraphs:
            lead = _LEAD_CAPTION.match(para)
            if lead:
                doc.caption = f"{lead['caption']} Снимка: {lead['who']}"
                para = para[lead.end():]
            if norm(para) == title:
                continue
        if para:
            doc.paragraphs.append(para)
    if doc.paragraphs:
        credit = _CREDIT.search(doc.paragraphs[-1])
        if credit:
            doc.credit = credit["credit"].strip()
            doc.paragraphs[-1] = doc.paragraphs[-1][: credit.start()].rstrip()
            if not doc.paragraphs[-1]:
                doc.paragraphs.pop()
    if any(_LEFTOVER.search(p) for p in doc.paragraphs):
        return None
    if len(" ".join(doc.paragraphs)) < MIN_BODY:
        return None
    return doc


def select(docs: list[Doc], cap: int) -> list[Doc]:
    """Unique bodies; at most ``cap`` of them, a stable pick by the hash of the name."""
    seen: set[str] = set()
    unique = []
    for doc in docs:
        key = norm(" ".join(doc.paragraphs)).lower()
        if key not in seen:
            seen.add(key)
            unique.append(doc)
    unique.sort(key=lambda d: hashlib.sha1(d.name.encode()).hexdigest())
    return sorted(unique[:cap] if cap else unique, key=lambda d: d.name)


# -- Bulgarian page furniture ----------------------------------------------------------

MONTHS = ("януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември",
          "октомври", "ноември", "декември")
MONTHS_SHORT = ("яну", "фев", "мар", "апр", "май", "юни", "юли", "авг", "сеп", "окт", "ное",
                "дек")
WEEKDAYS = ("понеделник", "вторник", "сряда", "четвъртък", "петък", "събота", "неделя")
SECTIONS = {
    "asia_bibi": ("Свят", "Общество"), "brexit": ("Свят", "Европа", "Политика"),
    "covid-19": ("България", "Здраве", "Общество"), "nord_stream": ("Икономика", "Свят"),
    "ryanair": ("Икономика", "Бизнес"), "us_election_2020": ("Свят", "САЩ", "Избори в САЩ"),
}
CAPTIONS = {
    "asia_bibi": ("Асия Биби на архивна снимка", "Протест в Исламабад",
                  "Дъщерите на Асия Биби"),
    "brexit": ("Британският парламент в Лондон", "Тереза Мей", "Знамената на ЕС и Великобритания",
               "Протест срещу Брекзит пред парламента"),
    "covid-19": ("Медицински екип в болница", "Ваксинационен пункт", "Лабораторен тест"),
    "nord_stream": ("Полагане на тръби за газопровода", "Газова инсталация", "Ангела Меркел"),
    "ryanair": ("Самолет на Ryanair", "Пътници на летището", "Майкъл О'Лиъри"),
    "us_election_2020": ("Джо Байдън", "Доналд Тръмп", "Избирателна секция в Пенсилвания"),
}
PHOTO_CREDITS = ("архив", "БГНЕС", "Reuters", "ЕПА/БГНЕС", "БТА", "Getty Images", "Shutterstock",
                 "АП", "Ройтерс", "AFP")
AUTHORS = ("Мария Иванова", "Георги Петров", "Елена Димитрова", "Николай Стоянов",
           "Десислава Колева", "Петя Георгиева", "Иво Тодоров", "Веселина Маринова",
           "Калин Атанасов", "Радослав Христов", "Цветелина Николова", "Емил Великов")
USERS = ("Иван Петров", "bgpatriot", "Гост", "мнение", "Пешо_от_Варна", "Stefan", "reader77",
         "Анонимен", "баба Гицка", "Наблюдател", "Sofianec", "Гошко", "istina", "ДД", "Кирчо",
         "Мария", "Zlatko_81", "Тошко Африкански", "pravda", "Дядо Поп")
COMMENTS = (
    "Пак същата история, нищо ново под слънцето.",
    "Много добра статия, благодаря!",
    "Кой ли ще плати сметката накрая? Ние, разбира се.",
    "Това беше ясно още преди година, само дето никой не слушаше.",
    "Журналистите пак не са проверили фактите.",
    "Интересно какво ще кажат сега защитниците им.",
    "Ще видим след месец какво ще стане.",
    "Нищо не разбрах, някой да обясни по-просто?",
    "Напълно съгласен с предишния коментар.",
    "Срамота! Докога ще търпим това?",
    "И какво от това? Нас какво ни засяга?",
    "Най-после някой да го каже направо.",
    "Голяма част от хората изобщо не се интересуват от тези неща.",
    "Четете между редовете, истината е съвсем друга.",
    "Браво, точно така трябва да се действа!",
    "Отново пропаганда, жалко за медията.",
)
COOKIES = (
    "Този сайт използва бисквитки (cookies). Продължавайки да го ползвате, вие се съгласявате "
    "с тяхното използване.",
    "Ние използваме бисквитки, за да подобрим вашето изживяване. Научете повече в нашата "
    "Политика за бисквитките.",
    "Уебсайтът използва „бисквитки“ с цел по-добро функциониране. Приемам",
)
NEWSLETTER = (
    "Абонирайте се за нашия бюлетин",
    "Абонирайте се за бюлетина ни и получавайте най-важните новини всеки ден",
    "Бюлетин: най-важното от деня във вашата поща",
)
READ_MORE = ("Прочетете още:", "Още по темата:", "Прочетете също:", "Виж още:")


@dataclass
class Stamp:
    """When the article was published, what the page says about it, when it was fetched."""

    style: str
    shown: str | None
    published: datetime
    fetched: datetime
    exact: bool  # the page shows the time of day


def _hm(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def make_stamp(rng: random.Random, day: date, style: str) -> Stamp:
    relative = style in ("hours_ago", "minutes_ago", "yesterday", "today")
    hour = rng.randint(9, 18) if relative else rng.randint(6, 23)
    pub = datetime.combine(day, time(hour, rng.randrange(60)), SOFIA)
    fetched = pub + timedelta(minutes=rng.randint(20, 60 * 72))
    d, mo, y, hm = pub.day, pub.month, pub.year, _hm(pub)
    shown: str | None
    exact = True
    if style == "long_cap":
        shown = f"{d} {MONTHS[mo - 1].capitalize()} {y}, {hm}"
    elif style == "dotted":
        shown = f"{d:02d}.{mo:02d}.{y} {hm}"
    elif style == "short":
        shown, exact = f"{d} {MONTHS_SHORT[mo - 1]} {y}", False
    elif style == "published":
        shown, exact = f"Публикувана: {d:02d}.{mo:02d}.{y}", False
    elif style == "long_g":
        shown = f"{d} {MONTHS[mo - 1]} {y} г., {hm} ч."
    elif style == "pipe":
        shown = f"{hm} | {d:02d}.{mo:02d}.{y}"
    elif style == "weekday":
        shown, exact = f"{WEEKDAYS[pub.weekday()].capitalize()}, {d} {MONTHS[mo - 1]} {y}", False
    elif style == "dotted_g":
        shown, exact = f"{d:02d}.{mo:02d}.{y} г.", False
    elif style == "updated":
        later = pub + timedelta(minutes=rng.randint(15, 600))
        shown = (f"Публикувана: {d:02d}.{mo:02d}.{y} {hm} | Обновена: "
                 f"{later.day:02d}.{later.month:02d}.{later.year} {_hm(later)}")
    elif style == "hours_ago":
        n = rng.randint(1, 5)
        fetched = pub + timedelta(hours=n, minutes=rng.randint(1, 50))
        shown, exact = f"Преди {n} {'час' if n == 1 else 'часа'}", False
    elif style == "minutes_ago":
        n = rng.randint(5, 55)
        fetched = pub + timedelta(minutes=n, seconds=rng.randint(5, 50))
        shown, exact = f"преди {n} минути", False
    elif style == "yesterday":
        fetched = datetime.combine(day + timedelta(days=1),
                                   time(rng.randint(7, 12), rng.randrange(60)), SOFIA)
        shown = f"вчера, {hm}"
    elif style == "today":
        fetched = pub + timedelta(minutes=rng.randint(30, 240))
        shown = f"днес, {hm}"
    else:  # "none": the page shows no date
        shown, exact = None, False
    return Stamp(style, shown, pub, fetched, exact)


@dataclass
class Ctx:
    """Everything a layout needs to draw one page."""

    doc: Doc
    rng: random.Random
    stamp: Stamp
    others: list[Doc]
    noise: list[str] = field(default_factory=list)
    agency: str | None = None  # the agency the page shows (gold source_agency)
    captions: list[str] = field(default_factory=list)  # drawn (gold captions, if shown)

    @property
    def section(self) -> str:
        return self.rng.choice(SECTIONS.get(self.doc.topic, ("Свят",)))

    def pick_others(self, n: int) -> list[Doc]:
        pool = [d for d in self.others if norm(d.title) != norm(self.doc.title)]
        return self.rng.sample(pool, min(n, len(pool)))

    def caption(self) -> str:
        self.captions.append(self._caption())
        return self.captions[-1]

    def _caption(self) -> str:
        rng = self.rng
        credit = rng.choice(PHOTO_CREDITS)
        if rng.random() < 0.35:
            return rng.choice((f"Снимка: {credit}", f"Снимка: {credit.lower()}",
                               f"Фото: {credit}"))
        what = rng.choice(CAPTIONS.get(self.doc.topic, ("Архивна снимка",)))
        return rng.choice((f"{what}, снимка: {credit}", f"{what} (Снимка: {credit})",
                           f"{what} Снимка: {credit}", f"{what} / {credit}"))

    def item_time(self, other: Doc) -> str:
        rng = self.rng
        kind = rng.randrange(4)
        if kind == 0:
            return f"{rng.randint(6, 23):02d}:{rng.randrange(60):02d}"
        if kind == 1:
            return f"Преди {rng.randint(1, 11)} часа"
        if kind == 2:
            return f"{other.day.day:02d}.{other.day.month:02d}.{other.day.year}"
        return f"{other.day.day} {MONTHS[other.day.month - 1]} {other.day.year}"


# -- noise the scrapers leave ----------------------------------------------------------


def wrap(text: str, rng: random.Random) -> str:
    width = rng.randint(60, 95)
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\n".join(lines)


def latin_lookalike(text: str, rng: random.Random) -> str | None:
    words = [m for m in re.finditer(r"[\u0400-\u04ff]{4,}", text)
             if any(ch in _CYR_TO_LAT for ch in m.group(0))]
    if not words:
        return None
    m = rng.choice(words)
    spots = [i for i, ch in enumerate(m.group(0)) if ch in _CYR_TO_LAT]
    i = m.start() + rng.choice(spots)
    return text[:i] + _CYR_TO_LAT[text[i]] + text[i + 1 :]


def noisy_body(ctx: Ctx) -> list[str]:
    """The body paragraphs as this page shows them, with any injected noise."""
    rng = ctx.rng
    paras = list(ctx.doc.paragraphs)
    kinds: list[str] = []
    if rng.random() < 0.3:
        kinds = rng.sample(["html", "nbsp", "dropcap", "latin", "entity"], rng.randint(1, 2))
    if rng.random() < 0.15:
        kinds.append("wrap")
    for kind in kinds:
        i = rng.randrange(len(paras))
        if kind == "html":
            paras[i] = rng.choice((f"<p>{paras[i]}</p>", f"{paras[i]}<br />",
                                   f"<p>{paras[i]}"))
        elif kind == "nbsp":
            spaces = [m.start() for m in re.finditer(" ", paras[i])]
            if not spaces:
                continue
            for j in sorted(rng.sample(spaces, min(len(spaces), rng.randint(1, 3))),
                            reverse=True):
                paras[i] = paras[i][:j] + "&nbsp;" + paras[i][j + 1 :]
        elif kind == "entity":
            if '"' not in paras[i]:
                continue
            paras[i] = paras[i].replace('"', "&quot;")
        elif kind == "dropcap":
            first = paras[0]
            if not re.match(r"[А-Я][а-я]{2,}", first):
                continue
            paras[0] = first[0] + " " + first[1:]
        elif kind == "latin":
            changed = latin_lookalike(paras[i], rng)
            if changed is None:
                continue
            paras[i] = changed
        elif kind == "wrap":
            longs = [j for j, p in enumerate(paras) if len(p) > 150]
            if not longs:
                continue
            for j in rng.sample(longs, min(len(longs), rng.randint(1, 3))):
                paras[j] = wrap(paras[j], rng)
        ctx.noise.append(kind)
    if ctx.doc.credit:
        paras[-1] = f"{paras[-1]} {ctx.doc.credit}"
    return paras


def article_blocks(ctx: Ctx, captions: float = 0.4, read_more: float = 0.3) -> list[str]:
    """The body blocks, sometimes with a caption or a "Прочетете още" link between them."""
    rng = ctx.rng
    paras = noisy_body(ctx)
    blocks = [paras[0]]
    inserts: dict[int, str] = {}
    if len(paras) > 2 and rng.random() < captions:
        inserts[rng.randrange(1, len(paras))] = ctx.caption()
    if len(paras) > 3 and rng.random() < read_more:
        other = ctx.pick_others(1)
        if other:
            inserts[rng.randrange(1, len(paras))] = f"{rng.choice(READ_MORE)} {other[0].title}"
    for i, para in enumerate(paras[1:], start=1):
        if i in inserts:
            blocks.append(inserts[i])
        blocks.append(para)
    return blocks


# -- shared chrome ---------------------------------------------------------------------


def menu(items: str, rng: random.Random, joiner: str = "\n") -> str:
    words = items.split("|")
    if rng.random() < 0.3:
        words = words[: rng.randint(max(3, len(words) - 3), len(words))]
    return joiner.join(words)


def related(ctx: Ctx, heading: str, n: int, with_time: bool = True,
            teaser: bool = False) -> list[str]:
    blocks = [heading]
    for other in ctx.pick_others(n):
        line = other.title
        if with_time:
            line = (f"{ctx.item_time(other)}\n{line}" if ctx.rng.random() < 0.5
                    else f"{line}\n{ctx.item_time(other)}")
        blocks.append(line)
        if teaser and other.paragraphs:
            blocks.append(other.paragraphs[0][:160].rsplit(" ", 1)[0] + "...")
    return blocks


def comments(ctx: Ctx, shown: int | None = None) -> list[str]:
    rng = ctx.rng
    n = rng.randint(0, 5)
    total = shown if shown is not None else n + rng.randint(0, 30)
    blocks = [rng.choice((f"Коментари ({total})", f"{total} коментара", "Коментари"))]
    when = ctx.stamp.published
    for _ in range(n):
        when += timedelta(minutes=rng.randint(3, 300))
        stamp = (f"{when.day:02d}.{when.month:02d}.{when.year} {_hm(when)}"
                 if rng.random() < 0.7 else f"{when.day} {MONTHS[when.month - 1]} {when.year}")
        blocks.append(f"{rng.choice(USERS)}\n{stamp}" if rng.random() < 0.5
                      else f"{rng.choice(USERS)} · {stamp}")
        blocks.append(rng.choice(COMMENTS))
        if rng.random() < 0.5:
            blocks.append(rng.choice(("Отговори", f"Харесай ({rng.randint(0, 40)})",
                                      f"+{rng.randint(0, 30)} / -{rng.randint(0, 20)}")))
    blocks.append(rng.choice(("Напиши коментар", "Добави коментар", "Вашият коментар")))
    if rng.random() < 0.7:
        blocks.append(rng.choice(("За да коментирате, трябва да влезете в профила си.\nВход\n"
                                  "Регистрация", "Вход | Регистрация",
                                  "Коментарите са на читателите и не изразяват позицията на "
                                  "редакцията.")))
    return blocks


def share(rng: random.Random) -> str:
    items = rng.choice((["Сподели", "Facebook", "Twitter"], ["Facebook", "Twitter", "Viber",
                        "Email"], ["Сподели", "Tweet", "Копирай линка"], ["Сподели във Facebook"]))
    return rng.choice(("\n", " ", "\n\n")).join(items)


def views(rng: random.Random) -> str:
    n = rng.randint(120, 48000)
    return rng.choice((f"Прегледи: {n}", f"{n} прочитания", f"Видяна {n} пъти", f"👁 {n}",
                       f"{n:,}".replace(",", " ")))


def author_line(ctx: Ctx) -> str | None:
    if ctx.doc.author is None and ctx.rng.random() < 0.55:
        return None
    name = ctx.doc.author or ctx.rng.choice(AUTHORS)
    return ctx.rng.choice((f"Автор: {name}", name, f"Автор: {name}", f"От {name}"))


def source_line(ctx: Ctx, probability: float) -> str | None:
    """A "Източник:" line; the agency the page shows is what the gold records."""
    if ctx.doc.credit:  # the trailing credit already names one (or editor initials)
        ctx.agency = "БТА" if "БТА" in ctx.doc.credit else None
        return None
    if ctx.doc.source is None and ctx.rng.random() >= probability:
        return None
    ctx.agency = ctx.doc.source or ctx.rng.choice(("БТА", "БГНЕС", "Фокус", "БГНЕС"))
    return ctx.rng.choice((f"Източник: {ctx.agency}", f"Източник: {ctx.agency}",
                           f"Източник - {ctx.agency}"))


def date_block(ctx: Ctx, extra: str | None = None) -> str | None:
    shown = ctx.stamp.shown
    if shown is None:
        return extra
    return f"{shown} {extra}" if extra and ctx.rng.random() < 0.5 else shown


def cookie(rng: random.Random) -> str:
    return rng.choice(COOKIES) + rng.choice(("\nПриемам", "\nСъгласен съм\nНастройки", ""))


def footer(rng: random.Random, brand: str, year: int, extra: str) -> list[str]:
    links = "За нас|Контакти|Реклама|Общи условия|Политика за поверителност|Бисквитки"
    return [menu(links, rng, rng.choice(("\n", " | "))), extra,
            f"© {rng.choice((1998, 2001, 2005, 2009))}-{year} {brand}. Всички права запазени."]


def compact(blocks: list[str | None]) -> list[str]:
    return [b for b in blocks if b]


# -- eight layouts ---------------------------------------------------------------------


def dnevnik(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    return compact([
        "Вход\nРегистрация", "Дневник",
        menu("Начало|България|Свят|Икономика|Бизнес|Мнения|Спорт|Наука|Култура|Любопитно",
             rng),
        f"Начало > {ctx.section}" if rng.random() < 0.6 else None,
        ctx.doc.title,
        date_block(ctx, views(rng) if rng.random() < 0.4 else None),
        author_line(ctx),
        ctx.caption() if rng.random() < 0.5 else None,
        *article_blocks(ctx),
        source_line(ctx, 0.2), share(rng),
        *related(ctx, "Последни новини", rng.randint(3, 6)),
        *(comments(ctx) if rng.random() < 0.6 else []),
        rng.choice(NEWSLETTER) if rng.random() < 0.5 else None,
        *footer(rng, "Икономедиа АД", year, "Адрес: София 1000, ул. „Иван Вазов“ 20"),
        cookie(rng) if rng.random() < 0.5 else None,
    ])


def novinite(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    comment_n = rng.randint(0, 80)
    return compact([
        cookie(rng) if rng.random() < 0.5 else None,
        "Novinite.bg", menu("Начало|Новини|България|Свят|Бизнес|Спорт|Здраве|Лайфстайл", rng),
        f"Новини / {ctx.section}",
        ctx.doc.title,
        source_line(ctx, 0.5),
        date_block(ctx, f"Коментари ({comment_n})" if rng.random() < 0.5 else None),
        *article_blocks(ctx),
        share(rng),
        *related(ctx, "Свързани новини", rng.randint(2, 4), with_time=False),
        *related(ctx, "Най-четени", rng.randint(3, 5)),
        *comments(ctx, comment_n),
        *footer(rng, "Novinite.bg", year, "Тел.: 02 123 45 67, e-mail: office@novinite.bg"),
    ])


def bta(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    return compact([
        "БЪЛГАРСКА ТЕЛЕГРАФНА АГЕНЦИЯ", "BG | EN", "Вход за абонати",
        menu("Новини|България|Свят|Икономика|Регионални|Култура|Спорт|Анализи|Мултимедия", rng),
        f"Начало / Новини / {ctx.section}" if rng.random() < 0.7 else None,
        date_block(ctx),
        ctx.doc.title,
        *article_blocks(ctx, captions=0.2, read_more=0.1),
        author_line(ctx) if rng.random() < 0.5 else None,
        source_line(ctx, 0.6),
        share(rng) if rng.random() < 0.6 else None,
        *related(ctx, "Още от категорията", rng.randint(3, 6)),
        "Абонирайте се за новините на БТА" if rng.random() < 0.5 else None,
        *footer(rng, "Българска телеграфна агенция", year,
                "София 1024, бул. „Цариградско шосе“ 49, тел. 02 9262 211"),
    ])


def btvnovinite(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    return compact([
        "bTV Новините", menu("Новини|България|Светът|Икономика|Криминални|Спорт|Времето|"
                             "Шоубизнес|Видео|Предавания", rng),
        "НА ЖИВО" if rng.random() < 0.4 else None,
        ctx.doc.title,
        date_block(ctx, views(rng) if rng.random() < 0.5 else None),
        ctx.caption() if rng.random() < 0.6 else None,
        share(rng),
        *article_blocks(ctx, captions=0.5),
        "Следвайте ни в Google News Showcase" if rng.random() < 0.3 else None,
        source_line(ctx, 0.3),
        *related(ctx, "Още новини", rng.randint(3, 5), teaser=rng.random() < 0.5),
        *(comments(ctx) if rng.random() < 0.4 else []),
        *footer(rng, "bTV Media Group", year, "Всички материали са защитени от закона."),
        cookie(rng) if rng.random() < 0.6 else None,
    ])


def chasa24(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    comment_n = rng.randint(0, 40)
    return compact([
        "Вход | Регистрация", "24 часа", rng.choice(("Абонирай се", "Абонамент")),
        menu("Новини|България|Свят|Икономика|Спорт|Коментари|Култура|Любопитно|Здраве", rng),
        f"{ctx.section} > Новини" if rng.random() < 0.5 else None,
        ctx.doc.title,
        author_line(ctx),
        date_block(ctx),
        f"{views(rng)}\nКоментари ({comment_n})" if rng.random() < 0.6 else None,
        ctx.caption() if rng.random() < 0.7 else None,
        *article_blocks(ctx),
        source_line(ctx, 0.3),
        "Сподели\nПриятел\nTweet",
        "Абонамент за печатен или електронен „24 часа“" if rng.random() < 0.5 else None,
        *related(ctx, "Най-четени", rng.randint(4, 6)),
        *comments(ctx, comment_n),
        *footer(rng, "Медийна група България", year, "Контакти: 0700 11 324"),
    ])


def fakti(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    return compact([
        "ФАКТИ.БГ", menu("Новини|България|Свят|Бизнес|Спорт|Крими|Любопитно|Авто|Технологии",
                         rng, rng.choice(("\n", " | "))),
        *related(ctx, "Топ новини", rng.randint(2, 3), with_time=False),
        ctx.doc.title,
        date_block(ctx, views(rng) if rng.random() < 0.6 else None),
        source_line(ctx, 0.4),
        ctx.caption() if rng.random() < 0.5 else None,
        *article_blocks(ctx, read_more=0.5),
        f"Автор: {rng.choice(AUTHORS)}" if rng.random() < 0.3 else None,
        share(rng),
        *related(ctx, "Последни новини", rng.randint(4, 8)),
        rng.choice(NEWSLETTER),
        *(comments(ctx) if rng.random() < 0.5 else []),
        *footer(rng, "Fakti.bg", year, "Реклама: ads@fakti.bg"),
    ])


def mediapool(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    return compact([
        cookie(rng) if rng.random() < 0.4 else None,
        "Mediapool.bg", menu("Начало|България|Свят|Бизнес|Култура|Общество|Анализи|Интервюта",
                             rng),
        "Вход",
        ctx.section,
        ctx.doc.title,
        date_block(ctx),
        author_line(ctx),
        *article_blocks(ctx, captions=0.3),
        source_line(ctx, 0.3),
        share(rng) if rng.random() < 0.7 else None,
        "Ключови думи: " + ", ".join(rng.sample(("Брекзит", "ЕС", "САЩ", "избори", "COVID-19",
                                                 "газ", "Русия", "Пакистан", "авиокомпании"), 3)),
        *related(ctx, "Още по темата", rng.randint(2, 4), with_time=rng.random() < 0.5),
        *(comments(ctx) if rng.random() < 0.7 else []),
        *footer(rng, "Медиапул", year, "Издава „Медиапул“ ООД"),
    ])


def offnews(ctx: Ctx) -> list[str]:
    rng, year = ctx.rng, ctx.stamp.fetched.year
    comment_n = rng.randint(0, 25)
    return compact([
        "OFFNews", menu("Новини|Политика|Общество|Свят|Икономика|Наука|Технологии|Спорт|Любопитно",
                        rng),
        "Вход\nРегистрация" if rng.random() < 0.6 else "Вход",
        f"Новини > {ctx.section} > " + (ctx.doc.title[:40] + "..." if len(ctx.doc.title) > 40
                                       else ctx.doc.title) if rng.random() < 0.6 else None,
        ctx.doc.title,
        " | ".join(compact([date_block(ctx), views(rng), f"Коментари ({comment_n})"]))
        if rng.random() < 0.6 else date_block(ctx),
        ctx.caption() if rng.random() < 0.4 else None,
        *article_blocks(ctx),
        source_line(ctx, 0.35),
        share(rng),
        rng.choice(NEWSLETTER) if rng.random() < 0.4 else None,
        *related(ctx, "Най-новото", rng.randint(3, 6)),
        *related(ctx, "Най-коментирани", rng.randint(2, 4), with_time=False),
        *comments(ctx, comment_n),
        *footer(rng, "OFFNews.bg", year, "Пишете ни: info@offnews.bg"),
    ])


# layout -> (drawing, the absolute date styles it uses)
LAYOUTS: dict[str, tuple[Callable[[Ctx], list[str]], tuple[str, ...]]] = {
    "dnevnik": (dnevnik, ("long_cap", "dotted", "updated")),
    "novinite": (novinite, ("long_cap", "weekday", "dotted")),
    "bta": (bta, ("dotted", "long_g", "pipe")),
    "btvnovinite": (btvnovinite, ("dotted", "long_cap", "short")),
    "24chasa": (chasa24, ("dotted", "published", "dotted_g")),
    "fakti": (fakti, ("pipe", "long_g", "dotted")),
    "mediapool": (mediapool, ("weekday", "long_g", "updated")),
    "offnews": (offnews, ("short", "dotted_g", "long_cap")),
}
# where a page of each layout lives, for the documents whose raw URL is a bare home page
# (the crawl stored "http://www.fromtheweb.eu" for some): an id-style article URL
URLS = {
    "dnevnik": "https://www.dnevnik.bg/sviat/{n}_{m}/",
    "novinite": "https://novinite.bg/a/{n}",
    "bta": "https://www.bta.bg/bg/news/world/{n}",
    "btvnovinite": "https://btvnovinite.bg/{n}.html",
    "24chasa": "https://www.24chasa.bg/mnenia/article/{n}",
    "fakti": "https://fakti.bg/world/{n}",
    "mediapool": "https://www.mediapool.bg/news{n}.html",
    "offnews": "https://offnews.bg/news/{n}.html",
}
RELATIVE = ("hours_ago", "minutes_ago", "yesterday", "today")


def render(doc: Doc, others: list[Doc]) -> tuple[str, dict[str, object], list[str]]:
    """The page dump, its gold and the index row (layout, date style, noise)."""
    rng = random.Random(hashlib.sha256(doc.name.encode()).hexdigest())
    layout = rng.choice(sorted(LAYOUTS))
    draw, styles = LAYOUTS[layout]
    roll = rng.random()
    style = rng.choice(styles) if roll < 0.75 else rng.choice(RELATIVE) if roll < 0.93 else "none"
    stamp = make_stamp(rng, doc.day, style)
    ctx = Ctx(doc=doc, rng=rng, stamp=stamp, others=others)
    blocks = draw(ctx)
    url = doc.url
    if not urlsplit(url).path.strip("/"):
        n = int(hashlib.sha1(doc.name.encode()).hexdigest()[:8], 16)
        url = URLS[layout].format(n=100000 + n % 900000, m=n % 97)
    published: str | None = None
    if stamp.shown is not None:
        published = (stamp.published.isoformat(timespec="minutes") if stamp.exact
                     else stamp.published.date().isoformat())
    page = "\n\n".join(blocks) + "\n"
    gold: dict[str, object] = {
        "url": url,
        "fetched_at": stamp.fetched.isoformat(timespec="seconds"),
        "title": doc.title,
        "published_at": published,
        # no "lead": the source set keeps a standfirst as the first paragraph, unmarked
        "body_paragraphs": list(doc.paragraphs),
        "source_agency": ctx.agency,
        "language": "bg",
        **shown_captions(page, ctx.captions),
        **shown_comment_count(page),
    }
    return page, gold, [layout, style, "+".join(ctx.noise) or "-",
                        "raw" if url == doc.url else "made"]


_COUNT_SHOWN = re.compile(r"^(?:.*\s)?Коментари \((\d+)\)$|^(\d+) коментара$", re.MULTILINE)


def shown_captions(page: str, drawn: list[str]) -> dict[str, object]:
    """The captions the page shows, in its order, each a line of its own; none stated
    when one was changed on its way (then the page cannot say it)."""
    left = Counter(drawn)
    shown = []
    for line in page.split("\n"):
        if left[line] > 0:
            left[line] -= 1
            shown.append(line)
    return {} if +left else {"captions": shown}


def shown_comment_count(page: str) -> dict[str, object]:
    """The number of comments the page shows ("Коментари (12)", "12 коментара"); null
    when it shows none; not stated when it shows two different numbers."""
    counts = {int(a or b) for a, b in _COUNT_SHOWN.findall(page)}
    if len(counts) > 1:
        return {}
    return {"comment_count": counts.pop() if counts else None}


def build(out: Path, clones: Path, cap: int) -> int:
    try:
        gdir = clone_git_dir(clone_path(clones, REPO), REPO, [COMMIT])
    except CloneError as exc:
        print(exc, file=sys.stderr)
        return 1
    raw = raw_documents(gdir)
    parsed = [parse_document(path, text) for path, text in raw.items()]
    qualified = [d for d in parsed if d is not None]
    docs = select(qualified, cap)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.txt"), *out.glob("*.gold.json")]:
        stale.unlink()
    rows = ["name\tpath\tlayout\tdate_style\tnoise\turl"]
    for doc in docs:
        others = [d for d in docs if d is not doc]
        page, gold, row = render(doc, others)
        (out / f"{doc.name}.txt").write_text(page, encoding="utf-8")
        (out / f"{doc.name}.gold.json").write_text(
            json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        rows.append("\t".join([doc.name, doc.path, *row]))
    (out / "index.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(raw)} raw documents, {len(qualified)} qualify, wrote {len(docs)} pages "
          f"to {out} ({REPO}@{COMMIT[:12]})", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default=str(HERE / "bg"))
    ap.add_argument("--clones", type=Path, metavar="DIR", required=True, help=CLONES_HELP)
    ap.add_argument("--cap", type=int, default=300, help="at most this many pages (0: all)")
    args = ap.parse_args()
    return build(Path(args.out), args.clones, args.cap)


if __name__ == "__main__":
    raise SystemExit(main())
