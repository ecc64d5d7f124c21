"""What a search query means, whatever backend runs it.

A query is clauses that must all match, a clause being one item or several joined by
``OR``: a word (any of the forms it may be indexed as, see ``_analysis``), a ``prefix*``, or
a "quoted phrase" (its words in a row). A ``-word``, ``-prefix*`` or ``-"phrase"`` must not
match. The parsed ``Query`` compiles to an FTS5 expression (SQLite) and to a ``tsquery``
(PostgreSQL); every term is quoted, so no input is a syntax error. The ``tsquery`` has the
query's meaning but for phrases (PostgreSQL's index keeps no word positions): it matches
every row holding a phrase's words, and the PostgreSQL backend tells phrases apart by the
stored terms.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from vestnik.index import _analysis
from vestnik.index._base import MAX_QUERY_CHARS, QueryError

MAX_CLAUSES = 16
MAX_PHRASE_WORDS = 8
MAX_PHRASE_VARIANTS = 16  # a phrase is matched as an OR of its words' combinations
MIN_PREFIX_CHARS = 2
STEM_CUT_CHARS = 2  # a stemmer may cut a word this much shorter than a typed prefix
MIN_STEM_CHARS = 4

# "a phrase", -"a phrase", OR, or a run of other characters
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class Word:
    forms: tuple[str, ...]  # the terms it may be indexed as


@dataclass(frozen=True, slots=True)
class Prefix:
    """Terms opening with ``prefix``, and the exact ``stems`` a word opening with it may
    have been cut to by a stemmer ("presiden*" finds "president", indexed "presid")."""

    prefix: str
    stems: tuple[str, ...] = ()

    def matches(self, term: str) -> bool:
        return term.startswith(self.prefix) or term in self.stems


@dataclass(frozen=True, slots=True)
class Phrase:
    variants: tuple[tuple[str, ...], ...]  # each a run of terms that matches


Item = Word | Prefix | Phrase


@dataclass(frozen=True, slots=True)
class Query:
    clauses: tuple[tuple[Item, ...], ...]  # all must match; each an OR of its items
    excluded: tuple[Item, ...]  # none may match

    @property
    def items(self) -> list[Item]:
        """Every item that scores: those of the clauses, in order."""
        return [item for clause in self.clauses for item in clause]


def parse(text: str, language: str | None = None) -> Query:
    """The query ``text`` means; ``QueryError`` when it looks for nothing.

    With ``language``, words take only that language's forms (a language filter)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; at most "
                         f"{MAX_QUERY_CHARS} are allowed")
    clauses: list[list[Item]] = []
    excluded: list[Item] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        minus, phrase, bare = match.groups()
        if bare == "OR":
            join_next = bool(clauses)
            continue
        negated = bool(minus) or (bare is not None and bare.startswith("-"))
        items = (_phrase_items(phrase, language) if phrase is not None
                 else _bare_items(bare.removeprefix("-") if negated else bare, language))
        if not items:
            continue
        if negated:
            excluded.extend(items)
        elif join_next and clauses:
            clauses[-1].extend(items)
        else:
            clauses.extend([item] for item in items)
        join_next = False
    if not clauses:
        raise QueryError(f"the query {text.strip()!r} " + (
            "only excludes words: add one to look for" if excluded else "has no word to look for"))
    return Query(tuple(tuple(c) for c in clauses[:MAX_CLAUSES]),
                 tuple(excluded[:MAX_CLAUSES]))


def _bare_items(chunk: str, language: str | None) -> list[Item]:
    """A chunk without quotes: ``word``, ``prefix*``; ``a-b`` is the phrase "a b"."""
    if chunk.endswith("*"):
        words = _analysis.query_words(chunk[:-1])
        if len(words) == 1 and len(words[0]) >= MIN_PREFIX_CHARS:
            prefix = _analysis.prefix_term(words[0])
            stems = tuple(prefix[:-cut] for cut in range(1, STEM_CUT_CHARS + 1)
                          if len(prefix) - cut >= MIN_STEM_CHARS)
            return [Prefix(prefix, stems)]
        chunk = chunk[:-1]
    words = _analysis.query_words(chunk)
    if len(words) > 1:  # "covid-19", "Гео-Милев": the words in a row
        return _phrase_items(" ".join(words), language)
    return [Word(_analysis.query_alternatives(w, language)) for w in words]


def _phrase_items(text: str, language: str | None) -> list[Item]:
    words = _analysis.query_words(text)[:MAX_PHRASE_WORDS]
    if len(words) <= 1:
        return [Word(_analysis.query_alternatives(w, language)) for w in words]
    forms = [_analysis.query_alternatives(w, language) for w in words]
    variants = tuple(itertools.islice(itertools.product(*forms), MAX_PHRASE_VARIANTS))
    return [Phrase(variants)]


# -- FTS5 (SQLite) ---------------------------------------------------------------------


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_item(item: Item) -> str:
    if isinstance(item, Word):
        return " OR ".join(_fts_quote(f) for f in item.forms)
    if isinstance(item, Prefix):
        return " OR ".join([f"{_fts_quote(item.prefix)}*", *map(_fts_quote, item.stems)])
    return " OR ".join(_fts_quote(" ".join(v)) for v in item.variants)


def fts5(query: Query) -> str:
    """The FTS5 expression of ``query`` (every term quoted)."""
    clauses = [" OR ".join(f"({_fts_item(i)})" for i in clause) for clause in query.clauses]
    expression = " AND ".join(f"({c})" for c in clauses)
    if query.excluded:
        expression = (f"({expression}) NOT ("
                      + " OR ".join(f"({_fts_item(i)})" for i in query.excluded) + ")")
    return expression


def fts5_item(item: Item) -> str:
    """One item alone, for counting the rows it matches."""
    return _fts_item(item)


# -- tsquery (PostgreSQL) --------------------------------------------------------------


def _ts_quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _ts_item(item: Item) -> str:
    """The item, a phrase as its words (in any order and place)."""
    if isinstance(item, Word):
        return " | ".join(_ts_quote(f) for f in item.forms)
    if isinstance(item, Prefix):
        return " | ".join([f"{_ts_quote(item.prefix)}:*", *map(_ts_quote, item.stems)])
    return " | ".join("(" + " & ".join(map(_ts_quote, v)) + ")" for v in item.variants)


def tsquery(query: Query) -> str:
    """The ``tsquery`` text of ``query`` (to be cast, never parsed by a text-search
    configuration: the terms are already analysed), matching the words of its phrases
    wherever they are and leaving excluded phrases out: exactly the rows ``query``
    matches when it has no phrase, and all of them (and more) when it has."""
    clauses = [" | ".join(f"({_ts_item(i)})" for i in clause) for clause in query.clauses]
    expression = " & ".join(f"({c})" for c in clauses)
    for item in query.excluded:
        if not isinstance(item, Phrase):
            expression += f" & !({_ts_item(item)})"
    return expression


def tsquery_item(item: Item) -> str:
    """One item alone, for counting the rows it matches (a phrase: its words)."""
    return _ts_item(item)


def has_phrase(query: Query) -> bool:
    """Whether ``tsquery(query)`` may match rows ``query`` does not."""
    return any(isinstance(i, Phrase) for i in (*query.items, *query.excluded))


def needles(item: Item) -> tuple[str, ...]:
    """What a row's terms, space-joined with a space before and after, hold (any of them)
    exactly when ``item`` matches them: `` term `` for a word, `` prefix`` for a prefix,
    `` a b `` for a phrase."""
    if isinstance(item, Word):
        return tuple(f" {form} " for form in item.forms)
    if isinstance(item, Prefix):
        return (f" {item.prefix}", *(f" {stem} " for stem in item.stems))
    return tuple(" " + " ".join(variant) + " " for variant in item.variants)
