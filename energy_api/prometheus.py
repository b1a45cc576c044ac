"""Prometheus request counters and latency histograms, one registry per app (tests build several)."""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

#: Set by :mod:`energy_api.serve` when it runs several worker processes: each worker then writes its
#: samples to this folder and /metrics aggregates all of them, whichever worker answers the scrape.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Buckets sized for this service: sub-millisecond estimates up to multi-second explanations.
#: Response header with the server's time to the response start (ms): what a load test separates
#: from its own client and queueing time.
PROCESS_TIME_HEADER = b"x-process-time-ms"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The counters /metrics exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "energy_api_requests_total",
            "HTTP requests by route template, method and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "energy_api_request_duration_seconds",
            "Time from request to response by route template.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predicted_rows = Counter(
            "energy_api_predicted_rows_total",
            "Intervals estimated or forecast, by task.",
            ("task",),
            registry=self.registry,
        )
        self.model_loaded = Gauge(
            "energy_api_model_loaded",
            "1 when the task's champion is loaded (in every live worker).",
            ("task",),
            registry=self.registry,
            multiprocess_mode="livemin",
        )
        self.reloads = Counter(
            "energy_api_model_reloads_total",
            "Champion loads by task (start-up included).",
            ("task",),
            registry=self.registry,
        )
        self.refusals = Counter(
            "energy_api_model_refusals_total",
            "Candidate bundles refused (manifest, probe or load failure), by task and reason code.",
            ("task", "code"),
            registry=self.registry,
        )
        self.candidate_refused = Gauge(
            "energy_api_model_candidate_refused",
            "1 while the task's newest candidate bundle is refused (the previous champion serves).",
            ("task",),
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.generation = Gauge(
            "energy_api_champion_generation",
            "Champion generation this worker applied (workers agree when all show the same number).",
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.server_errors = Counter(
            "energy_api_server_errors_total",
            "Requests answered 500 because of an unexpected error (logged with their request id).",
            ("route",),
            registry=self.registry,
        )
        self.log_written = Counter(
            "energy_api_prediction_log_records_written_total",
            "Prediction-log records in complete, readable segments.",
            registry=self.registry,
        )
        self.log_write_errors = Counter(
            "energy_api_prediction_log_write_errors_total",
            "Failed prediction-log writes (each is retried; records are kept in memory meanwhile).",
            registry=self.registry,
        )
        self.log_dropped = Counter(
            "energy_api_prediction_log_records_dropped_total",
            "Prediction-log records given up after the in-memory buffer filled while writes failed.",
            registry=self.registry,
        )
        self.log_pending = Gauge(
            "energy_api_prediction_log_pending_records",
            "Records accepted but not yet in a complete segment (waiting for a batch or a retry).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.log_degraded = Gauge(
            "energy_api_prediction_log_degraded",
            "1 while the prediction log's last write failed (it retries).",
            registry=self.registry,
            multiprocess_mode="livemax",
        )

    def render(self) -> tuple[bytes, str]:
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Plain ASGI middleware (cheaper than BaseHTTPMiddleware): counts and times every request."""

    def __init__(self, app: Any, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                elapsed_ms = (time.perf_counter() - start) * 1000
                headers = [*message.get("headers", []), (PROCESS_TIME_HEADER, f"{elapsed_ms:.3f}".encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self.metrics.requests.labels(method, template, str(status["code"])).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - start)
