"""The Redis SeenStore: one index shared by every instance of the consumer group.

Each ``check_and_insert`` is exactly one round trip: an EVALSHA of
the Lua script in :mod:`service.stores.redis.lua`, which expires old entries, gathers candidates from the posting
sets, judges them with the same rules as :func:`service.dedup.stage.judge` (ported to Lua;
the shared contract tests hold both to the same verdicts) and inserts a new original,
all atomically, so copies of one story arriving on different partitions or pods at the
same moment still produce exactly one original. The script is loaded once at start-up.

Keys (``P`` = prefix ``{cleanwire-dedup}`` by default, then ``:v`` and the exact-key
version :data:`service.dedup.fingerprint.KEY_VERSION`; the hash tag keeps them on one slot):
``P:e:<article id>`` entry hash, ``P:k:<32-bit key>`` set of article ids posted under
that key, ``P:z`` sorted set of article ids by first-seen time (TTL and max-entries
eviction, oldest first). A new key version therefore starts an empty index beside the
old one, which is never read; its keys (``{cleanwire-dedup}:e:...`` etc. for version 1,
which had no version suffix) can be deleted. Durability is the Redis server's (AOF/RDB) configuration.
Connection and script errors propagate (the shell crashes and replays).
"""

from __future__ import annotations

import redis

from service.dedup.fingerprint import KEY_VERSION
from service.dedup.stage import SHINGLES_CAP, MatchKind, MatchPolicy, Probe, Verdict
from service.errors import StateUnavailable
from service.stores.redis.client import connect
from service.stores.redis.lua import SCRIPT

_LOW32 = 0xFFFFFFFF
_KINDS: dict[str, MatchKind] = {"unique": "unique", "url": "url", "exact": "exact", "near": "near"}


class RedisStore:
    """:class:`service.dedup.stage.SeenStore` on a Redis server (redis-py sync client)."""

    def __init__(
        self,
        client: redis.Redis,
        policy: MatchPolicy | None = None,
        prefix: str = "{cleanwire-dedup}",
    ) -> None:
        self.client = client
        self.policy = policy or MatchPolicy()
        self.prefix = prefix
        self.namespace = f"{prefix}:v{KEY_VERSION}"
        self._script = client.register_script(SCRIPT)
        self._script.sha = str(client.script_load(SCRIPT))

    @classmethod
    def from_url(cls, url: str, policy: MatchPolicy | None = None) -> RedisStore:
        """Connect to ``url`` and load the script; raises redis.ConnectionError if down."""
        return cls(connect(url), policy)

    def check_and_insert(self, probe: Probe, now: float) -> Verdict:
        """Return the verdict for ``probe`` and index it when new, in one round trip."""
        policy = self.policy
        anchors = probe.sketch[: policy.lookup_anchors]
        lookup = [*anchors, *(k & _LOW32 for k in (probe.url_key, probe.body_key) if k)]
        stored = probe.sketch[: policy.stored_anchors]
        posted = [*stored[: policy.posted_anchors], probe.url_key & _LOW32]
        if len(stored) < policy.posted_anchors:
            posted.append(probe.body_key & _LOW32)
        args: list[str | int | float] = [
            self.namespace,
            repr(float(now)),
            repr(float(policy.ttl_seconds)),
            policy.max_entries,
            policy.stored_anchors,
            repr(policy.containment_for(probe)),
            policy.min_compared,
            repr(policy.min_size_ratio),
            policy.common_postings,
            probe.article_id,
            probe.origin.topic,
            probe.origin.partition,
            probe.origin.offset,
            probe.url_key,
            probe.body_key,
            min(probe.shingles, SHINGLES_CAP),
            int(probe.sketch_full),
            ",".join(map(str, probe.sketch)),
            ",".join(map(str, lookup)),
            ",".join(map(str, dict.fromkeys(posted))),
            len(anchors),
            policy.posted_anchors,
            repr(policy.fuller_min_share),
            policy.short_shingles,
            repr(max(policy.containment_for(probe), policy.min_containment_short)),
        ]
        try:
            answer = self._script(keys=[], args=args)
        except redis.RedisError as exc:
            raise StateUnavailable(f"dedup store: {exc}") from exc
        match, cluster, duplicate_of, replay = (
            part.decode() if isinstance(part, bytes) else str(part) for part in answer
        )
        if match not in _KINDS:
            raise ValueError(f"unexpected dedup script answer {match!r}")
        return Verdict(_KINDS[match], cluster, duplicate_of or None, replay == "1")

    def entries(self) -> int:
        """Return the number of indexed originals (one ZCARD round trip)."""
        return int(self.client.zcard(f"{self.namespace}:z"))

    def size_bytes(self) -> int:
        """Return the server's ``used_memory`` (the index shares it with other data)."""
        return int(self.client.info("memory")["used_memory"])

    def flush(self) -> None:
        """Do nothing: every insert is on the server when ``check_and_insert`` returns."""

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()
