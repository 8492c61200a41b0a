"""Per-source learned-boilerplate statistics in Redis, shared by every instance.

Implements :class:`service.clean.learned.LineStatsStore` with one Lua script call (one
round trip) per article. Each (source, line) is a small set of the distinct article ids
that contained it, capped at ``min_articles`` and expiring ``ttl_seconds`` after it was
last seen; a per-source sorted set keeps at most ``max_lines_per_source`` lines (the
least recently seen are dropped). Keys share a ``{source}`` hash tag, so one article's
script touches one Redis Cluster slot. Redis errors propagate: the shell replays.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

from service.clean.learned import Observation
from service.errors import StateUnavailable
from service.stores.redis.client import connect

OBSERVE = """
local prefix, article, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ttl, need, cap = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local index = prefix .. ':index'
local learned, out = 0, {}
for i = 7, #ARGV do
  local key = prefix .. ':' .. ARGV[i]
  local before = redis.call('SCARD', key)
  local n = before
  if before < need and redis.call('SISMEMBER', key, article) == 0 then
    redis.call('SADD', key, article)
    n = before + 1
  end
  redis.call('EXPIRE', key, ttl)
  redis.call('ZADD', index, now, ARGV[i])
  if n >= need then
    out[#out + 1] = ARGV[i]
    if before < need then learned = learned + 1 end
  end
end
local extra = redis.call('ZCARD', index) - cap
if extra > 0 then
  local popped = redis.call('ZPOPMIN', index, extra)
  for j = 1, #popped, 2 do redis.call('DEL', prefix .. ':' .. popped[j]) end
end
redis.call('EXPIRE', index, ttl)
return {learned, out}
"""


class RedisLineStats:
    """A :class:`~service.clean.learned.LineStatsStore` in Redis; see module docstring."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        min_articles: int = 3,
        ttl_seconds: float = 7 * 86400.0,
        max_lines_per_source: int = 20_000,
        namespace: str = "cleanwire:lines",
    ) -> None:
        self._client = client
        self._script = client.register_script(OBSERVE)
        self.min_articles = min_articles
        self.ttl_seconds = int(ttl_seconds)
        self.max_lines_per_source = max_lines_per_source
        self.namespace = namespace

    @classmethod
    def from_url(cls, url: str, **kwargs: float | int | str) -> RedisLineStats:
        return cls(connect(url), **kwargs)  # type: ignore[arg-type]

    def observe(self, source: str, article_id: str, keys: Sequence[str], now: float) -> Observation:
        """Record the article's line keys; return its boilerplate keys (idempotent on replay)."""
        if not keys:
            return Observation(frozenset(), 0)
        args: list[str | float] = [
            f"{self.namespace}:{{{source}}}", article_id, now, self.ttl_seconds,
            self.min_articles, self.max_lines_per_source, *dict.fromkeys(keys),
        ]  # fmt: skip
        try:
            learned, boilerplate = self._script(args=args)
        except redis.RedisError as exc:
            raise StateUnavailable(f"learned-boilerplate store: {exc}") from exc
        return Observation(frozenset(k.decode() for k in boilerplate), int(learned))

    def close(self) -> None:
        self._client.close()
