"""The processors' exceptions: one root, pure (no I/O, no import of :mod:`streams`).

::

    ProcessorError
    ├── PatchError          a JSON Patch that cannot apply to a document      (here)
    ├── ChainError          an SSOT commit that does not extend its head      (here)
    ├── PlanError           a pack's plan template that cannot make a plan    (planner)
    ├── ConditionError      a precondition or forbidden state that won't parse (safety)
    ├── MissingSlot         a template needs a slot the text did not give     (packs)
    ├── StepFailed          an engine step that could not do its work         (engines)
    └── GovernanceRefused   a valid command the book cannot apply             (scheduler)

``PlanError`` and ``ConditionError`` are also ``ValueError``s (bad configuration values).

>>> from processors.jsonpatch import apply_patch
>>> try:
...     apply_patch({}, [{"op": "remove", "path": "/a"}])
... except ProcessorError as exc:
...     print(type(exc).__name__)
PatchError
"""

from __future__ import annotations


class ProcessorError(Exception):
    """Root of every error the pure stage logic raises on purpose."""


class PatchError(ProcessorError):
    """A JSON Patch operation that cannot be applied."""


class ChainError(ProcessorError):
    """An SSOT commit whose version, parent hash, hash or state does not fit its head."""
