"""The stage runtime: how a stage consumes, produces, commits and stays alone.

``runner`` (consume → handle → produce → ack → commit, dead letters), ``reader`` (whole
topics), ``recovery`` (Redis healed from the topics), ``lease`` (exclusive
stages, fencing), ``kafka`` (the one factory every Kafka client comes from), ``topics``,
``pipeline`` (builds every stage from a settings object), ``workers`` (stages as processes),
``embedded`` (Tansu broker and Redis on loopback), ``metrics``, ``logs``.

May import :mod:`processors`, ``streams.codec``, ``streams.state``, ``streams.stages``,
``streams.connectors``; never ``streams.cli``, ``streams.tools`` or ``streams.sdk``.
"""
