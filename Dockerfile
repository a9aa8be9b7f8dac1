# Taskline worker image: `taskline worker STAGE`, configured by TASKLINE_* environment only.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams streams
COPY processors processors
COPY schemas schemas
RUN pip install --no-cache-dir .
ENTRYPOINT ["taskline"]
