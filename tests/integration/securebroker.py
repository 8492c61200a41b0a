"""A second local broker with a SASL_SSL (SCRAM-SHA-512 over TLS) listener, for security tests.

The CA and the broker's certificate are made by the test (trustme); the SCRAM user is
created when the storage is formatted. The controller listener stays plaintext on loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[2]


def _lib() -> Path:
    pom = (ROOT / "scripts" / "kafka" / "pom.xml").read_text()
    version = pom.split("<kafka.version>")[1].split("<")[0]
    lib = ROOT / ".cache" / "kafka" / version / "lib"
    if not (lib / ".complete").exists():
        raise RuntimeError(f"Kafka jars missing in {lib}: run scripts/services.sh fetch")
    return lib


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SecureBroker:
    bootstrap: str
    cafile: Path
    username: str
    password: str
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_secure_broker(workdir: Path, username: str, password: str) -> SecureBroker:
    """Format and start the broker; raise RuntimeError if it is not listening within 60 s."""
    lib = _lib()
    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    cert = ca.issue_cert("127.0.0.1", "localhost")
    keystore = workdir / "broker.pem"
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )  # Kafka's PEM keystore reads PKCS#8 keys only
    keystore.write_bytes(pkcs8 + b"".join(b.bytes() for b in cert.cert_chain_pems))
    cafile = workdir / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    port, controller = _free_port(), _free_port()
    props = workdir / "server.properties"
    props.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{controller}",
                f"listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
                f"advertised.listeners=SASL_SSL://127.0.0.1:{port}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=SASL_SSL",
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                f'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="{username}" password="{password}";',
                "ssl.keystore.type=PEM",
                f"ssl.keystore.location={keystore}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.location={cafile}",
                f"log.dirs={workdir / 'data'}",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.partitions=2",
            ]
        )
        + "\n"
    )
    cp = f"{lib}/*"
    uuid = subprocess.run(
        ["java", "-cp", cp, "kafka.tools.StorageTool", "random-uuid"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    subprocess.run(
        ["java", "-cp", cp, "kafka.tools.StorageTool", "format", "-t", uuid, "-c", str(props),
         "--add-scram", f"SCRAM-SHA-512=[name={username},password={password}]"],
        capture_output=True, check=True,
    )  # fmt: skip
    with (workdir / "broker.log").open("wb") as log:
        proc = subprocess.Popen(
            ["java", "-Xmx512m", f"-Dlog4j2.configurationFile={ROOT / 'scripts/kafka/log4j2.yaml'}", "-cp", cp, "kafka.Kafka", str(props)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"secure broker exited: {(workdir / 'broker.log').read_text()[-2000:]}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return SecureBroker(f"127.0.0.1:{port}", cafile, username, password, proc)
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("secure broker not listening after 60 s")
