"""The search page in a real browser (Debian's chromium, driven by Playwright) against the API
served over an index holding the seed articles. The page must work offline: every request
that leaves the API's address is answered by the test itself (a stand-in source page) and
recorded, so nothing reaches the network."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vestnik.contracts import Article
from vestnik.settings import Settings

from .api_support import SEED_PAGES, index_articles, later, seed_article, served

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) "
                                     "is not installed")
expect = playwright_api.expect
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip("no chromium to drive the page (apt-get install chromium)",
                allow_module_level=True)
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]
UNDATED_SITE, DATED_SITE, COPY_SITE, ODD_SITE = ("vesti.example", "novini.example",
                                                 "kopie.example", "zlo.example")
ODD_TITLE = 'Зорница <img src=x onerror="window.pwned=1"> & <b>сега</b>'


def _odd_article() -> Article:
    """An article whose title and text look like HTML: the page must show them as text."""
    base = seed_article(SEED_PAGES[0], f"https://{ODD_SITE}/zornica")
    body = ["Зорница <script>window.pwned = 1</script> изгря над <b>Шуменско</b> & Варна."]
    return base.model_copy(update={"article_id": "odd-zornica", "title": ODD_TITLE,
                                   "lead": None, "body_paragraphs": body,
                                   "body_text": body[0], "content_hash": "0" * 64})


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {UNDATED_SITE: seed_article(SEED_PAGES[0], f"https://{UNDATED_SITE}/rusia-karabah"),
            DATED_SITE: seed_article(SEED_PAGES[1], f"https://{DATED_SITE}/armenia-azerbaidzhan"),
            COPY_SITE: seed_article(SEED_PAGES[1], f"https://{COPY_SITE}/armenia", later(1))}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory,
             articles: dict[str, Article]) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('page')}/index.sqlite3"
    index_articles(url, list(articles.values()))
    index_articles(url, [_odd_article()])
    with served(Settings(index_url=url)) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


class Page:
    """A browser tab on the search page; ``elsewhere`` lists every request that left it."""

    def __init__(self, tab: Any, base_url: str) -> None:
        self.tab, self.base_url = tab, base_url
        self.elsewhere: list[str] = []
        tab.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.fulfill(status=200, content_type="text/html; charset=utf-8",
                          body="<!doctype html><title>източник</title><h1>Статията</h1>")

    def search(self, words: str) -> None:
        self.tab.locator("#q").fill(words)
        self.tab.locator("#q").press("Enter")

    def hits(self) -> Any:
        return self.tab.locator("#results .hit")

    def titles(self) -> list[str]:
        return [t.strip() for t in self.tab.locator(".hit h2 a").all_inner_texts()]


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Page]:
    context = browser.new_context(locale="bg-BG")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    page = Page(tab, base_url)
    tab.goto(base_url)
    yield page
    context.close()
    assert not errors, f"the page's script failed: {errors}"


def test_the_page_speaks_bulgarian_and_loads_nothing_from_elsewhere(page: Page) -> None:
    expect(page.tab.locator("html")).to_have_attribute("lang", "bg")
    expect(page.tab.locator("button[type=submit]")).to_have_text("Търси")
    page.search("Карабах")
    expect(page.hits()).to_have_count(2)
    assert page.elsewhere == []


def test_typing_karabakh_shows_both_seed_articles_with_marks_dates_and_copies(
        page: Page, articles: dict[str, Article]) -> None:
    page.search("Карабах")
    expect(page.hits()).to_have_count(2)
    assert sorted(page.titles()) == sorted(articles[s].title for s in (UNDATED_SITE,
                                                                          DATED_SITE))
    expect(page.tab.locator(".summary")).to_contain_text("2 статии")
    for mark in page.tab.locator(".snippet mark").all_inner_texts():
        assert mark.lower().startswith("карабах"), mark
    dated = page.hits().filter(has_text=articles[DATED_SITE].title)
    expect(dated.locator(".meta time")).to_have_text("7 декември 2025")
    expect(dated.locator(".copies a")).to_have_text(COPY_SITE)
    expect(dated.locator(".copies a")).to_have_attribute("href", articles[COPY_SITE].url)
    undated = page.hits().filter(has_text=articles[UNDATED_SITE].title)
    expect(undated.locator(".meta")).to_contain_text("без дата")
    expect(undated.locator(".copies")).to_have_count(0)


def test_a_date_filter_leaves_only_the_article_of_that_period(
        page: Page, articles: dict[str, Article]) -> None:
    page.search("Карабах")
    expect(page.hits()).to_have_count(2)
    page.tab.locator("input[name=from]").fill("2025-12-01")  # applies at once
    expect(page.hits()).to_have_count(1)
    assert page.titles() == [articles[DATED_SITE].title]
    assert "from=2025-12-01" in page.tab.url
    expect(page.tab.locator("input[name=from]")).to_have_value("2025-12-01")


def test_a_site_facet_filters_the_list_and_clicking_it_again_lifts_the_filter(
        page: Page, articles: dict[str, Article]) -> None:
    page.search("Карабах")
    expect(page.hits()).to_have_count(2)
    facet = page.tab.locator(f'#facets [data-facet=site] a[data-value="{UNDATED_SITE}"]')
    expect(facet.locator(".count")).to_have_text("1")
    facet.click()
    expect(page.hits()).to_have_count(1)
    assert page.titles() == [articles[UNDATED_SITE].title]
    expect(page.tab.locator("input[name=site]")).to_have_value(UNDATED_SITE)
    page.tab.locator(f'#facets a[data-value="{UNDATED_SITE}"].active').click()
    expect(page.hits()).to_have_count(2)


def test_following_a_result_opens_the_article_at_its_source(
        page: Page, articles: dict[str, Article]) -> None:
    page.search("Карабах")
    article = articles[DATED_SITE]
    page.tab.get_by_role("link", name=article.title).click()
    page.tab.wait_for_url(article.url)
    expect(page.tab.locator("h1")).to_have_text("Статията")
    assert page.elsewhere == [article.url]


def test_pages_of_one_hit_each_are_reached_by_next_and_previous(page: Page) -> None:
    page.tab.goto(page.base_url + "?q=Карабах&limit=1")
    expect(page.hits()).to_have_count(1)
    expect(page.tab.locator("#pager .page")).to_have_text("Страница 1 от 2")
    first = page.titles()
    page.tab.locator("#pager a[rel=next]").click()
    expect(page.tab.locator("#pager .page")).to_have_text("Страница 2 от 2")
    second = page.titles()
    assert len(second) == 1 and second != first
    page.tab.locator("#pager a[rel=prev]").click()
    expect(page.tab.locator("#pager .page")).to_have_text("Страница 1 от 2")
    assert page.titles() == first


def test_text_that_looks_like_html_is_shown_as_text(page: Page) -> None:
    page.search("Зорница")
    expect(page.hits()).to_have_count(1)
    assert page.titles() == [ODD_TITLE]
    expect(page.tab.locator(".snippet")).to_contain_text("<script>window.pwned = 1</script>")
    expect(page.tab.locator(".snippet mark").first).to_have_text("Зорница")
    assert page.tab.locator(".hit img, .hit b, .hit script").count() == 0
    assert page.tab.evaluate("window.pwned") is None


def test_a_query_the_index_refuses_is_explained(page: Page) -> None:
    page.search("-Русия")
    expect(page.tab.locator(".error")).to_contain_text("Търсенето не може да се изпълни")
    expect(page.tab.locator(".error")).to_contain_text("only excludes")
