"""Estimators read named arrays exactly as they read frames (the API passes arrays for one reading)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import features, schema
from energy_assets.domain.models import PowerTriangleEstimator
from energy_assets.domain.models.base import column, has_column, n_rows
from energy_assets.domain.models.physics import TRIANGLE_COLUMNS, feasible_kwh_interval
from energy_assets.domain.models.trees import LightGBMEstimator

READINGS = [*TRIANGLE_COLUMNS, schema.CO2_TCO2]


@pytest.fixture(scope="module")
def frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    rows = clean_reference.iloc[:2000][[*READINGS, schema.USAGE_KWH]].reset_index(drop=True)
    edge = pd.DataFrame(
        {  # both sides at PF 100 % (undetermined), and a missing CO2 reading
            schema.LAGGING_REACTIVE_KVARH: [0.0, 3.1],
            schema.LAGGING_POWER_FACTOR: [100.0, 100.0],
            schema.LEADING_REACTIVE_KVARH: [0.0, 0.0],
            schema.LEADING_POWER_FACTOR: [100.0, 100.0],
            schema.CO2_TCO2: [0.02, np.nan],
            schema.USAGE_KWH: [40.0, 0.0],
        }
    )
    return pd.concat([rows, edge], ignore_index=True)


def arrays(X: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: X[c].to_numpy() for c in X.columns}


@pytest.mark.parametrize("method", ["interval", "better_side"])
@pytest.mark.parametrize("with_co2", [True, False])
def test_physics_predicts_the_same_from_arrays(frame: pd.DataFrame, method: str, with_co2: bool) -> None:
    X = frame[READINGS if with_co2 else list(TRIANGLE_COLUMNS)]
    model = PowerTriangleEstimator(method=method).fit(X, frame[schema.USAGE_KWH])
    expected = model.predict(X)
    np.testing.assert_array_equal(model.predict(arrays(X)), expected)
    kwh, lo, hi = model.predict_with_bounds(arrays(X))
    np.testing.assert_array_equal(kwh, expected)
    ref_lo, ref_hi = feasible_kwh_interval(X, model.emission_factor_t_per_kwh)
    np.testing.assert_array_equal(lo, ref_lo)
    np.testing.assert_array_equal(hi, ref_hi)
    # the undetermined row (both PF 100 %) falls back to CO2 / emission factor, or 0 without CO2
    edge = 0.02 / model.emission_factor_t_per_kwh if with_co2 else 0.0
    assert expected[-2] == pytest.approx(edge)
    assert np.isfinite(expected).all()


def test_column_helpers_on_frames_and_arrays(frame: pd.DataFrame) -> None:
    X = frame[READINGS]
    for source in (X, arrays(X)):
        assert has_column(source, schema.CO2_TCO2) and not has_column(source, schema.USAGE_KWH)
        assert n_rows(source) == len(X)
        values = column(source, schema.LAGGING_POWER_FACTOR)
        assert values.dtype == np.float64
        np.testing.assert_array_equal(values, X[schema.LAGGING_POWER_FACTOR].to_numpy(dtype=float))
    assert n_rows({}) == 0


def test_select_builds_the_fitted_frame_and_names_what_is_missing(frame: pd.DataFrame) -> None:
    X = frame[READINGS]
    model = PowerTriangleEstimator().fit(X, frame[schema.USAGE_KWH])
    reordered = {c: X[c].to_numpy() for c in reversed(READINGS)}
    selected = model._select(reordered)
    assert list(selected.columns) == model.feature_names
    with pytest.raises(KeyError, match=schema.CO2_TCO2):
        model._select({c: X[c].to_numpy() for c in TRIANGLE_COLUMNS})


def test_a_tree_estimator_predicts_the_same_from_arrays(clean_reference: pd.DataFrame) -> None:
    built = features.build_features(clean_reference.iloc[:3000])
    columns = [*READINGS, *features.TRIANGLE_FEATURES]
    X, y = built[columns], built[schema.USAGE_KWH]
    model = LightGBMEstimator(n_estimators=30).fit(X, y)
    np.testing.assert_array_equal(model.predict(arrays(X)), model.predict(X))
