"""The leaderboard table: every split row, the published anchor, champions, JSON and markdown."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.models.estimate import PowerTriangleEstimator
from energy_assets.domain.training import leaderboard
from energy_assets.domain.training.results import EstimateResult, ForecastResult


def _estimate(family: str, validation: float, test: float) -> EstimateResult:
    X = pd.DataFrame(
        {
            schema.LAGGING_REACTIVE_KVARH: [3.2],
            schema.LAGGING_POWER_FACTOR: [73.2],
            schema.LEADING_REACTIVE_KVARH: [0.0],
            schema.LEADING_POWER_FACTOR: [100.0],
        }
    )
    model = PowerTriangleEstimator().fit(X)
    scores = {
        "validation": {"rmse": validation, "mae": validation / 3, "cv_pct": validation * 4},
        "test": {"rmse": test, "mae": test / 3, "cv_pct": test * 4},
        "paper_test": {"rmse": test * 2, "mae": test, "cv_pct": test * 8},
    }
    return EstimateResult(family, model, {}, scores, 1.5, 0.2, 432, (), "cpu")


def _forecast(family: str, validation: float, test: float) -> ForecastResult:
    def scores(rmse: float) -> dict[str, float]:
        return {"rmse": rmse, "mae": rmse / 2, "mase": rmse / 10, "coverage_80": 0.79, "n_origins": 54}

    return ForecastResult(
        family,
        status="evaluated",
        metrics={"validation": scores(validation), "test": scores(test)},
        fit_seconds=12.0,
        predict_ms_per_forecast=25.0,
        model_size_bytes=10_000,
    )


@pytest.fixture
def board() -> pd.DataFrame:
    estimates = [_estimate("physics", 0.023, 0.024), _estimate("cubist", 0.33, 0.01)]
    forecasts = [
        _forecast("seasonal_naive", 9.0, 8.0),
        _forecast("lightgbm_quantile", 6.0, 7.5),
        ForecastResult("chronos", status="weights unavailable: local path /x does not exist"),
    ]
    return leaderboard.leaderboard_rows(estimates, forecasts)


def test_rows_cover_every_split_and_the_published_anchor(board: pd.DataFrame) -> None:
    assert list(board.columns) == list(leaderboard.COLUMNS)
    assert len(board) == 2 * 3 + 1 + 3 * 2
    anchor = board[board["model"] == "cubist (published)"].iloc[0]
    assert (anchor["task"], anchor["split"], anchor["status"]) == ("estimate", "paper_test", "published")
    assert (anchor["rmse"], anchor["mae"], anchor["cv_pct"]) == (0.2410, 0.0547, 0.877)
    assert not anchor["is_champion"]
    physics_paper = board[(board["model"] == "physics") & (board["split"] == "paper_test")].iloc[0]
    assert physics_paper["rmse"] == pytest.approx(0.048) and physics_paper["predict_us_per_row"] == 0.2


def test_champions_are_marked_by_validation(board: pd.DataFrame) -> None:
    champions = board[board["is_champion"]]
    assert set(zip(champions["task"], champions["model"], strict=True)) == {
        ("estimate", "physics"),  # cubist has the better TEST score, physics the better validation
        ("forecast", "lightgbm_quantile"),
    }
    assert len(champions) == 3 + 2


def test_unevaluated_model_keeps_a_row_without_scores(board: pd.DataFrame) -> None:
    chronos = board[board["model"] == "chronos"]
    assert len(chronos) == 2
    assert (chronos["status"] == "not evaluated: weights unavailable: local path /x does not exist").all()
    assert chronos["rmse"].isna().all() and chronos["mase"].isna().all()


def test_json_records_have_the_cli_keys(board: pd.DataFrame) -> None:
    records = leaderboard.to_json_records(board)
    text = json.dumps(records, allow_nan=False)  # no NaN sneaks into the JSON
    assert len(json.loads(text)) == len(board)
    for record in records:
        assert set(leaderboard.JSON_KEYS) <= set(record)
        if record["task"] == "forecast":
            assert {"mase", "coverage_80"} <= set(record)
    naive = next(r for r in records if r["model"] == "seasonal_naive" and r["split"] == "test")
    assert naive["mase"] == pytest.approx(0.8) and naive["predict_ms_per_forecast"] == 25.0
    chronos = next(r for r in records if r["model"] == "chronos")
    assert chronos["rmse"] is None and chronos["mase"] is None
    estimate = next(r for r in records if r["model"] == "physics")
    assert "mase" not in estimate and estimate["predict_us_per_row"] == 0.2


def test_markdown_tables(board: pd.DataFrame) -> None:
    text = leaderboard.to_markdown(board)
    assert "| cubist (published) | paper_test | 0.2410 | 0.0547 | 0.877 |" in text
    assert "| physics ★ | validation | 0.0230 |" in text
    assert "| lightgbm_quantile ★ | test | 7.500 |" in text
    assert text.count("\n\n") == 1  # one table per task
    assert np.isnan(board.loc[board["model"] == "chronos", "rmse"]).all()
