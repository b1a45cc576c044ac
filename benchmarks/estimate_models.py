"""Measure every estimate family on the reference: temporal 60/15/25 and the paper's random 75/25.

Writes data/benchmarks/estimate_models.json. Features are the raw readings plus the calendar
columns the UCI file ships (encoded as integers), i.e. what the published CUBIST study used.
Run: ``nice .venv/bin/python benchmarks/estimate_models.py [--trials N --timeout S --n-jobs J]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from energy_assets.domain import paths, schema
from energy_assets.domain.metrics import regression_report
from energy_assets.domain.models import ESTIMATORS
from energy_assets.domain.tuning import DEFAULT_TIMEOUT_S, DEFAULT_TRIALS, tune

FEATURES = [
    schema.LAGGING_REACTIVE_KVARH,
    schema.LEADING_REACTIVE_KVARH,
    schema.CO2_TCO2,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_POWER_FACTOR,
    schema.NSM,
    schema.WEEK_STATUS,
    schema.DAY_OF_WEEK,
    schema.LOAD_TYPE,
]


def load_reference() -> pd.DataFrame:
    ref = pd.read_csv(paths.raw_dir() / "steel_industry_data.csv", encoding="utf-8-sig")
    ref = ref.rename(columns=schema.RAW_TO_CLEAN)
    ref[schema.WEEK_STATUS] = ref[schema.WEEK_STATUS].map(schema.WEEK_STATUSES.index)
    ref[schema.DAY_OF_WEEK] = ref[schema.DAY_OF_WEEK].map(schema.DAYS_OF_WEEK.index)
    ref[schema.LOAD_TYPE] = ref[schema.LOAD_TYPE].map(schema.LOAD_TYPES.index)
    return ref


def run(family: str, split: dict[str, pd.DataFrame], trials: int, timeout: float, n_jobs: int) -> dict:
    X_tr, y_tr = split["train"][FEATURES], split["train"][schema.USAGE_KWH]
    X_val = split["val"][FEATURES] if split.get("val") is not None else None
    y_val = split["val"][schema.USAGE_KWH] if split.get("val") is not None else None
    X_te, y_te = split["test"][FEATURES], split["test"][schema.USAGE_KWH]
    start = time.perf_counter()
    extra: dict = {}
    if family in ("xgboost", "lightgbm"):
        result = tune(family, X_tr, y_tr, n_trials=trials, timeout_s=timeout, n_jobs=n_jobs)
        model = ESTIMATORS[family](**result.params)
        extra = {"tuning_trials": result.n_trials, "tuning_cv_rmse": result.cv_rmse}
    elif family in ("hybrid",):
        model = ESTIMATORS[family](n_jobs=n_jobs)
    else:
        model = ESTIMATORS[family]()
    model.fit(X_tr, y_tr, X_val, y_val)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    pred = model.predict(X_te)
    predict_us = (time.perf_counter() - start) / len(X_te) * 1e6
    return {
        **regression_report(y_te, pred),
        "fit_s": fit_s,
        "predict_us_per_row": predict_us,
        "params": model.params(),
        **extra,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=DEFAULT_TRIALS)
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--families", default=",".join(ESTIMATORS))
    args = ap.parse_args()
    ref = load_reference()
    n = len(ref)
    temporal = {
        "train": ref.iloc[: int(n * 0.60)],
        "val": ref.iloc[int(n * 0.60) : int(n * 0.75)],
        "test": ref.iloc[int(n * 0.75) :],
    }
    order = np.random.default_rng(42).permutation(n)
    cut = int(n * 0.75)
    paper = {"train": ref.iloc[np.sort(order[:cut])], "val": None, "test": ref.iloc[np.sort(order[cut:])]}
    out: dict = {"features": FEATURES, "rows": n, "protocols": {}}
    for proto, split in (("temporal_60_15_25", temporal), ("paper_random_75_25_seed42", paper)):
        out["protocols"][proto] = {}
        for family in args.families.split(","):
            res = run(family, split, args.trials, args.timeout, args.n_jobs)
            out["protocols"][proto][family] = res
            print(
                f"{proto:28s} {family:9s} rmse {res['rmse']:.4f} mae {res['mae']:.4f} "
                f"cv {res['cv_pct']:.3f}% fit {res['fit_s']:.1f}s pred {res['predict_us_per_row']:.2f}us",
                flush=True,
            )
    target = paths.data_dir() / "benchmarks" / "estimate_models.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
