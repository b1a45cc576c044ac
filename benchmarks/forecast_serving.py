"""Served-forecast CPU of two code versions side by side, in one run: in-process, process_time.

For each code version (a source tree and a champion root holding a ``forecast/`` bundle) a child
process imports THAT tree (``PYTHONPATH``), loads the bundle and measures, one tree thread each:

- ``predict``: CPU ms per ``bundle.model.predict(history, origin, 96)`` (what the API's handler calls);
- ``request``: CPU ms per ``POST /forecast`` through the app in-process (Starlette's TestClient: the
  request parsing, the forecast, the JSON answer, and the test client's own encoding/decoding),

at a 00:00 origin and at an origin during the operating day (10:00 of a working day: where a bundle
with an intraday rule switches to the nowcast), plus, where the version accepts it, a request for
three quantile levels. The versions alternate round by round so both see the same machine load;
medians over rounds of ``--requests`` calls are reported with the load average before and after.

Run (the base tree from ``git archive``, its bundle from its own ``make run``)::

    git archive 95f8bc3 | tar -x -C /tmp/main_95f8bc3
    .venv/bin/python benchmarks/forecast_serving.py --base /tmp/main_95f8bc3 \\
        --base-champion /work/main/data/champion --champion data/champion
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HORIZON = 96


def _origins(history: Any) -> dict[str, Any]:
    import pandas as pd

    ts = pd.to_datetime(history["timestamp"])
    last = ts.max()
    midnight = ts[(ts.dt.hour == 0) & (ts.dt.minute == 0) & (ts < last - pd.Timedelta(days=1))].max()
    busy = history[(ts.dt.hour == 10) & (ts.dt.minute == 0) & (history["load_type"] != "Light_Load")]
    return {"00:00": midnight, "10:00 operating": pd.Timestamp(busy["timestamp"].iloc[-2])}


def worker(root: Path, requests: int) -> dict[str, Any]:
    """Measure in this process (imports whatever tree PYTHONPATH names)."""
    import pandas as pd
    from starlette.testclient import TestClient

    from energy_api.main import create_app
    from energy_api.settings import Settings
    from energy_assets.domain.training import champion

    bundle = champion.load_bundle(root / "forecast")
    history = pd.read_parquet(root / "forecast" / champion.HISTORY_FILE)
    history["timestamp"] = pd.to_datetime(history["timestamp"])
    history = history.sort_values("timestamp").reset_index(drop=True)
    model = bundle.model
    model.set_prediction_threads(1)
    out: dict[str, Any] = {"family": bundle.family, "model": type(model).__name__}
    origins = _origins(history)
    for label, origin in origins.items():
        model.predict(history, origin, HORIZON)  # warm-up
        c0 = time.process_time()
        for _ in range(requests):
            model.predict(history, origin, HORIZON)
        out[f"predict {label}"] = (time.process_time() - c0) / requests * 1e3
    settings = Settings(champion_dir=root, api_key="bench", prediction_log=None, reload_interval_s=0)
    out["served_forecast_threads"] = settings.forecast_threads
    with TestClient(create_app(settings)) as client:
        bodies = {label: {"origin": o.isoformat(), "horizon": HORIZON} for label, o in origins.items()}
        three = {**bodies["10:00 operating"], "quantiles": [0.1, 0.5, 0.9]}
        if client.post("/forecast", json=three).status_code == 200:
            bodies["10:00 operating, 3 quantiles"] = three
        for label, body in bodies.items():
            answer = client.post("/forecast", json=body)
            answer.raise_for_status()
            models = {p.get("model") for p in answer.json()["points"]}
            c0 = time.process_time()
            for _ in range(requests):
                client.post("/forecast", json=body)
            out[f"request {label}"] = (time.process_time() - c0) / requests * 1e3
            out[f"models {label}"] = sorted(str(m) for m in models)
    return out


def _bench_root(champion_root: Path, into: Path) -> Path:
    """A champion root holding only the forecast bundle (no serving readings: the bundle's history)."""
    into.mkdir(parents=True)
    shutil.copytree(champion_root / "forecast", into / "forecast")
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--base", type=Path, help="source tree of the base version (e.g. main at 95f8bc3)")
    ap.add_argument("--base-champion", type=Path, help="champion root of the base version")
    ap.add_argument("--champion", type=Path, default=REPO / "data" / "champion")
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--output", type=Path, default=REPO / "data" / "benchmarks" / "forecast_serving.json")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker), args.requests)), flush=True)
        return
    versions = {"base": (args.base, args.base_champion), "this tree": (REPO, args.champion)}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in versions}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="forecast-serving-") as tmp:
        roots = {
            name: _bench_root(champ, Path(tmp) / name.replace(" ", "_"))
            for name, (_, champ) in versions.items()
        }
        for _ in range(args.rounds):
            for name, (tree, _) in versions.items():
                env = {
                    **os.environ,
                    "PYTHONPATH": str(tree),
                    "OMP_NUM_THREADS": "1",
                    "ENERGY_FORECAST_THREADS": "1",
                }
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        str(roots[name]),
                        "--requests",
                        str(args.requests),
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=tree,
                    check=False,
                )
                if done.returncode != 0:
                    raise SystemExit(f"{name} worker failed:\n{done.stderr[-3000:]}")
                runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    import numpy as np

    summary: dict[str, dict[str, Any]] = {}
    for name, parts in runs.items():
        keys = [k for k in parts[0] if k.startswith(("predict", "request"))]
        summary[name] = {k: float(np.median([p[k] for p in parts])) for k in keys}
        summary[name].update({k: v for k, v in parts[0].items() if not k.startswith(("predict", "request"))})
    ratios = {
        k: summary["this tree"][k] / summary["base"][k]
        for k in summary["this tree"]
        if k in summary["base"] and isinstance(summary["base"][k], float)
    }
    report = {
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_ms_median": summary,
        "ratio_this_tree_over_base": ratios,
        "rounds": runs,
        "requests_per_round": args.requests,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "note": "process_time of the measuring process (one tree thread); the machine is shared: "
        "figures taken under load need a quiet re-run",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n")
    print(
        json.dumps(
            {"cpu_ms_median": summary, "ratio": ratios, "load": [load_before, os.getloadavg()]}, indent=1
        )
    )


if __name__ == "__main__":
    main()
