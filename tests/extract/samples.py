"""Small Bulgarian paragraphs, a fixed clock and a text-dump helper shared by the
front-end tests."""

from datetime import UTC, datetime

from vestnik.extract import Extracted, Page, extract

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)

P1 = (
    "Общинският съвет във Варна прие бюджета за следващата година след дълго заседание, "
    "което продължи до късно вечерта."
)
P2 = (
    "Според кмета най-много средства ще бъдат насочени към ремонта на училищата и детските "
    "градини в крайните квартали на града."
)
P3 = (
    "Опозицията настоя за повече пари за градския транспорт, но предложението й не събра "
    "нужното мнозинство в залата."
)


def extract_dump(text: str, url: str = "https://news.example.bg/a/1") -> Extracted:
    """The article the text front end makes of ``text`` (which must be one)."""
    result = extract(Page(url, NOW, "text/plain", text))
    assert isinstance(result, Extracted), result
    return result
