"""Load-test the API: real uvicorn workers on loopback, 16 concurrent keep-alive clients.

Builds a champion bundle in a temporary folder (physics estimator + a forecaster fitted on the
reference's temporal training window: LightGBM quantile by default, ``--forecaster seasonal_naive``
for a quick run), starts ``python -m energy_api.serve --workers N`` in its own process group for
each N of ``--workers`` (default 2, then 1 for reference), and measures p50/p95/p99 latency,
throughput and CPU per request of /predict (one interval), /predict/batch (96 intervals) and
/forecast (96 intervals = 24 h, a different origin for each of 192 consecutive requests, so nothing
can be answered from a cache). Writes data/benchmarks/api_load.json with each target's verdict.

The load generator is a closed loop: each of ``--concurrency`` clients holds one keep-alive HTTP/1.1
connection and sends its next request when the previous answer has arrived. It is plain asyncio
streams with the request bytes encoded beforehand, because it shares the 2 cores with the server:
httpx's AsyncClient, measured here, spent 1.8 ms of CPU per request (more than the /predict handler)
and put its own queueing into the latencies; ``--client httpx`` still runs it for comparison.

Run: ``nice .venv/bin/python benchmarks/api_load.py`` (about 3 minutes, 1 of them fitting LightGBM).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
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

from energy_api.prometheus import PROCESS_TIME_HEADER
from energy_api.serve import wait_until_serving
from energy_assets.domain import features, paths
from energy_assets.domain.data import cleaning, ingest, schema
from energy_assets.domain.features import splits
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate import PowerTriangleEstimator
from energy_assets.domain.models.forecast import LightGBMQuantileForecaster, SeasonalNaiveForecaster
from energy_assets.domain.scores import regression_report
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EVALUATED, EstimateResult, ForecastResult

HISTORY_DAYS = 35


def cleaned_reference() -> pd.DataFrame:
    raw = ingest.read_raw(paths.raw_dir() / "steel_industry_data.csv")
    return cleaning.clean(raw).cleaned.sort_values(schema.TIMESTAMP).reset_index(drop=True)


def build_bundle(root: Path, clean: pd.DataFrame, forecaster: str) -> dict[str, Any]:
    """Champion folders under ``root``; returns what was built and how long the forecaster took."""
    part = splits.temporal_split(clean)
    train, validation, test = (clean.loc[(part == name).to_numpy()] for name in splits.TEMPORAL_PARTS)
    frame = features.build_features(clean)
    X, y = frame[list(ESTIMATE_FEATURES)], frame[schema.USAGE_KWH]
    physics = PowerTriangleEstimator().fit(X.loc[train.index], y.loc[train.index])
    scores = {}
    for name, rows in ((VALIDATION, validation.index), (TEST, test.index)):
        rep = regression_report(y.loc[rows], physics.predict(X.loc[rows]))
        scores[name] = {k: rep[k] for k in ("rmse", "mae", "cv_pct", "n")}
    estimate = EstimateResult(
        family=physics.name,
        model=physics,
        params=physics.params(),
        metrics=scores,
        fit_seconds=0.0,
        predict_us_per_row=0.0,
        model_size_bytes=0,
        feature_columns=tuple(ESTIMATE_FEATURES),
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
    seen = pd.concat([train, validation])
    champion.write_bundle(
        result,
        root,
        data_version=version,
        extra={"note": "benchmark bundle, not scored"},
        attachments={champion.HISTORY_FILE: seen.iloc[-HISTORY_DAYS * schema.INTERVALS_PER_DAY :]},
    )
    return {"estimator": physics.name, "forecaster": model.name, "forecaster_fit_s": round(fit_s, 1)}


#: The issue's targets on a 2-core machine (ms, requests/s), judged on the 16-client runs.
TARGETS: dict[str, dict[str, float]] = {
    "/predict": {"p95_ms": 10.0, "throughput_rps": 500.0},
    "/predict/batch (96 rows)": {"p95_ms": 25.0},
    "/forecast (96 intervals)": {"p95_ms": 100.0},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ENERGY_CHAMPION_DIR": str(root),
        "ENERGY_PREDICTION_LOG": str(root / "prediction_log"),
        "ENERGY_RELOAD_INTERVAL_S": "0",
        "OMP_NUM_THREADS": "1",
    }
    cmd = [sys.executable, "-m", "energy_api.serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True
    )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def reading(row: pd.Series) -> dict[str, Any]:
    return {
        schema.TIMESTAMP: row[schema.TIMESTAMP].isoformat(),
        **{c: float(row[c]) for c in features.READING_FEATURES},
        schema.LOAD_TYPE: row[schema.LOAD_TYPE],
    }


def process_tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # exited meanwhile
            continue
        todo.extend(int(c) for c in children)
    return total


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads Content-Length responses."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, request: bytes) -> tuple[int, dict[bytes, bytes]]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name:
                headers[name.strip().lower()] = value.strip()
        await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        return status, headers

    def close(self) -> None:
        self.writer.close()


def encode(host: str, port: int, path: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def summarise(
    latencies: list[float], server_ms: list[float], requests: int, concurrency: int, errors: int, wall: float
) -> dict[str, Any]:
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
        "server_p50_ms": round(float(np.nanpercentile(srv, 50)), 2),
        "server_p95_ms": round(float(np.nanpercentile(srv, 95)), 2),
        "wall_s": round(wall, 2),
    }


async def hammer_raw(
    url: str, path: str, payloads: list[dict[str, Any]], requests: int, concurrency: int, warmup: int
) -> dict[str, Any]:
    """``requests`` POSTs over ``concurrency`` keep-alive connections, closed loop."""
    host, port = url.removeprefix("http://").split(":")
    encoded = [encode(host, int(port), path, p) for p in payloads]
    connections = [Connection(host, int(port)) for _ in range(concurrency)]
    for connection in connections:
        await connection.open()
    for i in range(warmup):
        status, _ = await connections[i % concurrency].post(encoded[i % len(encoded)])
        if status != 200:
            raise RuntimeError(f"warm-up {path} answered {status}")
    latencies: list[float] = []
    server_ms: list[float] = []
    errors = 0
    counter = iter(range(requests))

    async def client(connection: Connection) -> None:
        nonlocal errors
        for i in counter:
            start = time.perf_counter()
            status, headers = await connection.post(encoded[i % len(encoded)])
            latencies.append(time.perf_counter() - start)
            server_ms.append(float(headers.get(PROCESS_TIME_HEADER, b"nan")))
            errors += status != 200

    start = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    wall = time.perf_counter() - start
    for connection in connections:
        connection.close()
    return summarise(latencies, server_ms, requests, concurrency, errors, wall)


async def hammer_httpx(
    url: str, path: str, payloads: list[dict[str, Any]], requests: int, concurrency: int, warmup: int
) -> dict[str, Any]:
    """The same closed loop through httpx.AsyncClient (for comparison: costlier on the client side)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as session:
        for i in range(warmup):
            (await session.post(path, json=payloads[i % len(payloads)])).raise_for_status()
        latencies: list[float] = []
        server_ms: list[float] = []
        errors = 0
        counter = iter(range(requests))

        async def client() -> None:
            nonlocal errors
            for i in counter:
                start = time.perf_counter()
                response = await session.post(path, json=payloads[i % len(payloads)])
                latencies.append(time.perf_counter() - start)
                server_ms.append(float(response.headers.get(PROCESS_TIME_HEADER.decode(), "nan")))
                errors += response.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return summarise(latencies, server_ms, requests, concurrency, errors, wall)


def measured(
    server_pid: int, hammer: Any, url: str, path: str, payloads: list[dict[str, Any]], n: int, clients: int
) -> dict[str, Any]:
    """One run, with the CPU the server processes and this client spent per request."""
    server_before = process_tree_cpu_s(server_pid)
    client_before = time.process_time()
    result = asyncio.run(hammer(url, path, payloads, n, clients, 0))
    result["client_cpu_ms_per_request"] = round((time.process_time() - client_before) / n * 1000, 3)
    result["server_cpu_ms_per_request"] = round(
        (process_tree_cpu_s(server_pid) - server_before) / n * 1000, 3
    )
    return result


def verdicts(results: dict[str, Any], concurrency: int) -> dict[str, Any]:
    out = {}
    for endpoint, goals in TARGETS.items():
        run = results[endpoint][f"concurrent_{concurrency}"]
        checks = {
            name: {
                "target": goal,
                "measured": run[name],
                "met": run[name] <= goal if name.endswith("_ms") else run[name] >= goal,
            }
            for name, goal in goals.items()
        }
        out[endpoint] = {"met": all(c["met"] for c in checks.values()), **checks}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests for /predict")
    parser.add_argument("--batch-requests", type=int, default=3_000)
    parser.add_argument("--forecast-requests", type=int, default=1_500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", default="2,1", help="comma-separated worker counts to measure")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument(
        "--forecaster", choices=("lightgbm_quantile", "seasonal_naive"), default="lightgbm_quantile"
    )
    parser.add_argument(
        "--bundle-dir", type=Path, default=None, help="build the bundle here, or reuse the one already there"
    )
    parser.add_argument("--out", type=Path, default=paths.data_dir() / "benchmarks" / "api_load.json")
    args = parser.parse_args()
    hammer = hammer_raw if args.client == "raw" else hammer_httpx

    clean = cleaned_reference()
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        root = args.bundle_dir or Path(tmp)
        if args.bundle_dir is not None and (root / "forecast" / "history.parquet").is_file():
            card = champion.read_bundle_card(root / "forecast")
            built = {
                "estimator": champion.read_bundle_card(root / "estimate")["family"],
                "forecaster": card["family"],
            }
        else:
            built = build_bundle(root, clean, args.forecaster)
        test = clean.iloc[-60 * schema.INTERVALS_PER_DAY :]
        singles = [reading(r) for _, r in test.iloc[:2000].iterrows()]
        days = [test.iloc[d * 96 : (d + 1) * 96] for d in range(20)]
        batches = [{"rows": [reading(r) for _, r in day.iterrows()]} for day in days]
        history_end = pd.read_parquet(root / "forecast" / "history.parquet")[schema.TIMESTAMP].max()
        origins = [
            (history_end - k * schema.INTERVAL).isoformat() for k in range(2 * schema.INTERVALS_PER_DAY)
        ]
        forecasts = [{"origin": o, "horizon": schema.INTERVALS_PER_DAY} for o in origins]
        plan = {
            "/predict": ("/predict", singles, args.requests),
            "/predict/batch (96 rows)": ("/predict/batch", batches, args.batch_requests),
            "/forecast (96 intervals)": ("/forecast", forecasts, args.forecast_requests),
        }
        for workers in (int(w) for w in args.workers.split(",")):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            server = start_server(root, port, workers, root / f"serve-{workers}.log")
            try:
                wait_until_serving(url, process=server, timeout_s=120, checks=20)
                results = {}
                for name, (path, payloads, n) in plan.items():
                    asyncio.run(
                        hammer(url, path, payloads, 10 * args.concurrency, args.concurrency, 0)
                    )  # warm
                    results[name] = {
                        f"concurrent_{args.concurrency}": measured(
                            server.pid, hammer, url, path, payloads, n, args.concurrency
                        ),
                        "single_client": measured(
                            server.pid, hammer, url, path, payloads, max(n // 10, 100), 1
                        ),
                    }
            finally:
                stop_server(server)
            runs[f"workers_{workers}"] = {
                "server": f"python -m energy_api.serve --workers {workers} (SO_REUSEPORT sockets), loopback",
                "results": results,
                "targets": verdicts(results, args.concurrency),
            }
    report = {
        "bundle": built,
        "client": (
            f"{args.client}: {args.concurrency} concurrent closed-loop clients, one keep-alive connection "
            "each, same machine"
        ),
        "latency_note": (
            "p50/p95/p99_ms: client-observed, including queueing behind the other clients; server_*_ms: "
            "the x-process-time-ms header (request received to response start inside a worker); "
            "*_cpu_ms_per_request: CPU of all server processes / of the load generator per request"
        ),
        "forecast_origins": len(origins),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "prediction_log": "on (Parquet segments, background writer thread per worker)",
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
