"""Publication dates: absolute (numeric, month names in bg/ru/uk/sr/mk/en/de/fr/es/it),
ISO 8601, and relative ("Преди 2 часа", "вчера", "3 hours ago") resolved against the
fetch time.

A date with a time of day becomes a tz-aware datetime; a date without one becomes a plain
``date``.  Times that carry no offset or zone name ("14 ноября 2025, 09:30", "вчера в
15:00", an ISO time without an offset in a ``<meta>``) are read in the page's zone: the
``tz`` argument when given, else the zone of the page being extracted
(:func:`reading_zone`, which ``extract`` sets from ``Page.timezone``), else
Europe/Sofia.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_TZ",
    "MONTH_PATTERN",
    "date_in_url",
    "day_of",
    "find_date",
    "find_dated",
    "is_date_line",
    "may_hold_date",
    "parse_iso",
    "reading_zone",
    "zone_named",
]

DEFAULT_TZ: tzinfo = ZoneInfo("Europe/Sofia")
# the zone naive times are read in while a page is extracted (see ``reading_zone``)
_READING_ZONE: ContextVar[tzinfo] = ContextVar("vestnik_reading_zone", default=DEFAULT_TZ)


def zone_named(name: str | None) -> tzinfo:
    """The IANA zone ``name``; DEFAULT_TZ for None or a name that is not one."""
    if not name:
        return DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # malformed, unknown (a KeyError), a folder
        return DEFAULT_TZ


@contextmanager
def reading_zone(name: str | None) -> Iterator[tzinfo]:
    """Within the block, naive times are read in the IANA zone ``name`` (None: the
    default, Europe/Sofia). ``extract`` wraps a page's extraction in it."""
    token = _READING_ZONE.set(zone_named(name))
    try:
        yield _READING_ZONE.get()
    finally:
        _READING_ZONE.reset(token)


def _zone(tz: tzinfo | None) -> tzinfo:
    return _READING_ZONE.get() if tz is None else tz

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "януари январь января січня січень јануар јануари january janvier enero gennaio januar"
        " jänner",
        "февруари февраль февраля лютого лютий фебруар februari february février febrero febbraio"
        " februar",
        "март марта березня березень mart march mars marzo märz",
        "април апрель апреля квітня квітень april avril abril aprile",
        "май мая травня травень мај may mai mayo maggio",
        "юни июнь июня червня червень јун јуни june juin junio giugno juni",
        "юли июль июля липня липень јул јули july juillet julio luglio juli",
        "август августа серпня серпень avgust august août agosto",
        "септември сентябрь сентября вересня вересень септембар september septembre septiembre"
        " settembre",
        "октомври октябрь октября жовтня жовтень октобар октомври october octobre octubre ottobre"
        " oktober",
        "ноември ноябрь ноября листопада листопад новембар ноември november novembre noviembre",
        "декември декабрь декабря грудня грудень децембар декември december décembre diciembre"
        " dicembre dezember",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num
# three/four-letter abbreviations ("дек", "Dec", "Sept")
for _name, _num in list(_MONTHS.items()):
    for _k in (3, 4):
        _MONTHS.setdefault(_name[:_k], _num)

# any month name or abbreviation, lowercase (also for _title's date-line shape)
MONTH_PATTERN = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_TIME = r"(?P<h>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d))?"
_SEP = r"[\s,|–—-]*(?:г\.|год\.|года|року)?[\s,|–—-]*(?:в|во|at|um|à|a las|alle|o)?\s*(?:ч\.)?\s*"

_NUMERIC = re.compile(
    r"(?<![\d.])(?P<d>0?[1-9]|[12]\d|3[01])[./](?P<m>0?[1-9]|1[0-2])[./](?P<y>(?:19|20)\d\d)"
    r"(?!\d)(?:" + _SEP + _TIME + r")?",
)
# "19.10.19, 12:00": a two-digit year only when a time of day follows
_NUMERIC_SHORT = re.compile(
    r"(?<![\d.])(?P<d>0?[1-9]|[12]\d|3[01])\.(?P<m>0?[1-9]|1[0-2])\.(?P<yy>\d\d)(?![\d.])"
    + _SEP + _TIME,
)
_ISO = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?:[Tt ](?P<h>[01]\d|2[0-3]):(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d)(?:\.\d+)?)?"
    r"(?P<tz>[Zz]|[+-]\d\d:?\d\d)?)?",
)
_DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(?P<d>0?[1-9]|[12]\d|3[01])\.?\s+(?P<mon>" + MONTH_PATTERN + r")\.?,?\s+"
    r"(?P<y>(?:19|20)\d\d)(?!\d)(?:" + _SEP + _TIME + r")?",
)
_MONTH_DAY_YEAR = re.compile(
    r"\b(?P<mon>" + MONTH_PATTERN + r")\.?\s+(?P<d>0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+"
    r"(?P<y>(?:19|20)\d\d)(?!\d)(?:" + _SEP + _TIME + r"\s*(?P<ampm>[ap]\.?m\.?)?)?",
)

_RELATIVE = re.compile(
    r"(?:(?:преди|before|vor|před|il y a|hace)\s+(?P<n1>\d{1,3}|един|една|едно)\s+(?P<u1>\w+)"
    r"|(?P<n2>\d{1,3}|an?|one)\s+(?P<u2>\w+)\s+(?:ago|назад|тому|temu))",
)
_UNIT_SECONDS: tuple[tuple[str, int], ...] = (
    ("сек", 1),
    ("sec", 1),
    ("мин", 60),
    ("min", 60),
    ("хв", 60),
    ("час", 3600),
    ("hour", 3600),
    ("hr", 3600),
    ("годин", 3600),
    ("ден", 86400),
    ("дни", 86400),
    ("дн", 86400),
    ("day", 86400),
    ("stund", 3600),
    ("hodin", 3600),
    ("heure", 3600),
    ("hora", 3600),
    ("godzin", 3600),
    ("tag", 86400),
    ("jour", 86400),
    ("día", 86400),
    ("седм", 604800),
    ("недел", 604800),
    ("тиж", 604800),
    ("week", 604800),
)
_YESTERDAY = re.compile(r"\b(?:вчера|yesterday|учора)\b")
_TODAY = re.compile(r"\b(?:днес|сегодня|сьогодні|today)\b")
# a date needs a digit or a relative day word: a cheap gate before the big patterns (a
# lone class is searched fast; an alternation that opens with \d is tried everywhere)
_DIGIT = re.compile(r"\d")
_DAY_WORDS = ("вчера", "днес", "yesterday", "today", "сегодня", "учора", "сьогодні")
# necessary conditions, cheap to search for: every absolute date has a 19xx/20xx year,
# every relative one one of these words
_YEAR = re.compile(r"[12][09]\d\d")
_SHORT_YEAR = re.compile(r"\.\d\d\D+\d\d?[:.]\d\d")
_RELATIVE_WORD = re.compile(
    "преди|before|ago|назад|тому|вчера|yesterday|учора|днес|сегодня|сьогодні|today|"
    "vor |před|il y a|hace|temu"
)
# "/2020/09/23/", "/2020-09-23-", "_20200923." in a URL's path
_URL_DATE = re.compile(
    r"(?<![\d])(?P<y>(?:19|20)\d\d)(?P<sep>[/_-]?)(?P<m>0[1-9]|1[0-2]|(?<=[/_-])[1-9](?=[/_-]))"
    r"(?P=sep)(?P<d>0[1-9]|[12]\d|3[01]|(?<=[/_-])[1-9])(?![\d])"
)
# a zone name after a time of day ("08.00 GMT", "3:45 p.m. ET")
_ZONES: dict[str, tzinfo] = {
    name: timezone(timedelta(hours=hours))
    for name, hours in (
        ("gmt", 0), ("utc", 0), ("z", 0), ("bst", 1), ("cet", 1), ("cest", 2), ("eet", 2),
        ("eest", 3), ("msk", 3), ("et", -5), ("est", -5), ("edt", -4), ("ct", -6),
        ("cst", -6), ("cdt", -5), ("pt", -8), ("pst", -8), ("pdt", -7),
    )
}
_ZONE_NAME = re.compile(r"\s*\(?(" + "|".join(sorted(_ZONES, key=len, reverse=True)) + r")\b")
# "5 апреля 15:01": day and month with a time of day but no year (the fetch time's year)
_DAY_MONTH_TIME = re.compile(
    r"(?<!\d)(?P<d>0?[1-9]|[12]\d|3[01])\.?\s+(?P<mon>" + MONTH_PATTERN + r")\.?,?"
    + _SEP + _TIME,
)
_TIME_ONLY = re.compile(r"(?<![\d.:])" + _TIME + r"(?![\d:])")

# a "date line": little else than a date, possibly with a label
_DATE_LABEL = re.compile(
    r"^(?:публикувано|публикувана|публикуван|обновено|обновена|актуализирана|дата|"
    r"опубликовано|обновлено|published|posted|updated|last updated|veröffentlicht|"
    r"publié|publicado|pubblicato|date)\s*(?:on|на|:)?\s*:?",
)
_UPDATED = re.compile(r"обнов|актуализ|updated|modified|geändert|aktualisiert")
# a labelled byline in a segment of its own beside the date ("... | Автор: Мария Петрова",
# "... · By John Smith"): a combined meta line is still a date line
_BYLINE_LABEL = r"(?:автори?|авторы|author|authors|by|written by|текст|von)\s*:?\s+"
_META_SEPARATOR = r"(?:[|•·]|\s[–—-]\s)"
_BYLINE_SEGMENT = re.compile(
    r"^\s*" + _BYLINE_LABEL + r"[^|•·]*?\s*" + _META_SEPARATOR  # before the date
    + r"|" + _META_SEPARATOR + r"\s*" + _BYLINE_LABEL  # after it
    + r"[^|•·]*?(?=\s*[|•·]|\s[–—-]\s|$)"
)
_NON_LETTERS = re.compile(r"[\W\d_]+")
_NUM_WORD = {"един": 1, "една": 1, "едно": 1, "a": 1, "an": 1, "one": 1}


def _unit_seconds(unit: str) -> int | None:
    u = unit.lower()
    for prefix, secs in _UNIT_SECONDS:
        if u.startswith(prefix):
            return secs
    return None


def _mk(
    y: int, m: int, d: int, h: str | None, mi: str | None, s: str | None, tz: tzinfo
) -> datetime | date | None:
    try:
        if h is None or mi is None:
            return date(y, m, d)
        return datetime(y, m, d, int(h), int(mi), int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def parse_iso(value: str, tz: tzinfo | None = None) -> datetime | date | None:
    """Parse an ISO 8601 date or datetime (as found in JSON-LD and <meta> tags)."""
    m = _ISO.search(value)
    if m is None:
        return None
    zone: tzinfo = _zone(tz)
    off = m.group("tz")
    if off:
        if off in ("Z", "z"):
            zone = UTC
        else:
            sign = -1 if off[0] == "-" else 1
            digits = off[1:].replace(":", "")
            zone_delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            zone = timezone(sign * zone_delta)
    return _mk(
        int(m.group("y")), int(m.group("m")), int(m.group("d")),
        m.group("h"), m.group("mi"), m.group("s"), zone,
    )


def _absolute(text: str, tz: tzinfo) -> tuple[datetime | date, int, int] | None:
    best: tuple[datetime | date, int, int] | None = None
    for rx in (_ISO, _NUMERIC, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _NUMERIC_SHORT):
        m = rx.search(text)
        if m is None:
            continue
        if rx is _ISO:
            value = parse_iso(m.group(0), tz)
        else:
            gd = m.groupdict()
            month = int(gd["m"]) if gd.get("m") else _MONTHS.get(gd["mon"].lower().rstrip("."))
            if month is None:
                continue
            hour = gd.get("h")
            if hour is not None and gd.get("ampm"):
                hh = int(hour) % 12 + (12 if gd["ampm"].lower().startswith("p") else 0)
                hour = str(hh)
            year = int(gd["y"]) if gd.get("y") else 2000 + int(gd["yy"])
            value = _mk(year, month, int(gd["d"]), hour, gd.get("mi"), gd.get("s"), tz)
        if value is not None and (best is None or m.start() < best[1]):
            end = m.end()
            if isinstance(value, datetime) and rx is not _ISO:
                zone = _ZONE_NAME.match(text, end)
                if zone is not None:
                    value = value.replace(tzinfo=_ZONES[zone.group(1)])
                    end = zone.end()
            best = (value, m.start(), end)
    return best


def _relative(
    text: str, now: datetime, tz: tzinfo
) -> tuple[datetime | date, int, int] | None:
    local = now.astimezone(tz)
    m = _RELATIVE.search(text)
    if m is not None:
        raw_n = (m.group("n1") or m.group("n2") or "").lower()
        n = int(raw_n) if raw_n.isdigit() else _NUM_WORD.get(raw_n)
        secs = _unit_seconds(m.group("u1") or m.group("u2") or "")
        if n is not None and secs is not None:
            value = (local - timedelta(seconds=n * secs)).replace(second=0, microsecond=0)
            if secs >= 86400:
                return value.date(), m.start(), m.end()
            return value, m.start(), m.end()
    for rx, days in ((_YESTERDAY, 1), (_TODAY, 0)):
        m = rx.search(text)
        if m is None:
            continue
        day = local.date() - timedelta(days=days)
        t = _TIME_ONLY.search(text, m.end())
        if t is None:
            t = _TIME_ONLY.search(text[: m.start()])
        if t is not None:
            stamp = _mk(day.year, day.month, day.day, t.group("h"), t.group("mi"), None, tz)
            if stamp is not None:
                return stamp, min(m.start(), t.start()), max(m.end(), t.end())
        return day, m.start(), m.end()
    return None


def find_date(
    text: str, now: datetime | None, tz: tzinfo | None = None
) -> tuple[datetime | date, int, int] | None:
    """Find the first date in ``text``; returns (value, start, end) or None."""
    found = find_dated(text, now, tz)
    return None if found is None else found[:3]


def find_dated(
    text: str, now: datetime | None, tz: tzinfo | None = None
) -> tuple[datetime | date, int, int, bool] | None:
    """Like :func:`find_date`, plus whether the date is absolute (needs no fetch time)."""
    if tz is None:
        return _find_dated_in_zone(text, now, _READING_ZONE.get())
    return _find_dated(text, now, tz)


# A page's date-like lines are asked about several times (classifying them, picking the
# date, counting a listing's dated entries), each time with the page's fetch time and
# zone: the answers are kept.  Only for the reading zone (a ZoneInfo, equal only to
# itself): a ``datetime.timezone`` equals any other of its offset, whatever its name,
# which the dates found would then carry.
@lru_cache(maxsize=8192)
def _find_dated_in_zone(
    text: str, now: datetime | None, tz: tzinfo
) -> tuple[datetime | date, int, int, bool] | None:
    return _find_dated(text, now, tz)


def _find_dated(
    text: str, now: datetime | None, tz: tzinfo
) -> tuple[datetime | date, int, int, bool] | None:
    text = text.lower()
    if _YEAR.search(text) is not None or _SHORT_YEAR.search(text) is not None:
        found = _absolute(text, tz)
        if found is not None:
            return (*found, True)
    elif not _gate(text):
        return None
    if now is None:
        return None
    if _RELATIVE_WORD.search(text) is None:
        found = _this_year(text, now, tz)
    else:
        found = _relative(text, now, tz)
    return None if found is None else (*found, False)


def _this_year(
    text: str, now: datetime, tz: tzinfo
) -> tuple[datetime | date, int, int] | None:
    """"5 апреля 15:01": the latest such day not after the fetch (plus a day of slack)."""
    m = _DAY_MONTH_TIME.search(text)
    if m is None:
        return None
    month = _MONTHS.get(m.group("mon").rstrip("."))
    if month is None:
        return None
    local = now.astimezone(tz)
    for year in (local.year, local.year - 1):
        value = _mk(year, month, int(m.group("d")), m.group("h"), m.group("mi"), None, tz)
        if isinstance(value, datetime) and value.date() <= local.date() + timedelta(days=1):
            return value, m.start(), m.end()
    return None


def day_of(value: datetime | date) -> date:
    """The day of a date or a datetime."""
    return value.date() if isinstance(value, datetime) else value


def date_in_url(url: str) -> date | None:
    """The day a news URL's path spells ("/2020/09/23/slug", "/2020-09-23-slug")."""
    path = url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    for m in _URL_DATE.finditer(path):
        if not m.group("sep") and (m.start() == 0 or path[m.start() - 1] not in "/_-"):
            continue  # eight bare digits count only as a path segment of their own
        try:
            return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            continue
    return None


def _gate(low: str) -> bool:
    """A lowercased text may hold a date: it has a digit or a relative day word."""
    return _DIGIT.search(low) is not None or _has_day_word(low)


def _has_day_word(low: str) -> bool:
    return any(w in low for w in _DAY_WORDS)


def may_hold_date(text: str) -> bool:
    """False when :func:`find_date` finds nothing in ``text`` whatever the time."""
    return _DIGIT.search(text) is not None or _has_day_word(text.lower())


def is_date_line(text: str, now: datetime | None, tz: tzinfo | None = None) -> bool:
    """True when ``text`` is mostly a date (with an optional label such as "Обновено:")."""
    if len(text) > 80:
        return False
    found = find_date(text, now, tz)
    if found is None:
        return False
    _, start, end = found
    low = text.lower()
    rest = low[:start] + " " + low[end:]
    if len(rest) > 12:  # room for a byline beside the date
        rest = _BYLINE_SEGMENT.sub(" ", rest).strip(" |•·–—-")
    rest = _DATE_LABEL.sub("", rest.strip())
    return len(_NON_LETTERS.sub("", rest)) <= 12


def is_update_line(text: str) -> bool:
    """True when a date line is about an update, not the first publication."""
    return _UPDATED.search(text.lower()) is not None
