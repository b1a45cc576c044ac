"""Latency of POST /query and POST /copilot/chat for data questions, in-process (FastAPI TestClient
over ``create_app``, the same wiring as benchmarks/copilot_eval.py: full 2018 serving readings).

    python benchmarks/copilot_latency.py --rounds 5 --out data/benchmarks/copilot_latency.json

Each round sends every query body and every chat question once (chat turns in fresh sessions, the
follow-ups in theirs); the first round is a warm-up and is not counted. Reports p50/p95/max per
endpoint and the target (p95 <= 100 ms). On a shared machine the figures need a quiet re-run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.copilot_eval import build_client  # noqa: E402

TARGET_P95_MS = 100.0
YEAR = {"start": "2018-01-01", "end": "2018-12-31"}
QUERIES: list[dict[str, Any]] = [
    {"span": {"start": "2018-04-01", "end": "2018-04-30"}},
    {"metric": "cost_krw", "span": {"start": "2018-01-01", "end": "2018-03-31"}},
    {"metric": "co2_t", "span": YEAR, "aggregation": "daily_mean"},
    {"metric": "cost_krw", "span": YEAR, "group_by": "month", "top": 1},
    {"span": YEAR, "group_by": "weekday", "group_aggregation": "mean", "top": 1},
    {"span": YEAR, "group_by": "hour", "top": 3},
    {"span": YEAR, "group_by": "day", "top": 5},
    {"span": {"start": "2018-03-01", "end": "2018-03-31"}, "share_of": {"tariff_period": ["maximum"]}},
    {
        "span": {"start": "2018-03-01", "end": "2018-03-31"},
        "compare_to": {"start": "2018-04-01", "end": "2018-04-30"},
    },
    {
        "aggregation": "count_hours",
        "span": {"start": "2018-01-01", "end": "2018-03-31"},
        "condition": {"column": "lagging_power_factor", "op": "<", "value": 90},
    },
    {"metric": "lagging_pf", "span": YEAR},
    {"span": {"start": "2018-12-31", "end": "2019-01-06"}},
    {"span": {"start": "2019-03-01", "end": "2019-03-31"}},
    {"span": YEAR, "aggregation": "max"},
    {"span": {"start": "2018-06-01", "end": "2018-08-31"}, "filters": {"day_type": ["weekend"]}},
]
QUESTIONS: list[list[str]] = [
    ["¿Cuánto consumimos en abril de 2018?"],
    ["What was the total in March 2019?"],
    ["¿Qué mes fue el más caro?"],
    ["Which day of the week do we consume the most on average?"],
    ["top 3 hours of the day by consumption in 2018"],
    ["¿Qué porcentaje del consumo de marzo fue en horas punta?"],
    ["Compare Q1 vs Q2 consumption"],
    ["How many hours was the power factor below 90 % in Q1?"],
    ["What was our power factor in 2018?"],
    ["¿Cuánto llevamos consumido esta semana?"],
    ["consumption on Liberation Day"],
    ["Average daily cost during weekends in Q2"],
    ["emisiones de los últimos 10 días"],
    ["What was the peak and when did it happen in 2018?"],
    ["¿Cuánto consumimos del 3 al 9 de marzo?"],
    ["How much did we use in July?", "and in August?"],
    ["Coste de la semana pasada", "y el CO2?"],
]


def _stats(values: list[float]) -> dict[str, float]:
    array = np.asarray(values)
    return {
        "n": len(values),
        "p50_ms": float(np.percentile(array, 50)),
        "p95_ms": float(np.percentile(array, 95)),
        "max_ms": float(array.max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (after one warm-up round)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "copilot_latency.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="copilot_latency_") as tmp:
        client = build_client(Path(tmp))
        timings: dict[str, list[float]] = {"/query": [], "/copilot/chat": []}
        for round_ in range(args.rounds + 1):
            for body in QUERIES:
                started = time.perf_counter()
                reply = client.post("/query", json=body)
                elapsed = (time.perf_counter() - started) * 1000.0
                assert reply.status_code == 200, reply.text
                if round_:
                    timings["/query"].append(elapsed)
            for n, turns in enumerate(QUESTIONS):
                session = f"latency-{round_}-{n}"
                for message in turns:
                    started = time.perf_counter()
                    reply = client.post("/copilot/chat", json={"message": message, "session_id": session})
                    elapsed = (time.perf_counter() - started) * 1000.0
                    assert reply.status_code == 200, reply.text
                    if round_:
                        timings["/copilot/chat"].append(elapsed)
    results = {endpoint: _stats(values) for endpoint, values in timings.items()}
    report = {
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": all(r["p95_ms"] <= TARGET_P95_MS for r in results.values()),
        "endpoints": results,
        "rounds": args.rounds,
        "how": "in-process FastAPI TestClient, one client, sequential requests, full 2018 serving readings; "
        "first round discarded as warm-up",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "note": "measured on a shared machine: figures need a quiet re-run",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for endpoint, r in results.items():
        print(
            f"{endpoint:<15} n={r['n']:>4}  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms"
        )
    print(
        f"target p95 <= {TARGET_P95_MS:g} ms: {'met' if report['meets_target'] else 'NOT met'}; wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
