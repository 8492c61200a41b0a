"""Unit tests for service.shell.partitioner: the compiled murmur2 picks aiokafka's partition."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner, murmur2
from hypothesis import given
from hypothesis import strategies as st
from murmurhash2 import murmurhash2

from service.shell.partitioner import KAFKA_MURMUR2_SEED, Murmur2Partitioner

PARTITIONER = Murmur2Partitioner()


@given(st.binary(max_size=300))
def test_hash_is_kafkas_murmur2(key: bytes) -> None:
    assert murmurhash2(key, KAFKA_MURMUR2_SEED) == murmur2(key)


@given(
    st.binary(max_size=200),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=64, unique=True).map(sorted),
)
def test_every_key_lands_on_aiokafkas_partition(key: bytes, partitions: list[int]) -> None:
    expected = DefaultPartitioner()(key, partitions, partitions[:1])
    assert PARTITIONER(key, partitions, partitions[:1]) == expected


# Apache Kafka's UtilsTest.testMurmur2: key -> the Java client's signed 32-bit hash.
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
    b"": 275646681,
}


def test_the_java_clients_vectors() -> None:
    for key, java in JAVA_VECTORS.items():
        assert murmurhash2(key, KAFKA_MURMUR2_SEED) == java & 0xFFFFFFFF, key
        partition = (java & 0x7FFFFFFF) % 12
        assert PARTITIONER(key, list(range(12)), []) == partition


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    for _ in range(200):
        assert PARTITIONER(None, [0, 1, 2, 3], [1, 3]) in (1, 3)
        assert PARTITIONER(None, [0, 1, 2], []) in (0, 1, 2)
