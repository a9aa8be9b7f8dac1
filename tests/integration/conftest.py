"""Fixtures of the orchestration tests: settings with the test domain pack and a governance
key, a running pipeline whose scheduler and executor hold their leases, an HTTP endpoint."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.runtime.embedded import Endpoints
from streams.runtime.pipeline import Pipeline
from streams.settings import Settings
from tests.conftest import settle
from tests.orchestration import KEY, OPS_PACK, PACKS, Hook


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.server.shutdown()


@pytest.fixture
def orch(topics: Settings, tmp_path: Path) -> Settings:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS, packs)
    shutil.copy(OPS_PACK, packs / "ops.yaml")
    return topics.model_copy(
        update={
            "packs_dir": packs,
            "governance_key": SecretStr(KEY),
            "release_window": 8,
            "dependency_timeout_s": 3600,
        }
    )


@pytest.fixture
def running(orch: Settings, endpoints: Endpoints) -> Iterator[Pipeline]:
    p = Pipeline(orch, endpoints)
    p.start()
    assert p.wait_ready(60)
    assert settle(lambda: p.runner("scheduler").active and p.runner("executor").active, 20)
    yield p
    p.stop()
