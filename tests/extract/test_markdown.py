"""A dump sent as Markdown is read as the HTML it stands for."""

from __future__ import annotations

from vestnik.extract import Extracted, Page, extract
from vestnik.extract._markdown import looks_like_markdown

from .samples import NOW, P1, P2, P3

MENU = "\n".join(f"  * [{name}](/{slug}/)" for name, slug in
                 [("Новини", "news"), ("България", "bg"), ("Свят", "world"), ("Спорт", "sport")])
MARKDOWN = (
    f"[![Дневник](/logo.png)](/)\n\n{MENU}\n\n[Начало](/) / [Новини](/news/)\n\n"
    "# Варна прие бюджета си след дълъг спор\n\n07.03.2025 14:35\n\n"
    f"{P1}\n\n{P2.replace('училищата', '[училищата](/tag/schools/)')}\n\n{P3}\n\n"
    "## Последни новини\n\n  * [Пожар в Бургас](/news/1/)\n  * [Сняг в София](/news/2/)\n"
)


def test_a_markdown_dump_gives_its_headline_and_paragraphs_without_link_syntax() -> None:
    result = extract(Page("https://news.example.bg/a/1", NOW, "text/plain", MARKDOWN))
    assert isinstance(result, Extracted), result
    assert result.title == "Варна прие бюджета си след дълъг спор"
    assert result.body_paragraphs == (P1, P2, P3)
    assert str(result.published_at)[:16] == "2025-03-07 14:35"


def test_markdown_is_told_by_its_links_or_a_heading_beside_one() -> None:
    assert looks_like_markdown(MARKDOWN)
    assert looks_like_markdown("# Заглавие\n\nТекст с [връзка](https://a.bg/b).")
    assert not looks_like_markdown(f"Заглавие\n\n{P1}\n\n{P2}")
    assert not looks_like_markdown("# Заглавие\n\nТекст [1] и бележка (вж. по-долу).")
    assert not looks_like_markdown("Масив a[i](x) в текста на статия за програмиране.")


def test_a_section_name_over_the_headline_is_not_the_title() -> None:
    """With no <title> or og:title (a Markdown dump has none), an h1 that a breadcrumb
    names is the section's: the heading below it is the headline."""
    text = (f"{MENU}\n\n[Главная](/) / [Лента новостей](/news.html) / [Сельское хозяйство]"
            f"(/news-16.html)\n\n# Сельское хозяйство\n\n23.09.2022\n\n"
            f"## Уборка сельскохозяйственных культур\n\n{P1}\n\n{P2}\n\n{P3}\n")
    result = extract(Page("https://news.example.ru/a/1", NOW, "text/plain", text))
    assert isinstance(result, Extracted), result
    assert result.title == "Уборка сельскохозяйственных культур"
