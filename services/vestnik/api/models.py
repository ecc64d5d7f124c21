"""What the HTTP API answers, as pydantic models, so the OpenAPI document says exactly that.

The values come from the index (``vestnik.index``'s ``SearchPage``, ``Hit``, ``Copy``, of
the same names); these models only choose what a client sees: no raw score, copies folded into their
canonical article's hit.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vestnik import contracts, index


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Copy(_Out):
    """A syndicated copy of the hit's article, published on another site."""

    article_id: str
    site: str
    url: str
    fetched_at: str = Field(..., description="When the copy was fetched (ISO 8601).")

    @classmethod
    def of(cls, copy: index.Copy) -> Copy:
        return cls(article_id=copy.article_id, site=copy.site, url=copy.url,
                   fetched_at=copy.fetched_at)


class Hit(_Out):
    """One article that matches, with a snippet of its text and where the query matched."""

    article_id: str
    title: str
    url: str = Field(..., description="The article at its source.")
    site: str
    published_at: str | None = Field(
        ..., description="ISO 8601: a time with its offset, or only the day."
    )
    source_agency: str | None
    language: str | None = Field(..., description="ISO 639-1 code.")
    snippet: str = Field(..., description="One line of the article's text.")
    highlights: list[tuple[int, int]] = Field(
        ..., description="Where the query matched in `snippet`: [start, end) offsets in "
        "characters (Unicode code points)."
    )
    copies: list[Copy] = Field(
        ..., description="Copies of this article on other sites (syndicated news)."
    )

    @classmethod
    def of(cls, hit: index.Hit) -> Hit:
        return cls(article_id=hit.article_id, title=hit.title, url=hit.url, site=hit.site,
                   published_at=hit.published_at, source_agency=hit.source_agency,
                   language=hit.language, snippet=hit.snippet,
                   highlights=[(start, end) for start, end in hit.highlights],
                   copies=[Copy.of(c) for c in hit.copies])


class Facets(_Out):
    """How many of all the matching articles (not only this page) have each value."""

    site: dict[str, int]
    source_agency: dict[str, int]
    language: dict[str, int]


class SearchResults(_Out):
    """One page of hits, how many articles match in all, and facet counts."""

    total: int = Field(..., ge=0, description="Articles matching, over every page.")
    hits: list[Hit]
    facets: Facets

    @classmethod
    def of(cls, page: index.SearchPage) -> SearchResults:
        facets = Facets(**{name: page.facets.get(name, {}) for name in index.FACETS})
        return cls(total=page.total, hits=[Hit.of(h) for h in page.hits], facets=facets)


class Article(contracts.Article):
    """The whole article, as the cleaner made it (the `Article` contract)."""

    # The contract's JSON Schema carries an `$id`, which would change how the `$ref`s inside
    # it resolve once it is a component of the OpenAPI document: the API's copy has none.
    model_config = ConfigDict(json_schema_extra=None)


class Status(_Out):
    status: str = Field(..., examples=["ok"])


class Problem(_Out):
    """Why a request could not be answered."""

    detail: str
