"""Learned-boilerplate statistics in Redis answer exactly like the in-memory store."""

from __future__ import annotations

import os
import random

import pytest
import redis

from service.clean.learned import InMemoryLineStats
from service.stores.redis.lines import RedisLineStats

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("CLEANWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def client() -> redis.Redis:
    c = redis.Redis.from_url(REDIS_URL)
    try:
        c.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"no Redis at {REDIS_URL}: {exc}; run scripts/services.sh start")
    return c


def test_same_answers_as_memory_store_on_a_random_stream(client: redis.Redis) -> None:
    """Over 300 articles from 3 sources, Redis and memory agree on boilerplate and learned counts."""
    rng = random.Random(5)
    memory = InMemoryLineStats(min_articles=3)
    shared = RedisLineStats(client, min_articles=3)
    chrome = [f"chrome-{i}" for i in range(4)]
    for n in range(300):
        source = f"s{n % 3}"
        keys = rng.sample(chrome, 2) + [f"body-{n}-{j}" for j in range(5)]
        article = f"a{n}" if rng.random() > 0.1 else f"a{max(0, n - 3)}"  # some replays
        want = memory.observe(source, article, keys, 1000.0 + n)
        got = shared.observe(source, article, keys, 1000.0 + n)
        assert got == want, (n, got, want)


def test_replayed_article_is_not_counted_twice(client: redis.Redis) -> None:
    """The same article observed three times never makes its lines boilerplate on its own."""
    shared = RedisLineStats(client, min_articles=3)
    for _ in range(3):
        assert shared.observe("src", "same-article", ["k1", "k2"], 1.0).boilerplate == frozenset()
    shared.observe("src", "other-1", ["k1"], 2.0)
    third = shared.observe("src", "other-2", ["k1"], 3.0)
    assert third.boilerplate == frozenset({"k1"}) and third.newly_learned == 1


def test_lines_per_source_are_capped(client: redis.Redis) -> None:
    """At most max_lines_per_source lines are kept per source; the oldest go first."""
    shared = RedisLineStats(client, min_articles=2, max_lines_per_source=10)
    for n in range(30):
        shared.observe("capped", f"a{n}", [f"line-{n}"], float(n))
    kept = [k for k in client.scan_iter("cleanwire:lines:{capped}:line-*")]
    assert len(kept) == 10
    assert client.zcard("cleanwire:lines:{capped}:index") == 10
    assert (
        b"cleanwire:lines:{capped}:line-29" in kept
        and b"cleanwire:lines:{capped}:line-0" not in kept
    )


def test_unreachable_redis_raises_state_unavailable() -> None:
    """A Redis that cannot be reached raises StateUnavailable (crash and replay), not a record error."""
    from service.errors import StateUnavailable

    shared = RedisLineStats(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1))
    with pytest.raises(StateUnavailable):
        shared.observe("src", "a1", ["k1"], 1.0)
