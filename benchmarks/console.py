"""Benchmark: every console page with 100,000+ records on the topics (target: < 300 ms each).

The records are the simulated pipeline's (``streams.tools.simulate``: every topic, verified
hash chains), plus 500 dead letters, produced onto the embedded broker. The console starts
against them, indexes them (the time and rate are printed), then each page is requested 20
times by a signed-in client over HTTP; p50, p95 and the slowest are printed. Baselines from the
same run: ``/healthz`` (the HTTP round trip, no work), and one read of every topic from the
beginning (what each task page would cost without the console's index, as ``taskline task
show`` does).

Run with ``make bench-console`` (``python -m benchmarks.console [--records N]``).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from pydantic import SecretStr

from processors.models import DeadLetter
from streams.codec.serde import SchemaStore, Serde
from streams.console.auth import hash_password
from streams.console.server import ConsoleServer
from streams.runtime.embedded import EmbeddedStack
from streams.runtime.kafka import KafkaClients
from streams.runtime.reader import read_topics
from streams.runtime.topics import ALL_TOPICS, DEAD_LETTERS, FORMED, RAW_EVENTS, ensure_topics
from streams.settings import Settings
from streams.tools.simulate import simulate

TARGET_MS = 300.0
REPEAT = 20


class Client:
    """A signed-in browser stand-in: cookies, the CSRF token of the sign-in form."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        form = self.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token, "no CSRF token on the sign-in form"
        body = urllib.parse.urlencode(
            {"csrf": token.group(1), "user": user, "password": password, "next": "/"}
        ).encode()
        with self.opener.open(base + "/login", body, timeout=30) as response:
            assert "Pipeline" in response.read().decode(), "sign-in failed"

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            text: str = response.read().decode()
            assert response.status == 200, (path, response.status)
            return text


def timed(client: Client, path: str) -> list[float]:
    out = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        client.get(path)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    serde = Serde(SchemaStore.load())
    events = int(args.records / 4.68) + 1  # the simulated mix writes ~4.7 records per event
    history = simulate(events, seed=7)
    print(f"simulated {len(history):,} records from {events:,} events")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            home=Path(tmp) / "home",
            topic_prefix=f"bench-{uuid.uuid4().hex[:6]}.",
            console_port=0,
            console_users={"bench": SecretStr("operator:" + hash_password("bench-pass"))},
        )
        with EmbeddedStack(settings) as endpoints:
            settings = settings.model_copy(
                update={
                    "bootstrap_servers": endpoints.bootstrap_servers,
                    "redis_url": SecretStr(endpoints.redis_url),
                }
            )
            clients = KafkaClients(settings, endpoints.bootstrap_servers)
            ensure_topics(clients.admin(), settings)
            producer = clients.producer("event-producer", {"linger.ms": 20})

            def send(topic: str, value: bytes, key: bytes | None) -> None:
                while True:
                    try:
                        producer.produce(topic, value, key)
                        producer.poll(0)
                        return
                    except BufferError:  # the local queue is full: let deliveries drain
                        producer.poll(0.2)

            for rec in history:
                send(settings.topic(rec.topic), rec.value, rec.key)
            raw = [r for r in history if r.topic == RAW_EVENTS]
            for i in range(500):
                source = raw[i * 7 % len(raw)]
                letter = DeadLetter(
                    stage="router",
                    reason=f"benchmark letter {i}",
                    error_type="RuntimeError",
                    topic=settings.topic(RAW_EVENTS),
                    partition=source.partition,
                    offset=source.offset,
                    key=source.key,
                    original=source.value,
                    failed_at=source.timestamp_ms,
                )
                send(settings.topic(DEAD_LETTERS), serde.encode(letter), b"router")
            assert producer.flush(120) == 0
            total = len(history) + 500
            print(f"produced {total:,} records onto the embedded broker")

            t = time.perf_counter()
            n = sum(1 for _ in read_topics(settings, endpoints.bootstrap_servers, ALL_TOPICS))
            reread_ms = (time.perf_counter() - t) * 1000
            print(f"baseline: one read of every topic ({n:,} records): {reread_ms:,.0f} ms")

            server = ConsoleServer(settings, endpoints, status_urls=[])
            t = time.perf_counter()
            server.start()
            try:
                while not server.index.caught_up.wait(0.05):
                    pass
                took = time.perf_counter() - t
                indexed = server.index.records
                print(
                    f"console index: {indexed:,} records in {took:.1f} s "
                    f"({indexed / took:,.0f} records/s), file "
                    f"{server.index.path.stat().st_size / 1e6:.0f} MB"
                )
                assert indexed >= total, f"indexed {indexed:,} of {total:,}"
                client = Client(server.url, "bench", "bench-pass")
                formed = next(r for r in reversed(history) if r.topic == FORMED)
                _, fields = serde.read_fields(formed.value)
                task_id, event_id = fields["task_id"], fields["source_event_id"]
                project = max(
                    server.index.chains, key=lambda p: server.index.chains[p].head.version
                )
                head = server.index.chains[project].head.version
                letter_id = server.index.letters()[0].id.replace(":", "/")
                pages = [
                    ("/healthz (baseline)", "/healthz"),
                    ("pipeline", "/"),
                    ("tasks: newest", "/tasks"),
                    ("tasks: search words", "/tasks?q=invoice"),
                    ("tasks: search an event id", f"/tasks?q={event_id}"),
                    ("tasks: project + status", f"/tasks?project={project}&status=committed"),
                    ("task timeline", f"/tasks/{task_id}"),
                    ("waiting", "/waiting"),
                    ("projects", "/projects"),
                    (f"project {project} at head (v{head})", f"/projects/{project}"),
                    ("project at a middle version", f"/projects/{project}?version={head // 2 + 7}"),
                    ("project diff v1 → head", f"/projects/{project}?a=1&b={head}"),
                    ("dead letters", "/dead-letters"),
                    ("dead letter", f"/dead-letters/{letter_id}"),
                    ("audit", "/audit"),
                ]
                print(f"\n{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
                worst = 0.0
                for label, path in pages:
                    times = sorted(timed(client, path))
                    p50 = statistics.median(times)
                    p95 = times[int(len(times) * 0.95) - 1]
                    print(f"{label:<40} {p50:>8.1f} {p95:>8.1f} {times[-1]:>8.1f}")
                    if not path.startswith("/healthz"):
                        worst = max(worst, times[-1])
            finally:
                server.stop()
    ok = worst < TARGET_MS
    print(
        f"\nslowest page request {worst:.0f} ms with {total:,} records on the topics: "
        f"{'meets' if ok else 'MISSES'} the {TARGET_MS:.0f} ms target; without the index a task "
        f"page would re-read the topics ({reread_ms:,.0f} ms)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
