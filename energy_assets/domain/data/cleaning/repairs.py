"""The repairs after parsing: duplicates merged, CO2 from the emission factor, gaps interpolated,
the triangle re-checked, and the calendar columns recomputed from the timestamp."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.data.cleaning.log import (
    M_CANONICAL,
    M_DUPLICATE,
    M_EMISSION,
    M_FROM_TIMESTAMP,
    M_INTERPOLATED,
    M_NEIGHBOURS,
    M_TRIANGLE,
    REASON_DUPLICATE,
    REASON_MERGED,
    RepairLog,
    quarantine_rows,
)
from energy_assets.domain.data.cleaning.parsing import CANONICALISERS
from energy_assets.domain.data.cleaning.triangle import (
    CO2,
    FD,
    FL,
    SIDES,
    TRIANGLE,
    P,
    hypotheses,
    local_anomaly,
    pick_culprit,
    solve_row,
)


def fit_emission_factor(usage_kwh: pd.Series, co2_tco2: pd.Series) -> float:
    """The factor that reproduces the most stored CO2 values as round(kWh x factor, 2)."""
    ok = usage_kwh.notna() & co2_tco2.notna() & (usage_kwh > 0)
    if ok.sum() < 100:
        return schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH
    p = usage_kwh[ok].to_numpy()
    c = co2_tco2[ok].to_numpy()
    candidates = np.round(np.arange(0.000400, 0.000520, 0.0000002), 7)
    scores = [np.mean(np.round(p * f, 2) == c) for f in candidates]
    return float(candidates[int(np.argmax(scores))])


def _row_quality(frame: pd.DataFrame) -> pd.Series:
    """More valid cells first; among equals, the earlier row of the export."""
    cells = list(schema.MEASUREMENT_COLUMNS) + list(CANONICALISERS)
    return frame[cells].notna().sum(axis=1)


def merge_duplicates(frame: pd.DataFrame, text: pd.DataFrame, log: RepairLog):
    dup_mask = frame[schema.TIMESTAMP].duplicated(keep=False)
    if not dup_mask.any():
        return frame, []
    frame = frame.assign(_quality=_row_quality(frame))
    frame = frame.sort_values(
        [schema.TIMESTAMP, "_quality", "source_row"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)
    first = ~frame[schema.TIMESTAMP].duplicated(keep="first")
    keepers = frame[first].set_index(schema.TIMESTAMP)
    extras = frame[~first]
    exact_rows: list[int] = []
    merged_rows: list[int] = []
    merged_detail: list[str] = []
    value_columns = [*schema.MEASUREMENT_COLUMNS, *CANONICALISERS]
    for _, extra in extras.iterrows():
        t = extra[schema.TIMESTAMP]
        src = int(extra["source_row"])
        keeper_src = int(keepers.at[t, "source_row"])
        if text.loc[src].str.strip().equals(text.loc[keeper_src].str.strip()):
            exact_rows.append(src)
            continue
        taken = []
        for column in value_columns:
            if pd.isna(keepers.at[t, column]) and not pd.isna(extra[column]):
                keepers.at[t, column] = extra[column]
                log.add(
                    t,
                    src,
                    column,
                    text.at[keeper_src, schema.CLEAN_TO_RAW[column]],
                    extra[column],
                    M_DUPLICATE,
                )
                taken.append(column)
        merged_rows.append(src)
        merged_detail.append(f"merged into source_row {keeper_src}" + (f"; gave {taken}" if taken else ""))
    parts = []
    if exact_rows:
        parts.append(quarantine_rows(text.loc[exact_rows], REASON_DUPLICATE, "exact copy of an earlier row"))
    if merged_rows:
        parts.append(
            quarantine_rows(text.loc[merged_rows], REASON_MERGED, pd.Series(merged_detail, index=merged_rows))
        )
    merged = keepers.reset_index().drop(columns="_quality")
    return merged, parts


def repair_co2(frame: pd.DataFrame, factor: float, text: pd.DataFrame, log: RepairLog, reasons) -> None:
    expected = (frame[P] * factor).round(2)
    stored = frame[CO2]
    # Only missing or out-of-range values: the plant's own CO2 meter sometimes reads 0 under load,
    # and a reading that is in range is the plant's record, not ours to overwrite.
    wrong = frame[P].notna() & stored.isna()
    for i in frame.index[wrong]:
        source = int(frame.at[i, "source_row"])
        rule = reasons.get((source, CO2), "disagrees with usage_kwh x emission factor")
        frame.at[i, CO2] = expected[i]
        log.cell(frame, i, text, CO2, expected[i], M_EMISSION, rule)


def impute_by_interpolation(frame, text, log, reasons, factor) -> None:
    """Interpolate kWh in time first, then let the triangle derive the rest of the row from it."""
    indexed = frame.set_index(schema.TIMESTAMP)
    for column in (P, *TRIANGLE[1:], CO2):
        holes = frame.index[frame[column].isna()]
        if len(holes) == 0:
            continue
        series = indexed[column]
        filled = series.interpolate(method="time", limit_direction="both").round(2)
        for i in holes:
            if not pd.isna(frame.at[i, column]):
                continue  # derived by the triangle after an earlier column was imputed
            value = float(filled.iloc[i])
            if column in (FL, FD):
                value = min(value, 100.0)
            frame.at[i, column] = value
            indexed.iloc[i, indexed.columns.get_loc(column)] = value
            source = int(frame.at[i, "source_row"])
            log.cell(frame, i, text, column, value, M_INTERPOLATED, reasons.get((source, column), "missing"))
            row = {c: float(frame.at[i, c]) for c in TRIANGLE}
            for derived, dvalue in solve_row(row).items():
                frame.at[i, derived] = dvalue
                indexed.iloc[i, indexed.columns.get_loc(derived)] = dvalue
                log.cell(
                    frame, i, text, derived, dvalue, M_TRIANGLE, reasons.get((source, derived), "missing")
                )
            if column == P and pd.isna(frame.at[i, CO2]):
                frame.at[i, CO2] = round(value * factor, 2)
                indexed.iloc[i, indexed.columns.get_loc(CO2)] = frame.at[i, CO2]
                log.cell(
                    frame, i, text, CO2, frame.at[i, CO2], M_EMISSION, reasons.get((source, CO2), "missing")
                )


def final_triangle_pass(frame: pd.DataFrame, text: pd.DataFrame, log: RepairLog, half_window: int) -> int:
    """Re-check rows whose readings were imputed: a reading that still breaks the triangle is fixed.

    Returns the number of rows that remain inconsistent (no single reading explains them).
    """
    consistent = pd.Series(True, index=frame.index)
    for q_col, f_col in SIDES:
        consistent &= power_triangle.triangle_consistent(frame[P], frame[q_col], frame[f_col])
    suspects = frame.index[~consistent]
    if len(suspects) == 0:
        return 0
    anomaly = local_anomaly(frame, half_window)
    unresolved = 0
    for i in suspects:
        row = {c: float(frame.at[i, c]) for c in TRIANGLE}
        options = hypotheses(row)
        if not options:
            unresolved += 1
            continue
        culprit = pick_culprit(options, anomaly.loc[i])
        log.cell(frame, i, text, culprit, options[culprit], M_TRIANGLE, "disagrees with the power triangle")
        frame.at[i, culprit] = options[culprit]
    return unresolved


def repair_calendar(frame: pd.DataFrame, text: pd.DataFrame, log: RepairLog) -> None:
    """Calendar columns follow from the timestamp; load_type from its neighbours when missing."""
    implied = calendar.calendar_from_timestamp(frame[schema.TIMESTAMP])
    for column in (schema.NSM, schema.DAY_OF_WEEK, schema.WEEK_STATUS):
        raw_text = text[schema.CLEAN_TO_RAW[column]].reindex(frame["source_row"].to_numpy()).to_numpy()
        current = frame[column]
        target = implied[column]
        if column == schema.NSM:
            differs = current.isna() | (current != target.astype(float))
        else:
            differs = current.isna() | (current != target)
        original_text = pd.Series(raw_text, index=frame.index).str.strip()
        passes = [(differs, M_FROM_TIMESTAMP)]
        if column != schema.NSM:
            # blank originals that hold a value were filled from a duplicate and are logged there
            passes.append((~differs & (original_text != target) & (original_text != ""), M_CANONICAL))
        for mask, method in passes:
            for i in frame.index[mask]:
                log.add(
                    frame.at[i, schema.TIMESTAMP],
                    frame.at[i, "source_row"],
                    column,
                    raw_text[i],
                    target[i],
                    method,
                )
        frame[column] = target.to_numpy()
    _repair_load_type(frame, text, log)


def _repair_load_type(frame: pd.DataFrame, text: pd.DataFrame, log: RepairLog) -> None:
    lt = frame[schema.LOAD_TYPE].copy()
    raw_text = text[schema.CLEAN_TO_RAW[schema.LOAD_TYPE]].reindex(frame["source_row"].to_numpy()).to_numpy()
    for i in frame.index[lt.notna()]:
        if str(raw_text[i]).strip() not in (lt[i], ""):
            log.add(
                frame.at[i, schema.TIMESTAMP],
                frame.at[i, "source_row"],
                schema.LOAD_TYPE,
                raw_text[i],
                lt[i],
                M_CANONICAL,
            )
    holes = frame.index[lt.isna()]
    if len(holes) == 0:
        return
    ts = frame[schema.TIMESTAMP]
    start = calendar.interval_start_series(ts)
    prev_val = lt.ffill()
    next_val = lt.bfill()
    # the most common load type of the hole's day and hour, looked up only for the holes that need it
    # (a per-group transform over every hour of the year cost ~2 s per file)
    groups = lt.groupby([start.dt.date, start.dt.hour]).indices

    def same_day_hour(i: Any) -> Any:
        s = lt.iloc[groups[(start[i].date(), start[i].hour)]]
        return s.mode().iloc[0] if s.notna().any() else None

    for i in holes:
        night = start[i].hour >= 23 or start[i].hour < 9
        if night:
            value, rule = "Light_Load", "intervals starting 23:00-09:00 are Light_Load"
        elif pd.notna(prev_val[i]) and prev_val[i] == next_val[i]:
            value, rule = prev_val[i], "previous and next intervals agree"
        elif pd.notna(mode := same_day_hour(i)):
            value, rule = mode, "same day and hour"
        else:
            value = prev_val[i] if pd.notna(prev_val[i]) else next_val[i]
            rule = "nearest interval"
        frame.at[i, schema.LOAD_TYPE] = value
        log.add(ts[i], frame.at[i, "source_row"], schema.LOAD_TYPE, raw_text[i], value, M_NEIGHBOURS, rule)
