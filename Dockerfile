# Taskline worker image: `taskline worker STAGE`, configured by TASKLINE_* environment only.
# The image installs the same wheel a user gets (`pip wheel` then `pip install` of that file),
# never the source tree, so it holds exactly what the wheel ships (packs, schemas, data).
# tests/integration/test_packaging.py runs these two steps and the installed CLI.
FROM python:3.11-slim AS wheel
WORKDIR /src
# a C compiler for the wheel's compiled search (processors/_kernels.c, optional: without it
# the wheel installs and searches with numpy, a third as fast)
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY streams streams
COPY processors processors
COPY schemas schemas
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim
COPY --from=wheel /dist /dist
# no `embedded` extra: a deployment talks to real Kafka and Redis (docker-compose.yml)
RUN pip install --no-cache-dir /dist/taskline-*.whl && rm -rf /dist
ENTRYPOINT ["taskline"]
