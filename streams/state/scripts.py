"""Lua scripts in pipelines, without redis-py's extra round trip.

redis-py's ``Script`` called on a pipeline makes ``execute()`` first ask the server whether
the pipeline's scripts are loaded (``SCRIPT EXISTS``, a round trip of its own, every time).
Here a pipeline queues ``EVALSHA`` directly; if the server lost its script cache (a restart,
``SCRIPT FLUSH``), every script fails with ``NOSCRIPT`` before it runs, the scripts are loaded
and the whole pipeline is built and sent again. So the other commands of such a pipeline must
be safe to send twice (reads, or writes made conditional by a script).

>>> results = run_pipeline(client, lambda pipe: [queue(pipe, script, ["k"], [1])])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError


def queue(pipe: Any, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Script:
    """Queue ``script`` on ``pipe`` as a bare ``EVALSHA``; returns the script (to load it
    again if the server lost it)."""
    pipe.evalsha(script.sha, len(keys), *keys, *args)
    return script


def run_pipeline(client: redis.Redis, build: Callable[[Any], list[Script]]) -> list[Any]:
    """Build a pipeline with ``build`` (which returns the scripts it queued) and execute it;
    after a ``NOSCRIPT`` answer, load those scripts and build and execute it once more."""
    for attempt in (1, 2):
        pipe = client.pipeline(transaction=False)
        scripts = build(pipe)
        try:
            return list(pipe.execute())
        except NoScriptError:
            if attempt == 2:
                raise
            for script in {s.sha: s for s in scripts}.values():
                client.script_load(script.script)
    raise AssertionError("unreachable")
