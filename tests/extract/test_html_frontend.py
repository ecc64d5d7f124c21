"""The HTML front end on small made-up pages."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from vestnik.extract import Extracted, Page, Rejected, extract

from .samples import NOW, P1, P2, P3

NAV = "".join(f"<li><a href='/c/{i}'>Рубрика {i}</a></li>" for i in range(12))
RELATED = "".join(
    f"<li><a href='/n/{i}'>Друга новина номер {i} от днешния ден в страната</a></li>"
    for i in range(8)
)


def _page(body: str, head: str = "") -> Page:
    html = f"<!doctype html><html lang='bg'><head>{head}</head><body>{body}</body></html>"
    return Page("https://news.example.bg/a/1", NOW, "text/html", html)


def _article(body: str, head: str = "") -> Extracted:
    result = extract(_page(body, head))
    assert isinstance(result, Extracted), result
    return result


def _typical(extra_article: str = "", extra_page: str = "") -> str:
    return (
        f"<header><nav><ul>{NAV}</ul></nav></header>"
        "<main><article><h1>Варна прие бюджета си</h1>"
        f"<div class='article-body'><p>{P1}</p><p>{P2}</p>{extra_article}<p>{P3}</p></div>"
        "</article>"
        f"<aside class='sidebar'><h3>Най-четени</h3><ul>{RELATED}</ul></aside></main>"
        f"{extra_page}<footer><p>Всички права запазени. Условия за ползване.</p></footer>"
    )


def test_article_paragraphs_are_the_body_and_chrome_is_dropped() -> None:
    result = _article(_typical())
    assert result.title == "Варна прие бюджета си"
    assert result.body_paragraphs == (P1, P2, P3)
    assert result.language == "bg"


def test_comment_section_and_share_box_are_dropped() -> None:
    comments = (
        "<div class='comments'><h3>Коментари (2)</h3>"
        "<div class='comment'><p>Много добре казано, браво на общинарите този път.</p></div>"
        "<div class='comment'><p>Пак ще крадат, нищо ново под слънцето, повярвайте ми.</p></div>"
        "</div>"
    )
    share = "<div class='share-buttons'><a href='#'>Facebook</a> <a href='#'>Twitter</a></div>"
    result = _article(_typical(extra_article=share, extra_page=comments))
    assert result.body_paragraphs == (P1, P2, P3)
    assert result.comment_count == 2


def test_hidden_elements_and_scripts_are_not_text() -> None:
    hidden = "<div style='display:none'><p>Скрит текст, който не се вижда на страницата.</p></div>"
    script = "<script>var x = 'Скриптов текст, който не е част от статията.';</script>"
    result = _article(_typical(extra_article=hidden + script))
    assert result.body_paragraphs == (P1, P2, P3)


def test_text_moved_off_the_screen_is_not_text() -> None:
    # an editor's paste buffer left in the page: a copy of the text, off the screen
    buffer = (
        "<div id='_mcePaste' style='position: absolute; left: -10000px; top: 0px; width: 1px;"
        f" height: 1px; overflow: hidden;'>{P1} Откъс, който никой не вижда.</div>"
    )
    result = _article(_typical(extra_article=buffer))
    assert result.body_paragraphs == (P1, P2, P3)


def test_figure_caption_is_a_caption_not_body() -> None:
    caption = "<figcaption>Сесията на съвета, снимка: БТА</figcaption>"
    figure = f"<figure><img src='a.jpg'>{caption}</figure>"
    result = _article(_typical(extra_article=figure))
    assert result.captions == ("Сесията на съвета, снимка: БТА",)
    assert result.body_paragraphs == (P1, P2, P3)


def test_json_ld_gives_date_authors_and_comment_count() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Варна прие бюджета си",
        "datePublished": "2025-03-07T14:35:00+02:00",
        "author": [{"@type": "Person", "name": "Мария Петрова"}],
        "commentCount": 4,
    }
    head = f"<script type='application/ld+json'>{json.dumps(ld, ensure_ascii=False)}</script>"
    result = _article(_typical(), head)
    assert result.published_at == datetime(2025, 3, 7, 14, 35, tzinfo=timezone(timedelta(hours=2)))
    assert result.authors == ("Мария Петрова",)
    assert result.comment_count == 4


def test_json_ld_wrapped_in_cdata_is_read() -> None:
    ld = {"@type": "Article", "headline": "Варна", "datePublished": "2023-01-24T12:00:03+03:00"}
    head = f"<script type='application/ld+json'>\n<![CDATA[\n{json.dumps(ld)}\n]]>\n</script>"
    result = _article(_typical(), head)
    moscow = timezone(timedelta(hours=3))
    assert result.published_at == datetime(2023, 1, 24, 12, 0, 3, tzinfo=moscow)


def test_microdata_date_on_a_visible_element_is_read() -> None:
    byline = "<span itemprop='datePublished' content='2023-04-04'>4 април, 09:24</span>"
    result = _article(_typical().replace("</h1>", f"</h1>{byline}"))
    assert result.published_at == date(2023, 4, 4)


def test_visible_h1_wins_over_og_title_with_a_site_suffix() -> None:
    h1 = "Община Враца спечели проект за нов корпус на гимназията"
    page = _typical().replace("Варна прие бюджета си", h1)
    head = f"<meta property='og:title' content='{h1.upper()} - Враца'>"
    assert _article(page, head).title == h1


def test_visible_h1_wins_over_a_shortened_og_title() -> None:
    h1 = "Нюша поддержала Putin Team и поздравила больных детей с Новым годом"
    page = _typical().replace("Варна прие бюджета си", h1)
    head = "<meta property='og:title' content='Нюша поддержала Putin Team'>"
    assert _article(page, head).title == h1


def test_a_shorter_h2_does_not_replace_a_fuller_og_title() -> None:
    page = _typical().replace(
        "<h1>Варна прие бюджета си</h1>", "<h2>Варна прие бюджета:</h2>"
    )
    head = "<meta property='og:title' content='Варна прие бюджета си за 2025 година'>"
    assert _article(page, head).title == "Варна прие бюджета си за 2025 година"


def test_headline_in_an_h2_matching_the_page_title_beats_a_section_h1() -> None:
    page = _typical().replace(
        "<h1>Варна прие бюджета си</h1>",
        "<h1>Общини и региони</h1><h2>Варна прие бюджета си</h2>",
    )
    head = "<title>Варна прие бюджета си</title>"
    assert _article(page, head).title == "Варна прие бюджета си"


def test_kicker_in_the_h1_is_not_part_of_the_title() -> None:
    page = _typical().replace("Варна прие бюджета си", "Общински финанси: Варна прие бюджета си")
    head = "<meta property='og:title' content='Варна прие бюджета си'>"
    assert _article(page, head).title == "Варна прие бюджета си"


def test_standfirst_in_an_h2_below_the_headline_is_the_lead() -> None:
    standfirst = "Общинските съветници гласуваха бюджета след шест часа дебати в залата."
    page = _typical().replace("</h1>", f"</h1><h2>{standfirst}</h2><div>Иван Петров</div>")
    result = _article(page)
    assert result.lead == standfirst
    assert standfirst not in result.body_paragraphs


def test_standfirst_outside_the_body_element_is_the_lead() -> None:
    standfirst = "Общинските съветници гласуваха бюджета след шест часа дебати в залата."
    page = _typical().replace(
        "<div class='article-body'>", f"<p class='intro'>{standfirst}</p><div class='article-body'>"
    )
    assert _article(page).lead == standfirst


def test_opening_paragraph_in_a_wrapper_of_its_own_stays_in_the_body() -> None:
    opening = "Общинските съветници гласуваха бюджета след шест часа дебати в препълнената зала."
    page = _typical().replace(
        "<div class='article-body'>",
        "<p class='subtitle'>Кметът е доволен от резултата</p>"
        f"<div class='article-lead'><p>{opening}</p></div><div class='article-body'>",
    )
    result = _article(page)
    assert result.lead == "Кметът е доволен от резултата"
    assert result.body_paragraphs[0] == opening


def test_article_continues_after_an_in_text_related_box() -> None:
    more = [P1.replace("Варна", f"Русе ({i})") for i in range(3)]
    related = "".join(f"<li><a href='/r/{i}'>Свързана новина номер {i} от деня</a></li>"
                      for i in range(4))
    page = (
        f"<nav><ul>{NAV}</ul></nav><main><article><h1>Варна прие бюджета си</h1>"
        f"<div class='story'><div class='chunk'><p>{P1}</p><p>{P2}</p></div>"
        f"<aside><h2>Свързани новини</h2><ul>{related}</ul></aside>"
        f"<div class='chunk'><p>{more[0]}</p><p>{more[1]}</p><p>{more[2]}</p></div>"
        "</div></article></main>"
    )
    assert _article(page).body_paragraphs == (P1, P2, *more)


def test_linked_teaser_between_headline_and_body_is_not_the_lead() -> None:
    teaser = "<h4><a href='/n/9'>Пловдив също прие бюджета си за догодина</a></h4>"
    page = _typical().replace("</h1>", f"</h1>{teaser}")
    assert _article(page).lead is None


def test_a_section_word_linked_in_the_menu_does_not_mute_the_article() -> None:
    menu = "<div class='menu'><ul><li><a href='/news'>News</a></li></ul></div>"
    teasers = "".join(
        f"<h3><a href='/r/{i}'>Друга новина {i}</a></h3>"
        f"<p>{P3.replace('залата', f'зала {i}')}</p>"
        for i in range(6)
    )
    page = (
        f"{menu}<main><article><h1>Варна прие бюджета си</h1><div class='text'><p>{P1}</p>"
        f"<p>{P2}</p><p>{P3}</p></div></article>"
        f"<section><h2>Recommended for You</h2><div>{teasers}</div></section></main>"
    )
    assert _article(page).body_paragraphs == (P1, P2, P3)


def test_rest_of_the_article_behind_a_read_more_button_is_kept() -> None:
    rest = [
        f"Кметът на Русе ({i}) обяви, че общината ще поиска още пари от държавата за пътищата, "
        "защото ремонтите на главните улици в града изостават с повече от година."
        for i in range(2)
    ]
    page = (
        f"<main><article><h1>Варна прие бюджета си</h1><div class='text'><p>{P1}</p>"
        f"<p>{P2}</p><p>{P3}</p></div><div class='more-toggle'><a href='#'>Read more</a></div>"
        f"<div class='hidden-part extra'><div><p>{rest[0]}</p><p>{rest[1]}</p></div></div>"
        "</article></main>"
    )
    assert _article(page).body_paragraphs == (P1, P2, P3, *rest)


def test_headline_set_in_an_h2_matching_og_title_is_the_title() -> None:
    page = _typical().replace("<h1>Варна прие бюджета си</h1>", "<h2>Варна прие бюджета си</h2>")
    head = "<meta property='og:title' content='Варна прие бюджета си - Новини Варна'>"
    assert _article(page, head).title == "Варна прие бюджета си"


def test_meta_tags_are_the_fallback_for_date_and_author() -> None:
    head = (
        "<meta property='article:published_time' content='2025-03-07'>"
        "<meta name='author' content='Иван Иванов'>"
    )
    result = _article(_typical(), head)
    assert result.published_at == date(2025, 3, 7)
    assert result.authors == ("Иван Иванов",)


def test_title_prefers_the_h1_matching_og_title() -> None:
    head = (
        "<meta property='og:title' content='Варна прие бюджета си'>"
        "<title>Варна прие бюджета си | Вестник</title>"
    )
    body = "<div class='logo'><h1>Вестник</h1></div>" + _typical()
    assert _article(body, head).title == "Варна прие бюджета си"


def test_json_ld_article_body_is_used_when_the_page_shows_little() -> None:
    ld = {"@type": "NewsArticle", "headline": "Варна", "articleBody": f"{P1}\n{P2}\n{P3}"}
    head = f"<script type='application/ld+json'>{json.dumps(ld, ensure_ascii=False)}</script>"
    body = "<main><h1>Варна прие бюджета си</h1><div id='app'>Зарежда се...</div></main>"
    assert _article(body, head).body_paragraphs == (P1, P2, P3)


def test_text_split_by_br_becomes_paragraphs() -> None:
    body = f"<h1>Варна прие бюджета си</h1><div class='text'>{P1}<br><br>{P2}<br>{P3}</div>"
    assert _article(body).body_paragraphs == (P1, P2, P3)


def test_page_of_links_is_rejected_as_listing() -> None:
    teasers = "".join(
        f"<div class='teaser'><h2><a href='/n/{i}'>Заглавие на новина номер {i} от деня</a></h2>"
        f"<p>Кратко резюме на новината.</p></div>"
        for i in range(20)
    )
    result = extract(_page(f"<nav><ul>{NAV}</ul></nav><main>{teasers}</main>"))
    assert isinstance(result, Rejected) and result.reason == "listing"


def test_news_list_with_long_summaries_is_rejected_as_listing() -> None:
    items = "".join(
        f"<div class='item'><h3><a href='/n/{i}'>Министър {i} ще посети болницата в града</a></h3>"
        f"<span>1{i}.12.2014</span><p>{P1.replace('Варна', f'Варна ({i})')} {P2}</p></div>"
        for i in range(8)
    )
    result = extract(_page(f"<nav><ul>{NAV}</ul></nav><main>{items}</main>"))
    assert isinstance(result, Rejected) and result.reason == "listing"
    assert "follow a linked headline" in result.detail


def test_article_with_linked_subheadings_is_not_a_listing() -> None:
    links = "".join(
        f"<h3><a href='/s/{i}'>Източник номер {i} на данните</a></h3>"
        f"<p>{P1.replace('Варна', f'Бургас ({i})')}</p><p>{P3.replace('залата', f'зала {i}')}</p>"
        for i in range(3)
    )
    assert isinstance(extract(_page(_typical(extra_article=links))), Extracted)


def test_page_without_body_text_is_rejected() -> None:
    result = extract(_page("<div><img src='x.png'></div>"))
    assert isinstance(result, Rejected) and result.reason == "empty"


def test_deeply_nested_page_does_not_fail() -> None:
    body = "<div>" * 5000 + f"<p>{P1}</p><p>{P2}</p>" + "</div>" * 5000
    result = extract(_page(body))
    assert isinstance(result, Extracted | Rejected)


def test_paragraph_with_lead_class_is_the_lead() -> None:
    lead = "Най-много пари отиват за училищата и детските градини."
    body = (
        f"<article><h1>Варна прие бюджета си</h1><p class='article-lead'>{lead}</p>"
        f"<div class='article-body'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></article>"
    )
    result = _article(body)
    assert result.lead == lead
    assert result.body_paragraphs == (P1, P2, P3)


def test_lead_inside_nested_lead_like_elements_is_kept() -> None:
    lead = "Най-много пари отиват за училищата и детските градини в крайните квартали."
    body = (
        "<article><div class='article-header'><h1>Варна прие бюджета си</h1>"
        f"<div class='intro'><p class='lead'>{lead}</p></div></div>"
        f"<div class='article-body'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></article>"
    )
    result = _article(body)
    assert result.lead == lead
    assert result.body_paragraphs == (P1, P2, P3)


def test_author_tooltip_in_the_byline_is_not_the_lead() -> None:
    bio = (
        "Иван Петров пише за местната власт и бюджетите на общините от повече от десет "
        "години и е автор на две книги."
    )
    body = (
        "<article><div class='article-header'><h1>Варна прие бюджета си</h1>"
        f"<div class='byline'><div class='author-tooltip'><p>{bio}</p></div></div></div>"
        f"<div class='article-body'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></article>"
    )
    result = _article(body)
    assert result.lead != bio


def test_long_comment_thread_after_the_counter_does_not_win_over_the_article() -> None:
    paragraphs = [f"{p} Точка {i}." for i, p in enumerate([P1, P2, P3] * 3)]
    article = "".join(f"<p>{p}</p>" for p in paragraphs)
    comment = (
        "Напълно съм съгласен с написаното, но бих добавил, че общината отдавна трябваше "
        "да помисли и за пътищата в селата около града, които са в ужасно състояние."
    )
    comments = "".join(f"<div class='c'><p>{comment} Поздрави {i}.</p></div>" for i in range(40))
    body = (
        f"<main><h1>Варна прие бюджета си</h1><div class='text'>{article}</div>"
        f"<h2>Коментари (40)</h2><div>{comments}</div></main>"
    )
    result = _article(body)
    assert result.body_paragraphs == tuple(paragraphs)


def test_short_list_items_of_the_article_are_kept() -> None:
    items = ("Брашно", "Две яйца", "Мляко")
    listing = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    result = _article(_typical(extra_article=listing))
    assert result.body_paragraphs == (P1, P2, *items, P3)


def _gallery(n: int) -> str:
    slides = "".join(
        f"<li><h2><span class='counter'>{i}/{n}</span> Снимка номер {i} от архива</h2>"
        f"<p>Описание на снимка {i}: {P1.replace('Варна', f'град {i}')} {P3}</p></li>"
        for i in range(1, n + 1)
    )
    return f"<div class='full-gallery'><ul class='legends'>{slides}</ul></div>"


def test_gallery_captions_inside_the_article_do_not_outweigh_its_text() -> None:
    pairs = ((P1, P2), (P2, P3), (P3, P1)) * 3
    paras = "".join(f"<p>{p} {q} ({i})</p>" for i, (p, q) in enumerate(pairs))
    body = (
        "<article><h1>Варна прие бюджета си</h1>"
        f"<div class='text-wrapper'>{_gallery(20)}{paras}</div></article>"
    )
    result = _article(body)
    assert result.body_paragraphs[0] == f"{P1} {P2} (0)"
    assert len(result.body_paragraphs) == len(pairs)
    assert not any("Описание на снимка" in p for p in result.body_paragraphs)


def test_a_post_marked_commented_is_not_a_comment_box() -> None:
    pairs = ((P1, P2), (P2, P3), (P3, P1)) * 3
    paras = [f"{p} {q} ({i})" for i, (p, q) in enumerate(pairs)]
    body = (
        f"<nav><ul>{NAV}</ul></nav>"
        "<article class='post hentry commented'><h1>Варна прие бюджета си</h1>"
        f"<div class='post-content'>{''.join(f'<p>{p}</p>' for p in paras)}</div></article>"
        f"<section class='comments'><p>{P1.replace('Варна', 'Бургас')} Аз съм против.</p>"
        f"<p>{P2.replace('кмета', 'съветника')} Съгласен.</p></section>"
    )
    assert _article(body).body_paragraphs == tuple(paras)
