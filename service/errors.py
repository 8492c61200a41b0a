"""The service's error types.

Broken input raises :class:`InvalidEvent`; the shell routes it to the dead-letter topic
with ``reason`` as a stable code. An article that is empty after cleaning is not raised
(it is a ``Drop``) but is dead-lettered too, with reason ``empty_after_cleaning`` (see
``service.shell.events.dead_letter``). Broken configuration raises :class:`ConfigError` at
start-up. Infrastructure failures are not wrapped: they propagate and the process
recovers by replaying from the last commit.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "not_json",
    "invalid_utf8",
    "not_object",
    "no_content",
    "wrong_type",
    "missing_field",
    "too_large",
    "too_deep",
    "invalid_url",
    "stage_error",
    "empty_after_cleaning",
]

REASONS: tuple[Reason, ...] = (
    "not_json",
    "invalid_utf8",
    "not_object",
    "no_content",
    "wrong_type",
    "missing_field",
    "too_large",
    "too_deep",
    "invalid_url",
    "stage_error",
    "empty_after_cleaning",
)


class CleanwireError(Exception):
    """Base of every error this package raises on purpose."""


class InvalidEvent(CleanwireError):
    """A record that can never be processed; goes to the DLQ, processing continues.

    ``reason`` is a stable code (see :data:`REASONS`), ``field`` the offending
    field when there is one, ``stage`` the stage that rejected it.
    """

    def __init__(
        self, reason: Reason, message: str, *, field: str | None = None, stage: str = "parse"
    ) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.field = field
        self.stage = stage


class StateUnavailable(CleanwireError):
    """The shared state store (Redis) failed: infrastructure, never the record's fault.

    Stages raise it instead of the client's own error so the pipeline can tell it apart
    from a bug on odd input: it propagates, the process exits, and the restarted process
    replays from the last commit.
    """


class ConfigError(CleanwireError):
    """A setting or rules file that cannot work; reported at start-up, exit code 2."""
