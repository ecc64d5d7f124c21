"""The HTTP API over a real index holding the seed articles, on each backend."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from vestnik.api import create_app
from vestnik.api.reader import IndexReader
from vestnik.contracts import Article
from vestnik.index import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    Index,
    IndexMissing,
    IndexUnavailable,
    open_index,
)
from vestnik.settings import Settings

from .api_support import SEED_PAGES, index_articles, later, seed_article, seed_articles
from .index.backends import backend_url

DATED, UNDATED = "novini.example", "vesti.example"  # the second seed page has a day


@pytest.fixture
def articles() -> list[Article]:
    return seed_articles((UNDATED, DATED))


@pytest.fixture(params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty index (nothing created yet) of each backend."""
    with backend_url(request, tmp_path) as url:
        yield url


@pytest.fixture
def client(index_url: str, articles: list[Article]) -> Iterator[TestClient]:
    index_articles(index_url, articles)
    with TestClient(create_app(Settings(index_url=index_url))) as client:
        yield client


def _search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _sites(body: dict[str, Any]) -> list[str]:
    return [hit["site"] for hit in body["hits"]]


def test_search_finds_both_seed_articles_with_their_fields(
        client: TestClient, articles: list[Article]) -> None:
    body = _search(client, q="Карабах")
    assert body["total"] == 2
    by_id = {hit["article_id"]: hit for hit in body["hits"]}
    assert set(by_id) == {a.article_id for a in articles}
    for article in articles:
        hit = by_id[article.article_id]
        assert (hit["title"], hit["url"], hit["site"]) == (article.title, article.url,
                                                           article.site)
        assert hit["source_agency"] == article.source_agency
        assert hit["language"] == "bg"
        assert hit["copies"] == []
    dated = next(h for h in body["hits"] if h["site"] == DATED)
    assert dated["published_at"] == "2025-12-07"


def test_highlights_point_at_the_query_word_in_the_snippet(client: TestClient) -> None:
    for hit in _search(client, q="Карабах")["hits"]:
        assert hit["highlights"], hit
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower().startswith("карабах"), hit


def test_filters_narrow_the_hits(client: TestClient) -> None:
    assert _sites(_search(client, q="Карабах", site=DATED)) == [DATED]
    assert _sites(_search(client, q="Карабах", **{"from": "2025-12-01"})) == [DATED]
    assert _search(client, q="Карабах", to="2025-12-06")["total"] == 0
    assert _search(client, q="Карабах", lang="bg")["total"] == 2
    assert _search(client, q="Карабах", lang="en")["total"] == 0
    assert _search(client, q="Карабах", agency="БГНЕС")["total"] == 2
    assert _search(client, q="Карабах", agency="БТА")["total"] == 0


def test_facets_count_every_match_not_only_the_page(client: TestClient) -> None:
    body = _search(client, q="Карабах", limit=1)
    assert len(body["hits"]) == 1 and body["total"] == 2
    assert body["facets"] == {"site": {DATED: 1, UNDATED: 1}, "source_agency": {"БГНЕС": 2},
                              "language": {"bg": 2}}


def test_pages_follow_each_other_without_repeating_a_hit(client: TestClient) -> None:
    first = _search(client, q="Карабах", limit=1, offset=0)["hits"]
    second = _search(client, q="Карабах", limit=1, offset=1)["hits"]
    assert len(first) == len(second) == 1
    assert first[0]["article_id"] != second[0]["article_id"]
    assert _search(client, q="Карабах", offset=2)["hits"] == []


def test_sort_by_date_puts_the_dated_article_first(client: TestClient) -> None:
    assert _sites(_search(client, q="Карабах", sort="date"))[0] == DATED


def test_a_syndicated_copy_is_listed_under_its_original(index_url: str,
                                                        client: TestClient) -> None:
    copy = seed_article(SEED_PAGES[1], "https://kopie.example/karabah", later(1))
    index_articles(index_url, [copy])
    body = _search(client, q="Карабах")
    assert body["total"] == 2, "a copy is folded into its original's hit"
    original = next(h for h in body["hits"] if h["site"] == DATED)
    assert original["copies"] == [{"article_id": copy.article_id, "site": "kopie.example",
                                   "url": copy.url,
                                   "fetched_at": original["copies"][0]["fetched_at"]}]
    assert original["copies"][0]["fetched_at"].startswith("2025-12-09")


@pytest.mark.parametrize(("params", "where", "says"), [
    ({}, "q", "Field required"),
    ({"q": ""}, "q", "at least 1 character"),
    ({"q": "а" * (MAX_QUERY_CHARS + 1)}, "q", f"at most {MAX_QUERY_CHARS} characters"),
    ({"q": "-русия"}, "q", "only excludes"),
    ({"q": "   "}, "q", "no word"),
    ({"q": "x", "limit": 0}, "limit", "greater than or equal to 1"),
    ({"q": "x", "limit": MAX_LIMIT + 1}, "limit", f"less than or equal to {MAX_LIMIT}"),
    ({"q": "x", "offset": -1}, "offset", "greater than or equal to 0"),
    ({"q": "x", "offset": 10_001}, "offset", "less than or equal to 10000"),
    ({"q": "x", "from": "2025-13-01"}, "from", "month value is outside"),
    ({"q": "x", "to": "вчера"}, "to", "YYYY-MM-DD"),
    ({"q": "x", "from": "0"}, "from", "YYYY-MM-DD"),  # not seconds since 1970
    ({"q": "карабах\x00"}, "q", "NUL"),
    ({"q": "x", "agency": "\x00"}, "agency", "NUL"),
    ({"q": "x", "from": "2025-12-08", "to": "2025-12-01"}, "from", "is after to"),
    ({"q": "x", "sort": "popularity"}, "sort", "'relevance' or 'date'"),
])
def test_a_bad_parameter_is_a_422_naming_it(client: TestClient, params: dict[str, Any],
                                            where: str, says: str) -> None:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["query", where]
    assert says in problem["msg"], problem


def test_an_article_is_served_whole(client: TestClient, articles: list[Article]) -> None:
    for article in articles:
        response = client.get(f"/v1/articles/{article.article_id}")
        assert response.status_code == 200
        assert Article.model_validate(response.json()) == article


def test_an_unknown_article_is_a_404(client: TestClient) -> None:
    response = client.get("/v1/articles/no-such-article")
    assert response.status_code == 404
    assert "no-such-article" in response.json()["detail"]


def test_health_and_readiness_when_the_index_answers(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_the_api_starts_before_the_index_exists_and_is_ready_once_it_does(
        index_url: str, articles: list[Article]) -> None:
    with TestClient(create_app(Settings(index_url=index_url))) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "no " in ready.json()["detail"] and "index" in ready.json()["detail"]
        assert client.get("/v1/search", params={"q": "Карабах"}).status_code == 503
        with pytest.raises(IndexMissing):  # the API only reads: it created nothing
            open_index(index_url, create=False)
        index_articles(index_url, articles)
        for _ in range(100):  # the API tries to open it again twice a second
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.05)
        assert client.get("/readyz").status_code == 200
        assert _search(client, q="Карабах")["total"] == 2


def test_an_index_file_being_made_makes_the_api_unready_not_broken(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    path.write_bytes(b"")  # the indexer's first connect, before its schema commits
    with TestClient(create_app(Settings(index_url=f"sqlite:///{path}"))) as client:
        assert client.get("/readyz").status_code == 503
        search = client.get("/v1/search", params={"q": "Карабах"})
        assert search.status_code == 503, search.text
        assert "an empty file" in search.json()["detail"]


def test_an_unreachable_database_makes_the_api_unready_not_broken() -> None:
    url = "postgresql://vestnik:secret@127.0.0.1:9/vestnik?connect_timeout=1"
    reader = IndexReader(url, opener=_unreachable)
    with TestClient(create_app(Settings(index_url=url), reader=reader)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "cannot reach" in ready.json()["detail"]
        assert "secret" not in ready.text, "the password leaked into the answer"
        assert client.get("/v1/search", params={"q": "Карабах"}).status_code == 503


def _unreachable(url: str) -> Index:
    """What opening an index on a PostgreSQL that is down raises (without waiting for the
    pool's timeout)."""
    raise IndexUnavailable(f"cannot reach PostgreSQL at {url}: connection refused")


def test_searching_does_not_wait_for_a_writer_holding_the_lock(
        tmp_path: Path, articles: list[Article]) -> None:
    path = tmp_path / "index.sqlite3"
    index_articles(f"sqlite:///{path}", articles)
    writer = sqlite3.connect(path, timeout=0.1)
    try:
        writer.execute("BEGIN IMMEDIATE")  # what an indexer holds while it writes a batch
        with TestClient(create_app(Settings(index_url=f"sqlite:///{path}"))) as client:
            assert _search(client, q="Карабах")["total"] == 2
            assert client.get("/readyz").status_code == 200
    finally:
        writer.rollback()
        writer.close()


def test_the_openapi_document_describes_the_search_parameters(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    search = doc["paths"]["/v1/search"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert set(params) == {"q", "site", "lang", "agency", "from", "to", "sort", "limit",
                           "offset"}
    assert params["q"]["required"] is True
    assert params["q"]["schema"]["maxLength"] == MAX_QUERY_CHARS
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert params["from"]["schema"]["anyOf"][0]["format"] == "date"
    assert {"200", "422", "503"} <= set(search["responses"])
    assert "404" in doc["paths"]["/v1/articles/{article_id}"]["get"]["responses"]


def test_the_search_page_is_served_with_its_script_and_style(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'lang="bg"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/search.js", "/static/search.css"):
        assert asset in page.text
        assert client.get(asset).status_code == 200


def _sample(text: str, name: str, **labels: str) -> float:
    """A sample's value in Prometheus's text format (0 when it is not there)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    before = client.get("/metrics").text
    for _ in range(3):
        assert client.get("/v1/search", params={"q": "Карабах"}).status_code == 200
    assert client.get("/v1/articles/no-such-article").status_code == 404
    assert client.get("/v1/search", params={"q": "x", "limit": 0}).status_code == 422
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    after = answer.text

    def grew(route: str, status: str) -> float:
        name = "vestnik_api_requests_total"
        return (_sample(after, name, route=route, status=status)
                - _sample(before, name, route=route, status=status))

    assert grew("/v1/search", "200") == 3
    assert grew("/v1/search", "422") == 1
    assert grew("/v1/articles/{article_id}", "404") == 1  # the template, not the id
    assert "no-such-article" not in after
    assert _sample(after, "vestnik_api_request_duration_seconds_count", route="/v1/search") >= 4
