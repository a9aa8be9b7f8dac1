"""Progress display for long commands: a spinner with a count and a rate on stderr.

>>> with ProgressLine("verify") as progress:        # doctest: +SKIP
...     progress.update(1200)
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn


class ProgressLine:
    """Counts records as they are read; shows nothing when stderr is not a terminal."""

    def __init__(self, label: str, unit: str = "records") -> None:
        self.label = label
        self.unit = unit
        self.count = 0
        self.started = time.perf_counter()
        self.last = self.started
        console = Console(stderr=True)
        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.completed:,.0f} " + unit),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._task = self._bar.add_task(label, total=None)

    def update(self, count: int) -> None:
        """Set the number of items done so far."""
        self.count = count
        self.last = time.perf_counter()
        self._bar.update(self._task, completed=count)

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.started

    @property
    def busy(self) -> float:
        """Seconds from the start to the last item (a live read's idle wait excluded)."""
        return self.last - self.started

    @property
    def rate(self) -> float:
        """Items per second, start to last item."""
        return self.count / self.busy if self.busy > 0 else 0.0

    def __enter__(self) -> ProgressLine:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.stop()
