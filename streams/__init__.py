"""Taskline runtime: settings, topics, Avro serde, stage runner, dedup, SSOT store and CLI.

Pure decision logic lives in :mod:`processors`; this package does the I/O around it.
"""

__version__ = "0.1.0"
