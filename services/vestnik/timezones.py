"""The time zone a page's naive times are read in ("14 ноября 2025, 09:30", "вчера в 15:00").

A page seldom says which zone its times are in, and the same wall-clock time is an hour
apart in Sofia and Moscow in winter. The cleaner decides the zone for each page, first
that applies:

1. the scrape event's own ``timezone`` (an IANA name, validated by the contract);
2. ``VESTNIK_SITE_TIMEZONES``: a zone per host or host suffix (``{"mk.ru":
   "Europe/Moscow", "bg": "Europe/Sofia"}``), the longest key that matches wins;
3. the country of the host's top-level domain (``.ru`` Moscow, ``.ua`` Kyiv, ``.de``
   Berlin, ...: ``COUNTRY_ZONES``);
4. Europe/Sofia.

The host is the URL's, then the event's ``site`` hint. The extractor itself imports none of
this: it is handed the zone's name on ``Page.timezone``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from vestnik.urls import host_of

__all__ = ["COUNTRY_ZONES", "DEFAULT_ZONE", "SiteZones", "canonical_zone", "page_zone"]

DEFAULT_ZONE = "Europe/Sofia"

# country-code top-level domains (and their Cyrillic IDN twins) of one-zone countries, or
# of countries whose news is written in one zone; generic-looking ones (.me, .tv, .fm, .io)
# are left out
COUNTRY_ZONES: dict[str, str] = {
    "bg": "Europe/Sofia", "бг": "Europe/Sofia",
    "ru": "Europe/Moscow", "рф": "Europe/Moscow", "su": "Europe/Moscow",
    "ua": "Europe/Kyiv", "укр": "Europe/Kyiv",
    "by": "Europe/Minsk", "бел": "Europe/Minsk",
    "rs": "Europe/Belgrade", "срб": "Europe/Belgrade",
    "mk": "Europe/Skopje", "мкд": "Europe/Skopje",
    "kz": "Asia/Almaty", "қаз": "Asia/Almaty",
    "de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich",
    "uk": "Europe/London", "ie": "Europe/Dublin", "fr": "Europe/Paris",
    "be": "Europe/Brussels", "nl": "Europe/Amsterdam", "lu": "Europe/Luxembourg",
    "it": "Europe/Rome", "es": "Europe/Madrid", "pt": "Europe/Lisbon",
    "pl": "Europe/Warsaw", "cz": "Europe/Prague", "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest", "ro": "Europe/Bucharest", "md": "Europe/Chisinau",
    "gr": "Europe/Athens", "tr": "Europe/Istanbul", "hr": "Europe/Zagreb",
    "si": "Europe/Ljubljana", "ba": "Europe/Sarajevo", "al": "Europe/Tirane",
    "dk": "Europe/Copenhagen", "se": "Europe/Stockholm", "no": "Europe/Oslo",
    "fi": "Europe/Helsinki", "ee": "Europe/Tallinn", "lv": "Europe/Riga",
    "lt": "Europe/Vilnius", "ge": "Asia/Tbilisi", "am": "Asia/Yerevan",
    "az": "Asia/Baku", "uz": "Asia/Tashkent", "kg": "Asia/Bishkek",
}


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def canonical_zone(name: str) -> str:
    """``name`` as an IANA zone's key ("europe/moscow" -> "Europe/Moscow"); ValueError
    when no zone has that name."""
    key = name.strip()
    try:
        ZoneInfo(key)
        return key
    except (ValueError, KeyError, OSError):
        pass
    found = _zones_by_lower_name().get(key.lower())
    if found is None:
        raise ValueError(f"{name!r} is not an IANA time zone name (e.g. Europe/Sofia)")
    return found


def _host_key(host: str) -> str:
    """A host or host suffix as the tables key it: lower-case, no leading dot or
    ``www.``, an IDN in Unicode."""
    key = host.strip().lower().lstrip(".").removeprefix("www.")
    return host_of(f"http://{key}/") if "xn--" in key else key


class SiteZones:
    """``VESTNIK_SITE_TIMEZONES``: host or host suffix -> zone; the longest match wins."""

    def __init__(self, zones: Mapping[str, str] | None = None) -> None:
        self._zones = {_host_key(k): canonical_zone(v) for k, v in (zones or {}).items()}

    def __bool__(self) -> bool:
        return bool(self._zones)

    def zone_of(self, host: str) -> str | None:
        """The zone set for ``host`` or for the longest of its suffixes, else None."""
        if not self._zones or not host:
            return None
        labels = host.split(".")
        for i in range(len(labels)):
            zone = self._zones.get(".".join(labels[i:]))
            if zone is not None:
                return zone
        return None


def _hosts(url: str, site: str | None) -> Iterable[str]:
    yield host_of(url)
    if site:
        yield _host_key(site)


def page_zone(
    url: str, *, event_zone: str | None = None, site: str | None = None,
    site_zones: SiteZones | None = None,
) -> str:
    """The IANA zone a page's naive times are read in: see the module's docstring."""
    if event_zone:
        return event_zone
    hosts = [h for h in _hosts(url, site) if h]
    if site_zones:
        for host in hosts:
            zone = site_zones.zone_of(host)
            if zone is not None:
                return zone
    for host in hosts:
        zone = COUNTRY_ZONES.get(host.rpartition(".")[2])
        if zone is not None:
            return zone
    return DEFAULT_ZONE
