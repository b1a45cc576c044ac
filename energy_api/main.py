"""App factory: settings, champion registry, prediction log, metrics, error handling, routers.

``uvicorn energy_api.main:app`` serves the module-level ``app``; tests and benchmarks call
:func:`create_app` with their own :class:`~energy_api.settings.Settings`.

Errors: a request that breaks a rule gets a 4xx whose ``detail`` names the field and the rule
(:class:`~energy_assets.domain.errors.InvalidInput` and the schema's validation); anything else is
the service's fault: 500 (or 503 when a champion is not loaded) with a request id, logged with its
traceback. Every response carries ``X-Request-ID``. What the service promises under each fault
(bad bundles, worker crashes, a full disk) is in docs/faults.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.resources
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from energy_api.copilot.service import Copilot
from energy_api.generation import POLL_S, WorkerGroup
from energy_api.limits import add_hardening, error_body
from energy_api.prediction_log import PredictionLog
from energy_api.probe import run_probe
from energy_api.prometheus import MetricsMiddleware, ServiceMetrics
from energy_api.registry import (
    READINGS,
    CalendarTable,
    ModelNotLoadedError,
    ModelRegistry,
    Refusal,
    read_history,
)
from energy_api.routers import copilot, explain, forecast, predict, query, scenarios, service
from energy_api.routers import tariff as tariff_router
from energy_api.settings import Settings
from energy_assets.domain.errors import InvalidInput
from energy_assets.domain.query import Coverage, ReadingsTable, coverage_of
from energy_assets.domain.tariff import Tariff, load_tariff
from energy_assets.domain.tasks import FORECAST, TASKS

DESCRIPTION = """
Estimates, day-ahead forecasts and cost/CO2 what-if answers for the steel plant's 15-minute
electricity readings, served from the champion bundles the Dagster pipeline writes.

Field names follow the cleaned table (`usage_kwh`, `lagging_reactive_kvarh`, `load_type`...);
timestamps are the END of each 15-minute interval in plant-local time. Costs use the configured
tariff (packaged default: KEPCO Industrial (B) 2012 prices, illustrative).
"""


_log = logging.getLogger("energy_api")
#: Swagger UI and ReDoc assets from an installed, pinned package (fastapi-offline), not a CDN.
DOCS_ASSETS = "/docs-assets"


@dataclass
class Service:
    """Everything a request handler needs, built once per app."""

    settings: Settings
    tariff: Tariff
    registry: ModelRegistry
    calendar: CalendarTable
    metrics: ServiceMetrics
    group: WorkerGroup = field(default_factory=WorkerGroup)
    log: PredictionLog | None = None
    explanations: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: The champion generation this worker applied (see energy_api.generation).
    applied_generation: int = 0
    _table_file: tuple[pd.DataFrame, Coverage] | None = None
    _table: tuple[pd.DataFrame, ReadingsTable] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _generation_lock: threading.Lock = field(default_factory=threading.Lock)

    def readings(self) -> tuple[pd.DataFrame, Coverage]:
        """Every reading the service holds, and its coverage (first/last day, rows, source).

        In order: ``ENERGY_READINGS_TABLE`` when set, the serving readings the pipeline publishes
        next to the champions (``<champion dir>/readings``), else the forecast bundle's history.
        """
        if self.settings.readings_table is not None:
            with self._lock:
                if self._table_file is None:
                    path = self.settings.readings_table
                    frame = read_history(path)
                    self._table_file = (frame, coverage_of(frame, f"readings table {path.name}"))
                return self._table_file
        served = self.registry.readings()
        if served is not None:
            source = f"serving readings ({served.model_version}, data {served.data_version})"
            return served.frame, coverage_of(served.frame, source)
        loaded = self.registry.get(FORECAST)
        if loaded.history is None:
            raise ModelNotLoadedError(
                "no readings: no serving readings are published, no readings table is set and the "
                "forecast bundle ships no history.parquet"
            )
        return loaded.history, coverage_of(
            loaded.history, f"forecast bundle history ({loaded.model_version})"
        )

    def readings_table(self) -> tuple[ReadingsTable, Coverage]:
        """:meth:`readings` with every calendar fact computed (once per served frame)."""
        frame, cov = self.readings()
        cached = self._table
        if cached is None or cached[0] is not frame:
            with self._lock:
                cached = self._table
                if cached is None or cached[0] is not frame:
                    cached = (frame, ReadingsTable(frame, self.tariff, cov.source))
                    self._table = cached
        return cached[1], cached[1].coverage

    def on_change(self, task: str, loaded: Any) -> None:
        self.metrics.reloads.labels(task).inc()
        self.metrics.model_loaded.labels(task).set(1)
        self.metrics.candidate_refused.labels(task).set(0)
        with self._lock:
            self.explanations.clear()
            if task in (READINGS, FORECAST):
                self._table = None
        _freeze_long_lived_objects()

    def on_refuse(self, task: str, refusal: Refusal) -> None:
        self.metrics.refusals.labels(task, refusal.code).inc()
        self.metrics.candidate_refused.labels(task).set(1)

    def refresh_and_publish(self, force: bool = False) -> tuple[dict[str, str], int]:
        """Refresh here; when something loaded (or ``force``), start a new generation for all workers."""
        with self._generation_lock:
            outcome = self.registry.refresh(force)
            if force or "loaded" in outcome.values():
                self.applied_generation = self.group.publish(force)
            self.confirm()
            return outcome, self.applied_generation

    def follow(self) -> bool:
        """Apply a generation another worker published (True when one was applied)."""
        record = self.group.changed()
        if record is None or record.number <= self.applied_generation:
            return False
        with self._generation_lock:
            if record.number <= self.applied_generation:
                return False
            self.registry.refresh(record.force)
            self.applied_generation = record.number
            self.confirm()
        return True

    def confirm(self) -> None:
        self.group.ack(self.applied_generation, self.registry.versions())
        self.metrics.generation.set(self.applied_generation)

    def problems(self) -> list[str]:
        """What is wrong now, in words for /health (empty when all is well)."""
        out = []
        for task, state in self.registry.status().items():
            if state["last_error"]:
                kept = "the previous champion keeps serving" if state["loaded"] else "no champion is serving"
                out.append(
                    f"{task} candidate refused ({state['refused_code']}): {state['last_error']}; {kept}"
                )
        if self.log is not None:
            log = self.log.status()
            if log["state"] != "ok":
                out.append(
                    f"prediction log writes are failing ({log['last_error']}); "
                    f"{log['pending_records']} records kept in memory for a retry"
                )
        return out


class _LogMetrics:
    """The prediction log's events as Prometheus samples."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics

    def written(self, records: int) -> None:
        self.metrics.log_written.inc(records)

    def write_failed(self) -> None:
        self.metrics.log_write_errors.inc()

    def dropped(self, records: int) -> None:
        self.metrics.log_dropped.inc(records)

    def pending(self, records: int) -> None:
        self.metrics.log_pending.set(records)

    def degraded(self, on: bool) -> None:
        self.metrics.log_degraded.set(int(on))


def _freeze_long_lived_objects() -> None:
    """Move what is alive now (modules, loaded bundles, their history) out of the cyclic GC's scans.

    Why: under load a full collection walked every object of the loaded champion and stopped the
    event loop for 85-97 ms (measured with ``gc.callbacks`` during the /forecast benchmark), which
    set the p95 of every request in flight. Objects frozen here are never freed, so this runs after
    start-up and after each champion reload (an old bundle then stays in memory: a few MB).
    """
    gc.collect()
    gc.freeze()


def _detail(loc: list[Any], rule: str, kind: str, field: str | None = None) -> dict[str, Any]:
    if field is None:
        names = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header") else []
        field = ".".join(names) or (str(loc[0]) if loc else "request")
    return {"loc": loc, "field": field, "rule": rule, "msg": rule, "type": kind}


def _validation_detail(err: dict[str, Any]) -> dict[str, Any]:
    loc = list(err.get("loc", ()))
    kind = err.get("type", "value_error")
    rule = err.get("msg", "invalid value")
    if rule.startswith("Value error, "):
        rule = rule[len("Value error, ") :]
    ctx = err.get("ctx") or {}
    if kind == "json_invalid":  # loc is ("body", <character position>)
        position = loc[1] if len(loc) > 1 else None
        where = f" at character {position}" if position is not None else ""
        return _detail(loc[:1], f"must be valid JSON ({ctx.get('error', rule)}{where})", kind, "body")
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        tag = str(ctx.get("discriminator", "kind")).strip("'\"")
        names = [str(p) for p in loc[1:]]
        return _detail([*loc, tag], rule, kind, ".".join([*names, tag]))
    if kind == "missing" and len(loc) <= 1:
        rule = "a JSON body is required"
    elif kind in ("model_attributes_type", "dict_type", "model_type") and len(loc) <= 1:
        rule = "must be a JSON object"
    return _detail(loc, rule, kind)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_validation_detail(err) for err in exc.errors()]
        return JSONResponse(status_code=422, content=error_body(request.scope, errors))

    @app.exception_handler(InvalidInput)
    async def broken_rule(request: Request, exc: InvalidInput) -> JSONResponse:
        status = getattr(exc, "status", 422)
        source = getattr(exc, "source", "body")
        fields = getattr(exc, "fields", None) or [exc.field]
        detail = [_detail([source, *f.split(".")], exc.rule, "rule", f) for f in fields]
        return JSONResponse(status_code=status, content=error_body(request.scope, detail))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            detail = [_detail(["path"], f"no endpoint {request.url.path}; see /docs", "not_found", "path")]
        elif exc.status_code == 405:
            rule = f"{request.method} is not allowed on {request.url.path}"
            detail = [_detail(["method"], rule, "method_not_allowed", "method")]
        elif exc.status_code < 500:
            detail = [_detail(["request"], str(exc.detail), "http_error", "request")]
        else:
            detail = str(exc.detail)  # type: ignore[assignment]
        return JSONResponse(
            status_code=exc.status_code, content=error_body(request.scope, detail), headers=exc.headers
        )

    @app.exception_handler(ModelNotLoadedError)
    async def not_loaded(request: Request, exc: ModelNotLoadedError) -> JSONResponse:
        return JSONResponse(status_code=503, content=error_body(request.scope, str(exc)))


def _add_docs(app: FastAPI) -> None:
    """/docs and /redoc with assets from the installed fastapi-offline package: they work offline."""
    static = Path(str(importlib.resources.files("fastapi_offline") / "static"))
    app.mount(DOCS_ASSETS, StaticFiles(directory=static), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app; the champion is loaded in ``lifespan`` (start-up), not here."""
    settings = settings or Settings.from_env()
    tariff = load_tariff(settings.tariff_path)
    metrics = ServiceMetrics()
    group = WorkerGroup.from_env()
    state = Service(
        settings=settings,
        tariff=tariff,
        registry=ModelRegistry(settings.champion_dir, forecast_threads=settings.forecast_threads),
        calendar=CalendarTable(tariff),
        metrics=metrics,
        group=group,
    )
    state.registry.on_change = state.on_change
    state.registry.on_refuse = state.on_refuse
    state.registry.probe = lambda folder, key: group.probe_once(key, lambda: run_probe(folder))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.prediction_log is not None:
            state.log = PredictionLog(settings.prediction_log, listener=_LogMetrics(metrics))
        state.applied_generation = group.read().number
        group.changed()  # the generation read now is the one this worker starts from
        await run_in_threadpool(state.registry.refresh)
        state.confirm()
        for task in TASKS:
            metrics.model_loaded.labels(task).set(int(state.registry.peek(task) is not None))
        metrics.model_loaded.labels(READINGS).set(int(state.registry.readings() is not None))
        await run_in_threadpool(_warm, state)
        _freeze_long_lived_objects()
        tasks = []
        if settings.reload_interval_s > 0:
            tasks.append(asyncio.create_task(_watch(state, settings.reload_interval_s)))
        if group.shared:  # another worker's reload reaches this one within POLL_S, any reload interval
            tasks.append(asyncio.create_task(_follow(state)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if state.log is not None:
                state.log.close()

    app = FastAPI(
        title="energy-copilot API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = state
    app.state.copilot = Copilot.from_settings(state)
    _add_error_handlers(app)
    _add_docs(app)
    for module in (service, predict, forecast, scenarios, tariff_router, explain, query, copilot):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    add_hardening(
        app,
        max_body_bytes=settings.max_body_bytes,
        cors_origins=settings.cors_origins,
        on_server_error=lambda route: metrics.server_errors.labels(route).inc(),
    )
    return app


def _warm(state: Service) -> None:
    """Build the readings' calendar table now, not on the first data question (best effort: a
    request that needs the readings reports their problem itself)."""
    try:
        state.readings_table()
    except ModelNotLoadedError:
        pass
    except Exception:
        _log.exception("preparing the readings for queries failed")


async def _watch(state: Service, interval_s: float) -> None:
    """Check for a newer bundle every ``interval_s`` (a stat and a small JSON read when unchanged);
    a load here starts a new generation, so the other workers follow at once."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(state.refresh_and_publish)
            await run_in_threadpool(_warm, state)
        except Exception:  # the watcher must outlive any one failed check
            _log.exception("champion check failed")


async def _follow(state: Service) -> None:
    """Apply the generations other workers publish (a stat every POLL_S)."""
    while True:
        await asyncio.sleep(POLL_S)
        try:
            await run_in_threadpool(state.follow)
        except Exception:
            _log.exception("following the champion generation failed")


def ask(message: str, session_id: str | None = None) -> dict[str, Any]:
    """One copilot answer without a server (the ``energy ask`` CLI): the same app, Service,
    champions, serving readings and tools as the API, configured from the same environment."""
    built = create_app(Settings.from_env())
    built.state.service.registry.refresh()
    return built.state.copilot.chat(message, session_id)


app = create_app()
