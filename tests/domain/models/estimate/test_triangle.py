"""Estimators read named arrays exactly as they read frames (the API passes arrays for one reading).

The physics model is also checked against the frame-only implementation it had before it learnt to
read arrays, so the served estimate is bit-identical to the trained-and-evaluated one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import features, power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.models.estimate import PowerTriangleEstimator
from energy_assets.domain.models.estimate.base import Estimator, column, has_column, n_rows
from energy_assets.domain.models.estimate.trees import LightGBMEstimator, XGBoostEstimator
from energy_assets.domain.models.estimate.triangle import (
    HALF_STEP,
    TRIANGLE_COLUMNS,
    check_triangle,
    feasible_kwh_interval,
)

READINGS = [*TRIANGLE_COLUMNS, schema.CO2_TCO2]
N_REAL = 2000
EDGE = pd.DataFrame(
    {
        # 0: both sides at PF 100 % (undetermined) with CO2; 1: same without CO2; 2: sides that
        # disagree (corrupt); 3: CO2 box far from the triangle (ignored); 4: only the leading side
        # bounds P; 5: PF 0 (P = 0); 6: a missing reactive reading
        schema.LAGGING_REACTIVE_KVARH: [0.0, 3.1, 10.0, 10.0, 0.0, 5.0, np.nan],
        schema.LAGGING_POWER_FACTOR: [100.0, 100.0, 90.0, 90.0, 100.0, 0.0, 80.0],
        schema.LEADING_REACTIVE_KVARH: [0.0, 0.0, 10.0, 0.0, 2.0, 0.0, 0.0],
        schema.LEADING_POWER_FACTOR: [100.0, 100.0, 10.0, 100.0, 95.0, 100.0, 100.0],
        schema.CO2_TCO2: [0.02, np.nan, 0.01, 1.0, 0.0, 0.0, 0.01],
        schema.USAGE_KWH: [40.0, 0.0, 20.0, 20.0, 6.0, 0.0, 20.0],
    }
)


@pytest.fixture(scope="module")
def frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    rows = clean_reference.iloc[:N_REAL][[*READINGS, schema.USAGE_KWH]]
    return pd.concat([rows, EDGE], ignore_index=True)


def arrays(X: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: X[c].to_numpy() for c in X.columns}


# --- the frame-only implementation before named arrays (commit bb3d893^) ------------------------------
def reference_interval(X: pd.DataFrame, factor: float) -> tuple[np.ndarray, np.ndarray]:
    def side(q: np.ndarray, pf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo = power_triangle.active_from_reactive(
            np.maximum(q - HALF_STEP, 0.0), np.maximum(pf - HALF_STEP, 0.0)
        )
        hi = power_triangle.active_from_reactive(q + HALF_STEP, pf + HALF_STEP)
        return np.nan_to_num(lo, nan=0.0), np.nan_to_num(hi, nan=np.inf)

    lag_lo, lag_hi = side(
        X[schema.LAGGING_REACTIVE_KVARH].to_numpy(float), X[schema.LAGGING_POWER_FACTOR].to_numpy(float)
    )
    lead_lo, lead_hi = side(
        X[schema.LEADING_REACTIVE_KVARH].to_numpy(float), X[schema.LEADING_POWER_FACTOR].to_numpy(float)
    )
    lo, hi = np.maximum(lag_lo, lead_lo), np.minimum(lag_hi, lead_hi)
    if schema.CO2_TCO2 in X.columns:
        co2 = X[schema.CO2_TCO2].to_numpy(float)
        co2_lo = np.nan_to_num(np.maximum(co2 - HALF_STEP, 0.0) / factor, nan=0.0)
        co2_hi = np.nan_to_num((co2 + HALF_STEP) / factor, nan=np.inf)
        both_lo, both_hi = np.maximum(lo, co2_lo), np.minimum(hi, co2_hi)
        agree = both_lo <= both_hi
        lo, hi = np.where(agree, both_lo, lo), np.where(agree, both_hi, hi)
    return lo, hi


def reference_predict(model: PowerTriangleEstimator, X: pd.DataFrame) -> np.ndarray:
    X = X.loc[:, model.feature_names]
    kwh = power_triangle.estimate_active_kwh(*(X[c].to_numpy(dtype=float) for c in TRIANGLE_COLUMNS))
    factor = model.emission_factor_t_per_kwh
    if model.method == "interval":
        lo, hi = reference_interval(X, factor)
        bounded = (lo <= hi) & np.isfinite(hi)
        clipped = np.where(lo <= hi, np.clip(kwh, lo, np.where(np.isfinite(hi), hi, np.inf)), kwh)
        kwh = np.where(bounded, (lo + np.where(bounded, hi, 0.0)) / 2.0, clipped)
    gap = np.isnan(kwh)
    if gap.any():
        if schema.CO2_TCO2 in model.feature_names:
            fallback = np.nan_to_num(X[schema.CO2_TCO2].to_numpy(dtype=float) / factor, nan=0.0)
        else:
            fallback = np.zeros(len(X))
        kwh = np.where(gap, fallback, kwh)
    if model.round_decimals is not None:
        kwh = np.round(kwh, model.round_decimals)
    return kwh


# --- PowerTriangleEstimator --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["interval", "better_side"])
@pytest.mark.parametrize("with_co2", [True, False])
@pytest.mark.parametrize("round_decimals", [None, 2])
@pytest.mark.parametrize("rows", ["real", "with_edges"])
def test_physics_predicts_the_same_from_arrays(
    frame: pd.DataFrame, method: str, with_co2: bool, round_decimals: int | None, rows: str
) -> None:
    # real rows are all bounded by their readings; the edge rows are not (each path is checked)
    used = frame.iloc[:N_REAL] if rows == "real" else frame
    X = used[READINGS if with_co2 else list(TRIANGLE_COLUMNS)]
    model = PowerTriangleEstimator(method=method, round_decimals=round_decimals)
    model.fit(X, used[schema.USAGE_KWH])
    expected = model.predict(X)
    assert expected.dtype == np.float64 and expected.shape == (len(X),)
    assert np.isfinite(expected).all()
    np.testing.assert_array_equal(model.predict(arrays(X)), expected)
    np.testing.assert_array_equal(expected, reference_predict(model, X))
    np.testing.assert_array_equal(model.undetermined(arrays(X)), model.undetermined(X))
    lo, hi = feasible_kwh_interval(X, model.emission_factor_t_per_kwh)
    assert ((lo <= hi) & np.isfinite(hi)).all() == (rows == "real")
    # one reading at a time, as the API sends them, gives the batch's numbers
    for k in range(N_REAL - 3, len(X)):
        one = {c: X[c].to_numpy()[k : k + 1] for c in X.columns}
        np.testing.assert_array_equal(model.predict(one), expected[k : k + 1])


@pytest.mark.parametrize("method", ["interval", "better_side"])
def test_the_undetermined_rows_fall_back_to_co2_or_zero(frame: pd.DataFrame, method: str) -> None:
    with_co2 = PowerTriangleEstimator(method=method).fit(frame[READINGS])
    factor = with_co2.emission_factor_t_per_kwh
    edge = with_co2.predict(arrays(EDGE[READINGS]))
    assert edge[0] == pytest.approx(0.02 / factor, rel=1e-12)  # PF 100 % both sides: CO2 / factor
    assert edge[1] == 0.0  # PF 100 % both sides and no CO2 reading
    _, _, hi = with_co2.predict_with_bounds(arrays(EDGE[READINGS]))
    # PF 0 %: no active energy by the triangle; the interval method takes the centre of [0, hi]
    assert edge[5] == (0.0 if method == "better_side" else hi[5] / 2)
    assert 0.0 < hi[5] < 0.001
    without = PowerTriangleEstimator(method=method).fit(frame[list(TRIANGLE_COLUMNS)])
    np.testing.assert_array_equal(without.predict(arrays(EDGE[READINGS]))[[0, 1]], [0.0, 0.0])


@pytest.mark.parametrize("method", ["interval", "better_side"])
@pytest.mark.parametrize("with_co2", [True, False])
def test_predict_with_bounds_is_predict_plus_the_feasible_interval(
    frame: pd.DataFrame, method: str, with_co2: bool
) -> None:
    fitted = READINGS if with_co2 else list(TRIANGLE_COLUMNS)
    model = PowerTriangleEstimator(method=method).fit(frame[fitted], frame[schema.USAGE_KWH])
    X = frame[READINGS]  # a CO2 column the model was not fitted on must not narrow the bounds
    selected = model._select(X)
    ref_lo, ref_hi = feasible_kwh_interval(selected, model.emission_factor_t_per_kwh)
    old_lo, old_hi = reference_interval(selected, model.emission_factor_t_per_kwh)
    np.testing.assert_array_equal(ref_lo, old_lo)
    np.testing.assert_array_equal(ref_hi, old_hi)
    for source in (X, arrays(X)):
        kwh, lo, hi = model.predict_with_bounds(source)
        np.testing.assert_array_equal(kwh, model.predict(X))
        np.testing.assert_array_equal(lo, ref_lo)
        np.testing.assert_array_equal(hi, ref_hi)
    full_lo, full_hi = feasible_kwh_interval(X, model.emission_factor_t_per_kwh)
    narrowed = (full_lo != ref_lo) | (full_hi != ref_hi)
    assert narrowed.any() != with_co2  # the CO2 box narrows the range only when CO2 was fitted
    assert lo[N_REAL + 2] > hi[N_REAL + 2]  # the corrupt row: the triangle sides disagree
    assert np.isinf(hi[N_REAL + 1])  # PF 100 % on both sides and no CO2: unbounded


# --- the column helpers ------------------------------------------------------------------------------
def test_column_helpers_on_frames_and_arrays(frame: pd.DataFrame) -> None:
    X = frame[READINGS]
    for source in (X, arrays(X)):
        assert has_column(source, schema.CO2_TCO2)
        assert not has_column(source, schema.USAGE_KWH)
        assert n_rows(source) == len(X)
        values = column(source, schema.LAGGING_POWER_FACTOR)
        assert values.dtype == np.float64
        np.testing.assert_array_equal(values, X[schema.LAGGING_POWER_FACTOR].to_numpy(dtype=float))
    ints = {"a": np.array([1, 2, 3]), "b": np.array([4, 5, 6])}
    as_float = column(ints, "a")
    assert as_float.dtype == np.float64
    np.testing.assert_array_equal(as_float, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(column(pd.DataFrame(ints), "b"), [4.0, 5.0, 6.0])
    assert column(pd.DataFrame(ints), "b").dtype == np.float64
    assert n_rows(ints) == 3
    assert n_rows({}) == 0
    assert n_rows(pd.DataFrame({"a": []})) == 0


def test_select_builds_the_fitted_frame_and_names_what_is_missing(frame: pd.DataFrame) -> None:
    X = frame[READINGS]
    model = PowerTriangleEstimator().fit(X, frame[schema.USAGE_KWH])
    assert model.feature_names == READINGS
    reordered = {c: frame[c].to_numpy() for c in [schema.USAGE_KWH, *reversed(READINGS)]}
    selected = model._select(reordered)
    assert isinstance(selected, pd.DataFrame)
    assert list(selected.columns) == READINGS
    pd.testing.assert_frame_equal(selected, X.reset_index(drop=True), check_exact=True)
    from_frame = model._select(frame)
    assert list(from_frame.columns) == READINGS
    pd.testing.assert_frame_equal(from_frame, X, check_exact=True)
    with pytest.raises(KeyError, match=schema.CO2_TCO2):
        model._select({c: X[c].to_numpy() for c in TRIANGLE_COLUMNS})
    partial = {schema.LAGGING_REACTIVE_KVARH: X[schema.LAGGING_REACTIVE_KVARH].to_numpy()}
    with pytest.raises(KeyError) as missing:
        model._select(partial)
    for name in READINGS[1:]:
        assert name in str(missing.value)
    assert schema.LAGGING_REACTIVE_KVARH not in str(missing.value)


# --- tree estimators ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tree_data(clean_reference: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    built = features.build_features(clean_reference.iloc[:3000])
    columns = [*READINGS, *features.TRIANGLE_FEATURES]
    return built[columns], built[schema.USAGE_KWH]


@pytest.mark.parametrize(
    "make",
    [
        lambda: LightGBMEstimator(n_estimators=30),
        lambda: XGBoostEstimator(n_estimators=30, max_depth=4),
    ],
    ids=["lightgbm", "xgboost"],
)
def test_a_tree_estimator_predicts_the_same_from_arrays(
    tree_data: tuple[pd.DataFrame, pd.Series], make: Callable[[], Estimator]
) -> None:
    X, y = tree_data
    model = make().fit(X, y)
    expected = model.predict(X)
    assert expected.dtype == np.float64 and expected.std() > 0
    np.testing.assert_array_equal(model.predict(arrays(X)), expected)
    shuffled = {c: X[c].to_numpy() for c in reversed(X.columns)}  # column order is by name
    np.testing.assert_array_equal(model.predict(shuffled), expected)
    one = {c: X[c].to_numpy()[7:8] for c in X.columns}
    np.testing.assert_array_equal(model.predict(one), expected[7:8])


def test_the_one_row_check_is_the_array_check_row_by_row() -> None:
    """check_triangle of a single reading (Python floats, /predict) gives the bounds, the verdict and
    the rule of the NumPy path on the same row, edge cases included (PF 0, 100, within half a step
    of 100, missing values, zero and huge reactive energy)."""
    rng = np.random.default_rng(19)
    q_edge = [0.0, 0.004, 0.005, 0.006, 0.01, 1.0, 23.4, 96.91, 200.0, 1e6, np.nan]
    pf_edge = [0.0, 0.004, 0.005, 0.01, 50.0, 88.9, 99.99, 99.994, 99.995, 99.996, 100.0, 100.5, np.nan]
    n = 4000
    rows = {
        schema.LAGGING_REACTIVE_KVARH: np.concatenate(
            [rng.choice(q_edge, n), rng.gamma(1.5, 15.0, n).round(2)]
        ),
        schema.LAGGING_POWER_FACTOR: np.concatenate(
            [rng.choice(pf_edge, n), rng.uniform(40, 100, n).round(2)]
        ),
        schema.LEADING_REACTIVE_KVARH: np.concatenate(
            [rng.choice(q_edge, n), rng.gamma(0.3, 5.0, n).round(2)]
        ),
        schema.LEADING_POWER_FACTOR: np.concatenate(
            [rng.choice(pf_edge, n), rng.uniform(0, 100, n).round(2)]
        ),
    }
    whole = check_triangle(rows)
    assert whole.conflicts.any() and not whole.conflicts.all()
    for i in range(2 * n):
        one = check_triangle({name: values[i : i + 1] for name, values in rows.items()})
        for side in ("lagging", "leading"):
            for got, want in zip(getattr(one, side), getattr(whole, side), strict=True):
                assert got.tolist() == want[i : i + 1].tolist(), (i, side)
        assert bool(one.conflicts[0]) == bool(whole.conflicts[i]), i
        if whole.conflicts[i]:
            assert one.explain(0) == whole.explain(i)


def test_the_one_row_estimate_is_the_array_estimate_row_by_row() -> None:
    """PowerTriangleEstimator of one reading (the kWh range in Python floats) gives, bit for bit, the
    estimate and range of the NumPy path on the same row, with CO2 boxes that agree, disagree, are
    missing or are zero."""
    rng = np.random.default_rng(20)
    n = 3000
    q_edge = [0.0, 0.005, 23.4, 200.0, np.nan]
    pf_edge = [0.0, 50.0, 99.994, 99.995, 100.0, np.nan]
    rows = {
        schema.LAGGING_REACTIVE_KVARH: np.concatenate(
            [rng.choice(q_edge, n), rng.gamma(1.5, 15.0, n).round(2)]
        ),
        schema.LAGGING_POWER_FACTOR: np.concatenate(
            [rng.choice(pf_edge, n), rng.uniform(40, 100, n).round(2)]
        ),
        schema.LEADING_REACTIVE_KVARH: np.concatenate(
            [rng.choice(q_edge, n), rng.gamma(0.3, 5.0, n).round(2)]
        ),
        schema.LEADING_POWER_FACTOR: np.concatenate(
            [rng.choice(pf_edge, n), rng.uniform(0, 100, n).round(2)]
        ),
    }
    kwh = power_triangle.estimate_active_kwh(*(rows[c] for c in TRIANGLE_COLUMNS))
    co2 = np.where(
        rng.random(2 * n) < 0.7, np.round(np.nan_to_num(kwh) * 0.000459, 2), rng.uniform(0, 0.1, 2 * n)
    )
    rows[schema.CO2_TCO2] = np.where(rng.random(2 * n) < 0.05, np.nan, co2)
    for model in (
        PowerTriangleEstimator().fit(pd.DataFrame(rows)),
        PowerTriangleEstimator(method="better_side", round_decimals=2).fit(pd.DataFrame(rows)),
        PowerTriangleEstimator().fit(pd.DataFrame(rows).drop(columns=[schema.CO2_TCO2])),
    ):
        whole = model.predict_with_bounds(rows)
        for i in range(0, 2 * n, 3 if model.method == "interval" else 7):
            one = model.predict_with_bounds({name: values[i : i + 1] for name, values in rows.items()})
            for got, want in zip(one, whole, strict=True):
                assert repr(got.tolist()) == repr(want[i : i + 1].tolist()), (i, model)
