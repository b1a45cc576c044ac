"""MLflow logging on a real sqlite store in a temp dir: native and pyfunc models load back and predict
what the family's own model predicts; datasets, artifacts, the registry alias and failed runs."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.features import splits
from energy_assets.domain.features import table as features
from energy_assets.domain.training import tracking
from energy_assets.domain.training.estimate import EstimateData, evaluate_estimator
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster

WEEK = 7 * 96


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    patch = pytest.MonkeyPatch()
    patch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    experiment = tracking.ensure_experiment(uri, "test", artifact_location=(folder / "art").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield mlflow.MlflowClient(uri)
    patch.undo()


@pytest.fixture(scope="module")
def small_data(clean_reference: pd.DataFrame) -> tuple[pd.DataFrame, EstimateData]:
    part = features.build_features(clean_reference.iloc[:4_000].reset_index(drop=True))
    return part, EstimateData.build(part, splits.build_splits(part), "temporal")


def _log(result, frame: pd.DataFrame) -> tracking.LoggedRun:
    return tracking.log_model_run(
        mlflow,
        run_name=f"{result.task}-{result.family}",
        params=result.params,
        metrics=tracking.result_metrics(result),
        tags=tracking.result_tags(result),
        result=result,
        example=tracking.input_example(result, frame),
        dataset={
            "frame": frame,
            "name": "steel_features",
            "data_version": "frame:abc",
            "source": "/x.duckdb",
        },
    )


@pytest.mark.parametrize(("family", "flavour"), [("lightgbm", "lightgbm"), ("physics", "python_function")])
def test_an_estimator_loads_back_through_pyfunc_and_predicts_the_same(store, small_data, family, flavour):
    frame, data = small_data
    params = {"n_estimators": 20, "n_jobs": 1} if family == "lightgbm" else None
    result = evaluate_estimator(family, data, n_trials=1, timeout_s=5, params=params)
    logged = _log(result, frame)
    info = mlflow.models.get_model_info(logged.model_uri)
    assert flavour in info.flavors and "python_function" in info.flavors
    assert info.signature is not None and info.saved_input_example_info is not None
    rows = data.X_test.head(50)
    loaded = mlflow.pyfunc.load_model(logged.model_uri)
    np.testing.assert_allclose(np.asarray(loaded.predict(rows)), result.model.predict(rows), rtol=1e-9)
    run = store.get_run(logged.run_id)
    assert [d.dataset.digest for d in run.inputs.dataset_inputs] == ["frame:abc"]
    assert "metrics.json" in {a.path for a in store.list_artifacts(logged.run_id)}
    assert logged.url.endswith(f"/#/experiments/{logged.experiment_id}/runs/{logged.run_id}")


def test_a_forecaster_is_a_pyfunc_with_its_backtest_and_registers_as_champion(store, clean_reference):
    frame = clean_reference.iloc[: 10 * 96 * 7].reset_index(drop=True)
    config = ForecastConfig(max_origins=2, n_jobs=1)
    result = evaluate_forecaster("seasonal_naive", frame, splits.build_splits(frame), config=config)
    logged = _log(result, frame)
    paths = {a.path for a in store.list_artifacts(logged.run_id, "backtest")}
    assert {"backtest/validation.csv", "backtest/test.csv"} <= paths
    history = frame.tail(8 * 96).reset_index(drop=True)
    native = result.model.predict(history, history["timestamp"].max(), 96)
    served = mlflow.pyfunc.load_model(logged.model_uri).predict(history)
    pd.testing.assert_frame_equal(pd.DataFrame(served).reset_index(drop=True), native.reset_index(drop=True))
    version = tracking.register_champion(logged.model_uri, "forecast", tags={"data_version": "frame:abc"})
    tracking.set_champion_alias("forecast", version)
    entry = store.get_model_version_by_alias(tracking.registered_name("forecast"), "champion")
    assert str(entry.version) == version and entry.tags["data_version"] == "frame:abc"


def test_a_failed_parent_run_is_marked_failed(store):
    run = store.create_run(store.get_experiment_by_name("test").experiment_id)
    tracking.end_parent_run(run.info.run_id, failed=True)
    assert store.get_run(run.info.run_id).info.status == "FAILED"
