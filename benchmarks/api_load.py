"""Load-test the API: a real uvicorn process on loopback, 16 concurrent asyncio/httpx clients.

Builds a champion bundle in a temporary folder (physics estimator + a forecaster fitted on the
reference's temporal training window: LightGBM quantile by default, ``--forecaster seasonal_naive``
for a quick run), starts ``uvicorn energy_api.main:app`` in its own process, and measures
p50/p95/p99 latency and throughput of /predict (one interval), /predict/batch (96 intervals) and
/forecast (96 intervals = 24 h). The client runs on the same machine and shares its CPU, so the
figures include its cost. Writes data/benchmarks/api_load.json.

Run: ``nice .venv/bin/python benchmarks/api_load.py [--requests 2000 --concurrency 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from energy_assets.domain import champion, cleaning, features, ingest, metrics, paths, schema, splits
from energy_assets.domain.forecasting import LightGBMQuantileForecaster, SeasonalNaiveForecaster
from energy_assets.domain.models import PowerTriangleEstimator
from energy_assets.domain.training import (
    ESTIMATE_COLUMNS,
    EVALUATED,
    TEST,
    VALIDATION,
    EstimateResult,
    ForecastResult,
)

HISTORY_DAYS = 35


def cleaned_reference() -> pd.DataFrame:
    raw = ingest.read_raw(paths.raw_dir() / "steel_industry_data.csv")
    return cleaning.clean(raw).cleaned.sort_values(schema.TIMESTAMP).reset_index(drop=True)


def build_bundle(root: Path, clean: pd.DataFrame, forecaster: str) -> dict[str, Any]:
    """Champion folders under ``root``; returns what was built and how long the forecaster took."""
    part = splits.temporal_split(clean)
    train, validation, test = (clean.loc[(part == name).to_numpy()] for name in splits.TEMPORAL_PARTS)
    frame = features.build_features(clean)
    X, y = frame[list(ESTIMATE_COLUMNS)], frame[schema.USAGE_KWH]
    physics = PowerTriangleEstimator().fit(X.loc[train.index], y.loc[train.index])
    scores = {}
    for name, rows in ((VALIDATION, validation.index), (TEST, test.index)):
        rep = metrics.regression_report(y.loc[rows], physics.predict(X.loc[rows]))
        scores[name] = {k: rep[k] for k in ("rmse", "mae", "cv_pct", "n")}
    estimate = EstimateResult(
        family=physics.name,
        model=physics,
        params=physics.params(),
        metrics=scores,
        fit_seconds=0.0,
        predict_us_per_row=0.0,
        model_size_bytes=0,
        feature_columns=tuple(ESTIMATE_COLUMNS),
        device="cpu",
    )
    version = champion.data_version(paths.raw_dir() / "steel_industry_data.csv")
    champion.write_bundle(estimate, root, data_version=version)
    start = time.perf_counter()
    if forecaster == "lightgbm_quantile":
        model = LightGBMQuantileForecaster(n_jobs=1).fit(train, validation)
    else:
        model = SeasonalNaiveForecaster().fit(train, validation)
    fit_s = time.perf_counter() - start
    result = ForecastResult(
        family=model.name,
        status=EVALUATED,
        model=model,
        metrics={VALIDATION: None, TEST: None},
        fit_seconds=fit_s,
    )
    folder = champion.write_bundle(
        result, root, data_version=version, extra={"note": "benchmark bundle, not scored"}
    )
    seen = pd.concat([train, validation])
    seen.iloc[-HISTORY_DAYS * schema.INTERVALS_PER_DAY :].to_parquet(folder / "history.parquet", index=False)
    return {"estimator": physics.name, "forecaster": model.name, "forecaster_fit_s": round(fit_s, 1)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ENERGY_CHAMPION_DIR": str(root),
        "ENERGY_PREDICTION_LOG": str(root / "predictions.duckdb"),
        "ENERGY_RELOAD_INTERVAL_S": "0",
        "OMP_NUM_THREADS": "1",
    }
    cmd = [sys.executable, "-m", "uvicorn", "energy_api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))


def wait_ready(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{url}/health", timeout=2).json()
            if all(task["loaded"] for task in health["models"].values()):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API at {url} did not become ready")


def reading(row: pd.Series) -> dict[str, Any]:
    return {
        schema.TIMESTAMP: row[schema.TIMESTAMP].isoformat(),
        **{c: float(row[c]) for c in features.READING_FEATURES},
        schema.LOAD_TYPE: row[schema.LOAD_TYPE],
    }


async def hammer(
    url: str, path: str, payloads: list[dict[str, Any]], requests: int, concurrency: int, warmup: int
) -> dict[str, Any]:
    """``requests`` POSTs spread over ``concurrency`` clients; latency per request, wall throughput."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        for i in range(warmup):
            (await client.post(path, json=payloads[i % len(payloads)])).raise_for_status()
        latencies: list[float] = []
        server_ms: list[float] = []
        errors = 0
        counter = iter(range(requests))

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                start = time.perf_counter()
                response = await client.post(path, json=payloads[i % len(payloads)])
                latencies.append(time.perf_counter() - start)
                server_ms.append(float(response.headers.get("x-process-time-ms", "nan")))
                errors += response.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    srv = np.array(server_ms)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "errors": errors,
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "throughput_rps": round(requests / wall, 1),
        "server_p50_ms": round(float(np.percentile(srv, 50)), 2),
        "server_p95_ms": round(float(np.percentile(srv, 95)), 2),
        "server_p99_ms": round(float(np.percentile(srv, 99)), 2),
        "wall_s": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests for /predict")
    parser.add_argument("--batch-requests", type=int, default=500)
    parser.add_argument("--forecast-requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--forecaster", choices=("lightgbm_quantile", "seasonal_naive"), default="lightgbm_quantile"
    )
    parser.add_argument(
        "--bundle-dir", type=Path, default=None, help="build the bundle here, or reuse the one already there"
    )
    parser.add_argument("--out", type=Path, default=paths.data_dir() / "benchmarks" / "api_load.json")
    args = parser.parse_args()

    clean = cleaned_reference()
    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        root = args.bundle_dir or Path(tmp)
        if args.bundle_dir is not None and (root / "forecast" / "history.parquet").is_file():
            card = champion.read_bundle_card(root / "forecast")
            built = {
                "estimator": champion.read_bundle_card(root / "estimate")["family"],
                "forecaster": card["family"],
            }
            built["forecaster_fit_s"] = card.get("fit_seconds")
        else:
            built = build_bundle(root, clean, args.forecaster)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(root, port, root / "uvicorn.log")
        try:
            wait_ready(url)
            test = clean.iloc[-60 * schema.INTERVALS_PER_DAY :]
            singles = [reading(r) for _, r in test.iloc[:2000].iterrows()]
            days = [test.iloc[d * 96 : (d + 1) * 96] for d in range(20)]
            batches = [{"rows": [reading(r) for _, r in day.iterrows()]} for day in days]
            history_end = pd.read_parquet(root / "forecast" / "history.parquet")[schema.TIMESTAMP].max()
            origins = [(history_end - pd.Timedelta(hours=6 * k)).isoformat() for k in range(8)]
            forecasts = [{"origin": o, "horizon": schema.INTERVALS_PER_DAY} for o in origins]
            plan = {
                "/predict": ("/predict", singles, args.requests, 50),
                "/predict/batch (96 rows)": ("/predict/batch", batches, args.batch_requests, 20),
                "/forecast (96 intervals)": ("/forecast", forecasts, args.forecast_requests, 10),
            }
            results = {}
            for name, (path, payloads, n, warmup) in plan.items():
                results[name] = {
                    f"concurrent_{args.concurrency}": asyncio.run(
                        hammer(url, path, payloads, n, args.concurrency, warmup)
                    ),
                    "single_client": asyncio.run(hammer(url, path, payloads, max(n // 4, 50), 1, 0)),
                }
        finally:
            server.terminate()
            server.wait(timeout=30)
    report = {
        "bundle": built,
        "server": "uvicorn energy_api.main:app, 1 worker, own process, loopback",
        "client": f"asyncio + httpx {httpx.__version__}, {args.concurrency} concurrent clients, same machine",
        "latency_note": "single_client: one request at a time (service latency without queueing); "
        "p50/p95/p99_ms: client-observed, including queueing behind the other clients and the "
        "client's own CPU on the shared cores; server_*_ms: the x-process-time-ms header (request received "
        "to response start inside the server, queueing in the event loop excluded)",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "prediction_log": "on (DuckDB, background writer thread)",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
