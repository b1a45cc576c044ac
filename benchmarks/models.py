"""Time and score every model of both tasks on the real data, exactly as the training assets do.

Reads data/raw/steel_industry_data.csv through the cleaner, builds features and splits, runs
``evaluate_estimator`` for each estimate family (default tuning budget) and
``evaluate_forecaster`` for each forecaster (every daily origin of the validation and test
windows) plus the ensemble, then writes the leaderboard to data/benchmarks/models.json (and prints it
as markdown). Not imported by the tests: run it on demand, on a quiet machine, e.g.

    nice .venv/bin/python benchmarks/models.py --n-jobs 2
    nice .venv/bin/python benchmarks/models.py --skip-forecast --trials 5 --timeout 10
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from datetime import UTC, datetime

import pandas as pd

from energy_assets.domain import features, paths
from energy_assets.domain.data import cleaning, ingest
from energy_assets.domain.device import resolve_device
from energy_assets.domain.features import splits
from energy_assets.domain.training import champion, leaderboard
from energy_assets.domain.training.estimate import (
    DEFAULT_ESTIMATE_TIMEOUT_S,
    DEFAULT_ESTIMATE_TRIALS,
    ESTIMATE_FAMILIES,
    estimate_datasets,
    evaluate_estimator,
)
from energy_assets.domain.training.forecast import (
    CLASSICAL_FORECASTERS,
    FOUNDATION_FORECASTERS,
    ForecastConfig,
    evaluate_forecasters,
)
from energy_assets.domain.training.results import ForecastResult

REFERENCE = "steel_industry_data.csv"


def load_clean() -> tuple[pd.DataFrame, str]:
    """The cleaned reference and its data version (sha256 of the raw file)."""
    raw_path = paths.raw_dir() / REFERENCE
    result = cleaning.clean(ingest.read_raw(raw_path))
    return result.cleaned, champion.data_version(raw_path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=DEFAULT_ESTIMATE_TRIALS)
    ap.add_argument("--timeout", type=float, default=DEFAULT_ESTIMATE_TIMEOUT_S)
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--families", default=",".join(ESTIMATE_FAMILIES))
    ap.add_argument("--forecasters", default=",".join((*CLASSICAL_FORECASTERS, *FOUNDATION_FORECASTERS)))
    ap.add_argument("--skip-forecast", action="store_true")
    ap.add_argument("--max-origins", type=int, default=None, help="cap origins per window (quick runs)")
    ap.add_argument("--output", default=str(paths.data_dir() / "benchmarks" / "models.json"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    started = time.perf_counter()
    clean, data_version = load_clean()
    feature_frame = features.build_features(clean)
    split_frame = splits.build_splits(feature_frame)
    prep_s = time.perf_counter() - started

    datasets = estimate_datasets(feature_frame, split_frame)
    started = time.perf_counter()
    estimates = []
    for family in args.families.split(","):
        result = evaluate_estimator(
            family, datasets, n_trials=args.trials, timeout_s=args.timeout, n_jobs=args.n_jobs
        )
        print(f"estimate {family:9s} {result.metrics} fit {result.fit_seconds:.1f}s", flush=True)
        estimates.append(result)
    estimate_s = time.perf_counter() - started

    forecasts: list[ForecastResult] = []
    forecast_s = 0.0
    if not args.skip_forecast:
        config = ForecastConfig(n_jobs=args.n_jobs, max_origins=args.max_origins)
        started = time.perf_counter()
        forecasts = evaluate_forecasters(
            clean, split_frame, args.forecasters.split(","), config=config, with_ensemble=True
        )
        forecast_s = time.perf_counter() - started

    board = leaderboard.leaderboard_rows(estimates, forecasts)
    out = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_version": data_version,
        "code_version": champion.code_version(),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "device": resolve_device(),
            "n_jobs": args.n_jobs,
        },
        "budget": {"trials": args.trials, "timeout_s": args.timeout, "max_origins": args.max_origins},
        "seconds": {
            "prepare": prep_s,
            "estimate_all_families": estimate_s,
            "forecast_all_models": forecast_s,
        },
        "tuning": {r.family: r.tuning for r in estimates if r.tuning},
        "forecast_details": {r.family: r.detail for r in forecasts if r.detail},
        "leaderboard": leaderboard.to_json_records(board),
    }
    target = paths.resolve(args.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2, allow_nan=False) + "\n")
    print(leaderboard.to_markdown(board))
    print(f"estimate families: {estimate_s:.1f} s, forecasters: {forecast_s:.1f} s; wrote {target}")


if __name__ == "__main__":
    main()
