"""Measuring tools: ``bench`` (throughput and latency), ``chaos`` (kills under load, then
verify), ``simulate`` (the stages in memory), ``evaluation`` (routing and formation scores).

May import anything in :mod:`streams` but ``streams.cli``.
"""
