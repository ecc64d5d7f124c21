"""Parameter types of the API whose rules go beyond their JSON type, with messages a person
can act on (and, where JSON Schema can say it, the same rule in the OpenAPI document)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from vestnik.index import MAX_QUERY_CHARS

# No text vestnik stores holds NUL, and PostgreSQL refuses it. The rule is checked by
# ``Text`` (a clear message) and stated in the document by this schema.
NO_NUL: dict[str, Any] = {"pattern": r"^[^\x00]*$"}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _no_nul(value: object) -> object:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain the NUL character (%00)")
    return value


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD: pydantic alone would also take a number of seconds since 1970."""
    if isinstance(value, str) and not _DAY.fullmatch(value):
        raise ValueError(f"{value!r} is not a day written YYYY-MM-DD (e.g. 2025-12-07)")
    return value


_NoNul = AfterValidator(_no_nul)  # after the length checks, whose messages stay clear
QueryText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY_CHARS), _NoNul]
Site = Annotated[str, StringConstraints(max_length=253), _NoNul]
Language = Annotated[str, StringConstraints(max_length=20), _NoNul]
Agency = Annotated[str, StringConstraints(max_length=200), _NoNul]
ArticleId = Annotated[str, StringConstraints(max_length=200), _NoNul]
Day = Annotated[date, BeforeValidator(_iso_day)]
