"""Avro schema files, one ``<type>/v<N>.avsc`` per record type and version.

This is a package only so that installed wheels ship the ``.avsc`` files; the files are the
wire truth. Old versions are never edited or deleted.
"""
