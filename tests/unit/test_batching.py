"""ChunkBuffer: chunks sized by pipeline time, few partitions each, in turn, in order."""

from __future__ import annotations

from service.shell.batching import ChunkBuffer


def test_chunks_keep_fetch_order_and_fill_from_few_partitions() -> None:
    """Each partition's records come out in order; a chunk fills from one partition first."""
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=4)
    buf.add({"p0": [0, 1, 2, 3, 4], "p1": [10, 11]})
    assert buf.take({"p0", "p1"}) == {"p0": [0, 1, 2, 3]}
    assert buf.take({"p0", "p1"}) == {"p1": [10, 11], "p0": [4]}
    assert not buf
    assert buf.take({"p0", "p1"}) == {}


def test_chunk_size_follows_pipeline_cost() -> None:
    """Slow records shrink the next chunk to about one interval; fast ones grow it to the cap."""
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=500)
    buf.observe(records=10, seconds=1.0)  # 100 ms a record
    assert buf.size == 1
    for _ in range(20):
        buf.observe(records=100, seconds=0.01)  # 0.1 ms a record
    assert buf.size == 500


def test_small_chunks_take_partitions_in_turn() -> None:
    """A chunk smaller than the partitions waiting holds only its size, served in turn."""
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=500)
    buf.observe(records=1, seconds=0.15)  # slow stages: one record a chunk
    buf.add({"p0": [0, 1], "p1": [10, 11], "p2": [20]})
    taken = [buf.take({"p0", "p1", "p2"}) for _ in range(6)]
    assert taken == [{"p0": [0]}, {"p1": [10]}, {"p2": [20]}, {"p0": [1]}, {"p1": [11]}, {}]
    buf = ChunkBuffer(interval_s=0.1, max_records=500)
    buf.observe(records=10, seconds=0.4)  # 40 ms a record: two a chunk
    assert buf.size == 2
    buf.add({"p0": [2, 3, 4], "p1": [12], "p2": [21]})
    assert buf.take({"p0", "p1", "p2"}) == {"p0": [2, 3]}
    assert buf.take({"p0", "p1", "p2"}) == {"p1": [12], "p2": [21]}
    assert buf.take({"p0", "p1", "p2"}) == {"p0": [4]}


def test_a_backlog_widens_chunks_and_its_end_narrows_them() -> None:
    """Records left behind double the span up to the backlog interval; an empty buffer halves it."""
    buf: ChunkBuffer[str, int] = ChunkBuffer(
        interval_s=0.1, max_records=500, backlog_interval_s=0.5
    )
    buf.observe(records=10, seconds=0.6)  # 60 ms a record: one a chunk at 100 ms
    assert buf.size == 1
    buf.add({"p0": list(range(100))})
    sizes = [len(buf.take({"p0"})["p0"]) for _ in range(5)]
    assert sizes == [1, 3, 6, 8, 8]  # spans 0.1, 0.2, 0.4, 0.5 (the cap), 0.5
    assert buf.span_s == 0.5
    buf.drop("p0")
    buf.add({"p0": [100]})
    assert buf.take({"p0"}) == {"p0": [100]}  # the backlog is gone: half the span
    assert (buf.span_s, buf.size) == (0.25, 4)
    assert buf.take({"p0"}) == {}
    assert (buf.span_s, buf.size) == (0.125, 2)
    assert buf.take({"p0"}) == {}
    assert (buf.span_s, buf.size) == (0.1, 1)  # never below the interval


def test_no_backlog_interval_means_no_growth() -> None:
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=500)
    buf.observe(records=10, seconds=0.6)
    buf.add({"p0": list(range(10))})
    assert [len(buf.take({"p0"})["p0"]) for _ in range(3)] == [1, 1, 1]


def test_full_when_a_whole_chunk_is_waiting() -> None:
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=4)
    assert not buf.full()
    buf.add({"p0": [0, 1], "p1": [10]})
    assert not buf.full()
    buf.add({"p1": [11]})
    assert buf.full()
    buf.take({"p0", "p1"})
    assert not buf.full()


def test_revoked_or_dropped_partitions_are_not_handed_out() -> None:
    """Records of a partition no longer owned, or dropped for a rewind, are forgotten."""
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=10)
    buf.add({"p0": [1, 2], "p1": [3], "p2": [4]})
    buf.drop("p2")
    assert buf.take({"p0"}) == {"p0": [1, 2]}
    assert not buf


def test_predicted_time_follows_the_smoothed_cost_and_is_unknown_at_first() -> None:
    """No estimate before a chunk ran; then records times the smoothed cost a record."""
    buf: ChunkBuffer[str, int] = ChunkBuffer(interval_s=0.1, max_records=500)
    assert buf.predicted_s(500) is None
    buf.observe(records=100, seconds=0.004)  # 40 us a record
    assert buf.predicted_s(500) == 500 * 0.00004
    buf.observe(records=10, seconds=0.2)  # 20 ms a record: 0.7 * 40 us + 0.3 * 20 ms
    assert abs(buf.predicted_s(1) - (0.7 * 0.00004 + 0.3 * 0.02)) < 1e-12  # type: ignore[operator]
