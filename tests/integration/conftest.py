"""Integration tests need the real broker; without it they fail, never skip."""

from __future__ import annotations

import pytest

from tests.integration.kafkautil import wait_for_broker


@pytest.fixture(autouse=True)
async def _broker() -> None:
    """Fail the test (not skip) when the broker cannot be reached."""
    try:
        await wait_for_broker()
    except RuntimeError as exc:
        pytest.fail(str(exc))
