"""structlog configuration: JSON lines on stderr, one place.

Events are snake_case names with key=value context. Never pass secrets or article
bodies; :func:`configure` also masks any key that looks like a credential.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEYS = ("password", "secret", "token", "sasl_plain", "redis_url")
PAGE_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")
"""Libraries that log about the pages they read ("empty HTML tree" at error level): the
outcome of each page is the service's to report (the DLQ, metrics), so their records
go out at debug level, and only with ``--log-level debug``."""


class _DemotePageLoggers(logging.Filter):
    """Lower the page libraries' records to DEBUG (the handler's filter: children too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in PAGE_LOGGERS:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def _mask_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if any(s in key.lower() for s in SECRET_KEYS) and event[key]:
            event[key] = "***"
    return event


def configure(level: str = "info") -> None:
    """Send structlog and stdlib logging (aiokafka's) to stderr as JSON lines."""
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _mask_secrets,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(),
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                _mask_secrets,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.WARNING))
    handler.addFilter(_DemotePageLoggers())
    for name in PAGE_LOGGERS:  # below debug, their records are not even made
        logging.getLogger(name).setLevel(logging.DEBUG if numeric <= logging.DEBUG else 100)


def get(name: str = "cleanwire") -> Any:
    """Return a bound logger."""
    return structlog.get_logger(name)
