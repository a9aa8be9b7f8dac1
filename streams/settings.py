"""Taskline settings: one frozen object, read from ``TASKLINE_*`` environment variables.

Only the CLI builds it (``Settings()``); everything else receives it as an argument.

>>> s = Settings(bootstrap_servers="kafka:9092", partitions=6)
>>> s.topic("raw-events")
'raw-events'
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from processors.lanes import MAX_LANES

DATA_DIR = Path(__file__).parent / "data"


class Settings(BaseSettings):
    """Every knob Taskline has. Environment variable = ``TASKLINE_`` + field name, upper case."""

    model_config = SettingsConfigDict(env_prefix="TASKLINE_", frozen=True, extra="ignore")

    # --- connections -------------------------------------------------------------------
    bootstrap_servers: str | None = Field(
        None, description="Kafka bootstrap servers; unset = start the embedded Tansu broker."
    )
    redis_url: SecretStr | None = Field(
        None, description="Redis URL (may hold a password); unset = start the embedded Redis."
    )
    kafka_options: dict[str, str] = Field(
        default_factory=dict,
        description="Extra librdkafka options for every client, as JSON "
        '(e.g. {"security.protocol": "SASL_SSL"}).',
    )
    kafka_secret_options: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Secret librdkafka options as JSON (e.g. {"sasl.password": "..."}).',
    )
    log_level: str = Field("WARNING", description="Python log level (DEBUG, INFO, WARNING...).")
    log_format: Literal["text", "json"] = Field(
        "text", description="text, or json: one object per line with stage, task and event ids."
    )
    metrics_host: str = Field("127.0.0.1", description="Address the metrics endpoint binds.")
    metrics_port: int = Field(
        0, ge=-1, le=65535, description="Metrics endpoint port; 0 = a free port, -1 = off."
    )
    home: Path = Field(
        Path(".taskline"), description="Where `taskline up` writes runtime.json for other commands."
    )
    stage_mode: Literal["processes", "threads"] = Field(
        "processes",
        description="`taskline up` runs each stage as a worker process (one GIL each), or all "
        "as threads of one process (`taskline up --threads`).",
    )

    # --- topology ----------------------------------------------------------------------
    partitions: int = Field(
        1,
        ge=1,
        le=1024,
        description="Partitions of every topic but scheduled: the most workers a stage can "
        "share its work among. One by default, as `taskline up` runs one worker per stage; the "
        "embedded broker's fetches cost CPU per partition (1 against 4: half its CPU per event, "
        "+15-20% throughput). Raise it to scale a stage out (docker-compose.yml sets 6).",
    )
    execution_lanes: int = Field(
        1,
        ge=1,
        le=MAX_LANES,
        description=(
            "Execution lanes (partitions of scheduled): serial within a lane, parallel across "
            "lanes, one fenced executor per lane. 1 (the default) = strictly serial."
        ),
    )
    replication_factor: int = Field(1, ge=1, description="Replication factor for created topics.")
    topic_prefix: str = Field("", description="Prefix of every topic name (namespaces, tests).")
    group_prefix: str = Field("taskline", description="Prefix of every consumer group id.")
    redis_prefix: str = Field("taskline", description="Prefix of every Redis key.")

    # --- behaviour ---------------------------------------------------------------------
    dedup_window_s: int = Field(
        7 * 24 * 3600, ge=1, description="How long a source_event_id is remembered in Redis."
    )
    task_claim_window_s: int = Field(
        14 * 24 * 3600,
        ge=1,
        description="How long the former's task claims live (past the router's dedup window).",
    )
    result_window_s: int = Field(
        24 * 3600,
        ge=60,
        description="How long the executor keeps a task's result and checkpoint in Redis.",
    )
    ssot_retention: int = Field(
        1000,
        ge=0,
        description="Commits per project Redis keeps in its logs (ssot-writes keeps all); 0 = all.",
    )
    tombstone_window_s: int = Field(
        30 * 24 * 3600,
        ge=0,
        description="How long Redis remembers which commit an event reached; 0 = forever.",
    )
    session_timeout_ms: int = Field(3000, ge=1000, description="Consumer group session timeout.")
    heartbeat_interval_ms: int = Field(500, ge=100, description="Consumer group heartbeat.")
    fetch_wait_max_ms: int = Field(
        7,
        ge=0,
        description="Broker-side fetch wait: the embedded broker answers a fetch that found "
        "nothing only after this long, so a quiet hop waits half of it on average, and every "
        "waiting stage costs it a fetch this often. 7 against 10 (one partition per topic): "
        "idle latency 21-23 against 24-28 ms over five hops, the same saturation throughput.",
    )
    batch_max: int = Field(500, ge=1, description="Records a stage takes in one batch.")
    poll_timeout_s: float = Field(0.05, gt=0, description="How long a stage waits for a batch.")
    max_record_bytes: int = Field(
        1_048_576, ge=1024, description="Larger input records are dead-lettered, not processed."
    )
    registry_path: Path = Field(
        DATA_DIR / "projects.json", description="Project registry file (JSON list of projects)."
    )
    # calibrated: 0.6 asks about the events that are right little more often than not (on
    # the dev sets, project accuracy among answered 0.971 -> 0.977, abstain 1.6% -> 2.3%,
    # 3 of 8,667 task types lost)
    min_routing_confidence: float = Field(
        0.6, ge=0, le=1, description="Below this the former asks for clarification."
    )
    packs_dir: Path = Field(
        DATA_DIR / "packs", description="Directory of domain packs (*.yaml) for the expert."
    )
    calibration_path: Path = Field(
        DATA_DIR / "calibration.json", description="Routing calibration (temperature, none)."
    )
    encoder: str = Field(
        "hash", description="Routing embeddings: hash[:DIM] (default) or sentence:MODEL."
    )
    expert_url: str | None = Field(
        None, description="OpenAI-compatible base URL for a model-backed expert; unset = packs."
    )
    expert_model: str = Field("gpt-4o-mini", description="Model name for the chat expert.")
    expert_api_key: SecretStr | None = Field(None, description="API key for the chat expert.")
    formation_semantic: Literal["wordllama", "none"] = Field(
        "wordllama",
        description="A learned sentence embedding beside the hashed n-grams for intents "
        "(WordLlama's 256-d model, shipped in its wheel), or none.",
    )
    review_with_model: bool = Field(
        False, description="Threshold reviews by the chat model at expert_url (else policy)."
    )
    model_timeout_s: float = Field(
        10.0, gt=0, le=120, description="Timeout of one chat-model request (expert, reviewer)."
    )
    model_concurrency: int = Field(
        4, ge=1, le=64, description="Chat-model requests in flight at most, per process."
    )
    session_hint_ttl_s: int = Field(
        1800, ge=1, description="How long a session's routing is a hint."
    )
    reindex_interval_s: float = Field(
        1.0, gt=0, description="How often the router re-indexes projects whose SSOT changed."
    )
    governance_key: SecretStr | None = Field(
        None,
        description="HMAC-SHA256 key for governance commands; unset: every command is refused.",
    )
    governance_policy_version: str = Field(
        "gov-policy-1", description="Policy version governance commands must cite."
    )
    governance_max_age_s: int = Field(
        300, ge=1, description="Governance commands older (or newer) than this are refused."
    )
    release_window: int = Field(
        256, ge=1, description="Tasks the scheduler keeps released but not yet committed."
    )
    book_max_pending: int = Field(
        20_000,
        ge=0,
        description="Pending tasks the scheduler keeps in its book (in memory and Redis; ~13 KiB "
        "each in memory in the benchmark): at this many it stops reading formed, and reads it "
        "again once releases "
        "bring the book below four fifths of it; the backlog waits on the topic. 0 = no bound.",
    )
    dependency_timeout_s: int = Field(
        3600, ge=1, description="How long a task waits for its dependencies before failing."
    )
    schemas_dir: Path | None = Field(
        None, description="Schema directory; unset = the schemas shipped with Taskline."
    )

    # --- operator console (streams.console) --------------------------------------------
    console: bool = Field(True, description="`taskline up` also serves the operator console.")
    console_host: str = Field("127.0.0.1", description="Address the console binds.")
    console_port: int = Field(8642, ge=0, le=65535, description="Console port (0 = any free port).")
    console_users: dict[str, SecretStr] = Field(
        default_factory=dict,
        description=(
            'Console accounts as JSON: {"name": "ROLE:HASH"}, ROLE operator or viewer, HASH '
            "from `taskline console hash-password`. Unset under `taskline up`: one operator "
            "`admin` with a generated password in <home>/console-password."
        ),
    )
    console_secret: SecretStr | None = Field(
        None, description="Key that signs console session cookies; unset = random per start."
    )
    console_open_read: bool = Field(
        False, description="Read-only console pages open without signing in."
    )
    console_session_s: int = Field(8 * 3600, ge=60, description="How long a console sign-in lasts.")

    @field_validator("topic_prefix", "group_prefix", "redis_prefix")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if any(ch.isspace() for ch in value):
            raise ValueError("must not contain whitespace")
        return value

    @model_validator(mode="after")
    def _retention_holds_a_batch(self) -> Settings:
        # a batch's commits must all be retained until it is acknowledged (redelivery re-emits)
        if 0 < self.ssot_retention < self.batch_max:
            raise ValueError(
                f"ssot_retention ({self.ssot_retention}) must be 0 or at least batch_max "
                f"({self.batch_max})"
            )
        return self

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    def topic(self, name: str) -> str:
        """Full topic name for a logical topic, e.g. ``raw-events``."""
        return f"{self.topic_prefix}{name}"

    def logical(self, physical: str) -> str:
        """A topic's name without this deployment's prefix (``topic`` reversed)."""
        return physical.removeprefix(self.topic_prefix)

    def group(self, stage: str) -> str:
        """Consumer group id of a stage."""
        return f"{self.group_prefix}-{stage}"
