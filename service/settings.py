"""One frozen settings object, from ``CLEANWIRE_*`` environment variables and CLI flags.

This is the only module that reads the environment. Every option is declared once in
:data:`OPTIONS`; the CLI flags, the environment variables, ``--help`` and the
configuration table in docs/configuration.md all derive from that list (a test keeps the
document in step).
Precedence: flag, then environment variable, then default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from service.errors import ConfigError

Scope = Literal["all", "common", "kafka", "group", "run"]
Command = Literal["run", "process", "topics", "replay", "dlq"]
# Which commands take an option of each scope: `--help` of a command lists only its own.
COMMANDS: dict[Scope, tuple[Command, ...]] = {
    "all": ("run", "process", "topics", "replay", "dlq"),
    "common": ("run", "process"),  # the pipeline
    "kafka": ("run", "topics", "replay", "dlq"),  # the connection and the topic names
    "group": ("run", "replay", "dlq"),  # the consumer group
    "run": ("run",),
}


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: its attribute name, type, default, scope and help text."""

    name: str
    default: Any
    help: str
    scope: Scope = "common"
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None
    secret: bool = False
    hidden: bool = False  # internal or test-only: settable, but not listed by --help

    @property
    def commands(self) -> tuple[Command, ...]:
        return COMMANDS[self.scope]

    @property
    def env(self) -> str:
        return "CLEANWIRE_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _bytes(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


STAGES = ("clean", "dedup", "enrich")

OPTIONS: tuple[Option, ...] = (
    # common to run and process
    Option("log_level", "info", "Log level.", "all", choices=("debug", "info", "warning", "error")),
    Option(
        "stages",
        "clean,dedup,enrich",
        "Stages to run, comma-separated, or 'none' (parse only; for measuring the shell).",
    ),
    Option("rules", "", "Boilerplate rules file (TOML); empty = the shipped defaults."),
    Option(
        "max_record_bytes",
        2 * 1024**2,
        "Largest raw record accepted (bytes; K/M suffixes); larger goes to the DLQ before parsing.",
        type=_bytes,
    ),
    Option(
        "max_json_depth", 32, "Deepest JSON nesting accepted; deeper goes to the DLQ.", type=int
    ),
    Option(
        "store",
        "embedded",
        "Dedup and learned-boilerplate state: 'embedded' (in-process, persisted to --state-dir) or 'redis' (shared by all instances).",
        choices=("embedded", "redis"),
    ),
    Option(
        "state_dir",
        "",
        "Directory for the embedded store; empty = memory only (file mode) or ./state (run).",
    ),
    Option("redis_url", "redis://127.0.0.1:6379/0", "Redis URL for --store redis.", secret=True),
    Option(
        "dedup_window_seconds",
        7 * 24 * 3600,
        "How long an article stays in the dedup index (seconds).",
        type=int,
    ),
    Option(
        "ner_batch_size",
        2,  # = service.enrich.ner.BATCH_SIZE (not imported here: --help stays light)
        "Texts per spaCy batch (an article is one text: title, dek and body; a body over 10,000"
        " characters adds one text per 10,000). Larger batches ran"
        " faster (32: by 9 per cent), but their working memory (about 5 MiB an article) is taken and"
        " given back per chunk, so RSS swings with the chunk size.",
        type=int,
    ),
    Option(
        "enrich_max_chars",
        200_000,  # = service.enrich.stage.MAX_ARTICLE_CHARS
        "Longest article tagged (title, dek and body, in characters; also a quarter as many"
        " words). A longer one is published without entities, marked"
        " provenance.enrich_skipped=over_budget, so no record can exhaust memory or time.",
        type=int,
    ),
    Option(
        "languages",
        "en,fr",  # = the keys of service.enrich.ner.MODELS
        "Languages tagged with entities, each by its own model, comma-separated: en"
        " (en_core_web_sm), fr (fr_core_news_sm). An article in another language is published"
        " without entities, marked provenance.enrich_skipped=language and"
        " provenance.models.enrich='none (<language>)'; one whose language is unknown or"
        " uncertain (confidence below 0.6) goes to the first listed. Each model adds memory and"
        " start-up time.",
    ),
    # run (Kafka)
    Option(
        "bootstrap_servers", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated.", "kafka"
    ),
    Option(
        "group_id", "cleanwire", "Consumer group id (also prefixes transactional ids).", "group"
    ),
    Option("raw_topic", "articles.raw", "Input topic of raw article events.", "kafka"),
    Option("clean_topic", "articles.clean", "Output topic of clean articles.", "kafka"),
    Option(
        "duplicates_topic", "articles.duplicates", "Output topic of detected duplicates.", "kafka"
    ),
    Option("dlq_topic", "articles.dlq", "Dead-letter topic for invalid input.", "kafka"),
    Option(
        "delivery",
        "exactly_once",
        "Delivery guarantee.",
        "run",
        choices=("exactly_once", "at_least_once"),
    ),
    Option(
        "commit_interval_ms",
        100,
        "Pipeline time per chunk while keeping up (ms); a chunk commits as one transaction"
        " per partition in it.",
        "run",
        type=int,
    ),
    Option(
        "commit_backlog_interval_ms",
        500,
        "While a backlog waits, chunks grow (doubling) up to this much pipeline time (ms):"
        " fewer, larger transactions; back to --commit-interval-ms as it clears. A value"
        " not above --commit-interval-ms turns the growth off.",
        "run",
        type=int,
    ),
    Option(
        "commit_max_records",
        500,
        "Most records per commit (per partition transaction).",
        "run",
        type=int,
    ),
    Option(
        "fetch_max_bytes",
        16 * 1024**2,
        "Kafka fetch_max_bytes: most bytes one fetch returns (bounds memory).",
        "run",
        type=_bytes,
    ),
    Option(
        "max_partition_fetch_bytes",
        4 * 1024**2,
        "Kafka max_partition_fetch_bytes per partition and fetch.",
        "run",
        type=_bytes,
    ),
    Option(
        "shutdown_timeout_s",
        30.0,
        "On SIGTERM, time allowed to finish the batches in flight and commit.",
        "run",
        type=float,
    ),
    Option(
        "group_instance_id",
        "",
        "Static group membership id (KIP-345); empty = dynamic membership.",
        "run",
    ),
    Option(
        "metrics_addr",
        "0.0.0.0:9400",
        "host:port serving /metrics, /healthz and /readyz; empty disables.",
        "run",
    ),
    Option(
        "security_protocol",
        "PLAINTEXT",
        "Kafka security protocol.",
        "kafka",
        choices=("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
    ),
    Option(
        "sasl_mechanism",
        "SCRAM-SHA-512",
        "SASL mechanism.",
        "kafka",
        choices=("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
    ),
    Option("sasl_username", "", "SASL username.", "kafka"),
    Option("sasl_password", "", "SASL password (never logged).", "kafka", secret=True),
    Option("ssl_cafile", "", "CA bundle for TLS to Kafka.", "kafka"),
    Option("ssl_certfile", "", "Client certificate for mutual TLS.", "kafka"),
    Option("ssl_keyfile", "", "Client key for mutual TLS.", "kafka"),
    Option(
        "workers",
        1,
        "Worker processes, each its own consumer-group member (one per core). Worker i serves metrics on the metrics port + i and keeps embedded state in STATE_DIR/worker-i.",
        "run",
        type=int,
    ),
    Option(
        "worker_index",
        -1,
        "Internal: set by --workers on each child process; -1 = not a child.",
        "run",
        type=int,
        hidden=True,
    ),
    Option(
        "event_loop",
        "uvloop",
        "asyncio event loop implementation.",
        "run",
        choices=("uvloop", "asyncio"),
    ),
    Option(
        "test_kill_before_commit",
        0,
        "Fault injection for tests only: SIGKILL this process after the Nth batch has run the pipeline (state written) and before it commits; 0 = off.",
        "run",
        type=int,
        hidden=True,
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, validated; defaults live in :data:`OPTIONS`. Build it with :func:`load`."""

    log_level: str
    stages: str
    rules: str
    max_record_bytes: int
    max_json_depth: int
    store: str
    state_dir: str
    redis_url: str
    dedup_window_seconds: int
    ner_batch_size: int
    enrich_max_chars: int
    languages: str
    bootstrap_servers: str
    group_id: str
    raw_topic: str
    clean_topic: str
    duplicates_topic: str
    dlq_topic: str
    delivery: str
    commit_interval_ms: int
    commit_backlog_interval_ms: int
    commit_max_records: int
    fetch_max_bytes: int
    max_partition_fetch_bytes: int
    shutdown_timeout_s: float
    group_instance_id: str
    metrics_addr: str
    security_protocol: str
    sasl_mechanism: str
    sasl_username: str
    sasl_password: str
    ssl_cafile: str
    ssl_certfile: str
    ssl_keyfile: str
    workers: int
    worker_index: int
    event_loop: str
    test_kill_before_commit: int

    @property
    def language_list(self) -> tuple[str, ...]:
        """The ``languages`` setting as codes, in order, without repeats."""
        codes = (code.strip() for code in self.languages.split(","))
        return tuple(dict.fromkeys(code for code in codes if code))

    @property
    def enabled_stages(self) -> frozenset[str]:
        if self.stages.strip() == "none":
            return frozenset()
        return frozenset(s.strip() for s in self.stages.split(",") if s.strip())

    def redacted(self) -> dict[str, Any]:
        """Return the settings as a dict with secrets masked, for logging."""
        secret = {o.name for o in OPTIONS if o.secret}
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in secret:
            if out[name]:
                out[name] = "***"
        return out


def add_arguments(parser: argparse.ArgumentParser, command: Command) -> None:
    """Add a flag for each option ``command`` takes; defaults stay unset so precedence works.

    Hidden options (internal, test-only) are accepted but not listed by ``--help``.
    """
    for opt in OPTIONS:
        if command not in opt.commands:
            continue
        parser.add_argument(
            opt.flag,
            dest=opt.name,
            default=None,
            choices=opt.choices,
            metavar=opt.name.upper() if opt.choices is None else None,
            help=argparse.SUPPRESS
            if opt.hidden
            else f"{opt.help} [env {opt.env}; default: {opt.default!r}]",
        )


def load(flags: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from flags over environment over defaults.

    Raises :class:`ConfigError` naming the variable or flag when a value is invalid.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for opt in OPTIONS:
        raw = flags.get(opt.name)
        where = opt.flag
        if raw is None and opt.env in env:
            raw, where = env[opt.env], opt.env
        if raw is None:
            values[opt.name] = opt.default
            continue
        try:
            value = opt.type(str(raw))
        except ValueError:
            raise ConfigError(
                f"{where}={raw!r}: expected {opt.type.__name__.lstrip('_')}"
            ) from None
        if opt.choices is not None and value not in opt.choices:
            raise ConfigError(f"{where}={raw!r}: expected one of {', '.join(opt.choices)}")
        values[opt.name] = value
    settings = Settings(**values)
    unknown = settings.enabled_stages - set(STAGES)
    if unknown:
        raise ConfigError(
            f"stages: unknown {sorted(unknown)}; known: {', '.join(STAGES)} or 'none'"
        )
    if settings.max_record_bytes <= 0 or settings.max_json_depth <= 0:
        raise ConfigError("max_record_bytes and max_json_depth must be positive")
    if settings.ner_batch_size < 1:
        raise ConfigError("ner_batch_size must be at least 1")
    if settings.enrich_max_chars < 1:
        raise ConfigError("enrich_max_chars must be at least 1")
    known = ("en", "fr")  # = service.enrich.ner.MODELS (not imported here: --help stays light)
    chosen = [code.strip() for code in settings.languages.split(",") if code.strip()]
    if not chosen or any(code not in known for code in chosen):
        raise ConfigError(
            f"languages={settings.languages!r}: expected a comma-separated list of {', '.join(known)}"
        )
    if settings.workers < 1:
        raise ConfigError("workers must be at least 1")
    if settings.commit_interval_ms <= 0 or settings.commit_max_records <= 0:
        raise ConfigError("commit_interval_ms and commit_max_records must be positive")
    return settings
