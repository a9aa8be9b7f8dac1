"""``taskline schemas check``: every type's versions must read each other's data.

::

    taskline schemas check [--dir DIR]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streams.cli.common import (
    CliParser,
)
from streams.codec.compatibility import check_store
from streams.codec.serde import SchemaStore
from streams.errors import UsageError
from streams.settings import Settings


def add_parsers(sub: Any) -> None:
    """Register ``schemas check``."""
    schemas = sub.add_parser("schemas", help="schema tools")
    schemas_sub = schemas.add_subparsers(
        dest="schemas_command", required=True, parser_class=CliParser
    )
    check = schemas_sub.add_parser("check", help="verify every type's versions are compatible")
    check.add_argument("--dir", type=Path, help="schema directory (default: the shipped one)")
    check.set_defaults(run=lambda settings, args: cmd_schemas_check(settings, args.dir))


def cmd_schemas_check(settings: Settings, directory: Path | None) -> int:
    root = directory or settings.schemas_dir
    if root is not None and not root.is_dir():
        raise UsageError(f"schema directory {root} does not exist")
    store = SchemaStore.load(root)
    problems = check_store(store)
    versions = sum(len(v) for v in store.by_type.values())
    for line in problems:
        print(f"INCOMPATIBLE {line}")
    if problems:
        print(f"schemas check: {len(problems)} problem(s) in {len(store.by_type)} types")
        return 1
    print(f"schemas check: ok ({len(store.by_type)} types, {versions} versions)")
    return 0
