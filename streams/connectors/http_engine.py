"""``http.call``: a step that calls an HTTP endpoint (a side effect), with a timeout.

Arguments (``PlanStep.args``): ``url`` (required), ``method`` (default ``POST``), ``body``
(text, sent as JSON content), ``expect`` (comma-separated acceptable status codes; default
any 2xx). Every request carries ``Idempotency-Key: TASK_ID/STEP``, ``X-Taskline-Task-Id`` and
``X-Taskline-Fencing-Token``, so an endpoint can drop a repeat and refuse a deposed
executor (a token lower than one it has seen).

Failures: a timeout or an unreachable endpoint or a 5xx response is retryable (up to the
step's ``max_attempts``); any other unexpected status is not. The response body (JSON when it
parses) is the step's output for its validator.

>>> engine = HttpEngine()
>>> engine.name, engine.side_effect
('http.call', True)
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

from processors.engines import StepContext, StepFailed


class HttpEngine:
    """The built-in HTTP engine."""

    name = "http.call"
    side_effect = True
    inline = True  # bounded by the socket timeout

    def run(self, ctx: StepContext) -> str:
        """Make the call."""
        url = ctx.args.get("url")
        if not url or not url.startswith(("http://", "https://")):
            raise StepFailed(f"http.call needs an http(s) url, got {url!r}")
        method = ctx.args.get("method", "POST").upper()
        body = ctx.args.get("body")
        task_id = ctx.scheduled.task.task_id
        request = urllib.request.Request(
            url,
            data=body.encode() if body is not None else None,
            method=method,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": f"{task_id}/{ctx.step.number}",
                "X-Taskline-Task-Id": task_id,
                "X-Taskline-Fencing-Token": str(ctx.fencing_token),
            },
        )
        expected = {int(c) for c in ctx.args.get("expect", "").split(",") if c.strip()}
        timeout = ctx.step.timeout_ms / 1000
        ctx.check_abandoned()  # an attempt the executor gave up on sends nothing
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text = response.status, response.read(65536).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read(4096).decode("utf-8", "replace")
        except TimeoutError as exc:
            raise TimeoutError(f"{method} {url}: no response within {timeout:.1f} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise TimeoutError(f"{method} {url}: no response within {timeout:.1f} s") from exc
            raise StepFailed(f"{method} {url}: {exc.reason}", retryable=True) from exc
        ok = status in expected if expected else 200 <= status < 300
        if not ok:
            raise StepFailed(f"{method} {url} -> {status}: {text[:200]}", retryable=status >= 500)
        try:
            ctx.value = json.loads(text) if text else None
        except json.JSONDecodeError:
            ctx.value = text
        return f"{method} {url} -> {status}"
