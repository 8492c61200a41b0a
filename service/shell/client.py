"""Small helpers shared by the shell modules (Kafka client options, clocks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.helpers import create_ssl_context

from service.errors import ConfigError
from service.settings import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    """Return the aiokafka connection and security keyword arguments for ``settings``."""
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": settings.security_protocol,
        "client_id": f"cleanwire-{settings.group_id}",
    }
    if settings.security_protocol.startswith("SASL"):
        opts["sasl_mechanism"] = settings.sasl_mechanism
        opts["sasl_plain_username"] = settings.sasl_username
        opts["sasl_plain_password"] = settings.sasl_password
    if settings.security_protocol.endswith("SSL"):
        opts["ssl_context"] = create_ssl_context(
            cafile=settings.ssl_cafile or None,
            certfile=settings.ssl_certfile or None,
            keyfile=settings.ssl_keyfile or None,
        )
    return opts


async def topic_partitions(settings: Settings, topic: str) -> list[int]:
    """Return the partition ids of ``topic``; ConfigError when it does not exist."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    found = [t for t in described if t["topic"] == topic and not t["error_code"]]
    if not found or not found[0]["partitions"]:
        raise ConfigError(f"topic {topic!r} does not exist or has no partitions")
    return sorted(p["partition"] for p in found[0]["partitions"])


def utc_now() -> str:
    """Return the current UTC time as an RFC 3339 string with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
