"""Key names of the executor's state in Redis: recorded results and progress checkpoints.

They share the executor lease's hash tag (``{<prefix>:executor}``) so that the fenced script
that writes them runs on Redis Cluster.

>>> ExecutorKeys("taskline").result("t-1")
'{taskline:executor}:result:t-1'
"""

from __future__ import annotations


class ExecutorKeys:
    """Key names of one deployment's executor state."""

    def __init__(self, redis_prefix: str) -> None:
        self.tag = f"{{{redis_prefix}:executor}}"

    def result(self, task_id: str) -> str:
        """A task's recorded ExecutionResult (write-once)."""
        return f"{self.tag}:result:{task_id}"

    def progress(self, task_id: str) -> str:
        """A task's checkpoint after its last side-effecting step."""
        return f"{self.tag}:progress:{task_id}"
