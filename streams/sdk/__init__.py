"""What applications import to talk to Taskline.

>>> from streams.sdk import TasklineClient                              # doctest: +SKIP
>>> client = TasklineClient("127.0.0.1:9092")                            # doctest: +SKIP
>>> event_id = client.send("turn off the kitchen lights", session_id="s1")  # doctest: +SKIP

``producer`` (publish events), ``consumer`` (read task topics, commit what was handled),
``client`` (send and wait for the outcome, sync and async), ``governance`` (sign and verify
governance commands). May import :mod:`processors`, ``streams.codec``,
``streams.runtime.topics`` and ``streams.runtime.kafka``; never ``streams.cli`` or
``streams.tools``, so an application does not load the operator tools.
"""

from streams.sdk.client import AsyncTasklineClient, Outcome, TasklineClient
from streams.sdk.consumer import Delivery, TaskConsumer
from streams.sdk.governance import signed, verify
from streams.sdk.producer import EventProducer, build_event

__all__ = [
    "AsyncTasklineClient",
    "Delivery",
    "EventProducer",
    "Outcome",
    "TaskConsumer",
    "TasklineClient",
    "build_event",
    "signed",
    "verify",
]
