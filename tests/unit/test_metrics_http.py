"""The /metrics, /healthz and /readyz endpoints over real HTTP on a local port."""

from __future__ import annotations

import asyncio
import gzip
import urllib.error
import urllib.request

from prometheus_client import CollectorRegistry

from service.models import CleanArticle, Origin
from service.pipeline import Published
from service.shell.metrics import HealthServer, Metrics

ARTICLE = CleanArticle("a1", "https://x.example/a", "x.example", Origin("raw", 0, 1), body="b")


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


async def test_endpoints_serve_openmetrics_gzip_and_readiness() -> None:
    """OpenMetrics on request, gzip when accepted, no _created series, readiness follows."""
    metrics = Metrics(CollectorRegistry())
    metrics.count([Published(ARTICLE)])
    ready = [False]
    server = HealthServer(metrics, lambda: ready[0])
    host, port = await server.start("127.0.0.1:0")
    base = f"http://{host}:{port}"
    try:
        status, headers, body = await asyncio.to_thread(_get, f"{base}/metrics")
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = body.decode()
        assert "cleanwire_articles_published_total 1.0" in text
        assert "_created" not in text

        status, headers, body = await asyncio.to_thread(
            _get,
            f"{base}/metrics",
            Accept="application/openmetrics-text; version=1.0.0",
            **{"Accept-Encoding": "gzip"},
        )
        assert status == 200
        assert headers["Content-Type"].startswith("application/openmetrics-text")
        assert headers["Content-Encoding"] == "gzip"
        text = gzip.decompress(body).decode()
        assert text.endswith("# EOF\n")
        assert "cleanwire_articles_published_total 1.0" in text
        assert "_created" not in text

        assert (await asyncio.to_thread(_get, f"{base}/healthz"))[0] == 200
        assert (await asyncio.to_thread(_get, f"{base}/readyz"))[0] == 503
        ready[0] = True
        assert (await asyncio.to_thread(_get, f"{base}/readyz"))[0] == 200
        assert (await asyncio.to_thread(_get, f"{base}/nope"))[0] == 404
    finally:
        await server.stop()
