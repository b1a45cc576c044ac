"""Champion choice and bundles: chosen by validation, written atomically, loadable in a new process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import features
from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate import HybridEstimator, PowerTriangleEstimator
from energy_assets.domain.training import champion
from energy_assets.domain.training.estimate import EstimateData, evaluate_estimator
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster
from energy_assets.domain.training.results import EstimateResult, ForecastResult

WEEK = 7 * schema.INTERVALS_PER_DAY


@pytest.fixture(scope="module")
def small_data(clean_reference: pd.DataFrame) -> EstimateData:
    part = features.build_features(clean_reference.iloc[:4_000].reset_index(drop=True))
    return EstimateData.build(part, splits.build_splits(part), "temporal")


@pytest.fixture(scope="module")
def hybrid_result(small_data: EstimateData) -> EstimateResult:
    return evaluate_estimator("hybrid", small_data, params={"n_estimators": 25, "n_jobs": 1})


def _result(family: str, validation: float, test: float, data: EstimateData) -> EstimateResult:
    model = PowerTriangleEstimator().fit(data.X_train)
    scores = {"validation": {"rmse": validation}, "test": {"rmse": test}, "paper_test": None}
    return EstimateResult(family, model, model.params(), scores, 0.0, 1.0, 1, (), "cpu")


def test_champion_is_chosen_on_validation_not_test(small_data: EstimateData) -> None:
    by_validation = _result("physics", validation=0.02, test=0.30, data=small_data)
    by_test = _result("xgboost", validation=0.50, test=0.01, data=small_data)
    assert champion.pick_champion([by_test, by_validation], "estimate") is by_validation
    # a near tie on validation goes to the smaller model only when a tolerance is asked for
    bigger = _result("hybrid", validation=0.0199, test=0.02, data=small_data)
    bigger.model_size_bytes = 40_000
    assert champion.pick_champion([by_validation, bigger], "estimate") is bigger
    assert champion.pick_champion([by_validation, bigger], "estimate", rel_tolerance=0.01) is by_validation
    assert champion.pick_champion([by_test, bigger], "estimate", rel_tolerance=0.01) is bigger
    skipped = ForecastResult("chronos", status="weights unavailable: offline")
    with pytest.raises(ValueError, match="no evaluated forecast"):
        champion.pick_champion([by_validation, skipped], "forecast")
    with pytest.raises(ValueError, match="task"):
        champion.pick_champion([by_validation], "predict")


def test_bundle_reloads_in_a_fresh_process_and_predicts_identically(
    hybrid_result: EstimateResult, small_data: EstimateData, tmp_path: Path
) -> None:
    root = tmp_path / "champions"
    folder = champion.write_bundle(
        hybrid_result, root, data_version="sha256:abc", feature_columns=ESTIMATE_FEATURES
    )
    assert folder == root / "estimate"
    rows = small_data.X_test.iloc[:200]
    rows.to_csv(tmp_path / "rows.csv")
    expected = hybrid_result.model.predict(rows)
    script = (
        "import sys, json, pandas as pd\n"
        "from energy_assets.domain.training.champion import load_bundle\n"
        "b = load_bundle(sys.argv[1])\n"
        "X = pd.read_csv(sys.argv[2], index_col=0)\n"
        "print(json.dumps({'family': b.family, 'task': b.task, 'pred': b.model.predict(X).tolist()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(tmp_path / "rows.csv")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["family"] == "hybrid" and loaded["task"] == "estimate"
    np.testing.assert_array_equal(np.asarray(loaded["pred"]), expected)
    assert np.abs(expected - small_data.y_test.iloc[:200].to_numpy()).mean() < 0.15  # kWh (measured 0.073)


def test_bundle_card_describes_model_data_and_code(hybrid_result: EstimateResult, tmp_path: Path) -> None:
    folder = champion.write_bundle(hybrid_result, tmp_path, data_version="sha256:abc", extra={"run_id": "r1"})
    card = json.loads((folder / champion.BUNDLE_FILE).read_text())
    assert card["task"] == "estimate" and card["family"] == "hybrid"
    assert card["feature_columns"] == list(hybrid_result.model.feature_names)
    usage = next(c for c in card["cleaned_schema"] if c["name"] == schema.USAGE_KWH)
    assert usage == {"name": schema.USAGE_KWH, "unit": "kWh", "range": [0.0, 200.0]}
    assert [c["name"] for c in card["cleaned_schema"]] == list(schema.CLEAN_COLUMNS)
    assert card["metrics"]["validation"]["rmse"] == pytest.approx(hybrid_result.validation_rmse)
    assert card["data_version"] == "sha256:abc" and card["extra"] == {"run_id": "r1"}
    assert card["code_version"] and card["created_at"].endswith("+00:00")
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in {".pkl", ".pickle", ".joblib"}]
    assert (folder / "model" / "model.json").is_file()


def test_failed_write_leaves_no_partial_bundle(
    hybrid_result: EstimateResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = champion.write_bundle(hybrid_result, tmp_path, data_version="sha256:v1", code_version="c1")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    def broken_save(self: HybridEstimator, folder: Path) -> None:
        Path(folder).mkdir(parents=True)
        (Path(folder) / "half-written.txt").write_text("partial")
        raise OSError("disk full")

    monkeypatch.setattr(HybridEstimator, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        champion.write_bundle(hybrid_result, tmp_path, data_version="sha256:v2", code_version="c2")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert json.loads((first / champion.BUNDLE_FILE).read_text())["data_version"] == "sha256:v1"
    with pytest.raises(OSError):
        champion.write_bundle(hybrid_result, tmp_path / "fresh", data_version="x", code_version="c")
    assert list((tmp_path / "fresh").iterdir()) == []


def test_rewrite_replaces_the_bundle(hybrid_result: EstimateResult, tmp_path: Path) -> None:
    champion.write_bundle(hybrid_result, tmp_path, data_version="sha256:v1", code_version="c1")
    folder = champion.write_bundle(hybrid_result, tmp_path, data_version="sha256:v2", code_version="c2")
    assert champion.load_bundle(folder).metadata["data_version"] == "sha256:v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["estimate"]


def test_forecast_bundle_round_trip(clean_reference: pd.DataFrame, tmp_path: Path) -> None:
    frame = clean_reference.iloc[: 10 * WEEK].reset_index(drop=True)
    config = ForecastConfig(max_origins=2)
    result = evaluate_forecaster("seasonal_naive", frame, splits.build_splits(frame), config=config)
    bundle = champion.load_bundle(champion.write_bundle(result, tmp_path, data_version="sha256:abc"))
    assert bundle.task == "forecast" and bundle.family == "seasonal_naive"
    assert bundle.quantiles == tuple(k / 10 for k in range(1, 10)) and bundle.metadata["horizon"] == 96
    assert bundle.feature_columns == (schema.TIMESTAMP, schema.USAGE_KWH, schema.LOAD_TYPE)
    origin = frame[schema.TIMESTAMP].iloc[-200]
    pd.testing.assert_frame_equal(bundle.model.predict(frame, origin), result.model.predict(frame, origin))


def test_unevaluated_result_cannot_be_bundled(tmp_path: Path) -> None:
    skipped = ForecastResult("timesfm", status="foundation extra not installed")
    with pytest.raises(ValueError, match="only an evaluated"):
        champion.write_bundle(skipped, tmp_path, data_version="x", code_version="c")
    with pytest.raises(champion.BundleError, match=r"bundle\.json"):
        champion.load_bundle(tmp_path)


def test_code_and_data_versions(reference_csv: Path) -> None:
    version = champion.code_version()
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", version) or version.startswith("energy-copilot==")
    digest = champion.data_version(reference_csv)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == champion.data_version(reference_csv)
