"""Site memory shared by every cleaner replica through Redis.

Each replica keeps a local :class:`~vestnik.extract._sitememory.SiteMemory` (what the
extractor is told) and the pages it learned since it last wrote. Every
``VESTNIK_SITE_MEMORY_REFRESH_S`` seconds, and before it uses a site it has not loaded
yet, it writes those pages to Redis (one script per site: a URL another replica already
taught is skipped, the others' lines counted with forward decay, the site's lines cut
to its heaviest ``max_lines``) and reads the sites it uses back (their heaviest lines and
page count), so a new replica starts warm and all replicas converge.

One sync is one round trip: a pipeline of a script per site written, then a script per
site read, which answers the site's heaviest lines and their counts packed in one string
(8 bytes of hash, 8 of count, per line) beside its ``t0`` and page count: a site's
thousand lines are one value to parse, not two thousand.

Keys, per site, in one Cluster hash slot (the site is the hash tag)::

    {prefix}{site}:lines   sorted set: 8-byte line hash -> weighted pages
    {prefix}{site}:urls    sorted set: 8-byte URL hash -> time learned (the newest kept)
    {prefix}{site}:meta    hash: t0 (when a page weighs 1), pages (weighted)

each expiring ``VESTNIK_SITE_MEMORY_TTL_S`` after its site's last write. Failures of
Redis never stop the cleaner: they are logged, the pages stay pending (bounded), and
extraction goes on with what the replica knows (cold, for a site it never saw).
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

from vestnik.extract._sitememory import SiteMemory, SiteTable, line_hash
from vestnik.logs import get_logger
from vestnik.settings import Settings

__all__ = ["SharedSiteMemory", "site_keys"]

MAX_PENDING_PAGES = 20_000  # pages kept for a Redis that does not answer, the newest
_LEARN = """
local hl = tonumber(ARGV[1])
local max_lines = tonumber(ARGV[2])
local max_urls = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local t0 = tonumber(redis.call('HGET', KEYS[3], 't0') or '')
local learned = 0
local i = 5
while i <= #ARGV do
  local at = tonumber(ARGV[i])
  local url = ARGV[i + 1]
  local n = tonumber(ARGV[i + 2])
  if t0 == nil then
    t0 = at
    redis.call('HSET', KEYS[3], 't0', tostring(t0))
  end
  if not redis.call('ZSCORE', KEYS[2], url) then
    if hl > 0 and (at - t0) / hl > 32 then
      local f = 2 ^ (-(at - t0) / hl)
      redis.call('ZUNIONSTORE', KEYS[1], 1, KEYS[1], 'WEIGHTS', tostring(f))
      local pages = tonumber(redis.call('HGET', KEYS[3], 'pages') or '0') or 0
      redis.call('HSET', KEYS[3], 'pages', tostring(pages * f), 't0', tostring(at))
      t0 = at
    end
    local w = 1
    if hl > 0 then w = 2 ^ ((at - t0) / hl) end
    redis.call('ZADD', KEYS[2], at, url)
    for j = i + 3, i + 2 + n do
      redis.call('ZINCRBY', KEYS[1], tostring(w), ARGV[j])
    end
    redis.call('HINCRBYFLOAT', KEYS[3], 'pages', tostring(w))
    learned = learned + 1
  end
  i = i + 3 + n
end
local over = redis.call('ZCARD', KEYS[1]) - max_lines
if over > max_lines / 2 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
over = redis.call('ZCARD', KEYS[2]) - max_urls
if over > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
for k = 1, 3 do
  redis.call('EXPIRE', KEYS[k], ttl)
end
return learned
"""

# a site's heaviest ARGV[1] lines, each 8 bytes of hash and its count as a big-endian
# double, in one string; its t0 and weighted page count (nil when never written)
_READ = """
local top = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local packed = {}
for i = 1, #top, 2 do
  packed[#packed + 1] = top[i] .. struct.pack('>d', tonumber(top[i + 1]))
end
local meta = redis.call('HMGET', KEYS[2], 't0', 'pages')
return {table.concat(packed), meta[1], meta[2]}
"""
_LINE = struct.Struct(">Qd")


def site_keys(prefix: str, site: str) -> tuple[str, str, str]:
    """The site's three keys (lines, urls, meta), in one Cluster hash slot."""
    base = f"{prefix}{{{site}}}"
    return f"{base}:lines", f"{base}:urls", f"{base}:meta"


def _packed(h: int) -> bytes:
    return h.to_bytes(8, "big")


class SharedSiteMemory:
    """A replica's site memory, shared through Redis (see the module's docstring)."""

    def __init__(self, settings: Settings, clock: Any = time.time) -> None:
        self.settings = settings
        self.memory = SiteMemory(
            min_count=settings.site_memory_min_count,
            min_pages=settings.site_memory_min_pages,
            half_life=settings.site_memory_half_life_s,
            max_lines=settings.site_memory_max_lines,
            max_sites=settings.site_memory_max_sites,
        )
        self.clock = clock
        self.prefix = settings.site_memory_prefix
        # pages learned here and not written yet: site -> [(at, url hash, lines)]
        self.pending: dict[str, list[tuple[float, bytes, list[int]]]] = {}
        self.n_pending = 0
        self.loaded: dict[str, float] = {}  # site -> when it was last read from Redis
        self.last_sync = 0.0
        self.failing = False
        self.log = get_logger(task="site_memory")

    # -- what the stage asks ---------------------------------------------------------------

    def furniture(self, site: str, url: str) -> frozenset[int]:
        return self.memory.furniture(site, url)

    def learn(self, site: str, url: str, lines: Iterable[int]) -> None:
        """Learn a page here at once; it is written to Redis at the next sync."""
        at = self.clock()
        lines = list(dict.fromkeys(lines))
        if not self.memory.learn(site, url, lines, at):
            return  # this URL was learned already
        self.pending.setdefault(site, []).append((at, _packed(line_hash(url)), lines))
        self.n_pending += 1
        if self.n_pending > MAX_PENDING_PAGES:  # Redis has not answered for long: the oldest go
            oldest = min(self.pending, key=lambda s: self.pending[s][0][0])
            self.pending[oldest].pop(0)
            if not self.pending[oldest]:
                del self.pending[oldest]
            self.n_pending -= 1

    async def sync(self, redis: Redis, sites: Iterable[str]) -> None:
        """Before a batch of pages of ``sites``: read the sites never read, and every
        ``refresh_s`` write what was learned and read every site in use again. Never
        raises (a failure is logged; the replica goes on with what it knows)."""
        now = self.clock()
        due = now - self.last_sync >= self.settings.site_memory_refresh_s
        wanted = set(sites)
        new = {s for s in wanted if s not in self.loaded}
        if not due and not new:
            return
        to_read = set(self.loaded) | wanted if due else new
        try:
            await asyncio.wait_for(self._sync(redis, to_read, write_all=due),
                                   self.settings.site_memory_timeout_s)
        except Exception as exc:  # a Redis error, a timeout: extraction goes on without it
            for site in new:
                self.loaded.setdefault(site, now)  # not asked again before the next refresh
            if due:
                self.last_sync = now
            if not self.failing:
                self.log.warning("site_memory_unavailable", error=f"{type(exc).__name__}: {exc}")
            self.failing = True
            return
        if self.failing:
            self.log.info("site_memory_available")
        self.failing = False
        if due:
            self.last_sync = now

    # -- Redis ------------------------------------------------------------------------------

    async def _sync(self, redis: Redis, sites: set[str], write_all: bool) -> None:
        writing = list(self.pending) if write_all else [s for s in sites if s in self.pending]
        # the least recently used sites beyond the local bound are not read again
        keep = set(list(self.memory.tables)[-self.memory.max_sites:]) | sites
        for site in list(self.loaded):
            if site not in keep:
                del self.loaded[site]
        reading = list(sites)
        s = self.settings
        pipe = redis.pipeline(transaction=False)
        written: list[tuple[str, int]] = []
        for site in writing:
            pages = self.pending.get(site)
            if not pages:
                continue
            args: list[Any] = [s.site_memory_half_life_s, s.site_memory_max_lines,
                               s.site_memory_max_urls, int(s.site_memory_ttl_s)]
            for at, url, lines in pages:
                args += [repr(at), url, len(lines), *map(_packed, lines)]
            # EVAL, not EVALSHA: routed by its first key on a Cluster, no NOSCRIPT to handle
            pipe.eval(_LEARN, 3, *site_keys(self.prefix, site), *args)
            written.append((site, len(pages)))
        for site in reading:
            lines_key, _urls, meta_key = site_keys(self.prefix, site)
            pipe.eval(_READ, 2, lines_key, meta_key, s.site_memory_max_lines)
        if not written and not reading:
            return
        replies = await pipe.execute()
        for site, n in written:  # pages learned while the pipeline ran stay pending
            left = self.pending.get(site, [])[n:]
            if left:
                self.pending[site] = left
            else:
                self.pending.pop(site, None)
            self.n_pending -= n
        for site, reply in zip(reading, replies[len(written):], strict=True):
            self._read(site, reply)

    def _read(self, site: str, reply: list[Any]) -> None:
        """Take what Redis holds of ``site`` (``_READ``'s reply) for its local table."""
        packed, t0, pages = reply
        self.loaded[site] = self.clock()
        if t0 is None:
            return  # nothing learned by anyone yet: the local table stands
        if len(packed) % _LINE.size:
            raise ValueError(f"site memory of {site}: lines that are not 8-byte hashes")
        table = self.memory.table(site)
        assert table is not None
        fresh = SiteTable(table.half_life, table.max_lines, table.max_urls, t0=float(t0))
        fresh.urls = table.urls
        fresh.last = max(table.last, self.clock())
        fresh.add(dict(_LINE.iter_unpack(packed)), float(pages or 0.0), float(t0))
        # pages learned here since the write (none when this read follows it)
        for at, _url, lines in self.pending.get(site, []):
            w = fresh.weight(at)
            for h in lines:
                fresh.counts[h] = fresh.counts.get(h, 0.0) + w
            fresh.pages += w
        self.memory.tables[site] = fresh
