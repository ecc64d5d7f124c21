"""Canonical URLs and the article id derived from them."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ref", "ref_src"}
)


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in _TRACKING or k.startswith("utm_")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no ``www.``, default port, fragment or tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = "https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _is_tracking(k)))
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, ""))


def site_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def article_id(canonical: str) -> str:
    """A short stable id: the same canonical URL always gives the same id."""
    return hashlib.blake2b(canonical.encode(), digest_size=10).hexdigest()
