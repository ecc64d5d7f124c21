"""The news agency credited for an article.

Three signals, strongest first:

1. a source line: "Източник: БГНЕС", "Source: Reuters", "Източник - БТА";
2. a trailing credit at the end of the last paragraph: "... армия. /БГНЕС", "(AP)",
   "/БТА/" (this one is stripped from the paragraph by :func:`strip_trailing_credit`);
   a BTA-style dateline "СОФИЯ, 7 декември /БТА/ - ..." at the start counts too;
3. a known agency quoted in the text: the one that relayed the story ("..., предаде БТА",
   "передает ТАСС") before one merely cited ("цитиран от ТАСС", "according to Reuters").
"""

from __future__ import annotations

import re

__all__ = [
    "KNOWN_AGENCY_PATTERN",
    "SOURCE_LINE_PATTERN",
    "canonical_agency",
    "find_dateline_credit",
    "find_source_line",
    "find_text_credit",
    "strip_trailing_credit",
]

# canonical name -> spellings (matched case-insensitively)
_AGENCIES: dict[str, tuple[str, ...]] = {
    "БТА": ("БТА", "BTA"),
    "БГНЕС": ("БГНЕС", "BGNES"),
    "Фокус": ("Фокус", "Агенция Фокус"),
    "АФП": ("АФП", "Франс прес", "Франс Прес"),
    "AFP": ("AFP", "Agence France-Presse"),
    "Ройтерс": ("Ройтерс", "Рейтер", "Рейтерс"),
    "Reuters": ("Reuters",),
    "АП": ("АП", "Асошиейтед прес", "Асошиейтед Прес", "Ассошиэйтед пресс"),
    "AP": ("AP", "Associated Press"),
    "ДПА": ("ДПА",),
    "dpa": ("dpa", "DPA"),
    "ТАСС": ("ТАСС", "ТАСС", "TASS"),
    "РИА Новости": ("РИА Новости", "RIA Novosti"),
    "Интерфакс": ("Интерфакс", "Interfax"),
    "Укринформ": ("Укринформ", "Укрінформ", "Ukrinform"),
    "ЕФЕ": ("ЕФЕ", "EFE"),
    "АНСА": ("АНСА", "ANSA"),
    "Синхуа": ("Синхуа", "Xinhua"),
    "Блумбърг": ("Блумбърг", "Bloomberg"),
    "Анадолу": ("Анадолу", "Anadolu"),
    "Киодо": ("Киодо", "Kyodo"),
    "Йонхап": ("Йонхап", "Yonhap"),
    "ПАП": ("ПАП", "PAP"),
    "Аджерпрес": ("Аджерпрес", "Agerpres"),
    "АНА-МПА": ("АНА-МПА", "ANA-MPA"),
    "МИА": ("МИА",),
    "Танюг": ("Танюг", "Tanjug"),
    "UPI": ("UPI",),
    "ANP": ("ANP",),
    "APA": ("APA",),
    "Belga": ("Belga",),
    "Europa Press": ("Europa Press",),
    "PTI": ("PTI",),
}
_ALIAS: dict[str, str] = {}
for _canon, _spellings in _AGENCIES.items():
    for _sp in (_canon, *_spellings):
        _ALIAS.setdefault(_sp.casefold(), _canon)

_KNOWN_ALT = "|".join(
    sorted({re.escape(sp) for sps in _AGENCIES.values() for sp in sps}, key=len, reverse=True)
)
# every known agency's spellings, longest first, as a regex alternation (case as written)
KNOWN_AGENCY_PATTERN = _KNOWN_ALT
_CAPS_NAME = r"[A-ZА-ЯЁЇІЄ][A-ZА-ЯЁЇІЄ\-]{1,9}"

SOURCE_LINE_PATTERN = (
    r"^(?:източник|източници|източникът|извор|джерело|источник|source|sources|quelle|"
    r"fuente|fonte|źródło|zdroj)\s*(?::|-|–|—)\s*(?P<name>[^\s].{0,60}?)\s*[.;]?$"
)
_SOURCE_LINE = re.compile(SOURCE_LINE_PATTERN, re.IGNORECASE)
# opens with "/" or "(": the regex engine jumps between them (a leading "\s*" would be
# tried at every position of the paragraph)
_TRAILING = re.compile(
    r"(?:/\s*(?P<a>" + _KNOWN_ALT + "|" + _CAPS_NAME + r")\s*/?"
    r"|\(\s*(?P<b>" + _KNOWN_ALT + r")\s*\))\s*$",
)
_DATELINE = re.compile(
    r"^[A-ZА-Я][\w .,-]{1,60}?/\s*(?P<name>" + _KNOWN_ALT + r")\s*/\s*[-–—]",
)
_AGENCY_WORD = (r"\s+(?:агенция\s+|агентство\s+|информационната агенция\s+|the\s+)?"
                r"(?P<name>" + _KNOWN_ALT.lower() + r")\b")
# the agency that relayed the story: the wire credit of a Bulgarian or Russian text
_RELAY_CREDIT = re.compile(r"(?:предаде|предадоха|передает|передало)" + _AGENCY_WORD)
_TEXT_CREDIT = re.compile(
    r"(?:предаде|предадоха|съобщи|съобщиха|съобщава|цитирана от|цитиран от|цитирани от|"
    r"информира|по данни на|според|передает|сообщает|сообщило|повідомляє|"
    r"according to|reported by|reports|told)" + _AGENCY_WORD,
)  # matched against lowercased text: IGNORECASE is several times slower
# what may follow the source's name on its line: the editor, the author, the photos
_AFTER_SOURCE = re.compile(
    r"\s+(?:редактор|автор|снимк[аи]|фото|editor|author|photos?)\b.*$",
    re.IGNORECASE,
)
_QUOTES = "'\"„“”«»‘’`"


def canonical_agency(name: str) -> str:
    """Return the canonical spelling of a known agency, or ``name`` tidied up."""
    name = name.strip(" .,;:-–—/()")
    return _ALIAS.get(name.casefold(), name)


def find_source_line(block: str) -> str | None:
    """"Източник: БГНЕС" -> "БГНЕС" (a short block that only names the source)."""
    if len(block) > 80:
        return None
    m = _SOURCE_LINE.match(block)
    if m is None:
        return None
    name = _AFTER_SOURCE.sub("", m.group("name")).replace("''", "").strip(" .;," + _QUOTES)
    if not name or len(name.split()) > 5:
        return None
    return canonical_agency(name)


def strip_trailing_credit(paragraph: str) -> tuple[str, str | None]:
    """Split "... армия. /БГНЕС" into ("... армия.", "БГНЕС"); no credit -> (p, None)."""
    m = _TRAILING.search(paragraph)
    if m is None:
        return paragraph, None
    name = m.group("a") or m.group("b")
    before = paragraph[: m.start()].rstrip()
    # "/АБВ" right after a word char with no space is a path or a ratio, not a credit
    glued = paragraph[m.start()] == "/" and m.start() == len(before)
    if not before or (glued and before[-1].isalnum()):
        return paragraph, None
    return before, canonical_agency(name)


def find_dateline_credit(paragraph: str) -> str | None:
    """"СОФИЯ, 7 декември /БТА/ - ..." -> "БТА"."""
    m = _DATELINE.match(paragraph)
    return canonical_agency(m.group("name")) if m else None


def find_text_credit(paragraphs: list[str]) -> str | None:
    """A known agency quoted as the source in the text: the first that relayed the story
    ("предаде АФП"), else the first cited ("съобщи Ройтерс")."""
    texts = [p.lower() for p in paragraphs]
    for pattern in (_RELAY_CREDIT, _TEXT_CREDIT):
        for text in texts:
            m = pattern.search(text)
            if m is not None:
                return canonical_agency(m.group("name"))
    return None
