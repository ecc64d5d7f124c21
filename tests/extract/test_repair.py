"""Text repair rules, each on a small made-up example."""

from __future__ import annotations

from vestnik.extract._repair import (
    collapse_line_whitespace,
    collapse_whitespace,
    fix_homoglyphs,
    fix_mojibake,
    join_drop_cap,
    remove_invisible,
    repair,
    repair_lines,
    strip_leaked_tags,
    unescape_entities,
)

SOFIA = "Общината в София обяви нов конкурс за „зелени“ проекти."


def test_split_drop_cap_is_joined_to_its_word() -> None:
    assert join_drop_cap("П осле дъжда дойде слънце.") == "После дъжда дойде слънце."


def test_one_letter_words_are_not_taken_for_drop_caps() -> None:
    for text in ("И двамата дойдоха.", "В началото беше тихо.", "С тях беше и кметът.", "A car"):
        assert join_drop_cap(text) == text


def test_one_letter_prepositions_of_latin_script_languages_are_words() -> None:
    for text in ("S blížícím se zimním termínem", "W piątek rano", "V Praze prší", "E poi"):
        assert join_drop_cap(text) == text
    assert join_drop_cap("T he rest of it") == "The rest of it"


def test_latin_drop_cap_before_cyrillic_word_becomes_cyrillic() -> None:
    assert join_drop_cap("P азходката продължи.") == "Разходката продължи."


def test_drop_cap_is_only_joined_at_paragraph_start() -> None:
    assert join_drop_cap("Той каза: Р уските") == "Той каза: Р уските"
    assert join_drop_cap("първи ред\nТ ретият ред") == "първи ред\nТретият ред"


def test_latin_lookalike_inside_cyrillic_word_is_replaced() -> None:
    assert fix_homoglyphs("Mоже би ще вали, кaза тя.") == "Може би ще вали, каза тя."


def test_cyrillic_lookalike_inside_latin_word_is_replaced() -> None:
    assert fix_homoglyphs("The Сity council met.") == "The City council met."


def test_mixed_word_with_letters_without_lookalike_is_left_alone() -> None:
    assert fix_homoglyphs("Новият Grупа") == "Новият Grупа"  # G and r have no look-alike
    assert fix_homoglyphs("iPhone-ът е тук") == "iPhone-ът е тук"  # two words, each one script


def test_utf8_read_as_cp1251_is_reversed() -> None:
    garbled = SOFIA.encode("utf-8").decode("cp1251")
    assert garbled != SOFIA
    assert fix_mojibake(garbled) == SOFIA


def test_utf8_read_as_latin1_is_reversed() -> None:
    garbled = SOFIA.encode("utf-8").decode("latin-1")
    assert fix_mojibake(garbled) == SOFIA
    assert fix_mojibake("CafÃ© crÃ¨me") == "Café crème"


def test_mojibake_run_inside_good_text_is_reversed_alone() -> None:
    bad = "Новини".encode().decode("cp1251")
    assert fix_mojibake(f"Заглавие: {bad} от днес") == "Заглавие: Новини от днес"


def test_good_text_is_not_taken_for_mojibake() -> None:
    for text in (SOFIA, "САЩ“ и БГНЕС“ казаха", "Café crème, naïve, Müller", "5 °C и µg"):
        assert fix_mojibake(text) == text


def test_html_entities_are_decoded() -> None:
    assert unescape_entities("Tom &amp; Jerry&nbsp;&#1040;&quot;") == 'Tom & Jerry\u00a0А"'


def test_leaked_tags_are_removed() -> None:
    assert repair("<p>Министърът заяви&nbsp;</p>") == "Министърът заяви"
    assert strip_leaked_tags("a<br/>b <span class='x'>c</span>").split() == ["a", "b", "c"]


def test_comparison_signs_are_not_taken_for_tags() -> None:
    assert strip_leaked_tags("ако a < b и b > c") == "ако a < b и b > c"


def test_soft_hyphens_and_zero_width_characters_are_removed() -> None:
    assert remove_invisible("Ев\u00adро\u200bпа\ufeff") == "Европа"


def test_whitespace_runs_collapse_to_one_space() -> None:
    assert collapse_whitespace("  две \t\n  думи\u2003тук  ") == "две думи тук"


def test_lone_nbsp_is_kept_but_nbsp_runs_collapse() -> None:
    assert collapse_whitespace("2020\u00a0г.") == "2020\u00a0г."
    assert collapse_whitespace("край.\u00a0 Ново") == "край. Ново"
    assert collapse_whitespace("\u00a0начало\u00a0") == "начало"


def test_line_whitespace_collapse_keeps_line_count() -> None:
    text = " a  b \n\n  c\u00a0d\t\n"
    assert collapse_line_whitespace(text) == "a b\n\nc\u00a0d\n"


def test_typographic_and_plain_quotes_are_kept() -> None:
    assert repair("„Да“, каза той. \"Не\", отвърна тя.") == "„Да“, каза той. \"Не\", отвърна тя."


def test_text_is_normalised_to_nfc() -> None:
    assert repair("Йордан") == "Йордан"  # И + combining breve -> Й


def test_repair_lines_repairs_every_line() -> None:
    text = "Р уските дойдоха\n<p>Mоже&nbsp;</p>\nИ двете"
    assert repair_lines(text) == "Руските дойдоха\nМоже\nИ двете"


def test_every_invisible_character_is_removed_whatever_else_the_text_holds() -> None:
    from vestnik.extract._repair import _INVISIBLE, remove_invisible

    invisible = [chr(c) for c in range(0x10000) if _INVISIBLE.match(chr(c))]
    assert len(invisible) > 6000  # the private-use area and the rest
    for ch in invisible:
        for text in (f"ab{ch}cd", f"Заглавие\n{ch}текст", f"a\u00a0b{ch}"):
            assert remove_invisible(text) == text.replace(ch, ""), hex(ord(ch))
    assert remove_invisible("Заглавие\nтекст\u00a0и\tтаб") == "Заглавие\nтекст\u00a0и\tтаб"


def test_collapsing_a_whole_dump_equals_collapsing_each_line() -> None:
    import random

    from vestnik.extract._repair import (
        _printable,
        collapse_line_whitespace,
        collapse_whitespace,
    )

    pieces = ["a", "б", "Дума", " ", "  ", "\n", "\u00a0", "\u202f", "\t", "\u2009", "\u3000"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = "\n".join(collapse_whitespace(line) for line in text.split("\n"))
        assert collapse_line_whitespace(text) == expected, repr(text)
        if _printable(text):
            assert collapse_line_whitespace(text, odd_spaces=False) == expected, repr(text)
