"""Choosing the headline among the header zone's blocks (``_title`` and the text front end)."""

from __future__ import annotations

from vestnik.extract import Extracted, Page, extract
from vestnik.extract._blocks import DATE, HEADING, PROSE, Block
from vestnik.extract._layout import title_and_lead
from vestnik.extract._title import (
    headline_score,
    names_site,
    shape_penalty,
    slug_keys,
    slug_overlap,
)

from .samples import NOW, P1, P2, P3, extract_dump


def test_slug_is_the_wordiest_path_segment_transliterated() -> None:
    keys = slug_keys("https://www.example.bg/news/world/rusiya-se-izteglya-ot-karabah-123.html")
    assert slug_overlap("Русия се изтегля от Нагорни Карабах", keys) == 1.0
    assert slug_overlap("Времето днес", keys) == 0.0


def test_a_url_without_words_has_no_slug() -> None:
    assert slug_keys("https://winfuture.de/news,139377.html") == frozenset()
    assert slug_keys("https://example.bg/?id=1234") == frozenset()


def test_dates_bylines_and_tag_lists_are_not_headlines() -> None:
    assert shape_penalty("19.10.19, 12:00 Uhr") > 0
    assert shape_penalty("Paddy · April 19, 2019 · Mac · 7 comments") > 0
    assert shape_penalty("Boris T. Kaiser") > 0
    assert shape_penalty("Corona & die Folgen, Debatte, Deutschland, Politik") > 0
    assert shape_penalty("Варна прие бюджета си за следващата година") == 0


def test_slug_agreement_outweighs_nearness() -> None:
    slug = slug_keys("https://example.bg/varna-prie-byudzheta")
    assert headline_score("Варна прие бюджета", 2, slug) > headline_score(
        "Още новини от региона", 0, slug
    )


def test_title_is_the_headline_not_the_date_line_above_the_body() -> None:
    text = f"Новини\n\nВарна прие бюджета си\n\n19.10.2025, 12:00\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == "Варна прие бюджета си"


def test_title_matching_the_slug_wins_over_a_nearer_teaser() -> None:
    text = (
        f"Варна прие бюджета си\n\nАвтор Иван\n\nМ\nН\nО\n\nЧетете още за общината и кмета\n\n"
        f"{P1}\n\n{P2}\n\n{P3}"
    )
    url = "https://news.example.bg/varna-prie-byudzheta-si-42"
    assert extract_dump(text, url).title == "Варна прие бюджета си"


def test_breadcrumb_that_ends_in_the_title_is_not_the_title() -> None:
    title = "Варна прие бюджета си"
    text = f"Начало » Новини » {title}\n\n{title}\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == title


def test_breadcrumb_of_sections_loses_to_the_headline_below_it() -> None:
    assert shape_penalty("Главная / Архив новостей") > 0.0
    text = f"Главная / Архив новостей\n\nКак утопить бюджетные миллионы?\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == "Как утопить бюджетные миллионы?"


def test_headline_opening_with_a_figure_is_a_title() -> None:
    title = "157 миллиона за бездействие на съда"
    text = f"Архив\n\n{title}\n\nИван Петров 8 януари, 17:46\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == title


def test_truncated_teaser_of_the_title_loses_to_the_full_title() -> None:
    full = "Община Хасково осигури компютри и таблети на деца в социални общежития"
    zone = [
        Block(full[:52] + "...", PROSE),
        Block(full, HEADING),
        Block("15.10.2020 21:55", DATE),
    ]
    assert title_and_lead(zone)[0] == full


def test_icon_font_glyphs_are_not_a_headline() -> None:
    text = f"Варна прие бюджета си\n\n\ue616 \ue617 \ue618\n\n\ue620 {P1}\n\n{P2}\n\n{P3}"
    result = extract_dump(text)
    assert result.title == "Варна прие бюджета си"
    assert result.body_paragraphs == (P1, P2, P3)


def test_headline_opening_the_prose_run_is_the_title_not_body() -> None:
    title = "Зірвана операція НАБУ: як Венедіктова захищала нардепа від „Слуги народу“"
    text = f"Фінанси\nМен\nДизайн\nНерухомість\n\n{title}\n\n{P1}\n\n{P2}\n\n{P3}"
    result = extract_dump(text)
    assert result.title == title
    assert result.body_paragraphs == (P1, P2, P3)


def test_section_word_inside_the_top_menu_does_not_mute_the_article() -> None:
    menu = "\n".join(["Начало", "Политика", "Новини", "Спорт", "Култура"])
    footer = " ".join(["Използването на материали от сайта е разрешено само с връзка."] * 8)
    text = f"{menu}\n\nВарна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}\n\nПоследни новини\n\n{footer}"
    result = extract_dump(text)
    assert result.body_paragraphs == (P1, P2, P3)


def test_question_headline_opening_the_run_is_the_title() -> None:
    title = "Haben sich Mozarts Eltern je wegen seiner Schulnoten gesorgt?"
    text = f"Psychologie\nADHS\nService\n\n{title}\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == title


def test_header_swallowed_by_the_run_gives_title_and_lead() -> None:
    title = "Варна прие бюджета си след дълъг спор"
    lead = "Общинските съветници гласуваха след шест часа дебати."
    text = (
        f"Начало\nНовини\n\nНатиснете Enter, за да търсите в целия сайт на изданието.\n\n"
        f"{title}\n\n{lead}\n\nИван Петров\n\n16.11.2024, 15:00\n\n{P1}\n\n{P2}\n\n{P3}"
    )
    result = extract_dump(text)
    assert (result.title, result.lead) == (title, lead)
    assert result.body_paragraphs == (P1, P2, P3)


def test_two_word_headline_right_above_the_body_is_the_title() -> None:
    text = f"Начало\nНовини\nСпорт\n\nЛегкий троннинг\n\n14.05.2025, 20:28\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == "Легкий троннинг"



def test_file_names_and_meta_lines_are_not_headlines() -> None:
    for line in ("WEB18-Facebook-1160x768.jpg", "Reviewed by Hansa D. Bhargava, MD",
                 "From the section US & Canada", "Go to permalink"):
        assert shape_penalty(line) > 0.0, line


def test_headline_on_its_byline_wins_over_a_nearer_teaser() -> None:
    title = "The birth lottery and economic mobility"
    text = (
        f"Video\nLog In\n\n{title}\n\nby Ahiza Garcia February 1, 2016: 12:41 PM ET\n\n"
        f"The priest saving LA's gang members\n\n{P1}\n\n{P2}\n\n{P3}"
    )
    assert extract_dump(text).title == title


def test_photo_caption_above_its_credit_is_not_the_title() -> None:
    title = "Apple’s Vision Pro is the Retina display moment for headsets"
    text = (
        f"{title}\n\nJun 7, 2023, 8:54 PM UTC\n\nThe Apple Vision Pro in the demo room.\n\n"
        f"Image: Vjeran Pavic / The Verge\n\n{P1}\n\n{P2}\n\n{P3}"
    )
    assert extract_dump(text).title == title


def test_headline_the_url_spells_is_found_above_a_share_bar_and_credit() -> None:
    title = "Facebook Is Tracking Me Even Though I’m Not on Facebook"
    shares = "\n".join(["Facebook", "Twitter", "Reddit", "Email", "Print"] * 3)
    text = (
        f"Privacy & Technology\n\n{title}\n\nBy Daniel Kahn Gillmor\n\n{shares}\n\n"
        f"WEB18-Facebook-1160x768.jpg\n\n{P1}\n\n{P2}\n\n{P3}"
    )
    url = "https://www.aclu.org/blog/privacy/facebook-tracking-me-even-though-im-not-facebook"
    assert extract_dump(text, url).title == title


def test_a_year_in_a_headline_is_its_subject_not_a_date_line() -> None:
    assert shape_penalty("До 2030 г. Великобритания може да изгуби 50 млрд. от Брекзит") == 0.0
    assert shape_penalty("29 Януари 2018, 17:46") > 0.0


def test_headline_opening_with_a_year_and_a_dash_is_a_title() -> None:
    title = "2020 - окончателният развод с Острова"
    text = f"Начало > Европа\n\n{title}\n\nПреди 3 часа\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == title


def test_dated_meta_line_ends_a_header_swallowed_by_the_run() -> None:
    title = "Великобритания трябва да изпълнява всички закони на ЕС до 2020 г., отсече Брюксел"
    text = (
        f"Новини > Свят > Великобритания трябва да изпълнява всичк...\n\n{title}\n\n"
        f"29 Януари 2018, 17:46 | 9050 прочитания | Коментари (2)\n\n{P1} {P2}\n\n{P3}"
    )
    result = extract_dump(text)
    assert result.title == title
    assert str(result.published_at)[:10] == "2018-01-29"


def test_dated_meta_line_ends_a_header_of_teasers_above_a_one_paragraph_article() -> None:
    """A dump that gives the whole article as one line: the run swallowed a "top news"
    list, the headline and its meta line; the one paragraph below is the text proper."""
    title = "Надигащият се популизъм носи риск от връщане на 30-те г. на XX век, предупреди Блеър"
    teasers = ["Пловдив обещал да плати до 15 ноември полетите на “Райънеър”",
               'Финландия одобри "Северен поток 2"',
               "Интересна подробност за новата ваксина долетя от Пловдив"]
    body = (
        "Бившият премиер на Великобритания Тони Блеър предупреждава, че надигащият се "
        "популизъм може да доведе до риск от връщане на 30-те години на XX век. По време на "
        "голяма реч за глобализацията в Лондон Блеър се очаква да заяви, че никога не е бил "
        "по-разтревожен за бъдещето на страната си. Бившият министър-председател се очаква да "
        "обяви, че премиерът може да бъде принуден да отложи напускането на ЕС в края на март "
        "заради политическа безизходица. Блеър е обезпокоен от имиграцията от държави извън "
        "ЕС. Преди речта той каза, че това е огромен проблем за Европа и несъмнено подсилва "
        "популистките сили. Западът губи ценностите, които обединиха Европа и Америка."
    )
    text = (
        "ФАКТИ.БГ\n\nНовини | България | Свят | Бизнес | Спорт\n\nТоп новини\n\n"
        + "\n\n".join(teasers)
        + f"\n\n{title}\n\n16:56 | 27.06.2018 Видяна 38546 пъти\n\n{body}\n\n"
        "Facebook\nTwitter\nViber\n\nПоследни новини\n\nПреди 10 часа\n"
        "Швеция одобри строителството на газопровода"
    )
    result = extract_dump(text)
    assert result.title == title
    assert result.body_paragraphs == (body,), "the teasers above the headline are no body"
    assert str(result.published_at)[:10] == "2018-06-27"


def test_headline_above_a_section_word_is_found_when_the_zone_has_none() -> None:
    title = "Варна прие бюджета си след дълъг спор"
    text = f"{title}\n\nКоментари\n\n{P1}\n\n{P2}\n\n{P3}"
    assert extract_dump(text).title == title


def test_pipe_separated_trail_is_not_a_headline() -> None:
    assert shape_penalty("Start|Magazin|Coole Tipps|Magic Cleaning") > 0.0


def test_standfirst_right_under_a_title_found_by_its_slug_is_the_lead() -> None:
    title = "Наступного тижня на Україну чекають аномальна спека та грози"
    lead = "Спеку синоптики обіцяють як мінімум до вихідних"
    text = (
        f"Новини\n\nСпорт\n\n{title}\n\n{lead}\n\nСуспільство — Юрій Братюк, 18:06\n\n"
        f"До теми\n\nАномальна і небезпечна погода\n\n{P1}\n\n{P2}\n\n{P3}"
    )
    url = "https://zaxid.net/nastupnogo_tizhnya_na_ukrayinu_chekayut_anomalna_speka_ta_grozi"
    result = extract_dump(text, url)
    assert (result.title, result.lead) == (title, lead)


def test_tags_marked_with_hash_or_star_look_like_a_tag_list_not_a_headline() -> None:
    hubs = "Блог компании RUVDS.com Высокая производительность *JavaScript *Браузеры"
    assert shape_penalty(hubs) >= 1.0
    assert shape_penalty("#Строительство #Экономика #Сельское хозяйство") >= 1.0
    assert shape_penalty("Курс доллара* вырос до 90 рублей") == 0.0


def test_title_above_an_other_news_box_is_the_articles() -> None:
    title = "Томский МФЦ выходит в отдаленные районы Томской области"
    text = (
        "Главная\n\nНовости\n\nТомская область в СМИ\n\n"
        f"{title}\n\nДругие новости\n\n13 июня 2012\n\n"
        "Более 60 тысяч жителей Томской области посетили Томский МФЦ\n\n25 мая 2012\n\n"
        "С июля в Томской области начнут выдавать сертификаты\n\n22 июня 2012\n\n"
        f"{P1}\n\n{P2}\n\n{P3}"
    )
    result = extract_dump(text)
    assert result.title == title
    assert str(result.published_at)[:10] == "2012-06-22"


def test_a_sites_own_name_is_told_by_its_host() -> None:
    assert names_site("Централна избирателна комисия", "https://www.cik.bg/bg/x")
    assert names_site("Министерство на икономиката", "https://mi.government.bg/a")
    assert names_site("ИНОТомск", "http://inotomsk.ru/")
    assert not names_site("Избирателна комисия прие дневния ред", "https://www.cik.bg/bg/x")
    assert not names_site("Централна избирателна комисия", "https://example.bg/")
    assert not names_site("Централна избирателна комисия", "not a url")


def test_a_blogs_name_in_its_header_h1_is_not_the_posts_title() -> None:
    html = (
        "<!doctype html><html><head><title>Ins neue Jahr | Literaturgefluester</title>"
        "<meta property='og:title' content='Ins neue Jahr'></head><body>"
        "<h1 id='header'>Literaturgefluester</h1>"
        f"<div class='post'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></body></html>"
    )
    page = Page("https://literaturgefluester.wordpress.com/?p=41", NOW, "text/html", html)
    result = extract(page)
    assert isinstance(result, Extracted), result
    assert result.title == "Ins neue Jahr"
