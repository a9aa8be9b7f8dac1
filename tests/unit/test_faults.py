"""Which infrastructure faults the stage runner retries and which stop the stage."""

from __future__ import annotations

import pytest
import redis
from confluent_kafka import KafkaError, KafkaException

from streams.runtime.runner import permanent

E = redis.exceptions


@pytest.mark.parametrize(
    ("exc", "stops"),
    [
        (E.OutOfMemoryError("OOM command not allowed when used memory > 'maxmemory'"), True),
        (E.ResponseError("CROSSSLOT Keys in request don't hash to the same slot"), True),
        (E.NoScriptError("NOSCRIPT No matching script"), True),
        (E.ResponseError("ERR user_script:3: Script attempted to access nonexistent global"), True),
        (E.NoPermissionError("NOPERM this user has no permissions to run the 'set' command"), True),
        (E.AuthenticationError("invalid username-password pair"), True),
        (E.ReadOnlyError("READONLY You can't write against a read only replica."), False),
        (E.TryAgainError("TRYAGAIN Multiple keys request during rehashing of slot"), False),
        (E.BusyLoadingError("LOADING Redis is loading the dataset in memory"), False),
        (E.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."), False),
        (E.TimeoutError("Timeout reading from socket"), False),
        (KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED)), True),
        (KafkaException(KafkaError(KafkaError._TRANSPORT)), False),
        (KafkaException(KafkaError(KafkaError._MSG_TIMED_OUT)), False),
    ],
)
def test_permanent_faults_are_told_from_transient_ones(exc: BaseException, stops: bool) -> None:
    assert permanent(exc) is stops
