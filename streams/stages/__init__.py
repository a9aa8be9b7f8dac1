"""One adapter per lifecycle stage: Kafka/Redis I/O around the pure logic in :mod:`processors`.

Each handler takes a batch of consumed records and returns the records to produce; the
runner (:mod:`streams.runtime.runner`) consumes, produces and commits offsets.
``router`` → ``former`` → ``scheduler`` → ``executor`` → ``completer`` → ``ssot``.

May import :mod:`processors`, ``streams.codec``, ``streams.state``, ``streams.runtime.runner``,
``streams.runtime.lease``, ``streams.runtime.topics``, ``streams.runtime.logs`` and
``streams.sdk.governance`` (command verification); never the CLI or tools.
"""
