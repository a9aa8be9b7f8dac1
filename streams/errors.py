"""Taskline's exceptions: one root, a branch for bad records and a branch for bad setup.

::

    TasklineError
    ├── PoisonRecordError          a record that can never be processed: goes to dead-letters
    │   ├── DecodeError            not Avro single-object encoding, truncated, unknown schema
    │   ├── WrongRecordTypeError   decodes, but is not the type this topic carries
    │   ├── ValidationFailedError  decodes, but breaks a model's constraints or a size limit
    │   └── GovernanceAuthError    a governance command that is unsigned, badly signed,
    │                              stale, replayed or unattributed
    ├── ConfigurationError         settings or topology that cannot work (e.g. `scheduled`
    │                              with more than one partition); a stage refuses to start
    ├── SchemaCompatibilityError   a schema version breaks backward/forward compatibility
    ├── EmbeddedServiceError       the embedded broker or Redis did not start or stopped
    ├── PortInUseError             a port to serve on is taken (a worker's status port can
    │                              be, between its choice and the bind: it is started anew)
    ├── PublishError               the broker did not acknowledge published events
    ├── WorkerFailedError          a stage's worker process could not start, or died again
    │                              and again: `taskline up` stops with it
    ├── PermanentFaultError        a Redis or broker error that retrying cannot heal (Redis
    │                              OOM, a script error, CROSSSLOT, auth or permissions): the
    │                              stage stops with it instead of retrying forever
    └── UsageError                 CLI misuse: printed as one line, exit code 2

The pure logic has its own root, :class:`processors.errors.ProcessorError` (``PatchError``,
``ChainError``, ...): :mod:`processors` never imports this package.

Transient infrastructure faults (broker or Redis unreachable, a failover in progress) are *not*
in this tree: the stage runner retries the whole batch for them, because the record is fine
and retrying loses nothing; ``runtime.runner.permanent`` tells the two kinds apart.
Two internal signals are not errors either: ``runtime.lease.Fenced`` (this instance lost its
lease; the batch is abandoned) and ``runtime.runner.DeliveryError`` (an output not acked).
"""

from __future__ import annotations


class TasklineError(Exception):
    """Root of every error Taskline raises on purpose."""


class PoisonRecordError(TasklineError):
    """A record that no retry can fix; the runner dead-letters it with this message."""


class DecodeError(PoisonRecordError):
    """Bytes that are not a decodable Taskline record."""


class WrongRecordTypeError(PoisonRecordError):
    """A valid record of a type the consuming topic does not carry."""


class ValidationFailedError(PoisonRecordError):
    """A decoded record that breaks its model's constraints."""


class GovernanceAuthError(PoisonRecordError):
    """A governance command that must not be obeyed; dead-lettered with the reason."""


class ConfigurationError(TasklineError):
    """Settings or topology that cannot work."""


class WorkerFailedError(TasklineError):
    """A stage's worker process exited before it consumed, or too often to restart it."""


class SchemaCompatibilityError(TasklineError):
    """Two versions of a record type that cannot read each other's data."""


class EmbeddedServiceError(TasklineError):
    """The embedded broker or Redis failed to start or died."""


class PortInUseError(TasklineError):
    """A port to serve on is taken by another process."""


PORT_IN_USE = "the status port is already in use:"
"""How a worker says its status port was taken (it is started anew on another)."""


class PublishError(TasklineError):
    """Events the broker did not acknowledge in time (unreachable, or refused them)."""


class PermanentFaultError(TasklineError):
    """A fault of the services that no retry heals; the stage stops (exit 1) and says why."""


class UsageError(TasklineError):
    """The command line was used wrongly."""
