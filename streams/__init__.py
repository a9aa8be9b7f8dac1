"""Taskline's runtime and I/O: everything that talks to Kafka, Redis, HTTP or a terminal.

Pure decision logic lives in :mod:`processors`; this package does the I/O around it.
Importing it has no side effects. Subpackages, by role (each says what it may import):

=============  ==========================================================================
``runtime``    stage runner, lease, Kafka client factory, topics, pipeline, workers,
               embedded services, metrics, logs
``stages``     one adapter per lifecycle stage (router ... ssot) around ``processors``
``codec``      Avro single-object encoding, schema store, compatibility rules
``state``      Redis-backed state: dedup claims, SSOT chain store, scheduler book
``sdk``        what applications import: event producer, task consumer, client, governance
``audit``      reading topics, archives, verify / rebuild / replay
``connectors`` HTTP clients for outside services (chat-model expert, HTTP engine)
``cli``        the ``taskline`` command, one module per command group
``tools``      bench, chaos, simulation, evaluation
=============  ==========================================================================

``errors`` (the exception tree) and ``settings`` (the one settings object) are shared by all.
"""

__version__ = "0.1.0"
