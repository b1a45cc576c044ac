"""PSI (hand-computed), the physics invariants, the verdict and the Evidently report."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
from energy_assets.domain.monitoring import drift, feed

# reference 1..10 split at its median 5.5 -> 50/50; current [1, 1, 1, 9] -> 75/25:
# (0.75 - 0.5) ln(0.75/0.5) + (0.25 - 0.5) ln(0.25/0.5)
HAND_PSI = 0.25 * math.log(1.5) + 0.25 * math.log(2.0)


def test_psi_matches_the_hand_computed_example():
    assert round(HAND_PSI, 6) == 0.274653
    assert drift.psi(np.arange(1, 11), [1, 1, 1, 9], bins=2) == pytest.approx(HAND_PSI)
    assert drift.categorical_psi(["a", "a", "b", "b"], ["a", "a", "a", "b"]) == pytest.approx(HAND_PSI)


def test_psi_bins_on_reference_deciles_with_point_masses_and_open_ends():
    reference = np.r_[np.zeros(70), np.arange(1, 31)]
    edges = drift.psi_edges(reference)
    # the deciles 10 %..60 % all sit on the 70 % mass at 0: one edge for them, not six
    np.testing.assert_allclose(edges, [0.0, 0.3, 10.2, 20.1])
    assert drift.psi(reference, reference) == 0.0
    # everything above the reference's range lands in the last (open) bin; empty bins floored
    far = drift.psi([0.0, 1.0], [1000.0, 2000.0], bins=2)
    assert far == pytest.approx((1 - 0.5) * math.log(1 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5))
    with pytest.raises(ValueError):
        drift.psi([], [1.0])


@pytest.fixture(scope="module")
def champion_frames(clean_reference):
    train = clean_reference[splits.temporal_split(clean_reference) == splits.TRAIN]
    predictor = drift.champion_predictor(PowerTriangleEstimator().fit(train))
    reference = drift.monitoring_frame(train, predictor)
    week = feed.held_out_days(clean_reference)[-14:-7]
    return reference, predictor, week


def test_invariants_hold_on_healthy_readings(champion_frames):
    reference, _, _ = champion_frames
    assert (reference[drift.TRIANGLE_CONSISTENT] == "yes").mean() == 1.0
    assert (reference[drift.CO2_CONSISTENT] == "yes").mean() == pytest.approx(0.99558, abs=1e-4)


def test_clean_week_is_ok_and_thresholds_decide(clean_reference, champion_frames):
    reference, predictor, week = champion_frames
    current = drift.monitoring_frame(feed.replay_days(clean_reference, week), predictor)
    verdict = drift.evaluate_drift(reference, current)
    assert not verdict.drift and verdict.verdict == "ok" and verdict.reasons == []
    assert verdict.rows == 672
    assert verdict.rolling_rmse == pytest.approx(0.0157, abs=1e-3)
    assert verdict.baseline_rmse == pytest.approx(0.0850, abs=1e-3)
    assert verdict.max_psi < 0.05 and verdict.max_psi_feature in drift.DEFAULT_ALARM_FEATURES
    # raw readings drift a lot even on a healthy week: reported, not alarmed on
    assert verdict.psi[schema.LAGGING_POWER_FACTOR] > 0.2
    assert 0.3 <= verdict.share_drifted_columns <= 0.8
    strict = drift.evaluate_drift(reference, current, drift.DriftThresholds(rmse_kwh=0.01))
    assert strict.drift and strict.reasons == ["rolling RMSE 0.016 kWh > 0.01 kWh"]
    raw = drift.evaluate_drift(
        reference, current, drift.DriftThresholds(alarm_features=(schema.LAGGING_POWER_FACTOR,))
    )
    assert raw.drift and raw.max_psi_feature == schema.LAGGING_POWER_FACTOR
    with pytest.raises(ValueError, match="not monitored"):
        drift.DriftThresholds(alarm_features=("nsm",))


def test_stuck_sensor_week_is_drift_with_reasons(clean_reference, champion_frames):
    reference, predictor, week = champion_frames
    stuck = feed.replay_days(clean_reference, week, feed.Injection("stuck_sensor"))
    verdict = drift.evaluate_drift(reference, drift.monitoring_frame(stuck, predictor))
    assert verdict.drift and verdict.max_psi_feature == drift.TRIANGLE_CONSISTENT
    assert verdict.max_psi > 4
    assert any(r.startswith("rolling RMSE") for r in verdict.reasons)
    record = drift.history_record(verdict, {"drifted_columns_share": 0.5}, None)
    assert record["verdict"] == "drift"
    assert json.loads(record["metrics_json"])["verdict"]["max_psi_feature"] == drift.TRIANGLE_CONSISTENT


def test_evidently_report_has_data_target_and_prediction_drift(clean_reference, champion_frames, tmp_path):
    reference, predictor, week = champion_frames
    current = drift.monitoring_frame(
        feed.replay_days(clean_reference, week, feed.Injection("co2_plus_50pct")), predictor
    )
    snapshot = drift.evidently_report(reference.iloc[-2016:], current)
    summary = drift.evidently_summary(snapshot)
    assert set(summary["value_drift"]) == {*drift.MONITORED_FEATURES, drift.PREDICTION}
    assert summary["value_drift"][drift.CO2_CONSISTENT] > 0.2
    assert summary["drifted_columns"] >= 1 and 0 < summary["drifted_columns_share"] <= 1
    path = drift.save_report(snapshot, drift.report_path("2018-12-24", tmp_path))
    assert path == tmp_path / "drift" / "2018-12-24.html"
    assert path.stat().st_size > 100_000 and "<html" in path.read_text()[:2000].lower()


def test_champion_predictor_unwraps_a_bundle_like_object(clean_reference):
    estimator = PowerTriangleEstimator().fit(clean_reference)

    class BundleLike:
        model = estimator

    day = feed.replay_day(clean_reference, "2018-12-17")
    np.testing.assert_allclose(drift.champion_predictor(BundleLike())(day), estimator.predict(day))
    with pytest.raises(TypeError):
        drift.champion_predictor(object())
    assert isinstance(pd.Series(drift.champion_predictor(estimator)(day)).sum(), float)
