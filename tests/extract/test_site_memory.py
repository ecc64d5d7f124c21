"""Site memory, the pure part: what is learned from a site's pages and what it changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vestnik.extract import Extracted, Page, extract
from vestnik.extract._sitememory import SiteMemory, SiteTable, SiteView, line_hash, site_key

from .samples import NOW

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://www.novini.example"
SLOGAN = "Варненски вестник за града и хората"
RULES = ("Редакцията приема писма от читатели всеки делничен ден, като си запазва правото да "
         "ги съкращава и редактира преди да ги публикува в броя.")
FEED = ["Кметът откри новия парк в квартал Изгрев",
        "Времето през уикенда ще бъде слънчево и топло"]
PLACES = ["училище", "болница", "пазар", "театър", "стадион", "библиотека", "музей", "завод",
          "летище", "пристанище"]


def title_of(n: int) -> str:
    return f"Общината ремонтира {PLACES[n % 10]} номер {n} до края на годината"


def paragraphs(n: int) -> list[str]:
    place, other = PLACES[n % 10], PLACES[(n + 3) % 10]
    return [
        f"Общината ще ремонтира {place} номер {n} до края на годината, съобщиха от "
        "пресцентъра на кмета след заседанието на съвета.",
        f"Ремонтът на {place} ще струва около {n + 2} милиона лева, а парите ще дойдат от "
        f"европейски програми и от общинския бюджет за {other}.",
        f"Според експертите {place} номер {n} е в лошо състояние от години и не е "
        "ремонтиран от построяването си насам.",
    ]


def page(n: int, feed: list[str] = FEED, head: list[str] | None = None,
         tail: list[str] | None = None, url: str | None = None) -> Page:
    """Page ``n`` of a site: its menu, feed, slogan and rules around article ``n``."""
    lines = ["Начало | Новини | Спорт", *feed, title_of(n), "10 март 2025, 09:00",
             *(head if head is not None else [SLOGAN]), *paragraphs(n),
             *(tail if tail is not None else [RULES]), "Последни новини", *feed]
    return Page(url or f"{SITE}/p/{n}", NOW, "text/plain", "\n\n".join(lines))


def taught(pages: list[Page], **kw: float) -> SiteTable:
    """A site table that learned ``pages``."""
    table = SiteTable(half_life=0.0, **kw)  # type: ignore[arg-type]
    for p in pages:
        view = SiteView()
        extract(p, view)
        table.learn(p.url, view.lines)
    return table


def extracted(p: Page, view: SiteView | None = None) -> Extracted:
    found = extract(p, view)
    assert isinstance(found, Extracted), found
    return found


def test_a_sites_furniture_is_neither_body_nor_lead() -> None:
    cold = extracted(page(1))
    assert cold.lead == SLOGAN and RULES in cold.body_paragraphs  # what the page alone gives
    table = taught([page(n) for n in range(2, 14)])
    warm = extracted(page(1), SiteView(table.furniture()))
    assert warm.title == title_of(1)
    assert warm.lead is None
    assert list(warm.body_paragraphs) == paragraphs(1)


def test_too_few_pages_of_a_site_teach_nothing() -> None:
    table = taught([page(n) for n in range(2, 11)])  # nine pages: fewer than ten
    assert table.furniture() == frozenset()
    assert table.furniture(min_pages=5) != frozenset()


def test_an_empty_memory_changes_no_output_on_the_seeds_and_dev_pages() -> None:
    """Cold start: a view with no furniture gives what no view gives, byte for byte."""
    files = sorted((ROOT / "seeds").glob("*.txt"))
    for folder, step in (("dev/bg", 10), ("dev/pages", 33), ("dev/cyr", 3), ("dev/sites", 5)):
        found = sorted((ROOT / folder).glob("*.*"))
        files += [f for f in found if f.suffix in (".txt", ".html")][::step]
    assert files
    for f in files:
        ctype = "text/html" if f.suffix == ".html" else "text/plain"
        gold = f.with_name(f.stem + ".gold.json")
        url = json.loads(gold.read_text()).get("url") if gold.is_file() else None
        p = Page(url or f"https://eval.example/{f.stem}", NOW, ctype,  # type: ignore[arg-type]
                 f.read_text(encoding="utf-8", errors="replace"))
        view = SiteView()
        assert repr(extract(p, view)) == repr(extract(p)), f
        assert view.lines and view.marked == 0


def test_a_teaser_of_this_article_on_other_pages_leaves_it_its_title() -> None:
    teaser = title_of(1)  # article 1's headline in the other pages' feed
    table = taught([page(n, feed=[*FEED, teaser]) for n in range(2, 14)])
    assert line_hash(teaser) in table.furniture()
    warm = extracted(page(1), SiteView(table.furniture()))
    assert warm.title == teaser
    assert list(warm.body_paragraphs) == paragraphs(1)


def test_a_headline_the_url_spells_stays_the_title() -> None:
    headline = "Голямата промяна идва в София"  # no word of it in the body
    slug = f"{SITE}/news/golyamata-promyana-idva-v-sofia"
    table = taught([page(n, feed=[*FEED, headline]) for n in range(2, 14)])
    own = page(1, url=slug)
    own = Page(own.url, NOW, "text/plain", own.text.replace(title_of(1), headline))
    warm = extracted(own, SiteView(table.furniture()))
    assert warm.title == headline


def test_an_agency_credit_on_every_page_still_gives_the_agency() -> None:
    table = taught([page(n, tail=[RULES, "Източник: агенция БГНЕС"]) for n in range(2, 14)])
    assert line_hash("Източник: агенция БГНЕС") in table.furniture()
    warm = extracted(page(1, tail=[RULES, "Източник: агенция БГНЕС"]), SiteView(table.furniture()))
    assert warm.source_agency == "агенция БГНЕС"
    assert RULES not in warm.body_paragraphs


def test_a_copy_of_pages_seen_is_left_as_it_is() -> None:
    """The same article at twelve URLs: its lines recur on every page, but they are the
    article, not furniture around one."""
    copies = [page(1, url=f"{SITE}/copy/{n}") for n in range(12)]
    table = taught(copies)
    view = SiteView(table.furniture(own=True))
    assert repr(extract(copies[0], view)) == repr(extract(copies[0]))
    assert view.marked == 0


def test_a_line_counts_once_per_page_and_once_per_url() -> None:
    table = SiteTable(half_life=0.0)
    assert table.learn("https://a.example/1", [1, 1, 1, 2])
    assert not table.learn("https://a.example/1", [1, 2])  # fetched again
    assert table.counts == {1: 1.0, 2: 1.0}
    assert table.pages == 1.0


def test_a_page_learned_already_needs_one_more_page_to_make_furniture() -> None:
    table = SiteTable(half_life=0.0)
    for n in range(10):
        table.learn(f"https://a.example/{n}", [7] if n < 5 else [8])
    assert 7 in table.furniture(5.0, 10.0)
    assert 7 not in table.furniture(5.0, 10.0, own=True)


def test_counts_fade_with_their_half_life() -> None:
    day = 86_400.0
    table = SiteTable(half_life=day)
    for n in range(10):  # a story in the feed of ten pages ...
        table.learn(f"https://a.example/{n}", [1, 9], at=0.0)
    for n in range(10, 30):  # ... then twenty pages two days later, without it
        table.learn(f"https://a.example/{n}", [9], at=2 * day)
    assert table.decayed(table.counts[1]) == pytest.approx(10 / 4)
    assert table.decayed(table.counts[9]) == pytest.approx(10 / 4 + 20)
    assert table.furniture(5.0, 10.0) == frozenset({9})


def test_weights_are_brought_back_near_one_without_changing_counts() -> None:
    table = SiteTable(half_life=1.0)
    table.learn("https://a.example/1", [1], at=0.0)
    table.learn("https://a.example/2", [1], at=100.0)  # past RESCALE_AFTER half-lives
    assert table.t0 == 100.0
    assert table.counts[1] == pytest.approx(1.0 + 2.0**-100)


def test_a_new_table_learns_at_the_wall_clocks_time() -> None:
    """Seconds since 1970 are thousands of half-lives after a new table's t0 = 0."""
    table = SiteTable()
    for n in range(12):
        table.learn(f"https://a.example/{n}", [1], at=1.8e9 + n)
    assert table.t0 >= 1.8e9
    assert table.furniture() == frozenset({1})


def test_a_sites_table_keeps_its_heaviest_lines() -> None:
    table = SiteTable(half_life=0.0, max_lines=16)
    for n in range(40):
        table.learn(f"https://a.example/{n}", [1, 2, 1000 + n])
    assert len(table.counts) <= 24
    assert table.counts[1] == table.counts[2] == 40.0


def test_a_memory_keeps_the_sites_seen_most_recently() -> None:
    memory = SiteMemory(max_sites=2)
    for site in ("a", "b", "a", "c"):
        memory.learn(site, f"https://{site}.example/1", [1])
    assert list(memory.tables) == ["a", "c"]


def test_a_page_belongs_to_its_host_or_to_its_site_hint() -> None:
    assert site_key("https://sport.dnevnik.bg/a/1") == "sport.dnevnik.bg"
    assert site_key("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert site_key("http://127.0.0.1:8000/a") == "127.0.0.1"
    # two blogs of one hosting platform are two sites: their templates differ
    assert site_key("https://a.wordpress.com/x") != site_key("https://b.wordpress.com/x")
    assert site_key("https://x.example/a", "Dnevnik.bg") == "dnevnik.bg"
    assert site_key("https://x.example/a", "{evil}") == "evil"


