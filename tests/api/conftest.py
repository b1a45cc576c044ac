"""A tiny champion (physics estimator + weekly seasonal naive) and a REAL uvicorn server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import uvicorn
from fastapi import FastAPI

from energy_api.main import create_app
from energy_api.registry import HISTORY_FILE
from energy_api.settings import Settings
from energy_assets.domain import features, manifest
from energy_assets.domain.data import schema
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate import PowerTriangleEstimator
from energy_assets.domain.models.forecast import SeasonalNaiveForecaster
from energy_assets.domain.scores import regression_report
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EVALUATED, EstimateResult, ForecastResult

API_KEY = "test-admin-key"
#: 35 days of the reference: 1 January 00:15 .. 5 February 00:00 2018.
HISTORY_DAYS = 35
FIT_DAYS = 21


def reference_slice(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return clean_reference.iloc[: HISTORY_DAYS * schema.INTERVALS_PER_DAY].reset_index(drop=True)


def estimate_result(history: pd.DataFrame, method: str = "interval") -> EstimateResult:
    """A physics champion scored honestly on the slice (validation = days 22-28, test = 29-35)."""
    frame = features.build_features(history)
    X, y = frame[list(ESTIMATE_FEATURES)], frame[schema.USAGE_KWH]
    model = PowerTriangleEstimator(method=method).fit(X, y)
    day = schema.INTERVALS_PER_DAY
    scores = {}
    for split, rows in ((VALIDATION, slice(FIT_DAYS * day, 28 * day)), (TEST, slice(28 * day, None))):
        report = regression_report(y.iloc[rows], model.predict(X.iloc[rows]))
        scores[split] = {
            "rmse": report["rmse"],
            "mae": report["mae"],
            "cv_pct": report["cv_pct"],
            "n": report["n"],
        }
    return EstimateResult(
        family=model.name,
        model=model,
        params=model.params(),
        metrics=scores,
        fit_seconds=0.0,
        predict_us_per_row=1.0,
        model_size_bytes=200,
        feature_columns=tuple(ESTIMATE_FEATURES),
        device="cpu",
    )


def forecast_result(history: pd.DataFrame) -> ForecastResult:
    fit = history.iloc[: FIT_DAYS * schema.INTERVALS_PER_DAY]
    model = SeasonalNaiveForecaster().fit(fit)
    return ForecastResult(
        family=model.name, status=EVALUATED, model=model, metrics={VALIDATION: {"rmse": 24.7}, TEST: None}
    )


def set_created_at(folder: Path, created_at: str) -> None:
    """Bundles written within one second share created_at; tests move it to order them (and sign the
    edited bundle again: its manifest must list the new bytes)."""
    path = folder / champion.BUNDLE_FILE
    card = json.loads(path.read_text())
    card["created_at"] = created_at
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    manifest.write_manifest(folder)


def write_champion(root: Path, history: pd.DataFrame) -> None:
    champion.write_bundle(
        estimate_result(history),
        root,
        data_version="sha256:test",
        code_version="test",
        created_at="2026-01-01T00:00:00+00:00",
    )
    champion.write_bundle(
        forecast_result(history),
        root,
        data_version="sha256:test",
        code_version="test",
        attachments={HISTORY_FILE: history},
        created_at="2026-01-01T00:00:00+00:00",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(settings: Settings) -> LiveServer:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # start-up probes each bundle in a child process: seconds on a quiet machine, ~30 s under load 10
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, settings, server, thread)


@pytest.fixture(scope="session")
def history(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return reference_slice(clean_reference)


@pytest.fixture(scope="session")
def champion_root(tmp_path_factory: pytest.TempPathFactory, history: pd.DataFrame) -> Path:
    root = tmp_path_factory.mktemp("champion")
    write_champion(root, history)
    return root


@pytest.fixture(scope="session")
def live(champion_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(
        champion_dir=champion_root,
        api_key=API_KEY,
        prediction_log=tmp_path_factory.mktemp("serving") / "prediction_log",
        max_batch=200,
        reload_interval_s=0,
    )
    server = start_server(settings)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def reading_payload(row: pd.Series) -> dict[str, object]:
    """A cleaned row as the API's Reading (no usage_kwh: that is what it estimates)."""
    return {
        schema.TIMESTAMP: row[schema.TIMESTAMP].isoformat(),
        **{c: float(row[c]) for c in features.READING_FEATURES},
        schema.LOAD_TYPE: row[schema.LOAD_TYPE],
    }


__all__ = ["API_KEY", "LiveServer", "np", "reading_payload", "set_created_at", "start_server"]
