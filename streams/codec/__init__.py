"""The wire: Avro single-object encoding (``serde``) and schema compatibility rules.

The ``.avsc`` files under ``schemas/`` are the wire truth; the pydantic models in
:mod:`processors.models` are the in-process types. May import only :mod:`processors` and
``streams.errors``.
"""
