"""The Redis store against a real redis-server: the shared contract and round trips.

Connects to ``CLEANWIRE_TEST_REDIS_URL`` (default redis://127.0.0.1:6379/15) and
flushes that database before each test. An unreachable server fails the tests.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import redis

from service.dedup.stage import MatchPolicy, Verdict
from service.models import Origin
from service.stores.redis.store import RedisStore
from tests.store_contract import NOW, MakeStore, StoreContract, body, probe

REDIS_URL = os.environ.get("CLEANWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
pytestmark = pytest.mark.integration


class CountingRedis(redis.Redis):
    """A client that counts the commands it sends (one command = one round trip)."""

    sent = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent += 1
        return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


@pytest.fixture
def client() -> Iterator[CountingRedis]:
    connection = CountingRedis(connection_pool=redis.ConnectionPool.from_url(REDIS_URL))
    connection.ping()
    connection.flushdb()
    yield connection
    connection.close()


class TestRedisStore(StoreContract):
    """The contract on Redis."""

    @pytest.fixture
    def make_store(self, client: CountingRedis) -> MakeStore:
        return lambda policy=None: RedisStore(client, policy)


def test_one_round_trip_per_article(client: CountingRedis) -> None:
    """check_and_insert sends exactly one command per article, hit or miss."""
    store = RedisStore(client, MatchPolicy(max_entries=5))
    before = client.sent
    for number in range(20):
        store.check_and_insert(probe(f"a{number}", body(number % 8), offset=number), NOW)
    assert client.sent - before == 20


def test_two_instances_share_one_index(client: CountingRedis) -> None:
    """A copy seen by another instance (another client) is caught as a duplicate."""
    first = RedisStore(client)
    second = RedisStore(redis.Redis.from_url(REDIS_URL))
    first.check_and_insert(probe("a", body(1)), NOW)
    assert second.check_and_insert(probe("b", body(1)), NOW).duplicate_of == "a"
    second.close()


def _check_at_once(story: int, copies: list[str]) -> dict[str, Verdict]:
    """Check copy k on partition k from its own connection, all released by one barrier."""
    stores = [RedisStore(redis.Redis.from_url(REDIS_URL)) for _ in copies]
    barrier = threading.Barrier(len(copies))
    verdicts: dict[str, Verdict] = {}

    def check(number: int) -> None:
        item = probe(f"s{story}-e{number}", copies[number])
        item = replace(item, origin=Origin("raw", number, story))
        barrier.wait()
        verdicts[item.article_id] = stores[number].check_and_insert(item, NOW + story)

    threads = [threading.Thread(target=check, args=(number,)) for number in range(len(copies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    return verdicts


def test_instances_checking_copies_at_once_agree_on_one_original(client: CountingRedis) -> None:
    """Four instances check four edited copies of a story at the same moment: one original.

    Each copy comes from its own connection (its own instance) and partition; a barrier
    releases them together. The script runs atomically, so whichever runs first is the
    original and the other three are its near-duplicates, in every interleaving.
    """
    words = body(1).split(" ")
    copies = [
        " ".join("edited" if i % 25 == k else w for i, w in enumerate(words)) for k in range(4)
    ]
    for story in range(10):
        verdicts = _check_at_once(story, copies)
        originals = [aid for aid, v in verdicts.items() if v.match == "unique"]
        assert len(verdicts) == 4 and len(originals) == 1, verdicts
        assert {v.cluster_id for v in verdicts.values()} == set(originals)
        client.flushdb()


def test_unreachable_server_raises() -> None:
    """A store on a closed port raises ConnectionError instead of answering."""
    with pytest.raises(redis.ConnectionError):
        RedisStore.from_url("redis://127.0.0.1:1/0")
