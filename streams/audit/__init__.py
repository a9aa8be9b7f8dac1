"""Auditors' tools: Avro container archives (``archive``), and
verify / rebuild / replay / history over them (``verify``).

May import :mod:`processors`, ``streams.codec``, ``streams.state``, ``streams.runtime``;
never the CLI or tools.
"""
