"""Benchmark: routing 1,000 events against 1,000 projects (target: under 2 ms per event).

Baseline in the same run: encoding the event text alone (the part that does not grow with
the number of projects). Run with ``make bench-routing``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime

from processors.router import Calibration, ProjectRegistry, Router
from streams.runtime.pipeline import read_packs
from streams.settings import DATA_DIR
from streams.tools.simulate import sample_events

_NOUNS = "invoice budget release sprint warehouse campaign thermostat calendar lesson pump".split()
_ADJ = "north south quarterly mobile family cloud retail spring winter urban".split()


def registry(n: int, seed: int = 1) -> ProjectRegistry:
    rng = random.Random(seed)
    base = json.loads((DATA_DIR / "projects.json").read_text())
    projects = list(base)
    domains = sorted({p["domain"] for p in base})
    while len(projects) < n:
        i = len(projects)
        words = rng.sample(_NOUNS, 3) + rng.sample(_ADJ, 2)
        projects.append(
            {
                "id": f"proj-{i}",
                "domain": rng.choice(domains),
                "description": f"{' '.join(words)} project number {i}",
                "keywords": [f"{words[3]} {words[0]}", f"p{i}"],
                "systems": ["ssot"],
            }
        )
    return ProjectRegistry.from_json(json.dumps(projects))


def main() -> int:
    reg = registry(1000)
    cal = Calibration.from_json((DATA_DIR / "calibration.json").read_text())
    t0 = time.perf_counter()
    router = Router(reg, read_packs(DATA_DIR / "packs"), calibration=cal)
    build = time.perf_counter() - t0
    events = sample_events(1000, seed=7, start=datetime.now(UTC), duplicates=0.0)
    now = datetime.now(UTC)
    for e in events[:50]:  # warm-up
        router.route(e, now)
    t0 = time.perf_counter()
    for e in events:
        router.encoder.encode([e.text])
    encode = (time.perf_counter() - t0) / len(events) * 1000
    t0 = time.perf_counter()
    for e in events:
        router.route(e, now, "proj-17")
    route = (time.perf_counter() - t0) / len(events) * 1000
    print(f"index of {len(reg.projects):,} projects built in {build:.2f}s")
    print(f"{'run':<34} {'ms/event':>9}")
    print(f"{'encode text only (baseline)':<34} {encode:>9.3f}")
    print(f"{'route against 1,000 projects':<34} {route:>9.3f}  ({route / encode:.1f}x baseline)")
    print(f"target < 2 ms per event: {'met' if route < 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
