"""EDA on the real year: figures are written, numbers match direct computations, findings quote them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.stattools import pacf

from energy_assets.domain import features, tariff
from energy_assets.domain.data import schema
from energy_assets.domain.reporting import eda

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> object:
    return tmp_path_factory.mktemp("figures")


def _is_png(path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5_000


def test_descriptive_statistics_totals_and_findings(clean_reference, figures):
    result = eda.descriptive_statistics(clean_reference, figures)
    total = clean_reference[schema.USAGE_KWH].sum() / 1000
    assert result.numbers["total_usage_mwh"] == pytest.approx(total)
    assert result.numbers["rows"] == 35_040
    assert f"{total:,.1f} MWh" in result.findings[0]
    idle = (clean_reference[schema.USAGE_KWH] < 5).mean() * 100
    assert f"{idle:.1f} %" in result.findings[2]
    assert all(_is_png(p) for p in result.figures)
    assert set(result.table.index) == set(schema.NUMERIC_COLUMNS)


def test_findings_follow_the_data(clean_reference, figures):
    doubled = clean_reference.assign(**{schema.USAGE_KWH: clean_reference[schema.USAGE_KWH] * 2})
    one = eda.descriptive_statistics(clean_reference, figures).numbers["total_usage_mwh"]
    two = eda.descriptive_statistics(doubled, figures)
    assert two.numbers["total_usage_mwh"] == pytest.approx(2 * one)
    assert f"{2 * one:,.1f} MWh" in two.findings[0]


def test_consumption_profiles_energy_shares(clean_reference, figures):
    result = eda.consumption_profiles(clean_reference, figures)
    shares = [result.numbers[f"energy_share_{k.lower()}_pct"] for k in schema.LOAD_TYPES]
    assert sum(shares) == pytest.approx(100.0)
    usage = clean_reference[schema.USAGE_KWH]
    periods = tariff.tariff_period(clean_reference[schema.TIMESTAMP])
    expected = usage[periods == tariff.MAXIMUM].sum() / usage.sum() * 100
    assert result.numbers["maximum_tariff_energy_share_pct"] == pytest.approx(expected)
    # the plant works weekdays: weekends draw clearly less, and the peak hour is a working hour
    assert result.numbers["weekend_to_weekday_ratio"] < 0.6
    assert 7 <= result.numbers["peak_hour"] <= 20
    assert f"{expected:.1f} %" in result.findings[0]
    assert _is_png(result.figures[0])


def test_co2_factor_matches_the_documented_one(clean_reference, figures):
    result = eda.co2_vs_usage(clean_reference, figures)
    assert result.numbers["implied_factor_t_per_kwh"] == pytest.approx(
        schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH, rel=0.03
    )
    assert result.numbers["r2_through_origin"] > 0.95


def test_correlation_heatmap_is_symmetric_and_ranks_co2(clean_reference, figures):
    result = eda.correlation_heatmap(clean_reference, figures)
    corr = result.table.to_numpy()
    assert np.allclose(corr, corr.T)
    assert result.numbers[f"corr_usage_{schema.CO2_TCO2}"] > 0.95
    assert result.findings[0].startswith(schema.CO2_TCO2)


def test_seasonal_strength_separates_signal_from_noise():
    rng = np.random.default_rng(0)
    season = np.sin(np.linspace(0, 40 * np.pi, 2000))
    assert eda.seasonal_strength(season, rng.normal(0, 0.05, 2000)) > 0.95
    assert eda.seasonal_strength(0.01 * season, rng.normal(0, 1, 2000)) < 0.05
    assert eda.seasonal_strength(np.zeros(10), np.zeros(10)) == 0.0


def test_mstl_decomposition_finds_daily_and_weekly_cycles(clean_reference, figures):
    result = eda.seasonal_decomposition(clean_reference, figures)
    assert result.numbers["hours"] == 8760
    assert 0.5 < result.numbers["daily_seasonal_strength"] <= 1.0
    assert 0.3 < result.numbers["weekly_seasonal_strength"] <= 1.0
    assert len(result.figures) == 2 and all(_is_png(p) for p in result.figures)
    hourly = eda.hourly_usage(clean_reference)
    assert hourly.sum() == pytest.approx(clean_reference[schema.USAGE_KWH].sum())


def test_autocorrelation_pacf_equals_statsmodels_ywm(clean_reference, figures):
    result = eda.autocorrelation(clean_reference, figures, pacf_lags=30)
    direct = pacf(clean_reference[schema.USAGE_KWH].to_numpy(float), nlags=30, method="ywm")
    assert result.numbers["pacf_lag_1"] == pytest.approx(direct[1], abs=1e-10)
    assert result.numbers["acf_lag_1"] > 0.8
    # a daily rhythm: lag 96 beats lag 48 (half a day)
    assert result.numbers["acf_lag_1_day"] > 0.4


def test_feature_ranking_puts_the_triangle_first_and_noise_last(clean_reference, figures):
    table = features.build_features(clean_reference)
    table["noise"] = np.random.default_rng(1).normal(size=len(table))
    cols = [features.PHYSICS_USAGE_KWH, features.HOUR, "noise"]
    result = eda.feature_ranking(table, figures, columns=cols, sample_rows=3000)
    ranked = result.table["feature"].tolist()
    assert ranked[0] == features.PHYSICS_USAGE_KWH
    assert ranked[-1] == "noise"
    assert result.table.set_index("feature").loc["noise", "mutual_information"] < 0.05
    assert result.numbers["sample_rows"] == 3000


def test_data_quality_summary_counts(figures):
    report = pd.DataFrame(
        [
            ("rows_in", "", "100"),
            ("rows_out", "", "97"),
            ("rows_quarantined", "", "3"),
            ("cells_repaired", "", "12"),
            ("cells_imputed", "", "4"),
            ("missing_intervals", "", "1"),
            ("midnight_rows_moved_to_next_day", "", "2"),
            ("quarantined_by_reason", "duplicate", "3"),
        ],
        columns=["metric", "key", "value"],
    )
    result = eda.data_quality_summary(report, figures)
    assert result.numbers["rows_kept_pct"] == pytest.approx(97.0)
    assert "97 of 100 rows kept (97.00 %), 3 quarantined" in result.findings[0]
    assert result.table["count"].tolist() == [3]
    summary = result.summary_frame()
    assert summary.loc[summary["name"] == "rows_quarantined", "value"].item() == 3
    assert summary["text"].str.len().gt(0).sum() == len(result.findings)
