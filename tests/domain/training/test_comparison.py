"""Old champion vs new candidate on the SAME new validation window, on a short moved history.

The history is ten weeks of the UCI readings, then the next two weeks arrive, so the split moves; the old champion, fitted on the first ten weeks and saved as a bundle, is loaded and
scored where the candidate was scored, and the rule (strictly lower RMSE) decides on those scores.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import features
from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.estimate import PowerTriangleEstimator
from energy_assets.domain.models.forecast import SeasonalNaiveForecaster
from energy_assets.domain.models.forecast.base import ORIGIN
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training import champion, comparison
from energy_assets.domain.training.estimate import EstimateData
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster
from energy_assets.domain.training.results import EVALUATED, EstimateResult, ForecastResult

WEEK = 7 * schema.INTERVALS_PER_DAY


@pytest.fixture(scope="module")
def moved(clean_reference: pd.DataFrame) -> dict:
    old = clean_reference.iloc[: 10 * WEEK].reset_index(drop=True)
    arrived = clean_reference.iloc[10 * WEEK : 12 * WEEK]
    new = pd.concat([old, arrived], ignore_index=True)
    return {
        "old": old,
        "new": new,
        "old_splits": splits.build_splits(old),
        "new_splits": splits.build_splits(new),
    }


def test_the_validation_window_moves_with_the_history(moved) -> None:
    def window(table):
        part = table.loc[table[splits.TEMPORAL_SPLIT] == VALIDATION, schema.TIMESTAMP]
        return part.min(), part.max()

    assert window(moved["new_splits"])[0] > window(moved["old_splits"])[0]
    assert window(moved["new_splits"])[1] > window(moved["old_splits"])[1]


def _card_of(folder: Path, task: str, trained_on: str) -> dict:
    card = champion.read_bundle_card(folder / task)
    card["extra"] = {"training_data_version": trained_on}
    return card


def test_forecast_old_champion_is_scored_on_the_candidates_origins(moved, tmp_path: Path) -> None:
    old_model = SeasonalNaiveForecaster().fit(moved["old"])
    old = ForecastResult(
        family=old_model.name,
        status=EVALUATED,
        model=old_model,
        metrics={VALIDATION: {"rmse": 1.0}, TEST: None},
    )
    champion.write_bundle(old, tmp_path, data_version="sha256:old", code_version="c")
    bundle = champion.load_bundle(tmp_path / "forecast")
    config = ForecastConfig(max_origins=3)
    candidate = evaluate_forecaster("seasonal_naive", moved["new"], moved["new_splits"], config=config)
    scored = comparison.forecast_on_window(bundle.model, moved["new"], candidate, bundle.family)
    # independent recomputation: the weekly naive at the candidate's origins is the reading a week before
    run = candidate.validation_backtest
    usage = moved["new"].set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    targets = pd.to_datetime(run[schema.TIMESTAMP])
    origins = pd.to_datetime(run[ORIGIN])
    week_before = usage.reindex(targets - pd.Timedelta(days=7)).to_numpy()
    expected = float(np.sqrt(np.mean((usage.reindex(targets).to_numpy() - week_before) ** 2)))
    assert scored.points == len(run) == 3 * 96
    assert scored.champion_rmse == pytest.approx(expected)
    assert scored.candidate_rmse == pytest.approx(candidate.validation_rmse)
    assert scored.window_start == str(origins.min())
    # the same model on the same window scores the same: not strictly lower, so the old one stays
    card = _card_of(tmp_path, "forecast", "sha256:old")
    decided, reason = champion.promotion_decision(candidate, card, False, "sha256:new", on_window=scored)
    assert not decided and reason.startswith("kept seasonal_naive") and "new validation window" in reason
    # a candidate better on that window replaces it; both scores are in the reason
    better = dataclasses.replace(scored, candidate_rmse=scored.champion_rmse * 0.9)
    decided, reason = champion.promotion_decision(candidate, card, False, "sha256:new", on_window=better)
    assert decided and f"{better.champion_rmse:.4f}" in reason and f"{better.candidate_rmse:.4f}" in reason
    # no champion yet: promoted as before; one that could not be scored: replaced, saying why
    assert champion.promotion_decision(candidate, None, False, "sha256:new")[0]
    decided, reason = champion.promotion_decision(
        candidate, card, False, "sha256:new", rescore_problem="unreadable bundle"
    )
    assert decided and "unreadable bundle" in reason


def test_estimate_old_champion_is_scored_on_the_new_validation_rows(moved) -> None:
    old_features = features.build_features(moved["old"])
    new_features = features.build_features(moved["new"])
    old_model = PowerTriangleEstimator().fit(EstimateData.build(old_features, moved["old_splits"]).X_train)
    data = EstimateData.build(new_features, moved["new_splits"])
    candidate = EstimateResult(
        "physics", old_model, old_model.params(), {VALIDATION: {"rmse": 0.5}}, 0.0, 1.0, 1, (), "cpu"
    )
    scored = comparison.estimate_on_window(old_model, old_model.feature_names, data, candidate, "physics")
    rows = new_features.merge(moved["new_splits"], on=schema.TIMESTAMP)
    rows = rows[rows[splits.TEMPORAL_SPLIT] == VALIDATION]
    predicted = old_model.predict(rows[list(old_model.feature_names)])
    expected = float(np.sqrt(np.mean((rows[schema.USAGE_KWH].to_numpy() - predicted) ** 2)))
    assert scored.points == len(rows)
    assert scored.champion_rmse == pytest.approx(expected)
    assert (scored.candidate_rmse, scored.window_end) == (0.5, str(rows[schema.TIMESTAMP].max()))
    with pytest.raises(ValueError, match="lack"):
        comparison.estimate_on_window(old_model, ["no_such_column"], data, candidate, "physics")
