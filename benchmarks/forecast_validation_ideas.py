"""Issue 17, the two untried ideas (an experiment; not imported by the tests; run after nothing,
it fits its own models: about 5 CPU min with one tree thread):

    nice .venv/bin/python benchmarks/forecast_validation_ideas.py                # A (all) + B
    nice .venv/bin/python benchmarks/forecast_validation_ideas.py --only-a --cov-subset  # A, 4 covariates
    nice .venv/bin/python benchmarks/forecast_validation_ideas.py --from-parquet --skip-cov  # B again,
        # from the members an earlier run stored (forecast_validation_members.parquet), no fitting

Writes ``<data dir>/benchmarks/forecast_validation_ideas*.json``. Reads private hooks of the
forecasters (``_features``, ``_apply``, ``_profile_columns``) to get the blend's members.

The two ideas, on ROLLING VALIDATION origins only (inside train + validation).

Folds (the blend weights' folds): daily 00:00 origins 2018-06-01..07-05, 07-06..08-07, and the
validation window; each fold forecast by profile_blend fitted (fixed protocol: train part + the last
len(validation) rows as calibration tail, then refit on both) on the readings up to its first origin.

A: previous-day covariates from the other readings (day-level means of lagging/leading kVarh, CO2,
   both power factors over the last 24 h and the 24 h before, lagging kVarh / usage) added to the
   boosters' features (same fit protocol).
B: combinations of the members (LightGBM mean, EW profile, median profile, q10/q90 boosters) with
   weights learned leave-one-fold-out (LOFO: each fold scored by weights fitted on the other two):
   NNLS global, NNLS per day class, NNLS per day class x hour block, OLS stacking with intercept and
   lag features; QRA deciles (linear quantile regression on the members, LOFO) vs the current deciles.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import nnls
from sklearn.linear_model import QuantileRegressor

from energy_assets.domain import paths
from energy_assets.domain.data import cleaning, ingest, schema
from energy_assets.domain.features import splits
from energy_assets.domain.features.forecast import FORECAST_FEATURES, WEEK, Grid, training_pairs
from energy_assets.domain.models.forecast import backtest
from energy_assets.domain.models.forecast.base import MEAN, PLANT_PLAN, quantile_column
from energy_assets.domain.models.forecast.plan import backtest_grid, origin_positions
from energy_assets.domain.models.forecast.profile_blend import ProfileBlendForecaster
from energy_assets.domain.training.forecast import ForecastConfig, forecast_windows, make_forecaster

CPU0 = time.process_time()
OUT = paths.data_dir() / "benchmarks"
OUT.mkdir(parents=True, exist_ok=True)
config = ForecastConfig(n_jobs=1)
clean = cleaning.clean(ingest.read_raw(paths.raw_dir() / "steel_industry_data.csv")).cleaned
windows = forecast_windows(clean, splits.build_splits(clean), config)
frame = windows.frame
VAL_ROWS = len(windows.validation)
FOLDS = [
    backtest.daily_origins(frame, "2018-06-01", "2018-07-05"),
    backtest.daily_origins(frame, "2018-07-06", "2018-08-07"),
    list(windows.validation_origins),
]
print({i: (f[0], f[-1], len(f)) for i, f in enumerate(FOLDS)}, flush=True)

COV_COLS = [
    schema.LAGGING_REACTIVE_KVARH,
    schema.LEADING_REACTIVE_KVARH,
    schema.CO2_TCO2,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_POWER_FACTOR,
]
COV = frame.set_index(schema.TIMESTAMP)[[*COV_COLS, schema.USAGE_KWH]].astype(float)
COV_NAMES = tuple(
    [f"{c}_1d" for c in COV_COLS] + [f"{c}_2d" for c in COV_COLS] + ["lag_kvarh_per_kwh_1d", "co2_per_kwh_1d"]
)
DAYN = schema.INTERVALS_PER_DAY


def _window_means(values: np.ndarray, end: np.ndarray, length: int) -> np.ndarray:
    finite = np.nan_to_num(values)
    cum = np.concatenate([[0.0], np.cumsum(finite)])
    cnt = np.concatenate([[0], np.cumsum(~np.isnan(values))])
    hi = np.clip(end + 1, 0, len(values))
    lo = np.clip(end + 1 - length, 0, len(values))
    c = cnt[hi] - cnt[lo]
    return np.where(c > 0, (cum[hi] - cum[lo]) / np.maximum(c, 1), np.nan)


def cov_columns(grid: Grid, o: np.ndarray) -> np.ndarray:
    """Day-level covariates at each origin position (readings at or before it only)."""
    vals = COV.reindex(grid.timestamps)
    i = o.astype(np.int64)
    cols = []
    for end in (i, i - DAYN):
        for c in COV_COLS:
            cols.append(_window_means(vals[c].to_numpy(), end, DAYN))
    use = _window_means(vals[schema.USAGE_KWH].to_numpy(), i, DAYN)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols.append(cols[0] / np.where(use > 0, use, np.nan))
        cols.append(cols[2] / np.where(use > 0, use, np.nan))
    out = np.column_stack(cols)
    if "--cov-subset" in sys.argv:  # PFs of the last day and the two per-kWh ratios only
        return out[:, [3, 4, 10, 11]]
    return out


class CovariateBlend(ProfileBlendForecaster):
    """profile_blend whose boosters also read the previous-day covariates (experiment only)."""

    def feature_names(self):
        if "--cov-subset" in sys.argv:
            return (*FORECAST_FEATURES, *[COV_NAMES[k] for k in (3, 4, 10, 11)])
        return (*FORECAST_FEATURES, *COV_NAMES)

    def _features(self, grid, o, h):
        return np.hstack([super()._features(grid, o, h), cov_columns(grid, o)])

    def _training_rows(self, grid):
        o, h = training_pairs(
            grid, self.origin_step, self.day_horizon, self.horizons_per_origin, self.seed, min_history=WEEK
        )
        return self._features(grid, o, h), grid.usage[o + h]


def fit_fold(cls_or_name, cut):
    history = frame.loc[frame[schema.TIMESTAMP] <= cut].reset_index(drop=True)
    train, tail = history.iloc[:-VAL_ROWS], history.iloc[-VAL_ROWS:]
    if isinstance(cls_or_name, str):
        model = make_forecaster(cls_or_name, config)
    else:
        model = cls_or_name(**make_forecaster("profile_blend", config).params())
    return model.fit(train, tail)


def members(model, origins):
    """Backtest + member columns on the fold's origins (plant plan), rows origin-major."""
    run = backtest.rolling_origin_backtest(model, frame, origins, config.horizon, PLANT_PLAN)
    grid = backtest_grid(frame, PLANT_PLAN, model.day_horizon)
    pos = origin_positions(grid, origins)
    o = np.repeat(pos, config.horizon)
    h = np.tile(np.arange(1, config.horizon + 1), len(pos))
    x = model._features(grid, o, h)
    lgbm = model._apply(model.models[MEAN], x)
    lo = model._apply(model.models["q10"], x)
    hi = model._apply(model.models["q90"], x)
    ew, med = model._profile_columns(grid, o, h)
    ew = np.where(np.isnan(ew), lgbm, ew)
    med = np.where(np.isnan(med), lgbm, med)
    fn = list(FORECAST_FEATURES)
    out = run.copy()
    out["lgbm"], out["ew"], out["med"], out["lo"], out["hi"] = lgbm, ew, med, lo, hi
    for f in ("lag_1w", "mean_same_status_5d", "lag_same_status", "operating_day", "day_of_week", "slot"):
        out[f] = x[:, fn.index(f)]
    w = model.blend_weights
    recomputed = np.clip(w[0] * lgbm + w[1] * ew + w[2] * med, 0, None)
    assert np.allclose(recomputed, out[MEAN].to_numpy()), "member columns do not rebuild the mean"
    return out


def ratio(runs, col=MEAN):
    d = pd.concat(runs)
    e = d[col] - d[backtest.ACTUAL]
    n = d[backtest.SEASONAL_NAIVE] - d[backtest.ACTUAL]
    return float(np.sqrt(np.mean(e**2)) / np.sqrt(np.mean(n**2)))


def probabilistic(d, cols):
    a = d[backtest.ACTUAL].to_numpy()
    qv = np.sort(np.clip(d[cols].to_numpy(), 0, None), axis=1)
    qs = np.arange(1, 10) / 10
    pin = [np.mean(np.maximum(q * (a - qv[:, j]), (q - 1) * (a - qv[:, j]))) for j, q in enumerate(qs)]
    return {"crps": float(2 * np.mean(pin)), "cov80": float(np.mean((a >= qv[:, 0]) & (a <= qv[:, 8])))}


result = {}
base_runs, cov_runs = [], []
if "--from-parquet" in sys.argv:
    allb = pd.read_parquet(OUT / "forecast_validation_members.parquet")
    base_runs = [allb[allb["fold"] == k].drop(columns="fold") for k in range(3)]
    FOLDS = []
for k, origins in enumerate(FOLDS):
    t = time.process_time()
    if "--only-a" in sys.argv:
        allb = pd.read_parquet(OUT / "forecast_validation_members.parquet")
        base_runs.append(allb[allb["fold"] == k].drop(columns="fold"))
    else:
        base_runs.append(members(fit_fold("profile_blend", origins[0]), origins))
    print(f"fold {k} base fit+backtest {time.process_time() - t:.0f} CPU s", flush=True)
    if "--skip-cov" not in sys.argv:
        t = time.process_time()
        cov_runs.append(members(fit_fold(CovariateBlend, origins[0]), origins))
        print(f"fold {k} covariate fit+backtest {time.process_time() - t:.0f} CPU s", flush=True)
for k, d in enumerate(base_runs):
    d["fold"] = k
if "--only-a" not in sys.argv:
    pd.concat(base_runs).to_parquet(OUT / "forecast_validation_members.parquet")
    if cov_runs:
        pd.concat(cov_runs).to_parquet(OUT / "forecast_validation_covariates.parquet")

result["baseline_profile_blend"] = {"pooled": ratio(base_runs), "folds": [ratio([d]) for d in base_runs]}
result["baseline_lgbm_member_only"] = {"pooled": ratio(base_runs, "lgbm")}
result["baseline_deciles"] = probabilistic(
    pd.concat(base_runs), [quantile_column(q / 10) for q in range(1, 10)]
)
if cov_runs:
    result["A_prev_day_covariates"] = {"pooled": ratio(cov_runs), "folds": [ratio([d]) for d in cov_runs]}
    result["A_lgbm_member_only"] = {"pooled": ratio(cov_runs, "lgbm")}
    result["A_deciles"] = probabilistic(pd.concat(cov_runs), [quantile_column(q / 10) for q in range(1, 10)])
print(json.dumps(result, indent=1), flush=True)
if "--only-a" in sys.argv:
    (OUT / "forecast_validation_ideas_subset.json").write_text(json.dumps(result, indent=1))
    sys.exit(0)

# ---- B: combinations, leave one fold out
data = pd.concat(base_runs, ignore_index=True)
data["klass"] = np.where(
    data["operating_day"] == 1,
    np.where(data["day_of_week"] < 5, 1, np.where(data["day_of_week"] == 5, 2, 3)),
    0,
)
data["block"] = np.select([data["slot"] < 32, data["slot"] < 84], [0, 1], 2)  # <08:00, 08:00-21:00, after
y = data[backtest.ACTUAL].to_numpy()
M = ["lgbm", "ew", "med"]


def lofo(predict_fold):
    pred = np.zeros(len(data))
    for k in range(3):
        test = data["fold"].to_numpy() == k
        pred[test] = predict_fold(~test, test)
    return pred


def nnls_groups(group_cols):
    def f(tr, te):
        out = np.zeros(te.sum())
        keys = (
            data[group_cols].astype(str).agg("-".join, axis=1)
            if group_cols
            else pd.Series("all", index=data.index)
        )
        for g in keys[te].unique():
            gtr, gte = tr & (keys == g).to_numpy(), te & (keys == g).to_numpy()
            if gtr.sum() < 200:
                gtr = tr
            w, _ = nnls(data.loc[gtr, M].to_numpy(), y[gtr])
            out[(keys[te] == g).to_numpy()] = data.loc[gte, M].to_numpy() @ w
        return out

    return f


def ols_stack(cols):
    def f(tr, te):
        X = np.column_stack([np.ones(len(data)), np.nan_to_num(data[cols].to_numpy())])
        beta, *_ = np.linalg.lstsq(X[tr], y[tr], rcond=None)
        return X[te] @ beta

    return f


def score(pred):
    d = data.assign(**{MEAN: np.clip(pred, 0, None)})
    return {"pooled": ratio([d]), "folds": [ratio([d[d["fold"] == k]]) for k in range(3)]}


combos = {
    "B0_default_weights_0.54_0.12_0.34": data[MEAN].to_numpy(),
    "B1_nnls_global_lofo": lofo(nnls_groups([])),
    "B2_nnls_per_day_class_lofo": lofo(nnls_groups(["klass"])),
    "B3_nnls_per_class_x_hour_block_lofo": lofo(nnls_groups(["klass", "block"])),
    "B4_ols_stack_members_lofo": lofo(ols_stack(M)),
    "B5_ols_stack_members_plus_lags_lofo": lofo(
        ols_stack([*M, "lag_1w", "mean_same_status_5d", "lag_same_status"])
    ),
}
resB = {k: score(v) for k, v in combos.items()}
print(json.dumps(resB, indent=1), flush=True)
result.update(resB)

# QRA deciles on the members (LOFO), on a subsample of training rows for the LP
QM = ["lgbm", "ew", "med", "lo", "hi"]
rng = np.random.default_rng(0)
qra = np.zeros((len(data), 9))
for k in range(3):
    te = data["fold"].to_numpy() == k
    tr_idx = np.flatnonzero(~te)
    tr_idx = rng.choice(tr_idx, size=min(4000, len(tr_idx)), replace=False)
    X = data[QM].to_numpy()
    for j in range(9):
        qr = QuantileRegressor(quantile=(j + 1) / 10, alpha=0.0, solver="highs").fit(X[tr_idx], y[tr_idx])
        qra[te, j] = qr.predict(X[te])
qd = data.copy()
qcols = [f"qra{j}" for j in range(9)]
for j in range(9):
    qd[qcols[j]] = qra[:, j]
result["B6_qra_deciles_lofo"] = probabilistic(qd, qcols)
result["B6_qra_median_as_point"] = score(np.sort(qra, axis=1)[:, 4])
result["baseline_deciles_same_rows"] = probabilistic(data, [quantile_column(q / 10) for q in range(1, 10)])
result["cpu_seconds"] = time.process_time() - CPU0
print(
    json.dumps(
        {
            k: result[k]
            for k in (
                "B6_qra_deciles_lofo",
                "B6_qra_median_as_point",
                "baseline_deciles_same_rows",
                "cpu_seconds",
            )
        },
        indent=1,
    )
)
(OUT / "forecast_validation_ideas.json").write_text(json.dumps(result, indent=1))
