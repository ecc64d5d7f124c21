"""A section's name over an article (a menu item the page shows again above the
headline) is not the article's title, in text dumps and in HTML."""

from __future__ import annotations

from vestnik.extract import Extracted, Page, extract
from vestnik.extract._title import shape_penalty

from .samples import NOW

URL = "https://gazeta.example.ru/news-16-11772.html"  # no slug: nothing names the headline
MENU = ["Главная", "Документы", "Редакция", "Контакты", "04 июня 2025, среда",
        "Сельское хозяйство", "Бюро Добрых Услуг", "Экономика", "Культура", "Спорт",
        "Криминал", "Здравоохранение", "Социальная сфера", "Бизнес"]
BODY = [
    "По состоянию на начало сентября в хозяйствах всех категорий области скошено и "
    "обмолочено 761,9 тыс. га зерновых и зернобобовых культур, или 88,8% к площади посева.",
    "Более 40 ц зерновых культур с гектара убранной площади собрали сельхозпроизводители "
    "десяти районов, картофель убран с 11,4 тыс. га, или 51,5% к площади посадки.",
    "Овощи собраны на площади 2,4 тыс. га, или 50,0% к площади посадки; основная часть "
    "зерна выращена в сельхозорганизациях, картофеля и овощей – в хозяйствах населения.",
]


def _dump(headline: str, section: str = "Сельское хозяйство") -> str:
    lines = [*MENU, "Полная программа передач", "НАШИ СОСЕДИ", "Бековский вестник",
             "Каменская новь", f"Главная / Лента новостей / {section}", section,
             "23.09.2022", headline, *BODY, "Оставить комментарий"]
    return "\n\n".join(lines)


def _text(headline: str) -> Extracted:
    result = extract(Page(URL, NOW, "text/plain", _dump(headline)))
    assert isinstance(result, Extracted), result
    return result


def test_section_name_repeated_in_the_menu_is_not_a_dumps_title() -> None:
    assert _text("Уборка сельскохозяйственных культур").title == (
        "Уборка сельскохозяйственных культур")


def test_headline_opening_with_a_preposition_under_a_section_name_is_the_title() -> None:
    # "От" opens a byline only before a name: "От зари ..." is a headline
    assert _text("От зари до темна - идет борьба").title == "От зари до темна - идет борьба"


def test_preposition_before_a_lowercase_word_is_no_byline_shape() -> None:
    assert shape_penalty("От зари до темна - идет борьба") == 0.0
    assert shape_penalty("От Иван Петров") > 0.0
    assert shape_penalty("By Jane Doe") > 0.0


def test_headline_that_is_also_a_menu_item_nearby_stays_the_title() -> None:
    # a service page's own name, highlighted in its sub-menu right above it
    lines = ["Главная", "Услуги", "Сельское хозяйство", "Экономика", "Культура",
             "Сельское хозяйство", *BODY]
    result = extract(Page(URL, NOW, "text/plain", "\n\n".join(lines)))
    assert isinstance(result, Extracted), result
    assert result.title == "Сельское хозяйство"


def test_html_section_h1_over_a_headline_holding_a_dash_gives_the_h2() -> None:
    headline = "От зари до темна - идет борьба"
    html = (
        "<!doctype html><html lang='ru'><head><title>\"Новости\" - газета района | "
        f"Официальный сайт - {headline}</title></head><body>"
        "<ul class='menu'>" + "".join(f"<li><a href='/s/{i}'>{m}</a></li>"
                                     for i, m in enumerate(MENU)) + "</ul>"
        "<div class='inpage'><div class='nav'><a href='/'>Главная</a> / <a href='/news'>"
        "Лента новостей</a> / <a href='/news-16'>Сельское хозяйство</a></div>"
        "<h1>Сельское хозяйство</h1><div class='onemidnew'><div class='mndata'>21.07.2021"
        f"</div><div class='mnname'><h2>{headline}</h2></div><div>"
        + "".join(f"<p>{p}</p>" for p in BODY) + "</div></div></div></body></html>"
    )
    result = extract(Page(URL, NOW, "text/html", html))
    assert isinstance(result, Extracted), result
    assert result.title == headline
