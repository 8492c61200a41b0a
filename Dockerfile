# syntax=docker/dockerfile:1
# Multi-stage build: the wheel is built and the numba cache compiled in a throwaway stage;
# the runtime image holds only the virtualenv and that cache, and runs as an unprivileged user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Every third-party package, the spaCy model and the build backend come from the
# hash-pinned lock (`make lock`); the project itself is built with the locked setuptools.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-compile --no-deps --require-hashes -r requirements.lock
COPY pyproject.toml MANIFEST.in build_hooks.py README.md LICENSE ./
COPY service ./service
COPY schemas ./schemas
RUN /opt/venv/bin/pip install --no-compile --no-deps --no-build-isolation .
# Compile every numba `cache=True` kernel now, so a new pod loads them (~1 s) instead of
# compiling them (~10-20 s) before it is ready. The cache is keyed by the source files'
# contents and path (the same /opt/venv in the runtime stage) and by the CPU: `generic`
# makes it valid on any node of the image's architecture, whichever CPU built it (the
# fingerprint kernel measured no slower than host-tuned code).
ENV NUMBA_CPU_NAME=generic
COPY scripts/warm_numba_cache.py /tmp/
RUN PYTHONDONTWRITEBYTECODE=1 NUMBA_CACHE_DIR=/opt/numba-cache \
    /opt/venv/bin/python /tmp/warm_numba_cache.py \
 && chmod -R a+rX /opt/numba-cache

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
COPY --from=build /opt/numba-cache /opt/numba-cache
# numba needs a writable NUMBA_CACHE_DIR (it test-writes it on import), and the pod's root
# filesystem is read-only with an emptyDir on /tmp (deploy/k8s/deployment.yaml): the
# entrypoint copies /opt/numba-cache (~1.5 MB) into an empty NUMBA_CACHE_DIR, then execs
# cleanwire (PID 1, gets SIGTERM). NUMBA_CPU_NAME must match the build stage's.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 NUMPY_MADVISE_HUGEPAGE=0 \
    CLEANWIRE_METRICS_ADDR=0.0.0.0:9400 CLEANWIRE_STATE_DIR=/var/lib/cleanwire/state \
    NUMBA_CACHE_DIR=/tmp/cleanwire-numba-cache NUMBA_CPU_NAME=generic
USER 10001:10001
WORKDIR /var/lib/cleanwire
EXPOSE 9400
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9400/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["/bin/sh", "-c", "d=$NUMBA_CACHE_DIR; if [ -n \"$d\" ] && [ -z \"$(ls -A \"$d\" 2>/dev/null)\" ]; then mkdir -p \"$d\" && cp -R /opt/numba-cache/. \"$d\"/ || echo 'cleanwire: could not seed NUMBA_CACHE_DIR; kernels compile on first use' >&2; fi; exec cleanwire \"$@\"", "cleanwire"]
CMD ["run"]
