"""Pages that are not articles (news columns, calendars, section fronts) are rejected as
listings, and articles with the same furniture around them are not."""

from __future__ import annotations

from vestnik.extract import Extracted, Page, Rejected, extract

from .samples import NOW, P1, P2, P3

HEADS = [
    "Задържаха двама мъже за грабеж в село Малко градище",
    "Осигурено е полицейско присъствие пред клоновете на банките",
    "Стартира детска полицейска академия в областния град",
    "Иззеха 112 килограма хероин на граничния пункт Капитан Андреево",
    "Световен ден за възпоменание на жертвите при пътни произшествия",
]


def _html(body: str) -> Page:
    html = f"<!doctype html><html lang='bg'><head></head><body>{body}</body></html>"
    return Page("https://police.example.bg/news", NOW, "text/html", html)


def _dump(text: str) -> Page:
    return Page("https://police.example.bg/news", NOW, "text/plain", text)


def _dated_column() -> list[str]:
    lines = []
    for i, head in enumerate(HEADS):
        lines += [head, f"{i + 3:02d} декември 2014 г."]
    return lines


def test_column_of_dated_headlines_with_one_snippet_is_a_listing() -> None:
    lines = _dated_column()
    lines.insert(6, f"{P1} {P2}")  # one headline with its snippet: the only prose
    html = "<h1>Областна дирекция</h1><h2>Новини</h2>" + "".join(
        f"<h3><a href='/n/{i}'>{t}</a></h3>" if t in HEADS else f"<p>{t}</p>"
        for i, t in enumerate(lines)
    )
    for page in (_html(html), _dump("Областна дирекция\n\nНовини\n\n" + "\n\n".join(lines))):
        result = extract(page)
        assert isinstance(result, Rejected) and result.reason == "listing", result
        assert "dated headlines" in result.detail


def test_column_of_times_and_headlines_is_a_listing() -> None:
    lines = []
    for i, head in enumerate(HEADS):
        lines += [f"1{i}:35", head]
    result = extract(_dump("Последни новини днес\n\n" + "\n\n".join(lines)))
    assert isinstance(result, Rejected) and result.reason == "listing", result


def test_article_beside_a_box_of_dated_headlines_is_kept() -> None:
    box = "\n\n".join(_dated_column())
    text = f"Варна прие бюджета си\n\n10 март 2025\n\n{P1}\n\n{P2}\n\n{P3}\n\nОще новини\n\n{box}"
    result = extract(_dump(text))
    assert isinstance(result, Extracted), result
    assert result.body_paragraphs == (P1, P2, P3)


def test_short_post_with_dated_reader_comments_is_kept() -> None:
    comments = "\n\n".join(
        f"#{i} Коментар от читател номер {i}\n\n1{i} март 2025, 16:19\n\nБлагодаря за новината!"
        for i in range(4)
    )
    text = f"Нова глава е онлайн\n\n10 март 2025\n\n{P1} {P2}\n\nКоментари\n\n{comments}"
    result = extract(_dump(text))
    assert isinstance(result, Extracted), result


def test_author_bio_and_first_published_line_after_the_article_are_cut() -> None:
    bio = "Jane Doe is a senior reporter for the Example Times covering city hall."
    published = "First published March 10, 2025: 9:30 AM ET"
    follow = "Follow Example News: Twitter | Facebook"
    html = (
        "<article><h1>Варна прие бюджета си</h1><div class='article-body'>"
        f"<p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{bio}</p><p>{published}</p><p>{follow}</p>"
        "</div></article>"
    )
    result = extract(_html(html))
    assert isinstance(result, Extracted), result
    assert result.body_paragraphs == (P1, P2, P3)


def test_bio_and_newsletter_box_after_the_article_are_cut() -> None:
    for tail in (
        ["Candice Sealey is the Founder & Principal Consultant at Ignite, a PR consultancy.",
         "PC Gamer Newsletter",
         "Sign up to get the best content of the week, and great gaming deals."],
        ["Schreibt seit 2008 für die taz. Beschäftigt sich mit der Frage, ob Kapitalismus "
         "auch öko kann.", "Verpasse keine News zu Hardware & Gadgets"],
    ):
        text = "\n\n".join(["Варна прие бюджета си", "10 март 2025", P1, P2, P3, *tail])
        result = extract(_dump(text))
        assert isinstance(result, Extracted), result
        assert result.body_paragraphs == (P1, P2, P3), tail


def test_closing_paragraph_naming_a_reporter_inside_the_story_is_kept() -> None:
    closing = (
        "The council thanked the reporter who first asked about the money, and the "
        "mayor said the schools would get their share next spring."
    )
    html = (
        "<article><h1>Варна прие бюджета си</h1><div class='article-body'>"
        f"<p>{P1}</p><p>{P2}</p><p>{closing}</p></div></article>"
    )
    result = extract(_html(html))
    assert isinstance(result, Extracted), result
    assert result.body_paragraphs[-1] == closing


SIDEBAR = [f"Заглавие на по-стара публикация номер {i} в блога" for i in range(18)]


def _post(text: str) -> Page:
    return Page("https://blog.example.bg/2011/09/malki-radosti", NOW, "text/plain", text)


def test_short_post_under_its_headline_and_date_beside_post_titles_is_kept() -> None:
    # a blog's post of two short paragraphs; the sidebar lists 18 older posts' titles
    text = "\n\n".join([
        "Блог", "Архив", "Контакти", "Малки радости в квартала", "11.09.2011, 16:20 от Иван",
        "Днес видях на пазара нещо, което ме накара да се усмихна за целия ден.",
        "Струваше си двайсетте стотинки, макар че картината не беше шедьовър!",
        "Последни публикации", *SIDEBAR,
    ])
    result = extract(_post(text))
    assert isinstance(result, Extracted), result
    assert result.title == "Малки радости в квартала"


def test_short_intro_above_many_undated_headlines_is_still_a_listing() -> None:
    text = "\n\n".join([
        "Блог", "Архив", "Контакти", "Организация на деня",
        "Тук ще намерите всички наши публикации за подреждането на дома и времето.",
        *SIDEBAR,
    ])
    result = extract(_post(text))
    assert isinstance(result, Rejected) and result.reason == "listing", result


def _feed(dates: list[str]) -> str:
    """A press office's page of posts: each a date line over its own paragraphs."""
    parts = ["Областна дирекция на МВР", "Съобщения", P3]
    for i, day in enumerate(dates):
        parts += [day, f"{HEADS[i % len(HEADS)]} ({i}). {P1}", f"({i}) {P2}"]
    return "\n\n".join(parts)


def test_feed_of_posts_under_their_dates_is_a_listing() -> None:
    dates = [f"{d:02d}.12.2014 г." for d in (17, 16, 12, 9, 5, 4, 3, 2, 1)]
    html = "<h1>Областна дирекция на МВР</h1>" + "".join(
        f"<p>{part}</p>" for part in _feed(dates).split("\n\n")[1:]
    )
    for page in (_dump(_feed(dates)), _html(html)):
        result = extract(page)
        assert isinstance(result, Rejected) and result.reason == "listing", result
        assert "a feed: entries under" in result.detail


def test_live_report_with_timed_entries_of_one_day_is_an_article() -> None:
    times = [f"16.12.2014 г., {h}:05" for h in (19, 18, 17, 16, 15, 14, 13, 12, 11)]
    result = extract(_dump(_feed(times)))
    assert isinstance(result, Extracted), result


def test_article_quoting_a_few_dates_between_paragraphs_is_kept() -> None:
    dates = [f"{d:02d}.12.2014 г." for d in (16, 12, 9)]
    result = extract(_dump(_feed(dates)))
    assert isinstance(result, Extracted), result


def test_page_titled_by_its_breadcrumb_among_many_headlines_is_a_listing() -> None:
    heads = [f"{h} ({n})" for n in range(5) for h in HEADS]  # 25 teasers of other pages
    text = "\n\n".join(
        ["Начало> Законодателство > Закони", f"{P1} {P2}", f"{P3} {P1}", *heads, "Контакти"]
    )
    page = Page("https://parliament.example.bg/bg/laws", NOW, "text/plain", text)
    result = extract(page)
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "a breadcrumb for a title" in result.detail


def _agendas(n: int) -> list[str]:
    return [
        f"Дневен ред на заседанието на Министерския съвет на {d:02d}.12.2014 г."
        for d in range(17, 17 - n, -1)
    ]


def test_body_of_entries_opening_with_the_same_words_is_a_listing() -> None:
    text = "\n\n".join(["Министерски съвет", "Заседания", *_agendas(9), "Контакти"])
    result = extract(_dump(text))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "open with the same words" in result.detail


def test_article_with_a_few_paragraphs_opening_alike_is_kept() -> None:
    # a timeline of long paragraphs that open alike ("On 12 October the accident ...")
    # between ordinary ones: prose, not a listing's entries
    entries = [f"{a} {P1} {P2}" for a in _agendas(4)]
    text = "\n\n".join(["Правителството прие бюджета", P3, *entries, P1, P2, P3, P1])
    result = extract(_dump(text))
    assert isinstance(result, Extracted), result


def _headed_page(title: str, h1: str, url: str, paragraphs: list[str]) -> Page:
    """A page with its <title>, an h1, a list of other pages' headlines and paragraphs."""
    html = (
        f"<!doctype html><html><head><title>{title}</title></head><body><h1>{h1}</h1><ul>"
        + "".join(f"<li><a href='/n/{i}'>{h}</a></li>" for i, h in enumerate(HEADS))
        + "</ul>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    )
    return Page(url, NOW, "text/html", html)


def test_page_titled_by_the_sites_own_name_among_headlines_is_a_listing() -> None:
    site = "Централна избирателна комисия"
    page = _headed_page(f"{site} :: Дневен ред", site, "https://www.cik.bg/bg/dnevenred", [P1])
    result = extract(page)
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "titled by the site's name" in result.detail


def test_article_whose_headline_is_not_the_sites_name_is_kept() -> None:
    headline = "Избирателна комисия прие дневния ред"
    page = _headed_page(headline, headline, "https://www.cik.bg/bg/news/1", [P1, P2])
    assert isinstance(extract(page), Extracted)


def test_post_under_the_sites_own_name_without_teasers_is_kept() -> None:
    # a blog's only heading is its name: the post still counts, nothing lists others
    html = (
        "<!doctype html><html><head><title>Novalanalove</title></head><body>"
        f"<h1>Novalanalove</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></body></html>"
    )
    result = extract(Page("https://novalanalove.com/ear-candy/", NOW, "text/html", html))
    assert isinstance(result, Extracted), result


# marks of a listing around the body (see _core._listing_marks)

SNIPPETS = [f"{h}: {P1}" for h in HEADS]  # each entry's first lines


def _entries_with_read_more() -> list[str]:
    """A ministry's list of notices: a headline, its first lines and "още" each."""
    lines = ["Министерство на икономиката", "Начало", "Обяви", "Търгове и конкурси"]
    for head, snippet in zip(HEADS[:4], SNIPPETS, strict=False):
        lines += [f"Продажба на активи: {head}", snippet, "още"]
    return lines


def test_read_more_lines_and_a_pager_around_a_short_body_are_a_listing() -> None:
    lines = [*_entries_with_read_more(), "1", "2", "3", "4", "Следваща", "Контакти"]
    result = extract(_dump("\n\n".join(lines)))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "a pager" in result.detail and "'read more' lines" in result.detail


def test_read_more_lines_alone_do_not_make_a_listing() -> None:
    # one mark is not enough: the same entries without a pager or dates are kept
    result = extract(_dump("\n\n".join([*_entries_with_read_more(), "Контакти"])))
    assert isinstance(result, Extracted), result


def test_article_above_a_rating_of_one_to_five_is_kept() -> None:
    # "1 2 3 4 5" below the text reads like a pager: one mark, not a listing
    text = "\n\n".join(
        ["Варна прие бюджета си", "10 март 2025", P1, P2, P3, "1", "2", "3", "4", "5"]
    )
    result = extract(_dump(text))
    assert isinstance(result, Extracted), result
    assert result.body_paragraphs == (P1, P2, P3)


def _notices(days: list[int]) -> list[str]:
    """An election commission's notices: a date line, a label and a paragraph each."""
    lines = ["Централна комисия", "Съобщения"]
    for i, day in enumerate(days):
        lines += [f"{day:02d}.12.2014 г.", "СЪОБЩЕНИЕ", f"{HEADS[i]}: {P1} {P2}"]
    return [*lines, "Архив"]


def test_short_notices_under_dates_of_four_days_are_a_listing() -> None:
    result = extract(_dump("\n\n".join(_notices([16, 12, 9, 5, 4]))))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "entries under 4 dates around" in result.detail


def test_article_with_one_date_line_between_its_paragraphs_is_kept() -> None:
    # its own date above the headline, one more date heading its second part
    text = "\n\n".join(
        [
            "Варна прие бюджета си",
            "10.03.2025 г.",
            f"{P1} {P2} {P3}",
            "09.03.2025 г.",
            f"{P3} {P1} {P2}",
        ]
    )
    result = extract(_dump(text))
    assert isinstance(result, Extracted), result


def _news_list(heads: list[str]) -> list[str]:
    """A news list: each headline ends with its date and is followed by its snippet."""
    lines = ["Министерство на здравеопазването", "Новини"]
    for i, head in enumerate(heads):
        lines += [f"{head} {17 - i}.12.2014 г.", f"({i}) {P2} {P3}"]
    return [*lines, "Всички новини"]


def test_dated_headlines_each_over_a_snippet_are_a_listing() -> None:
    result = extract(_dump("\n\n".join(_news_list(HEADS))))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "dated headlines over snippets" in result.detail


def test_thread_of_posts_under_one_dated_header_line_is_kept() -> None:
    # a forum thread: every post under the same "date, time Reply Quote" line
    lines = ["Оферта за безплатна проба на бисквити", f"{P1} {P2}"]
    for i in range(5):
        header = f"1{i}.10.2019, 14:1{i} Отговор за регистрирани потребители Цитат #"
        lines += [header, f"{HEADS[i]} – {P3}"]
    result = extract(_dump("\n\n".join(lines)))
    assert isinstance(result, Extracted), result


def _one_paragraph_page(header: str) -> Page:
    heads = "".join(
        f"<li><a href='/n/{i}'>{h} ({i})</a></li>" for i in range(11) for h in HEADS
    )  # 55 headlines of other pages
    html = (
        "<!doctype html><html><head><title>Правителство</title></head><body>"
        f"<ul>{heads}</ul>{header}<p>{P1} {P2} {P3} {P1}</p></body></html>"
    )
    return Page("https://gov.example.bg/bg/node/1", NOW, "text/html", html)


def test_one_paragraph_among_fifty_headlines_is_a_listing() -> None:
    result = extract(_one_paragraph_page(""))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "one paragraph among" in result.detail


def test_one_paragraph_brief_under_its_headline_and_date_is_kept() -> None:
    header = "<h1>Варна прие бюджета си</h1><p>10.03.2025 г.</p>"
    result = extract(_one_paragraph_page(header))
    assert isinstance(result, Extracted), result


_SITTINGS = [
    "Заседание на Комисия по бюджет и финанси",
    "Заседание на Комисия по правни въпроси",
    "Пленарно заседание",
]


def _calendar(days: list[str]) -> list[str]:
    """A parliament's week: each day's sittings by time, the last day's event with its
    text (the run keeps that text)."""
    lines = ["Народно събрание", "Предстоящи събития"]
    for day in days:
        lines += [day, *(f"1{i + 1}:00 {s}" for i, s in enumerate(_SITTINGS))]
    return [*lines, "10:30", P1, P2, P3, "Търсене"]


def test_sittings_by_time_under_two_days_are_a_calendar() -> None:
    days = ["вторник, 16/12/2014", "сряда, 17/12/2014"]
    result = extract(_dump("\n\n".join(_calendar(days))))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "a calendar" in result.detail


def test_article_with_one_days_programme_is_kept() -> None:
    # a festival's news with its programme: one day's times, under the article's text
    lines = ["Фестивалът започва в събота", "10.03.2025 г.", P1, P2, P3,
             "събота, 15/03/2025", *(f"1{i + 1}:00 {s}" for i, s in enumerate(_SITTINGS))]
    result = extract(_dump("\n\n".join(lines)))
    assert isinstance(result, Extracted), result


def _dated_snippets(per_day: int) -> Page:
    """A government's news list: a linked headline, its date, then its snippet of
    ``per_day`` paragraphs."""
    texts = [P1, P2, P3]
    entries = "".join(
        f"<h3><a href='/n/{i}'>{head}</a></h3><p>{15 - 3 * i:02d} Декември 2014</p>"
        + "".join(f"<p>({i}.{j}) {texts[(i + j) % 3]}</p>" for j in range(per_day))
        for i, head in enumerate(HEADS)
    )
    html = f"<h1>Министерски съвет</h1><h2>Водещите новини</h2>{entries}<p>Архив</p>"
    return _html(html)


def test_snippets_under_headlines_of_four_days_are_a_listing() -> None:
    result = extract(_dated_snippets(3))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "snippets under 4 dated headlines" in result.detail


def test_report_with_long_dated_sections_is_kept() -> None:
    # a chronicle: a section of many paragraphs under each day, far more than a snippet
    result = extract(_dated_snippets(24))
    assert isinstance(result, Extracted), result


def test_snippets_each_with_its_comment_link_are_a_listing() -> None:
    # a news front: headline, snippet and a link to its discussion per entry
    texts = [P1, P2, P3]
    entries = "".join(
        f"<h4>{head}</h4><p>({i}) {texts[i % 3]} {texts[(i + 1) % 3]}</p>"
        f"<p><a href='/n/{i}#c'>Обсуждение: {7 * i + 3} комментариев</a></p>"
        for i, head in enumerate(HEADS)
    )
    result = extract(_html(f"<h1>Взгляд</h1>{entries}"))
    assert isinstance(result, Rejected) and result.reason == "listing", result
    assert "comment links between the body's paragraphs" in result.detail


def test_article_with_its_comment_count_above_and_below_is_kept() -> None:
    lines = ["Варна прие бюджета си", "10.03.2025 г.", "Коментари: 12", P1, P2, P3,
             f"{P3} {P1}", "12 коментара", "Коментари", "Иван, 10.03.2025 10:12",
             f"Добре, че най-после се прие. {P2}"]
    result = extract(_dump("\n\n".join(lines)))
    assert isinstance(result, Extracted), result
