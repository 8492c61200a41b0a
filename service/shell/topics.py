"""Create the service's topics (raw, clean, duplicates, DLQ) when they are missing."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from service.settings import Settings
from service.shell import logs
from service.shell.client import client_options

log = logs.get("cleanwire.topics")


async def create_topics(settings: Settings, partitions: int, replication_factor: int) -> int:
    """Create each missing topic; existing topics are left as they are. Return 0."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
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
                    [NewTopic(n, partitions, replication_factor) for n in missing]
                )
        log.info("topics_ready", created=missing, existing=sorted(set(names) - set(missing)))
    finally:
        await admin.close()
    return 0
