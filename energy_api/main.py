"""App factory: settings, champion registry, prediction log, metrics, error handling, routers.

``uvicorn energy_api.main:app`` serves the module-level ``app``; tests and benchmarks call
:func:`create_app` with their own :class:`~energy_api.settings.Settings`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from energy_api.limits import add_hardening
from energy_api.prediction_log import PredictionLog
from energy_api.prometheus import MetricsMiddleware, ServiceMetrics
from energy_api.registry import CalendarTable, LoadedBundle, ModelNotLoadedError, ModelRegistry, read_history
from energy_api.routers import copilot, explain, forecast, predict, scenarios, service
from energy_api.routers import tariff as tariff_router
from energy_api.routers.deps import InputRuleError
from energy_api.settings import Settings
from energy_assets.domain.tariff import Tariff, load_tariff
from energy_assets.domain.tasks import FORECAST, TASKS

DESCRIPTION = """
Estimates, day-ahead forecasts and cost/CO2 what-if answers for the steel plant's 15-minute
electricity readings, served from the champion bundles the Dagster pipeline writes.

Field names follow the cleaned table (`usage_kwh`, `lagging_reactive_kvarh`, `load_type`...);
timestamps are the END of each 15-minute interval in plant-local time. Costs use the configured
tariff (packaged default: KEPCO Industrial (B) 2012 prices, illustrative).
"""


@dataclass
class Service:
    """Everything a request handler needs, built once per app."""

    settings: Settings
    tariff: Tariff
    registry: ModelRegistry
    calendar: CalendarTable
    metrics: ServiceMetrics
    log: PredictionLog | None = None
    explanations: dict[tuple[str, str], Any] = field(default_factory=dict)
    _readings: tuple[pd.DataFrame, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def readings(self) -> tuple[pd.DataFrame, str]:
        """Cleaned-schema readings for /explain and history scenarios, and where they come from."""
        if self.settings.readings_table is not None:
            with self._lock:
                if self._readings is None:
                    path = self.settings.readings_table
                    self._readings = (read_history(path), f"readings table {path}")
                return self._readings
        loaded = self.registry.get(FORECAST)
        if loaded.history is None:
            raise ModelNotLoadedError(
                "the forecast bundle ships no history.parquet and no readings table is set"
            )
        return loaded.history, f"forecast bundle history ({loaded.model_version})"

    def on_change(self, task: str, loaded: LoadedBundle) -> None:
        self.metrics.reloads.labels(task).inc()
        self.metrics.model_loaded.labels(task).set(1)
        with self._lock:
            self.explanations.clear()
        _freeze_long_lived_objects()


def _freeze_long_lived_objects() -> None:
    """Move what is alive now (modules, loaded bundles, their history) out of the cyclic GC's scans.

    Why: under load a full collection walked every object of the loaded champion and stopped the
    event loop for 85-97 ms (measured with ``gc.callbacks`` during the /forecast benchmark), which
    set the p95 of every request in flight. Objects frozen here are never freed, so this runs after
    start-up and after each champion reload (an old bundle then stays in memory: a few MB).
    """
    gc.collect()
    gc.freeze()


def _detail(loc: list[Any], rule: str, kind: str) -> dict[str, Any]:
    fields = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return {"loc": loc, "field": ".".join(fields) or None, "rule": rule, "msg": rule, "type": kind}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            rule = err.get("msg", "invalid value")
            if rule.startswith("Value error, "):
                rule = rule[len("Value error, ") :]
            errors.append(_detail(list(err.get("loc", ())), rule, err.get("type", "value_error")))
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(InputRuleError)
    async def broken_rule(request: Request, exc: InputRuleError) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": [_detail(["body", *exc.field.split(".")], exc.rule, "rule")]}
        )

    @app.exception_handler(ValueError)
    async def domain_error(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [_detail(["body"], str(exc), "domain_rule")]})

    @app.exception_handler(ModelNotLoadedError)
    async def not_loaded(request: Request, exc: ModelNotLoadedError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app; the champion is loaded in ``lifespan`` (start-up), not here."""
    settings = settings or Settings.from_env()
    tariff = load_tariff(settings.tariff_path)
    metrics = ServiceMetrics()
    state = Service(
        settings=settings,
        tariff=tariff,
        registry=ModelRegistry(settings.champion_dir, forecast_threads=settings.forecast_threads),
        calendar=CalendarTable(tariff),
        metrics=metrics,
    )
    state.registry.on_change = state.on_change

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.prediction_log is not None:
            state.log = PredictionLog(settings.prediction_log)
        await run_in_threadpool(state.registry.refresh)
        for task in TASKS:
            metrics.model_loaded.labels(task).set(int(state.registry.peek(task) is not None))
        _freeze_long_lived_objects()
        watcher = None
        if settings.reload_interval_s > 0:
            watcher = asyncio.create_task(_watch(state, settings.reload_interval_s))
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            if state.log is not None:
                state.log.close()

    app = FastAPI(
        title="energy-copilot API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
    )
    app.state.service = state
    _add_error_handlers(app)
    for module in (service, predict, forecast, scenarios, tariff_router, explain, copilot):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    add_hardening(app, max_body_bytes=settings.max_body_bytes, cors_origins=settings.cors_origins)
    return app


async def _watch(state: Service, interval_s: float) -> None:
    """Check for a newer bundle every ``interval_s`` (a stat and a small JSON read when unchanged)."""
    while True:
        await asyncio.sleep(interval_s)
        await run_in_threadpool(state.registry.refresh)


app = create_app()
