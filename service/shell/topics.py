"""Create the service's topics (raw, clean, duplicates, DLQ) when they are missing.

Defaults are safe on a production cluster: the replication factor is 3, or the number of
brokers when the cluster has fewer (a one-broker development cluster gets 1), and
``min.insync.replicas`` is 2 when there are at least 3 replicas, so an ``acks=all`` write
(the service's producers use it) survives the loss of any one broker. ``--config k=v``
adds or overrides topic configs for all four topics. Existing topics are left as they
are; their partition count and replication factor are logged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from service.errors import ConfigError
from service.settings import Settings
from service.shell import logs
from service.shell.client import client_options

log = logs.get("cleanwire.topics")
SAFE_REPLICATION = 3


def parse_configs(pairs: Sequence[str]) -> dict[str, str]:
    """Return ``{key: value}`` from ``key=value`` strings; raise ConfigError otherwise."""
    configs: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(
                f"--config {pair!r}: expected key=value (e.g. retention.ms=604800000)"
            )
        configs[key.strip()] = value.strip()
    return configs


def topic_plan(
    brokers: int, replication_factor: int | None, configs: Mapping[str, str]
) -> tuple[int, dict[str, str]]:
    """Return the replication factor and topic configs to create topics with.

    ``replication_factor`` None means min(3, brokers); more replicas than brokers is a
    ConfigError (the broker would refuse it with a less clear message).
    """
    factor = min(SAFE_REPLICATION, brokers) if replication_factor is None else replication_factor
    if factor < 1:
        raise ConfigError(f"--replication-factor {factor}: must be at least 1")
    if factor > brokers:
        raise ConfigError(
            f"--replication-factor {factor}: the cluster has only {brokers} broker(s)"
        )
    chosen = {"min.insync.replicas": "2" if factor >= SAFE_REPLICATION else "1"}
    chosen.update(configs)
    return factor, chosen


async def create_topics(
    settings: Settings,
    partitions: int,
    replication_factor: int | None = None,
    configs: Mapping[str, str] | None = None,
) -> int:
    """Create each missing topic; existing topics are left as they are. Return 0."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        factor, chosen = topic_plan(len(cluster["brokers"]), replication_factor, configs or {})
        existing = set(await admin.list_topics())
        names = [
            settings.raw_topic,
            settings.clean_topic,
            settings.duplicates_topic,
            settings.dlq_topic,
        ]
        missing = [n for n in names if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(n, partitions, factor, topic_configs=chosen) for n in missing]
                )
        kept = sorted(set(names) - set(missing))
        shapes = {}
        if kept:
            for topic in await admin.describe_topics(kept):
                parts = topic["partitions"]
                replicas = len(parts[0]["replicas"]) if parts else 0
                shapes[topic["topic"]] = {"partitions": len(parts), "replication_factor": replicas}
        log.info(
            "topics_ready",
            created=missing,
            partitions=partitions,
            replication_factor=factor,
            configs=chosen,
            existing=shapes,
        )
    finally:
        await admin.close()
    return 0
