# syntax=docker/dockerfile:1
# Build stage: resolve the exact pinned versions into wheels.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels -c constraints.txt ".[postgres]"

# Run stage: no compiler, no build tools, no root.
FROM python:3.11-slim
# Relative SQLite paths (the default legday.db, or one from .env) resolve inside /data,
# the volume; an absolute DATABASE_URL or PostgreSQL is used as given.
# The HTTP endpoint stays off until LEGDAY_HTTP_PORT is set; then it listens on every
# interface of the container (publish the port only to a private network: no auth).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LEGDAY_DATA_DIR=/data \
    LEGDAY_HEALTH_FILE=/tmp/legday.health \
    LEGDAY_HTTP_HOST=0.0.0.0
# libfribidi: Pillow's wheels load it at run time for libraqm (right-to-left names,
# Arabic joining, Indic shaping on the pictures); without it names are drawn unshaped.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libfribidi0 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 legday && mkdir /data && chown legday /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER legday
WORKDIR /home/legday
VOLUME ["/data"]
# `legday health` asks http://127.0.0.1:$LEGDAY_HTTP_PORT/healthz when the port is set
# (gateway, reminders and database), else checks the age of the health file.
HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 CMD ["legday", "health"]
ENTRYPOINT ["legday"]
CMD ["run"]
