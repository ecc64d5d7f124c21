"""Canonical URLs and the article id derived from them.

One page has many spellings: a Cyrillic path written in Unicode or percent-encoded (in
upper- or lower-case hex), an IDN host in Unicode or punycode, ``~`` or ``%7E``, query
parameters in any order, a tracking parameter, a fragment, ``www.``, a default port. They
all give one canonical URL, and so one article id. w3lib's ``canonicalize_url`` (Scrapy's)
makes the URL safe and normal (UTF-8 percent-encoding with upper-case hex, unreserved
characters decoded, the host in punycode, dot segments resolved, the query sorted); the
rules of our own follow it (https, no ``www.``, no user info or default port, no tracking
parameters, no trailing ``/``).

Most URLs need little of that: an ``http(s)`` URL of a lower-case ASCII host name, a path of
characters that need no escaping and no dot segments, plain ``key=value`` query pairs. Such
a URL is made canonical here (the query sorted, the fragment dropped) exactly as w3lib
would (a test compares the two); w3lib, whose import costs a quick command about a sixth of
its start-up, is imported only for the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

__all__ = ["article_id", "canonical_url", "host_of", "site_of"]

_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ref", "ref_src"}
)


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in _TRACKING or k.startswith("utm_")


def _without_tracking(query: str) -> str:
    """The query (already sorted and encoded) less its tracking parameters, as it was."""
    if not query:
        return ""
    return "&".join(
        p for p in query.split("&") if p and not _is_tracking(unquote_plus(p.partition("=")[0]))
    )


# labels of letters, digits and inner hyphens (no "--", so no punycode), the last one
# starting with a letter (so no IP address); no user info, no port
_LABEL = r"[a-z0-9](?:-?[a-z0-9]){0,62}"
_PLAIN_URL = re.compile(
    rf"(https?)://((?:{_LABEL}\.)*[a-z](?:-?[a-z0-9]){{0,62}})"
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?"  # RFC 3986 pchar less percent-escapes
    r"(?:\?([A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*(?:&[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*)*))?"
    r"(?:#[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")


def _plain_canonical(url: str) -> str | None:
    """w3lib's ``canonicalize_url(url)`` for a plain URL (see the module's docstring),
    else None."""
    found = _PLAIN_URL.fullmatch(url)
    if found is None or len(found[2]) > 253:
        return None
    scheme, host, path, query = found.groups()
    if path and (_DOT_SEGMENT.search(path) or ";" in path.rsplit("/", 1)[-1]):
        return None  # w3lib resolves dot segments, and drops the last segment's empty ";"
    if query:
        query = "&".join(sorted(query.split("&"), key=lambda pair: pair.split("=", 1)))
        return f"{scheme}://{host}{path or '/'}?{query}"
    return f"{scheme}://{host}{path or '/'}"


def _w3lib_canonical(url: str) -> str:
    from w3lib.url import canonicalize_url  # here: most URLs are plain

    return canonicalize_url(url)


def canonical_url(url: str) -> str:
    """The one spelling of ``url``: see the module's docstring. An ASCII URI."""
    url = url.strip()
    normal = _plain_canonical(url)
    if normal is None:
        try:
            normal = _w3lib_canonical(url)
        except (ValueError, UnicodeError):  # a port out of range, a host IDNA refuses
            normal = url
    parts = urlsplit(normal)
    scheme = "https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, _without_tracking(parts.query), ""))


def host_of(url: str) -> str:
    """The URL's host, lower-case, without ``www.``, an IDN in Unicode ("москва.рф")."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    if "xn--" in host:
        with contextlib.suppress(UnicodeError):  # not valid punycode: as it is
            host = host.encode("ascii").decode("idna")
    return host.removeprefix("www.")


def site_of(url: str) -> str:
    """The site an article is filed under: :func:`host_of`."""
    return host_of(url)


def article_id(canonical: str) -> str:
    """A short stable id: the same canonical URL always gives the same id."""
    return hashlib.blake2b(canonical.encode(), digest_size=10).hexdigest()
