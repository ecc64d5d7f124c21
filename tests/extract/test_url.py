"""What a URL says about the page: home, section front, search (``_url``), and the
rejections the extractor makes from it."""

from __future__ import annotations

import pytest

from vestnik.extract import Extracted, Page, Rejected, extract
from vestnik.extract._url import url_kind

from .samples import NOW, P1, P2, P3


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.nn.ru", "home"),
        ("https://dnevnik.bg/", "home"),
        ("https://dnevnik.bg/index.html", "home"),
        ("https://orenday.ru/news/", "section"),
        ("https://snob.ru/theme/545/", "section"),
        ("https://www.example.bg/tag/putin", "section"),
        ("https://www.example.bg/search?q=бюджет", "search"),
        ("https://www.example.bg/?s=бюджет", "search"),
        ("https://yandex.ru/search/?text=новости", "search"),
    ],
)
def test_listing_urls_are_recognised(url: str, kind: str) -> None:
    assert url_kind(url) == kind


@pytest.mark.parametrize(
    "url",
    [
        "https://www.mk.ru/politics/2020/09/23/prichinoy-taynoy-inauguracii.html",
        "https://www.unn.com.ua/ru/news/1906059-parlament-moldovi",
        "https://tass.ru/moskva/8836033",
        "https://www.dnevnik.bg/bulgaria/2024/11/16/4712345_varna_prie_budjeta/",
        "https://blog.example.com/why-we-left-the-cloud",
        "not a url",
    ],
)
def test_article_urls_are_not_listings(url: str) -> None:
    assert url_kind(url) is None


def _teasers(n: int) -> str:
    return "\n\n".join(f"Новина номер {i} за събитията в страната днес\nВчера" for i in range(n))


def test_section_front_with_teasers_is_rejected_as_listing() -> None:
    text = f"{_teasers(20)}\n\n{P1}\n\n{P2}\n\n{P3}\n\n{P1.replace('Варна', 'Бургас')}"
    found = extract(Page("https://www.example.bg/novini/", NOW, "text/plain", text))
    assert isinstance(found, Rejected) and found.reason == "listing"
    assert "section" in found.detail


def test_search_page_is_rejected_as_not_an_article() -> None:
    text = f"Варна прие бюджета си\n\n{P1}\n\n{P2}\n\n{P3}"
    found = extract(Page("https://www.example.bg/search?q=варна", NOW, "text/plain", text))
    assert isinstance(found, Rejected) and found.reason == "not_article"


def test_the_same_page_under_an_article_url_is_extracted() -> None:
    text = f"{_teasers(20)}\n\n{P1}\n\n{P2}\n\n{P3}\n\n{P1.replace('Варна', 'Бургас')}"
    url = "https://www.example.bg/novini/2024/11/16/varna-prie-budjeta-si"
    assert isinstance(extract(Page(url, NOW, "text/plain", text)), Extracted)
