"""Site memory shared by every cleaner replica through Redis.

Each replica keeps a local :class:`~vestnik.extract._sitememory.SiteMemory` (what the
extractor is told) and the pages it learned since it last wrote. Two things reach Redis:

* **A site not loaded yet** is read before the batch that first uses it (``sync``,
  bounded by ``VESTNIK_SITE_MEMORY_TIMEOUT_S``), so a new replica starts warm.
* **The refresh** (``refresh``), every ``VESTNIK_SITE_MEMORY_REFRESH_S`` seconds in a
  background task (``start``, ``stop``), never in a batch's path: it writes the pages
  learned (one script per site: a URL another replica already taught is skipped, the
  others' lines counted with forward decay, the site's lines cut to its heaviest
  ``max_lines``) and reads every site in use back (its heaviest lines and page count),
  so all replicas converge. Batches meanwhile use the local copy, which the refresh
  replaces site by site.

Either is one round trip: a pipeline of a script per site written, then a script per
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
from collections.abc import Awaitable, Iterable
from typing import Any

from redis.asyncio import Redis

from vestnik.extract._sitememory import SiteMemory, SiteTable, line_hash
from vestnik.logs import get_logger
from vestnik.settings import Settings

__all__ = ["SharedSiteMemory", "site_keys"]

MAX_PENDING_PAGES = 20_000  # pages kept for a Redis that does not answer, the newest

# pages of one site: ARGV half-life, max lines, max URLs, TTL, then per page its time
# learned, its URL's 8-byte hash and its lines' 8-byte hashes in one string (one argument
# a page, not one a line: a refresh of thousands of pages is packed in milliseconds)
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
  local packed = ARGV[i + 2]
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
    for j = 1, #packed, 8 do
      redis.call('ZINCRBY', KEYS[1], tostring(w), string.sub(packed, j, j + 7))
    end
    redis.call('HINCRBYFLOAT', KEYS[3], 'pages', tostring(w))
    learned = learned + 1
  end
  i = i + 3
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
_Page = tuple[float, bytes, list[int]]  # when learned, the URL's hash, its lines


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
        # pages learned here and not sent yet: site -> [(at, url hash, lines)]; a refresh
        # takes them out while its pipeline is on its way, and puts them back if it fails
        self.pending: dict[str, list[_Page]] = {}
        self.n_pending = 0
        self.loaded: dict[str, float] = {}  # site -> when it was last read from Redis
        self.asked = False  # a batch asked for sites since the last refresh
        self.failing = False
        self.log = get_logger(task="site_memory")
        self._task: asyncio.Task[None] | None = None

    # -- what the stage asks ---------------------------------------------------------------

    def furniture(self, site: str, url: str) -> frozenset[int]:
        return self.memory.furniture(site, url)

    def learn(self, site: str, url: str, lines: Iterable[int]) -> None:
        """Learn a page here at once; it is written to Redis at the next refresh."""
        at = self.clock()
        lines = list(dict.fromkeys(lines))
        if not self.memory.learn(site, url, lines, at):
            return  # this URL was learned already
        self.pending.setdefault(site, []).append((at, _packed(line_hash(url)), lines))
        self.n_pending += 1
        self._bound()

    async def sync(self, redis: Redis, sites: Iterable[str]) -> None:
        """Before a batch of pages of ``sites``: read those never read (at most
        ``timeout_s``). Nothing else: the refresh is the background task's. Never raises
        (a failure is logged; the batch goes on with what the replica knows)."""
        self.asked = True
        new = {s for s in sites if s not in self.loaded}
        if not new:
            return
        now = self.clock()
        self._forget_evicted(new)
        if not await self._bounded(self._sync(redis, new, write=False),
                                   self.settings.site_memory_timeout_s):
            for site in new:
                self.loaded.setdefault(site, now)  # not asked again before the next refresh

    async def refresh(self, redis: Redis) -> None:
        """Write what was learned and read every site in use again (at most
        ``refresh_s``), letting batches run between the sites. What the background task
        does every ``refresh_s``; a test may await it. Never raises."""
        if not self.pending and not self.asked:
            return  # idle since the last refresh: nothing to write, nobody to read for
        self.asked = False
        self._forget_evicted()
        # no batch waits for it: bounded by the period, the batch's timeout at least
        bound = max(self.settings.site_memory_refresh_s, self.settings.site_memory_timeout_s)
        await self._bounded(self._sync(redis, set(self.loaded), write=True), bound)

    def _forget_evicted(self, also: Iterable[str] = ()) -> None:
        """Sites dropped from the local bound (the least recently used) are no longer
        loaded: they are not read again, unless ``also`` names them."""
        keep = self.memory.tables.keys() | set(also)
        for site in [s for s in self.loaded if s not in keep]:
            del self.loaded[site]

    # -- the background task ---------------------------------------------------------------

    @property
    def refreshing(self) -> bool:
        """The background task runs."""
        return self._task is not None and not self._task.done()

    def start(self, redis: Redis) -> None:
        """Refresh through ``redis`` every ``refresh_s`` in a task of its own, until
        ``stop``; a refresh that fails is logged and tried again a period later."""
        if not self.refreshing:
            self._task = asyncio.create_task(self._refreshing(redis),
                                             name="site-memory-refresh")

    async def stop(self) -> None:
        """Cancel the background task and wait for it (a refresh on its way is dropped,
        its pages pending again; nothing is written on the way out)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the caller itself was cancelled, not only the task

    async def _refreshing(self, redis: Redis) -> None:
        while True:
            await asyncio.sleep(self.settings.site_memory_refresh_s)
            await self.refresh(redis)

    # -- Redis ------------------------------------------------------------------------------

    async def _bounded(self, work: Awaitable[None], limit_s: float) -> bool:
        """``work`` within ``limit_s`` seconds; a failure logged (once while it lasts),
        not raised. True when it succeeded."""
        try:
            await asyncio.wait_for(work, limit_s)
        except Exception as exc:  # a Redis error, a timeout: extraction goes on without it
            if not self.failing:
                self.log.warning("site_memory_unavailable", error=f"{type(exc).__name__}: {exc}")
            self.failing = True
            return False
        if self.failing:
            self.log.info("site_memory_available")
        self.failing = False
        return True

    async def _sync(self, redis: Redis, sites: set[str], write: bool) -> None:
        """One round trip: with ``write``, the pages pending written; ``sites`` read.
        With ``write`` (the refresh), the event loop is let go between sites, as they are
        packed and as their replies are taken (a site's thousand lines take a fraction
        of a millisecond, hundreds of sites tens): a batch must not wait for it."""
        s = self.settings
        pipe = redis.pipeline(transaction=False)
        sending: dict[str, list[_Page]] = {}
        if write:  # taken out of pending: pages learned meanwhile are the next refresh's
            sending, self.pending, self.n_pending = self.pending, {}, 0
        reading = list(sites)
        try:
            for site, pages in sending.items():
                args: list[Any] = [s.site_memory_half_life_s, s.site_memory_max_lines,
                                   s.site_memory_max_urls, int(s.site_memory_ttl_s)]
                for at, url, lines in pages:  # a page's lines in one argument
                    args += [repr(at), url, struct.pack(f">{len(lines)}Q", *lines)]
                # EVAL, not EVALSHA: routed by its first key on a Cluster, no NOSCRIPT
                pipe.eval(_LEARN, 3, *site_keys(self.prefix, site), *args)
                await asyncio.sleep(0)
            for site in reading:
                lines_key, _urls, meta_key = site_keys(self.prefix, site)
                pipe.eval(_READ, 2, lines_key, meta_key, s.site_memory_max_lines)
            if not sending and not reading:
                return
            replies = await pipe.execute()
        except BaseException:  # failed, timed out or cancelled: written again next time
            self._put_back(sending)
            raise
        for site, reply in zip(reading, replies[len(sending):], strict=True):
            if write and site not in self.memory.tables:
                continue  # dropped from the local bound meanwhile: not brought back
            # a site first read by a batch while a refresh's write of it is on its way
            # (a site evicted, then back) may miss those pages until the next refresh
            self._read(site, reply)
            if write:
                await asyncio.sleep(0)

    def _put_back(self, sending: dict[str, list[_Page]]) -> None:
        for site, pages in sending.items():
            self.pending[site] = pages + self.pending.get(site, [])
            self.n_pending += len(pages)
        self._bound()

    def _bound(self) -> None:
        """Redis has not answered for long: the oldest pending pages go."""
        over = self.n_pending - MAX_PENDING_PAGES
        if over == 1:  # a page learned: the oldest of the oldest site goes
            oldest = min(self.pending, key=lambda s: self.pending[s][0][0])
            self.pending[oldest].pop(0)
            if not self.pending[oldest]:
                del self.pending[oldest]
            self.n_pending -= 1
        elif over > 1:  # a refresh's pages put back: the newest of all are kept
            pages = sorted(((page[0], site, page) for site, site_pages in self.pending.items()
                            for page in site_pages), key=lambda p: p[0])
            self.pending = {}
            for _, site, page in pages[over:]:
                self.pending.setdefault(site, []).append(page)
            self.n_pending = MAX_PENDING_PAGES

    def _read(self, site: str, reply: list[Any]) -> None:
        """Take what Redis holds of ``site`` (``_READ``'s reply) for its local table."""
        packed, t0, pages = reply
        self.loaded[site] = self.clock()
        if t0 is None:
            return  # nothing learned by anyone yet: the local table stands
        if len(packed) % _LINE.size:
            raise ValueError(f"site memory of {site}: lines that are not 8-byte hashes")
        # a table replaced in place keeps its rank in the local bound: being refreshed is
        # not being used (a site new here is the most recently used)
        table = self.memory.tables.get(site)
        if table is None:
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
