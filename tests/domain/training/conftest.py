"""The training tests' shared tiny forecasting set-up: ten weeks of the cleaned reference and booster
settings small enough for a unit test (real fits in seconds, not the product's defaults)."""

from __future__ import annotations

import pandas as pd
import pytest

from energy_assets.domain.data import schema

WEEK = 7 * schema.INTERVALS_PER_DAY


@pytest.fixture(scope="module")
def ten_weeks(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """The first ten weeks of readings: train, validation and test windows with a few origins each."""
    return clean_reference.iloc[: 10 * WEEK].reset_index(drop=True)


@pytest.fixture(scope="module")
def tiny_booster() -> dict[str, int]:
    """Booster and backtest settings of a few seconds' fit (a fresh dict: tests may override keys)."""
    return {
        "n_estimators": 30,
        "num_leaves": 7,
        "min_child_samples": 20,
        "origin_step": 16,
        "horizons_per_origin": 8,
        "calibration_step": 16,
        "n_jobs": 1,
    }
