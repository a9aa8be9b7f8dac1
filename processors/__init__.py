"""Taskline's lifecycle stages as pure logic: no Kafka, no Redis.

One module per stage (``router``, ``former``, ``scheduler``, ``executor``, ``completer``,
``ssot``), plus ``models`` (the in-process record types) and ``jsonpatch`` (RFC 6902).
"""
