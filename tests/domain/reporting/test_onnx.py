"""ONNX export of the tree families: parity on the temporal test split and a decision that follows the rule."""

from __future__ import annotations

import numpy as np
import pytest

from energy_assets.domain import features
from energy_assets.domain.features import splits
from energy_assets.domain.models.estimate.trees import LightGBMEstimator, XGBoostEstimator
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
from energy_assets.domain.reporting import onnx_export
from energy_assets.domain.tasks import TEMPORAL
from energy_assets.domain.training.estimate import estimate_datasets


@pytest.fixture(scope="module")
def data(clean_reference):
    table = features.build_features(clean_reference)
    return estimate_datasets(table, splits.build_splits(table))[TEMPORAL]


@pytest.fixture(scope="module")
def lightgbm_model(data):
    return LightGBMEstimator(n_estimators=120, n_jobs=1).fit(
        data.X_train, data.y_train, data.X_validation, data.y_validation
    )


def test_lightgbm_onnx_matches_native_on_the_test_split(lightgbm_model, data):
    decision = onnx_export.evaluate_onnx(lightgbm_model, data.X_test, repeats=2)
    assert decision.rows == len(data.X_test) == 8760
    assert decision.parity_ok
    assert decision.max_rel_diff <= onnx_export.PARITY_TOLERANCE
    # float32 trees: absolute differences stay at float32 rounding of ~100 kWh values
    assert decision.max_abs_diff < 1e-3
    sess = onnx_export.session(onnx_export.to_onnx(lightgbm_model))
    onnx_pred = onnx_export.predict_onnx(sess, lightgbm_model, data.X_test)
    assert np.abs(onnx_pred - lightgbm_model.predict(data.X_test)).max() == pytest.approx(
        decision.max_abs_diff
    )


def test_decision_follows_the_rule(lightgbm_model, data):
    decision = onnx_export.evaluate_onnx(lightgbm_model, data.X_test.iloc[:2000], repeats=2)
    assert decision.native_us_per_row > 0 and decision.onnx_us_per_row > 0
    assert decision.speedup == pytest.approx(decision.native_us_per_row / decision.onnx_us_per_row)
    assert decision.serve_onnx == (decision.parity_ok and decision.speedup >= onnx_export.MIN_SPEEDUP)
    # the caller's conversion is decided on as it is (the asset converts once, decides, saves)
    converted = onnx_export.to_onnx(lightgbm_model)
    never = onnx_export.evaluate_onnx(
        lightgbm_model, data.X_test.iloc[:500], model=converted, repeats=1, min_speedup=1e9
    )
    assert not never.serve_onnx and "not measurably faster" in never.reason
    assert never.onnx_size_bytes == len(converted.SerializeToString()) == decision.onnx_size_bytes


def test_xgboost_exports_with_its_feature_order(data, tmp_path):
    model = XGBoostEstimator(n_estimators=60, max_depth=4, n_jobs=1).fit(data.X_train, data.y_train)
    onnx_model = onnx_export.to_onnx(model)
    path = onnx_export.save_onnx(onnx_model, tmp_path / "xgb.onnx")
    assert path.stat().st_size > 1000
    sess = onnx_export.session(onnx_model)
    shuffled = data.X_test[list(reversed(data.X_test.columns))]  # column order must not matter
    native = model.predict(data.X_test)
    onnx_pred = onnx_export.predict_onnx(sess, model, shuffled)
    assert np.abs(onnx_pred - native).max() / max(1.0, np.abs(native).max()) < 1e-4


def test_xgboost_export_stops_where_early_stopping_stopped(data):
    # permuted validation targets: validation error stops improving after a few rounds
    y_noise = data.y_validation.sample(frac=1.0, random_state=0).to_numpy()
    model = XGBoostEstimator(n_estimators=100, max_depth=4, early_stopping_rounds=5, n_jobs=1)
    model.fit(data.X_train, data.y_train, data.X_validation, y_noise)
    assert model.model.best_iteration + 1 < model.model.get_booster().num_boosted_rounds()
    decision = onnx_export.evaluate_onnx(model, data.X_test, repeats=1)
    assert decision.max_rel_diff <= onnx_export.PARITY_TOLERANCE
    assert decision.parity_ok


def test_physics_champion_is_not_exportable(data):
    physics = PowerTriangleEstimator().fit(data.X_train, data.y_train)
    with pytest.raises(onnx_export.NotExportable, match="tree families"):
        onnx_export.to_onnx(physics)
    assert "tree families" in onnx_export.champion_applicability("physics")
    assert "exported to ONNX" in onnx_export.champion_applicability("lightgbm")
