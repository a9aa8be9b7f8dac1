"""Taskline runtime: settings, topics, Avro serde, stage runner, dedup, SSOT store and CLI.

Pure decision logic lives in :mod:`processors`; this package does the I/O around it.
"""

import os

# Each stage is its own process; BLAS helper threads only spin against them on a small machine
# (a 200 x 4,096 product took 3.7x the CPU with OpenBLAS's default threads). Set before numpy
# is first imported; an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
