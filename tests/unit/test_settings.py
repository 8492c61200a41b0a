"""Settings: one declaration, flag over environment over default, clear errors."""

from __future__ import annotations

import pytest

from service.errors import ConfigError
from service.settings import load


def test_defaults_are_safe() -> None:
    """With nothing set, the service is exactly-once, local, with a 2 MiB record limit."""
    s = load({}, {})
    assert s.delivery == "exactly_once"
    assert s.bootstrap_servers == "127.0.0.1:9092"
    assert s.max_record_bytes == 2 * 1024 * 1024
    assert s.enabled_stages == {"clean", "dedup", "enrich"}


def test_flag_beats_environment_beats_default() -> None:
    """A flag overrides its environment variable, which overrides the default."""
    env = {"CLEANWIRE_GROUP_ID": "from-env", "CLEANWIRE_RAW_TOPIC": "env-topic"}
    s = load({"group_id": "from-flag"}, env)
    assert s.group_id == "from-flag"
    assert s.raw_topic == "env-topic"
    assert s.clean_topic == "articles.clean"


def test_sizes_accept_units() -> None:
    """Byte sizes accept K/M suffixes."""
    assert load({}, {"CLEANWIRE_MAX_RECORD_BYTES": "512K"}).max_record_bytes == 512 * 1024
    assert load({"max_record_bytes": "3MiB"}, {}).max_record_bytes == 3 * 1024 * 1024


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CLEANWIRE_DELIVERY": "maybe"},
            "CLEANWIRE_DELIVERY='maybe': expected one of exactly_once, at_least_once",
        ),
        (
            {"CLEANWIRE_COMMIT_INTERVAL_MS": "soon"},
            "CLEANWIRE_COMMIT_INTERVAL_MS='soon': expected int",
        ),
        ({"CLEANWIRE_STAGES": "clean,translate"}, "unknown ['translate']"),
        ({"CLEANWIRE_NER_BATCH_SIZE": "0"}, "ner_batch_size must be at least 1"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    """An invalid value raises ConfigError naming the variable and what was expected."""
    with pytest.raises(ConfigError) as info:
        load({}, env)
    assert message in str(info.value)


def test_stages_none_disables_everything() -> None:
    """'none' turns every stage off (parse still runs)."""
    assert load({"stages": "none"}, {}).enabled_stages == frozenset()


def test_secrets_are_redacted() -> None:
    """redacted() masks the SASL password and the Redis URL."""
    s = load(
        {}, {"CLEANWIRE_SASL_PASSWORD": "hunter2", "CLEANWIRE_REDIS_URL": "redis://:pw@h:6379/0"}
    )
    shown = str(s.redacted())
    assert "hunter2" not in shown and ":pw@" not in shown
