"""The cleaner: nothing lost, everything explained, and the issue's match rates on real dirty files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import cleaning, dirty, ingest, schema, scorecard, validation


@pytest.fixture(scope="module")
def reference_raw(reference_csv: Path) -> pd.DataFrame:
    return ingest.read_raw(reference_csv)


@pytest.fixture(scope="module")
def course_result(course_dirty_csv: Path) -> cleaning.CleaningResult:
    return cleaning.clean(ingest.read_raw(course_dirty_csv))


# --- the clean reference: only the midnight fix ------------------------------------------------
def test_cleaning_the_reference_changes_nothing_but_midnight(reference_raw, clean_reference):
    result = cleaning.clean(reference_raw)
    pd.testing.assert_frame_equal(result.cleaned, clean_reference, check_dtype=False)
    assert result.repairs.empty
    assert result.quarantine.empty
    assert result.report["midnight_rows_moved_to_next_day"] == 365
    assert result.report["rows_accounted"] == schema.UCI_ROW_COUNT
    validation.validate_cleaned(result.cleaned)


def test_midnight_row_belongs_to_the_next_day_and_keeps_its_weekday():
    ts = cleaning.parse_timestamps(pd.Series(["01/01/2018 23:45", "01/01/2018 00:00", "02/01/2018 00:15"]))
    assert list(ts) == [
        pd.Timestamp("2018-01-01 23:45"),
        pd.Timestamp("2018-01-02 00:00"),
        pd.Timestamp("2018-01-02 00:15"),
    ]
    cal = calendar.calendar_from_timestamp(ts)
    # the 00:00 row closes Monday 1 January: NSM 0 and Monday, as in the UCI file
    assert list(cal[schema.NSM]) == [85_500, 0, 900]
    assert list(cal[schema.DAY_OF_WEEK]) == ["Monday", "Monday", "Tuesday"]


def test_every_accepted_layout_parses_to_the_same_instant():
    layouts = [
        "05/03/2018 10:15",
        "2018-03-05 10:15:00",
        "2018-03-05T10:15:00",
        "05.03.2018 10:15",
        " 05-03-2018 10:15 ",
    ]
    parsed = cleaning.parse_timestamps(pd.Series(layouts))
    assert parsed.nunique() == 1 and parsed.iloc[0] == pd.Timestamp("2018-03-05 10:15")


@pytest.mark.parametrize(
    ("token", "column", "expected"),
    [
        (" mAXIMUM_lOAD ", schema.LOAD_TYPE, "Maximum_Load"),
        ("Médium_Load", schema.LOAD_TYPE, "Medium_Load"),
        ("light load", schema.LOAD_TYPE, "Light_Load"),
        ("MEDIUM", schema.LOAD_TYPE, "Medium_Load"),
        ("NAN", schema.LOAD_TYPE, None),
        (" wEEKDAY ", schema.WEEK_STATUS, "Weekday"),
        ("weekend", schema.WEEK_STATUS, "Weekend"),
        ("sATURDAY", schema.DAY_OF_WEEK, "Saturday"),
        ("Mon", schema.DAY_OF_WEEK, "Monday"),
        ("Thu", schema.DAY_OF_WEEK, "Thursday"),
        ("", schema.DAY_OF_WEEK, None),
    ],
)
def test_categoricals_are_canonicalised(token, column, expected):
    assert cleaning.CANONICALISERS[column](token) == expected


# --- timestamps recovered from position ---------------------------------------------------------
def test_missing_dates_take_the_free_slots_between_in_order_neighbours():
    t0 = pd.Timestamp("2018-01-01 00:15")
    step = schema.INTERVAL
    ts = pd.Series(
        [t0, pd.NaT, pd.NaT, t0 + 3 * step, t0 + 40 * step, pd.NaT, t0 + 5 * step], dtype="datetime64[ns]"
    )
    # row 4 is a copy from later in the day: it must not anchor row 5
    out = cleaning.infer_missing_timestamps(ts)
    assert out[1] == t0 + step and out[2] == t0 + 2 * step
    assert out[5] == t0 + 4 * step


def test_a_dateless_row_without_a_free_slot_stays_unplaced_and_is_quarantined():
    t0 = pd.Timestamp("2018-01-01 00:15")
    ts = pd.Series([t0, t0 + schema.INTERVAL, pd.NaT, t0 + 2 * schema.INTERVAL], dtype="datetime64[ns]")
    assert pd.isna(cleaning.infer_missing_timestamps(ts)[2])
    rows = _series(3)
    rows.insert(2, {**rows[1], "date": ""})
    result = cleaning.clean(_raw_rows(rows))
    assert len(result.cleaned) == 3
    assert result.quarantine[["source_row", "reason"]].values.tolist() == [[2, cleaning.REASON_UNPLACEABLE]]


# --- the power triangle finds the one wrong reading -------------------------------------------
def _raw_rows(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(schema.RAW_COLUMNS)).astype(str)


def _row(date: str, p: float, ql: float, qd: float, co2: float, fl: float, fd: float) -> dict[str, str]:
    return {
        "date": date,
        "Usage_kWh": f"{p}",
        "Lagging_Current_Reactive.Power_kVarh": f"{ql}",
        "Leading_Current_Reactive_Power_kVarh": f"{qd}",
        "CO2(tCO2)": f"{co2}",
        "Lagging_Current_Power_Factor": f"{fl}",
        "Leading_Current_Power_Factor": f"{fd}",
        "NSM": "0",
        "WeekStatus": "Weekday",
        "Day_of_week": "Monday",
        "Load_Type": "Light_Load",
    }


def _series(n: int = 12) -> list[dict[str, str]]:
    """A consistent little series: lagging side active, leading side at PF 100."""
    rows = []
    for i in range(n):
        p = round(30 + 2 * i, 2)
        ql = round(15 + i, 2)
        fl = round(float(power_triangle.power_factor_pct(p, ql)), 2)
        ts = pd.Timestamp("2018-01-01 00:15") + i * schema.INTERVAL
        rows.append(_row(ts.strftime("%d/%m/%Y %H:%M"), p, ql, 0.0, round(p * 0.0004594, 2), fl, 100.0))
    return rows


def test_an_in_range_wrong_reactive_energy_is_found_and_recomputed():
    rows = _series()
    truth = rows[6]["Lagging_Current_Reactive.Power_kVarh"]
    rows[6]["Lagging_Current_Reactive.Power_kVarh"] = "185.76"  # in range, but breaks the triangle
    result = cleaning.clean(_raw_rows(rows))
    assert result.cleaned.loc[6, schema.LAGGING_REACTIVE_KVARH] == pytest.approx(float(truth))
    logged = result.repairs[result.repairs["column"] == schema.LAGGING_REACTIVE_KVARH]
    assert list(logged["method"]) == [cleaning.M_TRIANGLE]
    assert logged["rule"].iloc[0] == "disagrees with the power triangle"


def test_a_missing_usage_is_recomputed_from_the_triangle_on_the_grid():
    rows = _series()
    truth = float(rows[4]["Usage_kWh"])
    rows[4]["Usage_kWh"] = "error"
    result = cleaning.clean(_raw_rows(rows))
    assert result.cleaned.loc[4, schema.USAGE_KWH] == pytest.approx(truth, abs=0.011)
    assert result.repairs.set_index("column").loc[schema.USAGE_KWH, "rule"] == "not a number"


def test_out_of_range_power_factor_is_repaired_and_the_rule_is_quoted():
    rows = _series()
    rows[3]["Leading_Current_Power_Factor"] = "8500"
    result = cleaning.clean(_raw_rows(rows))
    assert result.cleaned.loc[3, schema.LEADING_POWER_FACTOR] == 100.0
    rule = result.repairs.set_index("column").loc[schema.LEADING_POWER_FACTOR, "rule"]
    assert rule == "leading_power_factor must be between 0 and 100"


def test_exact_duplicates_are_quarantined_and_differing_copies_merged():
    rows = _series()
    exact = dict(rows[2])
    partial = dict(rows[5])
    rows[5] = {**rows[5], "Usage_kWh": ""}  # the first copy lost its kWh ...
    rows += [exact, partial]  # ... and a later copy still has it
    result = cleaning.clean(_raw_rows(rows))
    assert len(result.cleaned) == 12
    reasons = result.quarantine.set_index("source_row")["reason"].to_dict()
    # the more complete copy is kept; the one that lost its kWh is merged into it
    assert reasons == {12: cleaning.REASON_DUPLICATE, 5: cleaning.REASON_MERGED}
    assert result.cleaned.loc[5, schema.USAGE_KWH] == float(partial["Usage_kWh"])
    assert result.report["rows_accounted"] == result.report["rows_in"] == 14


def test_load_type_gap_is_filled_from_agreeing_neighbours():
    rows = _series()
    for r in rows:
        r["date"] = (
            pd.Timestamp(pd.to_datetime(r["date"], format="%d/%m/%Y %H:%M")) + pd.Timedelta(hours=10)
        ).strftime("%d/%m/%Y %H:%M")
        r["Load_Type"] = "Maximum_Load"
    rows[5]["Load_Type"] = ""
    result = cleaning.clean(_raw_rows(rows))
    assert result.cleaned.loc[5, schema.LOAD_TYPE] == "Maximum_Load"
    assert result.repairs.set_index("column").loc[schema.LOAD_TYPE, "method"] == cleaning.M_NEIGHBOURS


def test_clean_rejects_a_frame_without_the_uci_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        cleaning.clean(pd.DataFrame({"date": ["01/01/2018 00:15"]}))


# --- the real dirty files ------------------------------------------------------------------
def test_course_dirty_copy_recovers_every_interval_and_meets_the_bar(course_result, clean_reference):
    score = scorecard.score(course_result.cleaned, clean_reference)
    assert score.rows_recovered == schema.UCI_ROW_COUNT
    assert score.invalid_rows == 0
    assert score.precision_match_pct >= 99.8  # measured 99.827; the issue asks >= 99.5
    assert score.exact_match_pct >= 99.8  # measured 99.827; the issue asks >= 99
    validation.validate_cleaned(course_result.cleaned)


def test_course_dirty_copy_accounts_for_every_row(course_result):
    report = course_result.report
    assert report["rows_in"] == 35_740
    assert report["rows_accounted"] == report["rows_in"]
    assert report["quarantined_by_reason"] == {
        cleaning.REASON_MERGED: 360,
        cleaning.REASON_DUPLICATE: 330,
        cleaning.REASON_UNPLACEABLE: 10,
    }
    assert report["missing_intervals"] == 0
    # the quarantine keeps the rows exactly as written
    assert set(course_result.quarantine.columns) >= set(schema.RAW_COLUMNS)


def test_course_dirty_copy_repairs_are_explained(course_result):
    repairs = course_result.repairs
    by_method = repairs["method"].value_counts().to_dict()
    assert by_method[cleaning.M_TIMESTAMP_POSITION] == 352
    assert by_method[cleaning.M_TRIANGLE] > 3_000
    assert set(repairs["method"]) <= {
        cleaning.M_CANONICAL,
        cleaning.M_FROM_TIMESTAMP,
        cleaning.M_TIMESTAMP_POSITION,
        cleaning.M_DUPLICATE,
        cleaning.M_TRIANGLE,
        cleaning.M_EMISSION,
        cleaning.M_NEIGHBOURS,
        cleaning.M_INTERPOLATED,
    }
    # an outlier's repair names the rule it broke
    big = repairs[(repairs["column"] == schema.CO2_TCO2) & (repairs["original"] == "735.0")]
    assert big["rule"].tolist() == ["co2_tco2 must be between 0 and 0.2"]


def test_generated_seed_42_file_meets_the_bar(reference_raw, clean_reference):
    corrupted, manifest = dirty.corrupt(reference_raw, seed=42)
    result = cleaning.clean(corrupted)
    score = scorecard.score(result.cleaned, clean_reference)
    assert score.rows_recovered == schema.UCI_ROW_COUNT
    assert score.passes
    assert score.exact_match_pct >= 99.8  # measured 99.838
    assert result.report["rows_accounted"] == manifest["rows_out"]


# --- property: whatever the generator does is repaired, imputed or quarantined -------------------
@seed(20181231)  # the same examples wherever the checkout lives (derandomize hashes the path)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    start=st.integers(0, 34_000),
    missing=st.floats(0.0, 0.03),
    outliers=st.floats(0.0, 0.03),
    duplicates=st.integers(0, 20),
)
def test_no_corruption_slips_through_silently(
    reference_raw, clean_reference, seed, start, missing, outliers, duplicates
):
    window = reference_raw.iloc[start : start + 400].reset_index(drop=True)
    truth = clean_reference.iloc[start : start + 400].reset_index(drop=True)
    rates = dirty.CorruptionRates(
        missing=missing,
        non_numeric=0.004,
        outliers=outliers,
        impossible=0.004,
        duplicate_rows=duplicates,
        categorical_typos=0.05,
        date_formats=0.05,
    )
    corrupted, manifest = dirty.corrupt(window, seed=seed, rates=rates)
    result = cleaning.clean(corrupted)
    cleaned = result.cleaned.set_index(schema.TIMESTAMP)

    # every row is accounted for, no valid interval is lost
    assert result.report["rows_accounted"] == manifest["rows_out"]
    assert set(cleaned.index) == set(truth[schema.TIMESTAMP])
    validation.validate_cleaned(result.cleaned)

    # a cell that differs from the truth was touched by the cleaner and logged. Known limit: when two
    # readings of one row are wrong and the wrong pair still closes the triangle (an in-range reactive
    # energy plus its power factor), the triangle alone cannot tell; such rows are excluded, and they
    # must stay what the generator's rates make rare (rows with >= 2 of 5 triangle cells hit, at most 4
    # standard deviations above the binomial expectation).
    triangle_raw = {schema.CLEAN_TO_RAW[c] for c in cleaning.TRIANGLE}
    hits = pd.Series(
        [e["source_row"] for e in manifest["corruptions"] if e["column"] in triangle_raw], dtype="int64"
    ).value_counts()
    ambiguous = set(truth.loc[hits[hits >= 2].index, schema.TIMESTAMP])
    p = min(1.0, rates.missing + rates.non_numeric + rates.outliers + rates.impossible)
    p_two = 1 - (1 - p) ** 5 - 5 * p * (1 - p) ** 4
    expected = len(truth) * p_two
    assert len(ambiguous) <= expected + 4 * (expected * (1 - p_two)) ** 0.5 + 3
    logged = set(zip(result.repairs[schema.TIMESTAMP], result.repairs["column"], strict=True))
    reference = truth.set_index(schema.TIMESTAMP)
    silent = []
    for column in schema.MEASUREMENT_COLUMNS:
        wrong = ~np.isclose(cleaned[column], reference.loc[cleaned.index, column], atol=0.005 + 1e-9)
        silent += [
            (ts, column) for ts in cleaned.index[wrong] if ts not in ambiguous and (ts, column) not in logged
        ]
    # A single in-range wrong reading whose row two different single repairs would both make consistent
    # is decided by the energy-first rule and its neighbours; rarely that picks the wrong reading. Such
    # silent cells must stay exceptional: at most 2 of the 2,400 readings of a 400-row window.
    assert len(silent) <= 2, f"cells differing from the truth without a repair entry: {silent}"
    for column in schema.CATEGORICAL_COLUMNS:
        wrong = cleaned[column] != reference.loc[cleaned.index, column]
        for ts in cleaned.index[wrong]:
            assert (ts, column) in logged
