"""The redis-py client both Redis-backed stores use: rides out a Redis restart.

A restarted Redis refuses connections, then answers ``LOADING`` (``BusyLoadingError``)
while it replays its append-only file, which takes seconds for a large index. redis-py's
default (3 retries) gives up before that, and the service would exit and replay for a
routine restart. This client retries connection errors, timeouts and ``LOADING`` with
exponential backoff and jitter (0.1 s doubling to 2 s, :data:`RETRIES` times: about 30 s
in all) before the error propagates. Both stores' scripts are idempotent for a repeated
call (a replayed article finds its own entry), so a retry after an answer was lost is
safe. Socket timeouts bound a hung server.
"""

from __future__ import annotations

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

RETRIES = 18
SOCKET_TIMEOUT_S = 10.0


def connect(url: str) -> redis.Redis:
    """Return a client for ``url`` (``redis://`` or ``rediss://``) with the retry policy."""
    return redis.Redis.from_url(
        url,
        retry=Retry(ExponentialWithJitterBackoff(base=0.1, cap=2.0), RETRIES),
        retry_on_error=[redis.BusyLoadingError, redis.ConnectionError, redis.TimeoutError],
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
    )
