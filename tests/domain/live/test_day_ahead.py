"""The day-ahead forecast and its scoring in plain Python, checked against an independent pandas
recomputation (the seasonal naive champion forecasts the same interval a week before)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.live import accuracy, day_ahead, simulator
from energy_assets.domain.models.forecast import SeasonalNaiveForecaster
from energy_assets.domain.models.forecast import plan as plans


@pytest.fixture(scope="module")
def readings(clean_reference: pd.DataFrame) -> pd.DataFrame:
    moved = simulator.shift_weeks(clean_reference, simulator.weeks_to_year(clean_reference, 2025))
    days = pd.date_range("2025-02-10", "2025-03-09", freq="D")
    return simulator.day_rows(moved, days)


def _issue(model, readings, day, planned=None):
    return day_ahead.issue(
        model,
        readings,
        day,
        planned=planned,
        model_version="naive@test",
        data_version="frame:x",
        issued_at=pd.Timestamp("2025-03-01 20:00"),
    )


def test_issue_tomorrow_with_the_derived_plan_and_a_sent_plan(readings, tmp_path) -> None:
    model = SeasonalNaiveForecaster().fit(readings.iloc[: 14 * 96])
    out = _issue(model, readings, "2025-03-03")
    assert len(out) == 96 and out[day_ahead.HORIZON].tolist() == list(range(1, 97))
    assert out[day_ahead.TARGET].iloc[0] == pd.Timestamp("2025-03-03 00:15")
    assert out[day_ahead.TARGET].iloc[-1] == pd.Timestamp("2025-03-04 00:00")
    week_before = readings.set_index(schema.TIMESTAMP)[schema.USAGE_KWH].reindex(
        out[day_ahead.TARGET] - pd.Timedelta(days=7)
    )
    np.testing.assert_allclose(out["mean"], week_before.to_numpy())
    assert set(out[day_ahead.PLAN_SOURCE]) == {day_ahead.DERIVED}
    derived = plans.derived_plan(out[day_ahead.TARGET])
    assert out[day_ahead.PLANNED].tolist() == derived[schema.LOAD_TYPE].tolist()
    assert {"q10", "q90"} <= set(out.columns) and (out["q10"] <= out["q90"]).all()
    # a production plan file covering the morning wins there
    pd.DataFrame(
        {schema.TIMESTAMP: out[day_ahead.TARGET].iloc[:8], schema.LOAD_TYPE: ["Maximum_Load"] * 8}
    ).to_csv(tmp_path / "plan_2025-03-03.csv", index=False)
    sent = _issue(model, readings, "2025-03-03", planned=day_ahead.read_plans(tmp_path))
    assert sent[day_ahead.PLAN_SOURCE].tolist() == [day_ahead.PLAN_FILE] * 8 + [day_ahead.DERIVED] * 88
    assert sent[day_ahead.PLANNED].iloc[:8].tolist() == ["Maximum_Load"] * 8
    # the day before not in yet: refused, saying so
    with pytest.raises(day_ahead.DayAheadError, match="not in yet"):
        _issue(model, readings, "2025-03-11")


def test_the_evening_issue_forecasts_from_the_latest_reading(readings) -> None:
    """At 20:00 the day before is still running: from its 19:45 reading the model forecasts the rest of
    that day too; the stored day is the same 96 targets, horizons counted from 19:45 (18..113)."""
    model = SeasonalNaiveForecaster().fit(readings.iloc[: 14 * 96])
    evening = readings[readings[schema.TIMESTAMP] <= pd.Timestamp("2025-03-02 19:45")]
    with pytest.raises(day_ahead.DayAheadError, match="not in yet"):
        _issue(model, evening, "2025-03-03")
    out = day_ahead.issue(
        model, evening, "2025-03-03", model_version="naive@test", data_version="frame:x", from_latest=True
    )
    complete = _issue(model, readings, "2025-03-03")
    assert out[day_ahead.TARGET].tolist() == complete[day_ahead.TARGET].tolist()
    assert out[day_ahead.HORIZON].tolist() == list(range(18, 114))
    # the weekly naive reads a week before each target, all before 19:45: the same forecast
    np.testing.assert_allclose(out["mean"], complete["mean"])
    assert out[day_ahead.PLANNED].tolist() == complete[day_ahead.PLANNED].tolist()
    # nothing of the day before in yet: refused even from the latest reading
    with pytest.raises(day_ahead.DayAheadError, match="evening issue"):
        day_ahead.issue(model, evening, "2025-03-04", model_version="m", data_version="d", from_latest=True)


def test_accuracy_per_day_and_rolling_equals_a_pandas_recomputation(readings) -> None:
    model = SeasonalNaiveForecaster().fit(readings.iloc[: 14 * 96])
    days = [d.date().isoformat() for d in pd.date_range("2025-03-01", "2025-03-09")]
    forecasts = pd.concat([_issue(model, readings, d) for d in days], ignore_index=True)
    # shift the mean so the scores are not the naive's own (MASE 1 by construction otherwise)
    forecasts["mean"] = forecasts["mean"] * 0.9 + 2.0
    last_day = readings[readings[schema.TIMESTAMP] <= pd.Timestamp("2025-03-09")]
    scored = accuracy.score_forecasts(forecasts, last_day)
    assert [d.date().isoformat() for d in scored["forecast_day"]] == days[:-1]  # 9 March is incomplete
    usage = readings.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    frame = forecasts.assign(
        actual=usage.reindex(forecasts[day_ahead.TARGET]).to_numpy(),
        naive=usage.reindex(forecasts[day_ahead.TARGET] - pd.Timedelta(days=7)).to_numpy(),
    )
    frame = frame[frame["forecast_day"] < pd.Timestamp("2025-03-09")]
    for i, (day, rows) in enumerate(frame.groupby("forecast_day")):
        err = rows["actual"] - rows["mean"]
        got = scored.iloc[i]
        assert got["rmse_kwh"] == pytest.approx(float(np.sqrt((err**2).mean())))
        assert got["mae_kwh"] == pytest.approx(float(err.abs().mean()))
        assert got["mase"] == pytest.approx(err.abs().mean() / (rows["actual"] - rows["naive"]).abs().mean())
        inside = (rows["actual"] >= rows["q10"]) & (rows["actual"] <= rows["q90"])
        assert got["coverage_pct"] == pytest.approx(100 * inside.mean())
        qs = [c for c in rows.columns if c.startswith("q") and c[1:].isdigit()]
        pinball = np.mean(
            [
                np.maximum(
                    int(c[1:]) / 100 * (rows["actual"] - rows[c]),
                    (int(c[1:]) / 100 - 1) * (rows["actual"] - rows[c]),
                ).mean()
                for c in qs
            ]
        )
        assert got["pinball_kwh"] == pytest.approx(pinball)
        window = frame[
            frame["forecast_day"].isin(sorted(frame["forecast_day"].unique())[max(0, i - 6) : i + 1])
        ]
        werr = window["actual"] - window["mean"]
        assert got["rmse_kwh_7d"] == pytest.approx(float(np.sqrt((werr**2).mean())))
        assert got["mae_kwh_28d"] == pytest.approx(
            float(
                (frame[frame["forecast_day"] <= day]["actual"] - frame[frame["forecast_day"] <= day]["mean"])
                .abs()
                .mean()
            )
        )
    assert accuracy.degraded(scored, threshold_mase=0.01) and not accuracy.degraded(
        scored, threshold_mase=100
    )
