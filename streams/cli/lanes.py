"""``taskline lanes``: the deployment's execution lanes, and changing their number.

::

    taskline lanes show            recorded lanes, scheduled's partitions, holders, unfinished
    taskline lanes set N           change the lanes of a drained, stopped deployment

The procedure (docs/lanes.md): stop the scheduler; let the executors finish what was released
(`lanes show` reports none unfinished); stop the executors; `lanes set N`; start the scheduler
and the executors with ``TASKLINE_EXECUTION_LANES=N``. ``set`` exits 1 with the reason when
the deployment is not drained and stopped.
"""

from __future__ import annotations

import argparse
from typing import Any

import redis

from streams.cli.common import CliParser, resolver, serde_for
from streams.runtime.layout import change_lanes, lane_state
from streams.settings import Settings


def add_parsers(sub: Any) -> None:
    """Register ``lanes`` on the CLI's subparsers."""
    lanes = sub.add_parser("lanes", help="execution lanes: show, or change their number")
    lanes.set_defaults(run=cmd_lanes)
    lsub = lanes.add_subparsers(dest="lanes_command", required=True, parser_class=CliParser)
    lsub.add_parser("show", help="recorded lanes, partitions, holders, unfinished releases")
    p = lsub.add_parser("set", help="change the number of lanes (drained and stopped)")
    p.add_argument("lanes", type=int)


def cmd_lanes(settings: Settings, args: argparse.Namespace) -> int:
    """Run one ``lanes`` command."""
    settings, endpoints = resolver(settings, True)
    client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=10)
    serde = serde_for(settings)
    try:
        if args.lanes_command == "show":
            for line in lane_state(settings, endpoints, client, serde).lines():
                print(line)
            return 0
        for line in change_lanes(settings, endpoints, client, serde, args.lanes):
            print(line)
        return 0
    finally:
        client.close()
