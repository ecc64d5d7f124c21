"""The analyzer both index backends take their terms from: language- and script-aware
stemming, one term per word, and the terms a query word may have been indexed as."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vestnik.index._analysis import index_terms, prefix_term, query_alternatives, query_words

LANGUAGES = ["bg", "ru", "en", "uk", "fr", None]


def found(query_word: str, text: str, language: str | None) -> bool:
    """Whether some term of ``text`` (an article in ``language``) is one the query word
    may be indexed as: what a backend matches."""
    return not set(query_alternatives(query_word)).isdisjoint(index_terms(text, language))


def test_a_russian_query_finds_russian_inflections() -> None:
    terms = index_terms("Президенты встретились с президентом", "ru")
    alternatives = set(query_alternatives("президент"))
    assert terms[0] in alternatives
    assert terms[3] in alternatives
    assert found("выборы", "О выборах в России", "ru")
    assert found("Президентов", "Президенты встретились", "ru")


@pytest.mark.parametrize(("query", "text"), [
    ("войските", "Руските войски се изтеглят"),
    ("войски", "Войските напускат позициите"),
    ("Карабах", "Руските мироопазващи сили в Нагорни Карабах"),
    ("Карабах", "Мирът в Карабаха е крехък"),
    ("Карабаха", "Карабахът остава спорна територия"),
])
def test_a_bulgarian_query_finds_bulgarian_inflections(query: str, text: str) -> None:
    assert found(query, text, "bg")


def test_bulgarian_inflections_are_indexed_as_one_term() -> None:
    assert len(set(index_terms("Карабах Карабаха Карабахът", "bg"))) == 1
    assert len(set(index_terms("войски войските", "bg"))) == 1


def test_an_english_query_finds_english_inflections() -> None:
    assert found("elections", "The election was held on Sunday", "en")
    assert found("election", "Elections were held on Sunday", "en")
    assert index_terms("elections", "en") == index_terms("election", "en")


@pytest.mark.parametrize("language", ["fr", "de", "uk", "xx", None, ""])
def test_a_language_without_a_stemmer_is_only_normalised(language: str | None) -> None:
    text = "Президенты ВОЙСКИТЕ Elections running 2020"
    assert index_terms(text, language) == [
        "президенты", "войските", "elections", "running", "2020"]


def test_latin_words_in_a_bulgarian_article_are_not_stemmed_by_the_bulgarian_stemmer() -> None:
    assert index_terms("NATO elections running", "bg") == ["nato", "elections", "running"]


def test_cyrillic_words_in_an_english_article_are_not_stemmed() -> None:
    assert index_terms("Президенты войските said", "en") == ["президенты", "войските", "said"]


def test_latin_words_in_a_russian_article_are_not_stemmed() -> None:
    assert index_terms("Выборы elections", "ru") == ["выбор", "elections"]


def test_a_ukrainian_article_is_unstemmed_and_still_found_by_a_cyrillic_query_word() -> None:
    terms = index_terms("Президенти України зустрілися", "uk")
    assert terms == ["президенти", "україни", "зустрілися"]
    assert "україни" in query_alternatives("України")
    assert found("України", "Президенти України зустрілися", "uk")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("number", ["2020", "1990", "42", "3"])
def test_numbers_stay_as_they_are(number: str, language: str | None) -> None:
    assert index_terms(f"през {number} г.", language)[1] == number
    assert query_alternatives(number) == (number,)
    assert query_alternatives(number, language) == (number,)


@pytest.mark.parametrize("language", ["bg", "ru", "en"])
@pytest.mark.parametrize("word", [
    "covid19", "g7", "1990s", "2020elections", "2020выборы", "ковид19",
    "нeвыборы",  # a Latin e among Cyrillic letters
])
def test_words_with_digits_or_two_scripts_are_not_stemmed(word: str, language: str) -> None:
    assert index_terms(word, language) == [word]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_word_gives_one_term_in_order(language: str | None) -> None:
    text = ("Руските войски (2020 г.) напуснаха Карабах — съобщи Kremlin's press-office; "
            "Президенты встретились, elections: covid19 ... и т.н.")
    terms = index_terms(text, language)
    words = query_words(text)
    assert len(terms) == len(words) == 18
    for word, term in zip(words, terms, strict=True):
        assert index_terms(word, language) == [term]


def test_normalisation_drops_accents_invisible_characters_and_case() -> None:
    assert index_terms("Пра\u0301вото", None) == ["правото"]  # a stress accent
    assert index_terms("пре\u00adзи\u200bдент", None) == ["президент"]  # soft hyphen, ZWSP
    assert index_terms("ѝ каза", None) == ["и", "каза"]
    assert index_terms("ѝ", "bg") == index_terms("и", "bg") == ["и"]
    assert index_terms("ДЪРЖАВАТА", None) == ["държавата"]
    # NFD input gives the same terms as NFC: й is one letter, not и plus a breve.
    assert index_terms("Войскови\u0306", "ru") == index_terms("Войсковий", "ru")


def test_normalised_words_are_stemmed_like_the_written_ones() -> None:
    assert index_terms("ВОЙ\u00adСКИ\u0301ТЕ", "bg") == index_terms("войските", "bg") == ["войск"]
    assert index_terms("Президе\u0301нты", "ru") == ["президент"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("word", [
    "войските", "Карабах", "Президенты", "ёлка", "України", "НАТО", "NATO", "elections",
    "running", "café", "2020", "covid19", "ѝ", "и", "пра\u0301вото",
])
def test_query_alternatives_with_a_language_is_the_term_index_terms_gives(
        word: str, language: str | None) -> None:
    if language is None:
        # Without a language: the indexed term in every language is among the alternatives.
        alternatives = query_alternatives(word)
        for code in LANGUAGES:
            assert index_terms(word, code)[0] in alternatives
    else:
        assert query_alternatives(word, language) == tuple(index_terms(word, language))


def test_query_alternatives_of_a_cyrillic_word_are_the_bulgarian_and_russian_stems_and_the_word(
) -> None:
    assert query_alternatives("Войските") == ("войск", "войските")  # bg and ru stems agree
    assert query_alternatives("России") == ("росси", "росс", "россии")
    assert query_alternatives("президент") == ("президент",)  # deduplicated


def test_query_alternatives_of_a_latin_word_are_the_english_stem_and_the_word() -> None:
    assert query_alternatives("Elections") == ("elect", "elections")
    assert query_alternatives("nato") == ("nato",)


def test_query_alternatives_of_nothing_is_empty() -> None:
    assert query_alternatives("") == ()
    assert query_alternatives("\u00ad") == ()


def test_a_language_tag_with_a_region_or_capitals_selects_its_language() -> None:
    assert index_terms("Войските", "BG") == index_terms("Войските", "bg-BG") == ["войск"]
    assert query_alternatives("Elections", "en_GB") == ("elect",)


def test_query_words_are_normalised_and_not_stemmed() -> None:
    assert query_words("Войските на НАТО, elections-2020!") == [
        "войските", "на", "нато", "elections", "2020"]


def test_a_prefix_is_normalised_and_not_stemmed() -> None:
    assert prefix_term("Войските") == "войските"
    assert prefix_term("Electi") == "electi"
    assert prefix_term("Пре\u00adзиде\u0301нт") == "президент"


def test_a_prefix_of_a_word_is_a_prefix_of_its_unstemmed_term() -> None:
    prefix = prefix_term("Президен")
    assert all(term.startswith(prefix) for term in index_terms("Президенты", "uk"))


LETTERS = st.sampled_from([*"абвгдежзийклмнопрстуфхцчшщъьюяыэёіїєґ", *"abcdefghijklmnopqrstuvwxyz",
                           *"0123456789", "\u00ad", "\u0301", "ѝ", "é", "ß"])


@given(word=st.text(LETTERS, min_size=1, max_size=14))
def test_any_word_is_found_by_itself_in_any_language(word: str) -> None:
    words = query_words(word)
    for each in words:
        alternatives = query_alternatives(each)
        assert len(set(alternatives)) == len(alternatives)
        for language in LANGUAGES:
            assert index_terms(each, language)[0] in alternatives
            if language is not None:
                assert query_alternatives(each, language) == tuple(index_terms(each, language))
