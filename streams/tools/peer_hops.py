"""One pass-through hop of a Python peer, for ``taskline bench --peers``.

Run by the interpreter of the peers' own environment (``.venv-peers``: faust-streaming and
quixstreams, which cannot share Taskline's), so it imports nothing of Taskline::

    .venv-peers/bin/python peer_hops.py faust|quix BOOTSTRAP SRC_TOPIC DST_TOPIC GROUP SCHEMA

Both do the work of Taskline's pass-through hop: decode each record (Avro single-object
encoding, ``SCHEMA`` the writer's ``.avsc`` as JSON) into a Python object with fastavro, encode
it again and send it on; they commit as their frameworks do (at-least-once), wait at most
10 ms for a fetch and use a 3 s group session, as Taskline's consumers do on the embedded
broker. It runs until SIGTERM.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

FETCH_WAIT_MS = 10
HEADER = 10  # C3 01 and the writer schema's 8-byte fingerprint


class AvroRecords:
    """Decode and encode one record type's single-object encoding with fastavro."""

    def __init__(self, schema_path: str) -> None:
        import fastavro

        with open(schema_path) as f:
            self.schema = fastavro.parse_schema(json.load(f))
        self._read, self._write = fastavro.schemaless_reader, fastavro.schemaless_writer
        self.header = b""

    def decode(self, data: bytes) -> Any:
        """The record as a dict (its header kept for :meth:`encode`)."""
        self.header = data[:HEADER]
        return self._read(io.BytesIO(data[HEADER:]), self.schema, None)

    def encode(self, record: Any) -> bytes:
        """The record's bytes again."""
        buf = io.BytesIO()
        buf.write(self.header)
        self._write(buf, self.schema, record)
        return buf.getvalue()


def faust_hop(bootstrap: str, src: str, dst: str, group: str, schema: str) -> None:
    """A faust-streaming app with one agent that sends each record on."""
    import aiokafka  # type: ignore[import-not-found]
    import faust  # type: ignore[import-not-found]
    from faust.serializers import codecs  # type: ignore[import-not-found]

    records = AvroRecords(schema)

    class Avro(codecs.Codec):  # type: ignore[misc]
        def _loads(self, s: bytes) -> Any:
            return records.decode(s)

        def _dumps(self, obj: Any) -> bytes:
            return records.encode(obj)

    codecs.register("taskline-avro", Avro())

    class FastFetch(aiokafka.AIOKafkaConsumer):  # type: ignore[misc]
        # Faust's driver hard-codes fetch_max_wait_ms=1500 (~750 ms per hop on this broker)
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["fetch_max_wait_ms"] = FETCH_WAIT_MS
            super().__init__(*args, **kwargs)

    aiokafka.AIOKafkaConsumer = FastFetch
    app = faust.App(
        group,
        broker=f"kafka://{bootstrap}",
        key_serializer="raw",
        value_serializer="taskline-avro",
        broker_session_timeout=3.0,
        broker_heartbeat_interval=0.5,
        consumer_auto_offset_reset="earliest",
        topic_allow_declare=False,
        topic_disable_leader=True,
        web_enabled=False,
        broker_max_poll_records=500,
        producer_linger=0.005,  # batch what it sends, as the other hops flush a batch at a time
    )
    source = app.topic(src, key_type=bytes, value_serializer="taskline-avro")
    sink = app.topic(dst, key_type=bytes, value_serializer="taskline-avro")

    @app.agent(source)  # type: ignore[untyped-decorator]
    async def forward(stream: Any) -> None:
        async for key, value in stream.items():
            await sink.send(key=key, value=value)

    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


def quix_hop(bootstrap: str, src: str, dst: str, group: str, schema: str) -> None:
    """A Quix Streams application with one dataframe that writes each record on."""
    from quixstreams import Application  # type: ignore[import-not-found]
    from quixstreams.models.serializers import (  # type: ignore[import-not-found]
        Deserializer,
        Serializer,
    )

    records = AvroRecords(schema)

    class Decode(Deserializer):  # type: ignore[misc]
        def __call__(self, value: bytes, ctx: Any) -> Any:
            return records.decode(value)

    class Encode(Serializer):  # type: ignore[misc]
        def __call__(self, value: Any, ctx: Any) -> bytes:
            return records.encode(value)

    app = Application(
        broker_address=bootstrap,
        consumer_group=group,
        auto_offset_reset="earliest",
        auto_create_topics=False,
        use_changelog_topics=False,
        consumer_extra_config={
            "fetch.wait.max.ms": FETCH_WAIT_MS,
            "session.timeout.ms": 3000,
            "heartbeat.interval.ms": 500,
        },
    )
    source = app.topic(src, key_deserializer="bytes", value_deserializer=Decode())
    sink = app.topic(dst, key_serializer="bytes", value_serializer=Encode())
    app.dataframe(source).to_topic(sink)
    app.run()


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    {"faust": faust_hop, "quix": quix_hop}[kind](*args)
