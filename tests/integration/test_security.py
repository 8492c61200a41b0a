"""SASL/SCRAM over TLS: the service connects with credentials from the environment and never logs them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.helpers import create_ssl_context

from tests.integration.securebroker import SecureBroker, start_secure_broker

pytestmark = pytest.mark.integration

PASSWORD = "s3cr3t-Pa55w0rd-never-logged"


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    broker = start_secure_broker(tmp_path_factory.mktemp("secure-broker"), "cleanwire", PASSWORD)
    yield broker
    broker.stop()


def client(broker: SecureBroker) -> dict[str, object]:
    return {
        "bootstrap_servers": broker.bootstrap, "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": broker.username,
        "sasl_plain_password": broker.password, "ssl_context": create_ssl_context(cafile=str(broker.cafile)),
    }  # fmt: skip


async def read(broker: SecureBroker, topic: str, expected: int, timeout: float = 60) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, auto_offset_reset="earliest", isolation_level="read_committed", **client(broker)
    )  # type: ignore[arg-type]
    await consumer.start()
    out: list[bytes] = []
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(out) < expected and loop.time() < end:
            for msgs in (await consumer.getmany(timeout_ms=500)).values():
                out.extend(m.value or b"" for m in msgs)
    finally:
        await consumer.stop()
    return out


async def test_service_over_sasl_ssl_with_env_credentials_logs_no_secret(
    secure_broker: SecureBroker, tmp_path: Path
) -> None:
    """Over SCRAM-SHA-512 + TLS the service consumes and publishes; its debug logs never contain the password."""
    admin = AIOKafkaAdminClient(**client(secure_broker))  # type: ignore[arg-type]
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(t, 2, 1) for t in ("sec.raw", "sec.clean", "sec.dup", "sec.dlq")]
        )
    finally:
        await admin.close()
    producer = AIOKafkaProducer(**client(secure_broker))  # type: ignore[arg-type]
    await producer.start()
    try:
        for i in range(5):
            await producer.send(
                "sec.raw",
                orjson.dumps(
                    {"id": f"s{i}", "url": f"https://sec.example/{i}", "text": "Secure story."}
                ),
            )
        await producer.send("sec.raw", b"not json")
        await producer.flush()
    finally:
        await producer.stop()
    env = {
        **os.environ, "CLEANWIRE_BOOTSTRAP_SERVERS": secure_broker.bootstrap, "CLEANWIRE_SECURITY_PROTOCOL": "SASL_SSL",
        "CLEANWIRE_SASL_MECHANISM": "SCRAM-SHA-512", "CLEANWIRE_SASL_USERNAME": secure_broker.username,
        "CLEANWIRE_SASL_PASSWORD": PASSWORD, "CLEANWIRE_SSL_CAFILE": str(secure_broker.cafile),
        "CLEANWIRE_RAW_TOPIC": "sec.raw", "CLEANWIRE_CLEAN_TOPIC": "sec.clean", "CLEANWIRE_DUPLICATES_TOPIC": "sec.dup",
        "CLEANWIRE_DLQ_TOPIC": "sec.dlq", "CLEANWIRE_STAGES": "none", "CLEANWIRE_METRICS_ADDR": "",
        "CLEANWIRE_LOG_LEVEL": "debug", "CLEANWIRE_STATE_DIR": str(tmp_path / "state"),
    }  # fmt: skip
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        clean = await read(secure_broker, "sec.clean", 5)
        dlq = await read(secure_broker, "sec.dlq", 1)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    text = log.read_text()
    assert code == 0, text[-2000:]
    assert sorted(orjson.loads(v)["id"] for v in clean) == [f"s{i}" for i in range(5)]
    assert dlq == [b"not json"]
    assert '"service_starting"' in text and '"sasl_password": "***"' in text
    assert PASSWORD not in text
