"""The picture of a ``taskline bench`` run: throughput beside the ceiling, and latency
percentiles at idle, at the offered rate and at saturation (matplotlib, the ``bench`` extra).

>>> write_plot(result, Path("bench.png"))   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from streams.errors import UsageError
from streams.tools.bench import IDLE_GAP_S, BenchResult

TARGET_EVENTS_PER_S = 2000


def write_plot(result: BenchResult, path: Path) -> Path:
    """Draw ``result`` into ``path`` (PNG); :class:`UsageError` without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: a file only
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise UsageError("the bench plot needs matplotlib: pip install 'taskline[bench]'") from exc

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), width_ratios=(1, 1.6))
    names = ["ceiling\n(pass-through)", f"pipeline\n({result.mode})"]
    rates = [result.ceiling_events_per_s, result.pipeline_events_per_s]
    bars = left.bar(names, rates, color=["#9aa5b1", "#2f6fb0"])
    left.bar_label(bars, labels=[f"{r:,.0f}" for r in rates])
    left.axhline(TARGET_EVENTS_PER_S, color="#c0392b", linestyle="--", linewidth=1)
    left.text(1.45, TARGET_EVENTS_PER_S, "target", color="#c0392b", va="bottom", ha="right")
    left.set_ylabel("events/s")
    left.set_title(f"throughput (ratio {result.ratio:.3f})")

    runs = [
        (f"idle (1 / {IDLE_GAP_S * 1000:.0f} ms)", result.latency_ms_idle),
        (f"{result.offered_rate:,.0f}/s offered", result.latency_ms_at_offered),
        ("saturation", result.latency_ms_at_saturation),
    ]
    width = 0.26
    for k, (pct, colour) in enumerate((("p50", "#2f6fb0"), ("p95", "#6c9bd2"), ("p99", "#b4cbe8"))):
        xs = [i + (k - 1) * width for i in range(len(runs))]
        values = [r.get(pct) for _, r in runs]
        right.bar(xs, [v or 0.0 for v in values], width, label=pct, color=colour)
        for x, v in zip(xs, values, strict=True):
            if not v:  # a phase without commits (none measured): say so, draw nothing
                right.text(
                    x, 0.02, "n/a", transform=right.get_xaxis_transform(), ha="center", fontsize=8
                )
    right.set_xticks(range(len(runs)), [name for name, _ in runs])
    right.set_yscale("log")
    right.set_ylabel("ms, occurred_at to SSOT commit")
    right.set_title("latency percentiles")
    right.legend(loc="upper left")
    fig.suptitle(f"taskline bench: {result.events:,} events, {result.machine}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
