"""The peak in plant terms, checked against an independent pandas computation on the UCI readings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.reporting import peak


def _independent(frame: pd.DataFrame, day: dt.date, refs: list[dt.date]) -> dict[str, object]:
    """Straight pandas: interval start = timestamp - 15 min; the reference days are given."""
    f = frame.assign(start=frame[schema.TIMESTAMP] - pd.Timedelta(minutes=15))
    f = f.assign(d=f["start"].dt.date, hour=f["start"].dt.hour, slot=f["start"].dt.strftime("%H:%M"))
    today = f[f["d"] == day]
    p = today.loc[today[schema.USAGE_KWH].idxmax()]
    ref = f[f["d"].isin(refs)]
    at_slot = ref[ref["slot"] == p["slot"]]
    hourly_ref = ref.groupby(["d", "hour"])[schema.USAGE_KWH].sum().unstack("d").median(axis=1)
    hourly = today.groupby("hour")[schema.USAGE_KWH].sum()
    return {
        "start": p["start"],
        "usage": p[schema.USAGE_KWH],
        "typical": at_slot[schema.USAGE_KWH].median(),
        "typical_q": at_slot[schema.LAGGING_REACTIVE_KVARH].median(),
        "apparent": np.sqrt(p[schema.USAGE_KWH] ** 2 + p[schema.LAGGING_REACTIVE_KVARH] ** 2),
        "lagging": p[schema.LAGGING_REACTIVE_KVARH],
        "excess_by_hour": hourly - hourly_ref,
        "typical_by_hour": hourly_ref,
    }


def test_peak_against_the_previous_four_same_weekdays(clean_reference: pd.DataFrame) -> None:
    day = dt.date(2018, 3, 15)  # a Thursday
    refs = [dt.date(2018, 2, 15), dt.date(2018, 2, 22), dt.date(2018, 3, 1), dt.date(2018, 3, 8)]
    got = peak.peak_in_plant_terms(clean_reference, day)
    want = _independent(clean_reference, day, refs)
    assert got.weekday == "Thursday"
    assert got.reference_days == refs
    assert got.peak_start == want["start"]
    assert got.peak_end == want["start"] + schema.INTERVAL
    assert got.usage_kwh == pytest.approx(want["usage"])
    assert got.typical_kwh == pytest.approx(want["typical"])
    assert got.excess_kwh == pytest.approx(want["usage"] - want["typical"])
    assert got.typical_lagging_reactive_kvarh == pytest.approx(want["typical_q"])
    assert got.lagging_reactive_kvarh == pytest.approx(want["lagging"])
    assert got.apparent_kvah == pytest.approx(want["apparent"])
    assert [h.hour for h in got.hours] == list(range(24))
    excess = want["excess_by_hour"]
    for h in got.hours:
        assert h.typical_kwh == pytest.approx(want["typical_by_hour"][h.hour])
        assert h.excess_kwh == pytest.approx(excess[h.hour])
    typical = want["typical_by_hour"]
    above = [
        hr
        for hr in range(24)
        if excess[hr] > max(peak.ABOVE_NORMAL_MIN_KWH, peak.ABOVE_NORMAL_SHARE * typical[hr])
    ]
    assert sorted(h.hour for h in got.hours_above_normal) == above
    ordered = [h.excess_kwh for h in got.hours_above_normal]
    assert ordered == sorted(ordered, reverse=True)


def test_a_missing_week_is_skipped_and_the_start_of_the_data_has_fewer_days(
    clean_reference: pd.DataFrame,
) -> None:
    day = dt.date(2018, 3, 15)
    start = clean_reference[schema.TIMESTAMP] - schema.INTERVAL
    gap = clean_reference[start.dt.date != dt.date(2018, 3, 1)]
    got = peak.peak_in_plant_terms(gap, day)
    refs = [dt.date(2018, 2, 8), dt.date(2018, 2, 15), dt.date(2018, 2, 22), dt.date(2018, 3, 8)]
    assert got.reference_days == refs
    assert got.typical_kwh == pytest.approx(_independent(gap, day, refs)["typical"])

    second = peak.peak_in_plant_terms(clean_reference, dt.date(2018, 1, 11))
    assert second.reference_days == [dt.date(2018, 1, 4)]
    first = peak.peak_in_plant_terms(clean_reference, dt.date(2018, 1, 4))
    assert first.reference_days == [] and first.typical_kwh is None and first.excess_kwh is None
    assert first.hours_above_normal == [] and all(h.typical_kwh is None for h in first.hours)
    with pytest.raises(ValueError, match="day"):
        peak.peak_in_plant_terms(clean_reference, dt.date(2019, 6, 1))
