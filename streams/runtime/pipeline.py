"""Build the pipeline from a settings object: one factory, no import-time side effects.

>>> with EmbeddedStack(settings) as endpoints:                       # doctest: +SKIP
...     pipeline = Pipeline(settings, endpoints)
...     pipeline.start(); pipeline.wait_ready(30)
...     ...
...     pipeline.stop()
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import redis
import yaml
from pydantic import ValidationError

from processors.embeddings import WordLlamaEncoder, make_encoder
from processors.engines import EngineRegistry
from processors.executor import Environment, Executor
from processors.former import Former
from processors.lanes import lane_function
from processors.models import TaskObject
from processors.packs import DomainPack, IntentSpec
from processors.planner import SAFE_ENGINES
from processors.router import Calibration, ProjectRegistry, Router
from streams.codec.serde import SchemaStore, Serde
from streams.connectors.chat_expert import ChatClient, ChatExpert
from streams.connectors.chat_reviewer import ChatReviewer
from streams.connectors.http_engine import HttpEngine
from streams.errors import ConfigurationError, TasklineError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.layout import retired_partitions
from streams.runtime.metrics import MetricsServer

# the store factories are part of this module's interface (re-exported)
from streams.runtime.recovery import Recovery
from streams.runtime.recovery import chain_store as chain_store
from streams.runtime.recovery import ssot_store as ssot_store
from streams.runtime.runner import PROPAGATE, Handler, StageIO, StageRunner, retrying
from streams.runtime.topics import ensure_topics
from streams.settings import Settings
from streams.stages.completer import CompleterStage
from streams.stages.executor import ExecutorStage
from streams.stages.former import FormerStage
from streams.stages.router import RouterStage
from streams.stages.scheduler import SchedulerStage
from streams.stages.ssot import SsotStage
from streams.state.dedup import Deduplicator
from streams.state.scheduler_book import SchedulerKeys

log = logging.getLogger("taskline.pipeline")

STAGES = ("router", "former", "scheduler", "executor", "completer", "ssot")


def load_packs(settings: Settings) -> list[DomainPack]:
    """Every domain pack in the settings' packs directory."""
    return read_packs(settings.packs_dir)


def read_packs(directory: Path) -> list[DomainPack]:
    """Every ``*.yaml`` domain pack in ``directory``, by file name.

    A missing directory or one without a pack is a :class:`ConfigurationError`: a former
    without packs would turn every request into a clarification, silently.
    """
    if not directory.is_dir():
        raise ConfigurationError(f"domain packs directory {directory} does not exist")
    packs = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            # a private copy: packs hold lists and dicts, no two callers share them
            packs.append(_parse_pack(path.read_text()).model_copy(deep=True))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"domain pack {path}: {exc}") from exc
    if not packs:
        raise ConfigurationError(f"no domain pack (*.yaml) in {directory}")
    return packs


@functools.lru_cache(maxsize=64)
def _parse_pack(text: str) -> DomainPack:
    """A pack from its YAML text, parsed once per process (keyed on the text itself, so an
    edited file is parsed again): a pipeline reads its packs once per stage, and the pure-Python
    YAML parser takes ~20 ms for each of the bundled packs."""
    return DomainPack.model_validate(yaml.safe_load(text))


def load_calibration(settings: Settings) -> Calibration:
    """The routing calibration file the settings name; a missing file is an error."""
    path = settings.calibration_path
    try:
        return Calibration.from_json(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigurationError(f"routing calibration {path} does not exist") from exc
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigurationError(f"calibration {path}: {exc}") from exc


def build_router(settings: Settings) -> Router:
    """The router from the registry, packs and calibration the settings name."""
    try:
        encoder = make_encoder(settings.encoder)
    except (ValueError, RuntimeError) as exc:
        raise ConfigurationError(f"TASKLINE_ENCODER={settings.encoder!r}: {exc}") from exc
    return Router(
        load_registry(settings),
        load_packs(settings),
        encoder=encoder,
        calibration=load_calibration(settings),
    )


def build_former(settings: Settings) -> Former:
    """The former from the registry and packs the settings name; with ``expert_url`` a chat
    expert (falling back to the packs) and, with ``review_with_model``, a chat reviewer."""
    packs = load_packs(settings)
    semantic = WordLlamaEncoder() if settings.formation_semantic == "wordllama" else None
    former = Former(
        load_registry(settings),
        packs,
        min_confidence=settings.min_routing_confidence,
        semantic=semantic,
    )
    if settings.expert_url:
        key = settings.expert_api_key.get_secret_value() if settings.expert_api_key else None
        client = ChatClient(
            settings.expert_url,
            settings.expert_model,
            api_key=key,
            timeout_s=settings.model_timeout_s,
            concurrency=settings.model_concurrency,
        )
        former.expert = ChatExpert(
            settings.expert_url,
            settings.expert_model,
            fallback=former.grounded or former.pack_expert,
            client=client,
        )
        if settings.review_with_model:
            grounded = former.grounded
            former.reviewer = ChatReviewer(
                client, candidates=grounded.candidates if grounded is not None else None
            )
    return former


def intent_lookup(packs: list[DomainPack]) -> Callable[[TaskObject], IntentSpec | None]:
    """The pack intent a task was formed from (its plan template and policy)."""
    index = {
        (domain, intent.id): intent
        for pack in packs
        for domain in pack.covers
        for intent in pack.intents
    }
    return lambda task: index.get((task.domain_id or "", task.intent_id or ""))


def allowed_engines(packs: list[DomainPack]) -> Callable[[str | None], Collection[str]]:
    """Engines each domain may call: the safe built-ins plus what its pack lists."""
    extra = {d: frozenset(p.engines or ()) for p in packs for d in p.covers}
    return lambda domain: SAFE_ENGINES | extra.get(domain or "", frozenset())


def build_environment(settings: Settings) -> Environment:
    """The executor's engines and the domains' engine policy (live switches are the stage's)."""
    return Environment(
        registry=build_engines(),
        allowed_engines=allowed_engines(load_packs(settings)),
        infrastructure=PROPAGATE,
    )


def build_engines() -> EngineRegistry:
    """Built-in engines, ``http.call``, and third-party engines from entry points."""
    registry = EngineRegistry.builtin()
    registry.register(HttpEngine())
    loaded = registry.load_entry_points()
    if loaded:
        log.info("engines from plugins: %s", ", ".join(loaded))
    return registry


def load_registry(settings: Settings) -> ProjectRegistry:
    """The project registry named by the settings."""
    try:
        return ProjectRegistry.from_json(settings.registry_path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"project registry {settings.registry_path}: {exc}") from exc


def redis_client(endpoints: Endpoints) -> redis.Redis:
    """A Redis client for the configured or embedded server."""
    return redis.Redis.from_url(endpoints.redis_url, socket_timeout=10, health_check_interval=30)


def build_handler(
    stage: str,
    settings: Settings,
    client: redis.Redis,
    serde: Serde,
    recovery: Recovery | None = None,
) -> Handler:
    """The handler of one stage, wired to its logic and stores (and, given ``recovery``, to
    the topics it heals Redis from)."""
    io = StageIO(stage, settings, serde)
    if stage == "router":
        dedup = Deduplicator(
            client,
            f"{settings.redis_prefix}:dedup",
            window_s=settings.dedup_window_s,
            tombstones=chain_store(settings, client),
        )
        return RouterStage(io, build_router(settings), dedup, client, ssot_store(settings, client))
    if stage == "former":
        # task claims outlive the router's window: a duplicate of a task that never reached a
        # commit (held, waiting for a clarification) has no tombstone to stop it
        tasks = Deduplicator(
            client,
            f"{settings.redis_prefix}:tasks",
            window_s=settings.task_claim_window_s,
            tombstones=None,
        )
        return FormerStage(io, build_former(settings), tasks, ssot_store(settings, client))
    if stage == "scheduler":
        return SchedulerStage(
            io,
            chain_store(settings, client),
            client,
            intents=intent_lookup(load_packs(settings)),
            recovery=recovery,
            lane_of=lane_function(settings.execution_lanes, load_registry(settings).lane_keys),
        )
    if stage == "executor":

        def on_step(task_id: str, step: int, name: str) -> None:
            io.stats.current.update(task_id=task_id, step=step, engine=name, since=time.time())

        executor = Executor(
            f"{socket.gethostname()}-{os.getpid()}",
            on_step=on_step,
            env=build_environment(settings),
        )
        keys = SchedulerKeys(settings.redis_prefix)
        return ExecutorStage(
            io, executor, chain_store(settings, client), client, keys, recovery=recovery
        )
    if stage == "completer":
        return CompleterStage(io, chain_store(settings, client), recovery=recovery)
    if stage == "ssot":
        return SsotStage(
            io, ssot_store(settings, client), chain_store(settings, client), recovery=recovery
        )
    raise ConfigurationError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")


@dataclass
class _Running:
    runner: StageRunner
    thread: threading.Thread


class Pipeline:
    """Some or all stages, each in its own thread, over one broker and one Redis."""

    def __init__(
        self, settings: Settings, endpoints: Endpoints, stages: tuple[str, ...] = STAGES
    ) -> None:
        self.settings = settings
        self.endpoints = endpoints
        self.serde = Serde(SchemaStore.load(settings.schemas_dir))
        self.redis = redis_client(endpoints)
        self.stages = stages
        self.recovery = Recovery(settings, endpoints.bootstrap_servers, self.redis, self.serde)
        self.runners = [
            StageRunner(
                build_handler(stage, settings, self.redis, self.serde, self.recovery),
                settings,
                endpoints.bootstrap_servers,
                self.redis,
            )
            for stage in stages
        ]
        self._stop = threading.Event()
        self._running: list[_Running] = []
        self.metrics: MetricsServer | None = None

    def start(self) -> None:
        """Create the topics, heal Redis from them, then start every stage."""
        clients = KafkaClients(self.settings, self.endpoints.bootstrap_servers)
        retired = retrying(
            "reading the lanes", lambda: retired_partitions(self.redis, self.settings.redis_prefix)
        )
        ensure_topics(clients.admin(), self.settings, retired=retired)
        # Redis may have lost writes while nothing ran (a restore, a failover): heal first
        chains = bool({"completer", "ssot", "scheduler"} & set(self.stages))
        results = "executor" in self.stages
        if chains or results:
            retrying(
                "healing Redis from the topics",
                lambda: self.recovery.heal(chains=chains, results=results),
            )
        if self.settings.metrics_port >= 0:
            self.metrics = MetricsServer(
                self.runners, self.settings.metrics_host, self.settings.metrics_port
            )
            self.metrics.start()
        for runner in self.runners:
            thread = threading.Thread(
                target=self._guard, args=(runner,), name=f"taskline-{runner.stage}", daemon=True
            )
            thread.start()
            self._running.append(_Running(runner, thread))

    def _guard(self, runner: StageRunner) -> None:
        try:
            runner.run(self._stop)
        except TasklineError as exc:
            # an error Taskline raises on purpose says what is wrong: raise_if_failed (the
            # CLI's one line) reports it; a traceback would only bury it
            log.debug("stage %s stopped: %s", runner.stage, exc)
        except BaseException:
            log.exception("stage %s stopped with an error", runner.stage)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every stage consumes; raise the first stage error that happens meanwhile."""
        deadline = time.monotonic() + timeout
        for running in self._running:
            while not running.runner.ready.wait(0.1):
                self.raise_if_failed()
                if time.monotonic() > deadline:
                    return False
        return True

    def raise_if_failed(self) -> None:
        """Re-raise the error of a stage that died."""
        for running in self._running:
            if running.runner.error is not None:
                raise running.runner.error

    def stop(self, timeout: float = 15.0) -> None:
        """Ask every stage to finish its batch, commit and close; wait for them."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for running in self._running:
            running.thread.join(max(0.0, deadline - time.monotonic()))
        if self.metrics is not None:
            self.metrics.stop()
        self.redis.close()

    def runner(self, stage: str) -> StageRunner:
        """The runner of a stage (for stats and tests)."""
        return next(r for r in self.runners if r.stage == stage)
