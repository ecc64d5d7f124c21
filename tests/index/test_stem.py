"""The Bulgarian light stemmer and the tokeniser the index and its queries share."""

from __future__ import annotations

import pytest

from vestnik.index._stem import normalize, stem, stems, tokenize

# Forms that must conflate, each group with its expected stem (the cases Lucene's
# BulgarianStemmer is tested with, one group per rule).
CONFLATING = {
    "град": ["град", "града", "градът", "градове", "градовете"],  # -ове
    "народ": ["народ", "народа", "народът", "народи", "народите", "народе"],  # -и
    "път": ["път", "пътя", "пътят", "пътища", "пътищата"],  # -ища
    "дяд": ["дядо", "дядото", "дядовци", "дядовците"],  # -овци
    "мъж": ["мъж", "мъжа", "мъже", "мъжете", "мъжо"],  # -е
    "брат": ["брат", "брата", "братът", "братя", "братята", "брате"],
    "вест": ["вест", "вестта", "вести", "вестите"],
    "дърв": ["дърво", "дървото", "дърва", "дървета", "дървата", "дърветата"],
    "мор": ["море", "морето", "морета", "моретата"],  # -та
    "красив": ["красив", "красивия", "красивият", "красива", "красивата", "красиво",
               "красивото", "красиви", "красивите"],  # adjectives, -ият
    "собственик": ["собственик", "собственика", "собственикът", "собственици",
                   "собствениците"],  # -ци -> к
    "подлог": ["подлог", "подлога", "подлогът", "подлози", "подлозите"],  # -зи -> г
    "кожух": ["кожух", "кожуха", "кожухът", "кожуси", "кожусите"],  # -си -> х
    "центр": ["център", "центъра", "центърът", "центрове", "центровете"],  # ъ deletion
    "промян": ["промяна", "промяната", "промени", "промените"],  # е..и -> я..
    "песн": ["песен", "песента", "песни", "песните"],  # ен -> н
    "строй": ["строй", "строеве", "строевете"],  # -еве -> й
    "руск": ["руски", "руските", "руска", "руската"],
}


@pytest.mark.parametrize(
    ("expected", "word"),
    [(expected, word) for expected, words in CONFLATING.items() for word in words],
)
def test_inflected_forms_share_one_stem(expected: str, word: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("мъжът", "мъжът"),  # too short for the article rule
    ("изключения", "изключн"),  # does not conflate with изключение, as in Lucene
    ("строя", "стр"),
])
def test_rules_apply_only_where_lucene_applies_them(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_stemming_lowercases_first() -> None:
    assert stem("РУСКИТЕ") == stem("руските") == "руск"


@pytest.mark.parametrize("word", ["players", "nato", "covid19", "2020", "ъгъл"[:3]])
def test_latin_words_numbers_and_short_words_are_not_stemmed(word: str) -> None:
    assert stem(word) == word


def test_mixed_script_words_are_not_stemmed() -> None:
    assert stem("iphoneите") == "iphoneите"


def test_latin_words_are_lowercased() -> None:
    assert stems("NATO и ЕС") == ["nato", "и", "ес"]


def test_tokenize_splits_on_punctuation_and_keeps_digits() -> None:
    assert tokenize("Баку-Ереван: 32-ма пленници (2020 г.)!") == [
        "баку", "ереван", "32", "ма", "пленници", "2020", "г",
    ]


def test_stress_marks_and_soft_hyphens_do_not_split_or_change_words() -> None:
    assert tokenize("Ка\u00adра\u200bбах") == ["карабах"]
    assert tokenize("ви\u0301на и\u0300 ѝ") == ["вина", "и", "и"]


def test_normalize_keeps_the_short_i() -> None:
    # й must survive accent removal (its decomposed form is и + breve).
    assert normalize("и\u0306") == "й"
    assert stem("строй") == "строй"
