"""What Redis holds: dedup claims (``dedup``), the SSOT chain and heads (``ssot_store``), the
scheduler's book (``scheduler_book``). Each is a cache of a topic or short-lived coordination.

May import :mod:`processors` and ``streams.codec``; never the runtime, CLI or tools.
"""
