# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test browser bench-console test-busy check lint types fmt unit integration bench-audit bench-routing bench-formation bench-lanes bench-micro bench-redis bench bench-peers chaos clean

$(STAMP): pyproject.toml processors/_kernels.c
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e '.[dev,embedded,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/taskline up --demo

# the console's browser tests drive Debian's Chromium; installed here when it is missing
CHROMIUM_OK := $(shell command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 && echo yes)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
ifneq ($(CHROMIUM_OK),yes)
	@echo "installing Chromium (Debian packages chromium, chromium-driver) for the browser tests"
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null \
	  || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get update -q >/dev/null && \
	      DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null)
endif

# two workers, each with its own embedded broker and Redis; a module's tests stay together
# (its module fixtures, e.g. one `taskline up` for the console's browser tests, start once)
XDIST := -n 2 --dist loadfile

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -p no:cacheprovider $(XDIST)

# the suite five times in a row while both cores are kept busy (flakiness shows up here)
test-busy: $(STAMP)
	$(BIN)/python -m tests.busy_cpu --runs 5 --out busy-runs.md -- $(MAKE) --no-print-directory test

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP) browser
	$(BIN)/python -m pytest -q $(XDIST) tests/integration

bench-audit: $(STAMP)
	$(BIN)/python -m benchmarks.audit_verify

bench-routing: $(STAMP)
	$(BIN)/python -m benchmarks.routing

bench-formation: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m benchmarks.formation  # as worker_env sets it for a stage

bench-lanes: $(STAMP)
	$(BIN)/python -m benchmarks.lanes

bench-console: $(STAMP)
	$(BIN)/python -m benchmarks.console

bench-micro: $(STAMP)
	$(BIN)/python -m benchmarks.micro

bench-redis: $(STAMP)
	$(BIN)/python -m benchmarks.redis_sizing

bench: $(STAMP)
	$(BIN)/taskline bench --json bench.json

# The Python peers of `taskline bench --peers` live in an environment of their own: Quix
# Streams 3.28 pins confluent-kafka below 2.13, older than Taskline's.
PEERS_STAMP := .venv-peers/.installed
$(PEERS_STAMP):
	$(PY) -m venv .venv-peers
	PYTHONWARNINGS=ignore .venv-peers/bin/pip install --quiet faust-streaming==0.15.3 quixstreams==3.28.1 fastavro
	touch $(PEERS_STAMP)

bench-peers: $(STAMP) $(PEERS_STAMP)
	$(BIN)/taskline bench --peers --json bench.json

chaos: $(STAMP)
	$(BIN)/taskline chaos --events 5000 --kills 50 --rollbacks 5 --wipes 1 --retention 100 --duplicates 0.2 --seed 7

lint: $(STAMP)
	$(BIN)/ruff check streams processors tests benchmarks
	$(BIN)/ruff format --check streams processors tests benchmarks

types: $(STAMP)
	$(BIN)/mypy streams processors

fmt: $(STAMP)
	$(BIN)/ruff format streams processors tests benchmarks
	$(BIN)/ruff check --fix streams processors tests benchmarks

check: lint types test

clean:
	rm -rf $(VENV) .venv-peers .taskline .mypy_cache .ruff_cache
