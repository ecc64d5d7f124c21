"""Language identification from letter and function-word cues."""

from __future__ import annotations

from vestnik.extract._lang import detect_language

BG = "Правителството ще обсъди бюджета в сряда, съобщиха от пресцентъра. Депутатите са готови."
RU = "Правительство обсудит бюджет в среду, сообщили в пресс-службе. Депутаты уже готовы."
UK = "Уряд обговорить бюджет у середу, повідомили в пресслужбі. Депутати вже готові до цього."
SR = "Влада ће у среду разматрати буџет, саопштила је служба. Посланици су спремни за њега."
MK = "Владата ќе го разгледа буџетот во среда, соопштија од службата. Пратениците се подготвени."
EN = "The government will discuss the budget on Wednesday, the press office said on Monday."
DE = "Die Regierung wird am Mittwoch über den Haushalt beraten, sagte die Pressestelle."


def test_bulgarian_is_recognised() -> None:
    assert detect_language(BG) == "bg"


def test_russian_is_told_from_bulgarian_by_its_letters() -> None:
    assert detect_language(RU) == "ru"


def test_ukrainian_is_told_from_russian() -> None:
    assert detect_language(UK) == "uk"


def test_serbian_and_macedonian_are_told_apart() -> None:
    assert detect_language(SR) == "sr"
    assert detect_language(MK) == "mk"


def test_latin_script_languages_by_stopwords() -> None:
    assert detect_language(EN) == "en"
    assert detect_language(DE) == "de"


def test_other_scripts_map_to_their_language() -> None:
    assert detect_language("Η κυβέρνηση θα συζητήσει τον προϋπολογισμό την Τετάρτη.") == "el"


def test_too_little_text_has_no_language() -> None:
    assert detect_language("OK") is None
    assert detect_language("") is None
