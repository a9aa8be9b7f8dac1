"""The ``taskline`` command line: one parser, one module per command group.

The only place that reads settings from the environment (``Settings()``).

::

    taskline up [--demo] | worker STAGE                  streams.cli.stack
    taskline send TEXT | --file F  ·  tail TOPIC          streams.cli.events
    taskline schemas check                                streams.cli.schemas
    taskline bench | chaos | eval                         streams.cli.tools
    taskline top                                          streams.cli.top
    taskline ssot ... | task show ... | audit ...         streams.cli.audit
    taskline gov approve|reject|cancel|reprioritize|...   streams.cli.gov
    taskline lanes show | set N                           streams.cli.lanes
    taskline console · dlq list|show|redrive              streams.cli.console
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pydantic import ValidationError

from processors.errors import ProcessorError
from streams.cli import audit, console, events, gov, lanes, schemas, stack, tools, top
from streams.cli.common import CliParser
from streams.errors import TasklineError, UsageError
from streams.runtime.logs import configure as configure_logging
from streams.settings import Settings

GROUPS = (stack, events, schemas, tools, top, audit, gov, lanes, console)


def parser() -> CliParser:
    """The whole command line; every subcommand sets ``run(settings, args) -> exit code``."""
    p = CliParser(prog="taskline", description="Turn voice/chat events into governed tasks.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=CliParser)
    for group in GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``taskline`` console script."""
    try:
        args = parser().parse_args(argv)
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
        code: int = args.run(settings, args)
        return code
    except UsageError as exc:
        print(f"taskline: error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "TASKLINE_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        print(f"taskline: error: invalid {name}: {message}", file=sys.stderr)
        return 2
    except (TasklineError, ProcessorError) as exc:
        print(f"taskline: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
