"""Settings, secrets and the external-services passthrough."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from streams.runtime.embedded import EmbeddedStack, redact_url
from streams.runtime.kafka import KafkaClients
from streams.settings import Settings


def test_settings_are_frozen_and_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKLINE_PARTITIONS", "6")
    monkeypatch.setenv("TASKLINE_TOPIC_PREFIX", "prod.")
    monkeypatch.setenv("TASKLINE_KAFKA_OPTIONS", '{"security.protocol": "SASL_SSL"}')
    monkeypatch.setenv("TASKLINE_KAFKA_SECRET_OPTIONS", '{"sasl.password": "hunter2"}')
    monkeypatch.setenv("TASKLINE_REDIS_URL", "redis://:s3cret@db:6379/0")
    s = Settings()
    assert s.partitions == 6 and s.topic("raw-events") == "prod.raw-events"
    assert s.group("router") == "taskline-router"
    config = KafkaClients(s, "k:9092").common()
    assert config.pop("logger").name == "taskline.kafka"
    assert config == {
        "bootstrap.servers": "k:9092",
        "security.protocol": "SASL_SSL",
        "sasl.password": "hunter2",
    }
    assert "hunter2" not in repr(s) and "s3cret" not in repr(s)
    with pytest.raises(ValidationError):
        s.partitions = 2  # type: ignore[misc]


def test_invalid_settings_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Settings(partitions=0)
    with pytest.raises(ValidationError):
        Settings(topic_prefix="a b")
    with pytest.raises(ValidationError):
        Settings(log_level="LOUD")
    # Redis must keep every commit of a batch until the batch is acknowledged
    with pytest.raises(ValidationError, match="ssot_retention"):
        Settings(ssot_retention=100, batch_max=500)
    assert Settings(ssot_retention=0, batch_max=500).ssot_retention == 0


def test_configured_services_are_used_as_is() -> None:
    stack = EmbeddedStack(Settings(bootstrap_servers="kafka:9092", redis_url="redis://r:1/0"))
    with stack as endpoints:
        assert (endpoints.bootstrap_servers, endpoints.redis_url) == ("kafka:9092", "redis://r:1/0")
        assert stack.embedded == [] and stack.pids == {}


def test_redis_passwords_are_redacted() -> None:
    assert redact_url("redis://:pw@h:6379/0") == "redis://:***@h:6379/0"
    assert redact_url("rediss://user:pw@h/1") == "rediss://user:***@h/1"
    assert redact_url("redis://h:6379/0") == "redis://h:6379/0"
