"""The plain-text front end on small made-up page dumps."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from vestnik.extract import Page, Rejected, extract
from vestnik.extract._text import split_blocks

from .samples import NOW, P1, P2, P3, extract_dump


def _page(text: str) -> Page:
    return Page("https://news.example.bg/a/1", NOW, "text/plain", text)


def _listing(n: int) -> str:
    items = []
    for i in range(n):
        head = f"Новина номер {i} за събитията в страната"
        items += [head, head, f"България Преди {i + 1} часа", f"Кратко резюме на новина {i}"]
    return "\n\n".join(items)


def test_body_is_the_prose_run_and_title_is_above_it() -> None:
    text = f"Начало\nНовини\nСпорт\n\nВарна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n"
    result = extract_dump(text)
    assert result.title == "Варна прие бюджета си"
    assert result.body_paragraphs == (P1, P2, P3)
    assert result.language == "bg"


def test_lead_sits_between_title_and_body() -> None:
    lead = "Най-много пари отиват за училищата"
    result = extract_dump(f"Варна прие бюджета си\n\n{lead}\n\n{P1}\n\n{P2}\n\n{P3}")
    assert result.title == "Варна прие бюджета си"
    assert result.lead == lead
    assert lead not in result.body_paragraphs


def test_repeated_title_is_not_taken_for_a_lead() -> None:
    title = "Варна прие бюджета си"
    result = extract_dump(f"{title}\n\n{title}\n\n{P1}\n\n{P2}")
    assert result.title == title
    assert result.lead is None


def test_latest_news_list_after_the_article_is_dropped() -> None:
    text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\nПоследни\n\n{_listing(6)}"
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2)
    assert result.published_at is None  # "Преди N часа" of the list is not the article's


def test_widgets_share_and_follow_us_are_dropped() -> None:
    text = (
        f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\nСподели:\n\n"
        "Не пропускайте най-важното - последвайте ни във Facebook\n\n"
        "Коментари (12)\n\nЗапомни ме\nЗабравена парола\n"
        "Полето Потребителско име не трябва да е празно.\n"
    )
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2)
    assert result.comment_count == 12


def test_date_source_and_caption_in_the_header_are_read() -> None:
    text = (
        "Варна прие бюджета си\n07.03.2025 14:35\nИзточник: БТА\n\n"
        "Сградата на общината, снимка: архив\n\n"
        f"{P1}\n\n{P2}\n"
    )
    result = extract_dump(text)
    assert result.published_at == datetime(2025, 3, 7, 14, 35, tzinfo=ZoneInfo("Europe/Sofia"))
    assert result.source_agency == "БТА"
    assert result.captions == ("Сградата на общината, снимка: архив",)


def test_a_caption_of_what_the_photo_shows_then_its_agency_after_a_slash_is_a_caption() -> None:
    text = (
        "Варна прие бюджета си\n07.03.2025 14:35\n\nКметът на Варна / ЕПА/БГНЕС\n\n"
        f"{P1}\n\nСесията на общинския съвет / Shutterstock\n\n{P2}\n\n{P3}\n"
    )
    result = extract_dump(text)
    assert result.captions == ("Кметът на Варна / ЕПА/БГНЕС",
                               "Сесията на общинския съвет / Shutterstock")
    assert result.body_paragraphs == (P1, P2, P3)


def test_a_breadcrumb_of_slashes_is_no_caption() -> None:
    text = f"Начало / Новини / България\n\nВарна прие бюджета си\n\n{P1}\n\n{P2}\n"
    assert extract_dump(text).captions == ()


def test_the_comment_count_on_the_articles_meta_line_is_read() -> None:
    for meta, count in [("07.03.2025, 14:35 | 9050 прочитания | Коментари (12)", 12),
                        ("Петък, 7 март 2025 Коментари (0)", 0),
                        ("14:35 • 3 коментара • 120 прочитания", 3)]:
        text = f"Варна прие бюджета си\n\n{meta}\n\n{P1}\n\n{P2}\n\n{P3}\n"
        assert extract_dump(text).comment_count == count, meta


def test_a_number_beside_likes_or_views_is_no_comment_count() -> None:
    text = (f"Варна прие бюджета си\n\n07.03.2025, 14:35 | Харесай (12) | 9050 прочитания"
            f"\n\n{P1}\n\n{P2}\n\n{P3}\n")
    assert extract_dump(text).comment_count is None


def test_day_only_date_is_a_plain_date() -> None:
    result = extract_dump(f"5 Март, 2025\n\nВарна прие бюджета си\n\n{P1}\n\n{P2}")
    assert result.published_at == date(2025, 3, 5)


def test_trailing_agency_is_stripped_from_the_last_paragraph() -> None:
    result = extract_dump(f"Варна прие бюджета си\n\n{P1}\n\n{P2} /БГНЕС")
    assert result.body_paragraphs[-1] == P2
    assert result.source_agency == "БГНЕС"


def test_source_line_wins_over_trailing_and_quoted_credits() -> None:
    p1 = P1[:-1] + ", предаде Ройтерс."
    result = extract_dump(f"Варна прие бюджета си\nИзточник: Фокус\n\n{p1}\n\n{P2} /БТА")
    assert result.source_agency == "Фокус"
    assert result.body_paragraphs[-1] == P2


def test_leaked_markup_and_drop_caps_are_repaired_in_body() -> None:
    p0 = "Решението беше взето с мнозинство от 31 гласа, съобщиха от пресцентъра на общината."
    text = f"Варна прие бюджета си\n\n<p>Р {p0[1:]}&nbsp;</p>\n\n{P1}\n\nC{P2[1:]}"  # Latin C
    result = extract_dump(text)
    assert result.body_paragraphs[0] == p0
    assert result.body_paragraphs[2] == P2


def test_a_links_text_on_a_line_of_its_own_goes_back_into_its_sentence() -> None:
    """A dump of the page's elements one a line (``get_text("\\n")``) splits a paragraph
    at its links: the link's text and the rest go back into the sentence."""
    dumped = ("14 мая президент России встретился с премьер-министром Малайзии, а специальный "
              "корреспондент “Ъ” \nАндрей Колесников\n выяснял, кто поедет в Стамбул\n, и с кем.")
    assert split_blocks(dumped) == [
        "14 мая президент России встретился с премьер-министром Малайзии, а специальный "
        "корреспондент “Ъ” Андрей Колесников выяснял, кто поедет в Стамбул, и с кем."]


def test_short_lines_of_a_header_are_not_glued_to_the_headline() -> None:
    header = "Русия се изтегля от Нагорни Карабах\nИзточник: БГНЕС\n57\n\nНовини\nСвят\nспорт"
    assert split_blocks(header) == ["Русия се изтегля от Нагорни Карабах", "Източник: БГНЕС",
                                    "57", "Новини", "Свят", "спорт"]


def test_lines_wrapped_mid_sentence_are_joined() -> None:
    assert split_blocks("Първият ред на дълъг абзац, който продължава\nи на следващия ред.") == [
        "Първият ред на дълъг абзац, който продължава и на следващия ред."
    ]
    assert split_blocks("Кирилица:\nФонетична") == ["Кирилица:", "Фонетична"]


def test_empty_page_is_rejected() -> None:
    result = extract(_page(" \n\n \u00a0 "))
    assert isinstance(result, Rejected) and result.reason == "empty"


def test_section_front_is_rejected_as_listing() -> None:
    result = extract(_page("Новини\n\n" + _listing(8)))
    assert isinstance(result, Rejected) and result.reason == "listing"


def test_login_wall_is_rejected() -> None:
    text = (
        "Варна прие бюджета си\n\nОбщинският съвет прие бюджета след дълго заседание.\n\n"
        "Този материал е достъпен само за абонати. Влезте, за да продължите да четете.\n"
    )
    result = extract(_page(text))
    assert isinstance(result, Rejected) and result.reason == "login_wall"


def test_too_short_page_is_rejected() -> None:
    result = extract(_page("Варна прие бюджета си\n\nБюджетът е приет."))
    assert isinstance(result, Rejected) and result.reason == "too_short"


def test_comment_form_prompt_after_the_body_is_dropped() -> None:
    text = (
        f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\nОставете коментар\n\n"
        "Вашият имейл адрес няма да бъде публикуван."
    )
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2, P3)



def test_tags_line_ends_theextract_dump() -> None:
    appeal = " ".join(["Подкрепете независимата журналистика с дарение по нашата сметка."] * 4)
    tags = "Етикети: Варна бюджет общини"
    text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\n{tags}\n\n{appeal}"
    assert extract_dump(text).body_paragraphs == (P1, P2, P3)


def test_tags_line_above_the_article_does_not_mute_it() -> None:
    footer = " ".join(["Всички материали на сайта са защитени от закона за авторското право."] * 5)
    text = (
        f"Тагове: Варна, бюджет\n\nВарна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\n"
        f"Последни новини\n\n{footer}"
    )
    assert extract_dump(text).body_paragraphs == (P1, P2, P3)


def test_terms_of_reuse_after_the_body_are_dropped() -> None:
    notices = (
        "При цитировании и использовании каких-либо материалов в Интернете открытые для "
        "поисковых систем гиперссылки не ниже первого абзаца обязательны. " * 6,
        "Використання матеріалів сайту лише за умови посилання (для інтернет-видань - "
        "гіперпосилання) на видання.",
        "Всички материали на сайта са собственост на издателя и не могат да се използват "
        "без писменото му разрешение.",
        "СМИ зарегистрировано в Федеральной службе по надзору в сфере связи. "
        "Свидетельство о регистрации Эл № ФС77-12345.",
        "В комментариях запрещаются выражения, содержащие ненормативную лексику.",
    )
    for notice in notices:
        text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\n{notice.strip()}"
        assert extract_dump(text).body_paragraphs == (P1, P2, P3), notice[:30]


def test_subheading_quoted_by_the_next_paragraph_stays() -> None:
    sub = "„Аз съм Самуел“"
    para = f"Хиляди хора излязоха на протест под надслов {sub} в центъра на столицата в неделя."
    text = f"Варна прие бюджета си\n\n{P1}\n\n{sub}\n\n{para}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).body_paragraphs == (P1, sub, para, P2, P3)


def test_article_resumes_after_an_in_text_related_box() -> None:
    more = [f"{P1} {P2}".replace("Варна", f"Русе ({i})") for i in range(3)]
    box = "Свързани новини\n\nБургас прие бюджета си\n\n12.11.2024\n\nПловдив отложи гласуването"
    text = (
        f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{box}\n\n" + "\n\n".join(more)
        + "\n\nКоментари (3)\n\n" + P3
    )
    assert extract_dump(text).body_paragraphs == (P1, P2, *more)


def test_comments_after_the_article_are_not_a_continuation() -> None:
    comments = "\n\n".join(P3.replace("Опозицията", f"Читател {i}") for i in range(3))
    text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\nКоментари\n\n{comments}"
    assert extract_dump(text).body_paragraphs == (P1, P2)


def test_todays_time_under_a_title_opening_the_dump_dates_theextract_dump() -> None:
    text = (
        "Новини\n\nСпорт\n\nАфіша\n\n"
        "Общинският съвет прие бюджета на Варна за догодина\n\n"
        "Право на гідність 11:00, сьогодні - Читать новость на русском\n\n"
        f"{P1}\n\n{P2}\n\n{P3}"
    )
    result = extract_dump(text)
    assert result.title == "Общинският съвет прие бюджета на Варна за догодина"
    assert result.published_at == datetime(2025, 3, 10, 11, 0, tzinfo=ZoneInfo("Europe/Sofia"))


def test_a_list_of_truncated_teasers_is_not_the_articles_opening() -> None:
    title = "Студентка почина след хапчета за отслабване, купени онлайн"
    teasers = "\n\n".join([
        "23 неща, които всички момичета от 2000-те…",
        "Реклама",
        "21 татуировки, които са невероятно красиви и…",
        "Ето как изглеждат дрехите в „голям размер“ на…",
        "Четирите пъти, в които сериалът разплака…",
    ])
    text = f"Начало\n\nНовини\n\n{teasers}\n\nТОП\n\n{title}\n\n{P1}\n\n{P2}\n\n{P3}"
    result = extract_dump(text, "https://news.example.bg/studentka-hapcheta-otslabvane")
    assert result.title == title
    assert result.body_paragraphs == (P1, P2, P3)


def test_a_lone_paragraph_trailing_off_stays_in_the_body() -> None:
    trailing = "А после всичко се промени за един миг…"
    text = f"Начало\n\nЗаглавие на статията за бюджета\n\n{P1}\n\n{trailing}\n\n{P2}"
    result = extract_dump(text)
    assert trailing in result.body_paragraphs


def test_text_given_twice_on_the_page_is_in_the_body_once() -> None:
    # a page holding its text twice (an editor's paste buffer, a print version)
    p4 = "Следващото заседание на съвета ще бъде в края на месеца, съобщиха от общината."
    once = "\n\n".join((P1, P2, P3, p4))
    text = f"Варна прие бюджета си\n\n10 март 2025\n\n{once}\n\n{once}\n\nКоментари"
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2, P3, p4)


def test_short_lines_may_recur_in_the_body() -> None:
    text = f"Варна прие бюджета си\n\n10 март 2025\n\n{P1}\n\n* * *\n\n{P2}\n\n* * *\n\n{P3}"
    result = extract_dump(text)
    assert result.body_paragraphs.count("* * *") == 2, result.body_paragraphs


def test_wordpress_comment_form_after_the_article_is_not_body() -> None:
    form = [
        "Schreibe einen Kommentar",
        "Trage deine Daten unten ein oder klicke ein Icon um dich einzuloggen:",
        "Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser speichern, "
        "bis ich wieder kommentiere.",
        "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
    ]
    text = "\n\n".join(["Варна прие бюджета си", "10 март 2025", P1, P2, P3, *form])
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2, P3)


def test_short_line_between_paragraphs_is_the_articles() -> None:
    # a one-word subheading inside the article; the menu after it stays out
    text = "\n\n".join(["Варна прие бюджета си", "10 март 2025", P1, "Бюджетът", P2, P3,
                       "Още от категорията", "Спорт", "Култура"])
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, "Бюджетът", P2, P3)


def test_a_sidebars_stack_of_boxes_above_the_post_does_not_mute_it() -> None:
    # a blog's sidebar dumped before its post: the author's bio, then box after box
    bio = (
        "Даниела Петрова е журналист и пише за градската среда, транспорта и архитектурата "
        "на Варна от повече от десет години насам, с особен интерес към общинския бюджет."
    )
    sidebar = [
        bio, "Абонирайте се", "Последни публикации", "Мостът ще бъде ремонтиран",
        "Нови автобуси по линия 9", "Най-четени", "Кметът откри новия парк в Изгрев",
        "Времето през уикенда ще бъде слънчево", "Архив", "Януари 2025", "Февруари 2025",
    ]
    text = "\n\n".join([*sidebar, "Варна прие бюджета си", P1, P2, P3])
    assert extract_dump(text).body_paragraphs == (P1, P2, P3)


def test_boxes_stacked_after_the_article_still_damp_what_follows() -> None:
    more = [
        "Следващото заседание на съвета ще бъде в края на месеца, съобщиха от общината.",
        "Кметът обеща отчет за изпълнението на бюджета до края на първото тримесечие.",
        "Гражданите могат да следят заседанията на живо в сайта на общинския съвет.",
        "Проектобюджетът беше обсъден публично с жителите на града през декември.",
    ]
    article = [P1, P2, P3, *more]  # over 600 characters of prose above the boxes
    teasers = [  # longer other stories under two box headers: not the article's
        f"{a} {b} {c}".replace("Варна", "Русе") for a, b, c in ((P1, P2, P3), (P2, P3, P1),
                                                               (P3, P1, P2))
    ]
    text = "\n\n".join(
        ["Варна прие бюджета си", *article, "Още от категорията", "Най-четени", *teasers]
    )
    assert extract_dump(text).body_paragraphs == tuple(article)


_LONG = [f"{P1} {P2}".replace("Варна", town) for town in ("Русе", "Плевен", "Бургас", "Сливен")]
_BOX = ("Свързани новини\n\nБургас прие бюджета си 12 НОЕМВРИ 2024\n\n"
        "Пловдив отложи гласуването 11 НОЕМВРИ 2024\n\nРеклама")


def test_an_in_text_box_between_the_articles_paragraphs_does_not_end_it() -> None:
    """A related-news box set amid the text, with a line of furniture above its header,
    and the article going on below it for paragraph after paragraph."""
    first, second, *rest = _LONG
    text = (f"Варна прие бюджета си\n\n{first}\n\n{second}\n\nПродължава след рекламата\n\n"
            f"{_BOX}\n\n" + "\n\n".join(rest[:2]) + f"\n\n{_LONG[0].replace('Русе', 'Шумен')}")
    body = extract_dump(text).body_paragraphs
    assert body[:2] == (first, second) and len(body) == 5, body
    assert not any("НОЕМВРИ" in p or p == "Реклама" for p in body), body


def test_a_box_after_the_article_followed_by_teasers_still_ends_it() -> None:
    first, second = _LONG[:2]
    teasers = "\n\n".join(f"{t} прие бюджета си за догодина след дълго заседание на съвета."
                          for t in ("Русе", "Плевен", "Бургас"))
    text = f"Варна прие бюджета си\n\n{first}\n\n{second}\n\n{_BOX}\n\n{teasers}"
    assert extract_dump(text).body_paragraphs == (first, second)


def test_a_gallery_dumped_as_slides_is_captions_not_the_body() -> None:
    slides = "\n\n".join(
        f"{n}/50 {town} прие бюджета си\n\n{P3.replace('Опозицията', town)} {P2}"
        for n, town in ((2, "Русе"), (3, "Плевен"), (4, "Бургас"), (5, "Сливен")))
    text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\nСнимки\n\n{slides}"
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2, P3), result.body_paragraphs


def test_a_recipes_fractions_are_not_a_gallery() -> None:
    lines = ["1/2 чаша захар, разбита с яйцата до бяла пяна",
             "1/2 чаена лъжичка сол, добавена накрая",
             "1/2 пакетче бакпулвер, пресято с брашното"]
    text = f"Козунак по рецепта на баба\n\n{P1}\n\n" + "\n\n".join(lines) + f"\n\n{P2}"
    body = extract_dump(text).body_paragraphs
    assert all(line in body for line in lines), body
