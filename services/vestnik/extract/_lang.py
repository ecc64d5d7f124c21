"""Language identification (ISO 639-1) from letter and function-word cues.

Cyrillic languages are told apart by letters only some of them use (ы э ё -> ru,
ї є ґ і -> uk, ў -> be, ђ ћ -> sr, ѓ ќ ѕ -> mk, ј љ њ џ -> sr/mk) and by frequent
function words; Latin-script languages by stopwords.  Other scripts map to their
main language.  Cheap: one pass of a few regexes over at most ``SAMPLE_CHARS``.
"""

from __future__ import annotations

import re

__all__ = ["SAMPLE_CHARS", "detect_language"]

SAMPLE_CHARS = 700  # what is read of a text
_WORD = re.compile(r"[^\W\d_]+")


def _ws(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CYR_STOPWORDS: dict[str, frozenset[str]] = {
    "bg": _ws(
        "на се да за от че са ще не като това той тя те бъде беше има със във които който"
        " която което след при по още между също така към до във този тази тези или но"
        " години година казва каза заяви съобщи сме сте съм бяха бил била било"
    ),
    "ru": _ws(
        "на не что это как он она они по для который которые было была был при от до из"
        " также уже его её их или но только будет может году года сказал заявил между"
        " чтобы если когда этого этом того"
    ),
    "uk": _ws(
        "на не що це як він вона вони по для який які було була був від до із також вже"
        " його її їх або але тільки буде може році року сказав заявив між щоб якщо коли"
    ),
    "sr": _ws(
        "је да се на у за од са не су као што који која које био била било али или још"
        " рекао према након између већ ће бити"
    ),
    "mk": _ws(
        "на се да за од во со не е се што кој која кое ќе беше бил била било но или уште"
        " рече според по меѓу веќе има"
    ),
    "be": _ws(
        "на не што гэта як ён яна яны па для які якія было была быў ад да з"
    ),
}

_LATIN_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _ws(
        "the of and to in is that for it was on with as by he at from his an are this be"
        " have has not but they which were said been their its who will would"
    ),
    "de": _ws(
        "der die und das ist nicht den von zu mit sich des auf für im dem ein eine auch"
        " es an als wie bei noch nach wird sind aus einen einer werden hat über"
    ),
    "fr": _ws(
        "le la les de des et est une un du en que qui dans pour pas sur au avec il elle"
        " ce plus par sont aux ont été cette mais ses leur"
    ),
    "es": _ws(
        "el la los las de del que en y es un una por con para se no al lo como más pero"
        " sus su ha son este esta fue"
    ),
    "it": _ws(
        "il la di che e è un una per non con sono del della le gli da nel alla anche come"
        " più dei ha questo questa ma"
    ),
    "pt": _ws(
        "o a os as de do da que e é um uma para com não em no na por se mais dos das foi"
        " ao pelo pela mas seu sua"
    ),
    "nl": _ws(
        "de het een en van is dat op te in niet zijn voor met die als er aan ook om maar"
        " bij door nog naar wordt werd"
    ),
    "pl": _ws(
        "i w na z się nie do to że jest o jak po co przez dla od tak ale jego już przy"
        " jej są być może tym"
    ),
    "ro": _ws(
        "și în de la cu că nu pe o un care este din mai pentru sunt au fost ca se dar"
        " această acest"
    ),
    "cs": _ws(
        "a v se na je že s z do to o jako by ale pro jsou byl byla k i od po tak který"
        " která které jeho"
    ),
    "tr": _ws(
        "ve bir bu da de için ile çok olarak daha gibi olan en ama değil sonra kadar ise"
        " ya her"
    ),
    "sv": _ws(
        "och att det som en är på av för med till den har inte om ett de var men sig från"
        " kan"
    ),
}

# (language, script-run pattern): letters are counted by runs, which is fast; "[x][x]*"
# rather than "[x]+": a pattern that opens with a class is searched fast (sre skips the
# positions the class rejects), one that opens with a repeat is tried at every position
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cyr", re.compile("[\u0400-\u04ff][\u0400-\u04ff]*")),
    ("lat", re.compile("[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f]*")),
    ("el", re.compile("[\u0370-\u03ff][\u0370-\u03ff]*")),
    ("ar", re.compile("[\u0600-\u06ff][\u0600-\u06ff]*")),
    ("he", re.compile("[\u0590-\u05ff][\u0590-\u05ff]*")),
    ("ja", re.compile("[\u3040-\u30ff][\u3040-\u30ff]*")),
    ("zh", re.compile("[\u4e00-\u9fff][\u4e00-\u9fff]*")),
    ("ko", re.compile("[\uac00-\ud7af][\uac00-\ud7af]*")),
)
# ъ as a vowel (between consonants / inside a word) is Bulgarian; Russian uses it only
# as a hard sign before е ё ю я
_BG_YER = re.compile("[бвгджзклмнпрстфхцчшщ]ъ[бвгджзклмнпрстфхцчшщ]")


def _count(sample: str, letters: str) -> int:
    n = 0
    for ch in letters:
        n += sample.count(ch)
    return n


def _index(lists: dict[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    idx: dict[str, list[str]] = {}
    for lang, stop in lists.items():
        for w in stop:
            idx.setdefault(w, []).append(lang)
    return {w: tuple(langs) for w, langs in idx.items()}


_CYR_INDEX = _index(_CYR_STOPWORDS)
_LATIN_INDEX = _index(_LATIN_STOPWORDS)


def _stopword_scores(words: list[str], index: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Function-word hits per language, in the order the languages are first hit (the
    best of equals is the first)."""
    scores: dict[str, int] = {}
    for w in words:
        langs = index.get(w)
        if langs is not None:
            for lang in langs:
                scores[lang] = scores.get(lang, 0) + 1
    return scores


def _best(scores: dict[str, int]) -> str | None:
    best: str | None = None
    top = 0
    for lang, n in scores.items():
        if n > top:
            best, top = lang, n
    return best


def _cyrillic(sample: str, n_letters: int) -> str:
    """The language of a lowercased Cyrillic ``sample``: by its letters, the function
    words (listed only when needed) settling what the letters leave open."""
    per_k = 1000.0 / max(1, n_letters)
    ru = _count(sample, "ыэё") * per_k
    uk = _count(sample, "їєґі") * per_k
    be = _count(sample, "ў") * per_k
    sr_only = _count(sample, "ђћ") * per_k
    mk_only = _count(sample, "ѓќѕ") * per_k
    srmk = _count(sample, "јљњџ") * per_k
    bg = len(_BG_YER.findall(sample)) * per_k
    if be >= 1.0 and be >= uk / 4:
        return "be"
    if mk_only >= 1.0 and mk_only >= sr_only:
        return "mk"
    if sr_only >= 1.0 or srmk >= 2.0:
        words_score = _stopword_scores(_WORD.findall(sample), _CYR_INDEX)
        return "mk" if words_score.get("mk", 0) > words_score.get("sr", 0) else "sr"
    if uk >= 3.0 and uk > ru:
        return "uk"
    if ru >= 3.0 and ru > bg:
        return "ru"
    if bg >= 1.0 or sample.count("щ") * per_k >= 2.0:
        return "bg"
    # no letter cue (very short text): fall back to function words
    return _best(_stopword_scores(_WORD.findall(sample), _CYR_INDEX)) or "bg"


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of ``text`` or None when there is too little text."""
    sample = text[:SAMPLE_CHARS]
    counts: dict[str, int] = {}
    letters = 0
    for name, rx in _SCRIPTS:
        if name not in ("cyr", "lat") and letters * 2 > len(sample):
            break  # mostly Cyrillic/Latin: no need to look for other scripts
        if rx.search(sample) is not None:
            counts[name] = len(sample) - len(rx.sub("", sample))  # letters in runs
            letters += counts[name]
    if not counts:
        return None
    script, n = max(counts.items(), key=lambda kv: kv[1])
    if n < 10:
        return None
    if script == "zh" and counts.get("ja", 0) > 0:
        return "ja"
    if script not in ("cyr", "lat"):
        return script
    lower = sample.lower()
    if script == "cyr":
        return _cyrillic(lower, n)
    return _best(_stopword_scores(_WORD.findall(lower), _LATIN_INDEX))
