"""Turn a plant export (text cells, any corruption) into the cleaned table, losing nothing.

Every value ends in exactly one place: the cleaned table (as read, or repaired with the evidence
logged in the repairs table), or the quarantine table with a reason code. The repairs use
evidence in this order of trust:

1. the timestamp itself (``nsm``, ``day_of_week``, ``week_status`` follow from it);
2. other copies of the same interval (duplicated rows are merged cell by cell);
3. the power triangle (``PF = P / sqrt(P^2 + Q^2)`` holds per side to two-decimal rounding), which
   both finds the one wrong reading of an inconsistent row and recomputes it on the 0.01 grid;
4. the emission factor (``co2_tco2 = round(usage_kwh * factor, 2)``), the factor fitted on the
   rows that agree with it;
5. neighbours in time (a missing ``load_type`` between two equal ones; linear interpolation of a
   reading that nothing else determines), logged as *imputed*, not *repaired*.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from energy_assets.domain import power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.data.cleaning.log import (
    IMPUTED_METHODS,
    M_TIMESTAMP_POSITION,
    M_TRIANGLE,
    QUARANTINE_COLUMNS,
    REASON_TRUNCATED,
    REASON_UNPLACEABLE,
    ROW_PROBLEM,
    RepairLog,
    quarantine_rows,
)
from energy_assets.domain.data.cleaning.parsing import (
    CANONICALISERS,
    DAY_FIRST,
    AmbiguousDateOrder,
    decide_date_order,
    parse_numbers,
    parse_timestamps,
)
from energy_assets.domain.data.cleaning.repairs import (
    final_triangle_pass,
    fit_emission_factor,
    impute_by_interpolation,
    merge_duplicates,
    repair_calendar,
    repair_co2,
)
from energy_assets.domain.data.cleaning.timestamps import infer_missing_timestamps
from energy_assets.domain.data.cleaning.triangle import (
    CO2,
    SIDES,
    TRIANGLE,
    P,
    hypotheses,
    local_anomaly,
    pick_culprit,
    solve_row,
)


@dataclass(frozen=True)
class CleaningConfig:
    """Knobs of the cleaner; defaults suit the UCI export."""

    #: UCI stamps an interval by its end and writes the day's last one as ``dd/mm 00:00`` of the
    #: day it closes; True moves those rows to the next calendar day.
    midnight_closes_previous_day: bool = True
    #: Emission factor in tCO2/kWh; None fits it on the rows whose CO2 agrees with their kWh.
    emission_factor: float | None = None
    #: Half-width of the local window (rows) used to judge which reading of a row is out of line.
    context_half_window: int = 4
    #: The file's date layout (strptime, e.g. ``%m/%d/%Y %H:%M``); None decides day- or
    #: month-first from the values of the whole file (refused when they cannot tell).
    date_format: str | None = None
    #: Day- or month-first when the file's own values cannot tell (None: refuse such a file). The
    #: live inbox sets the plant's order: a one-day file of the 5th of April cannot decide it alone.
    fallback_date_order: str | None = None


@dataclass
class CleaningResult:
    """Output of :func:`clean`: cleaned table, quarantine, repair log and a summary report."""

    cleaned: pd.DataFrame
    quarantine: pd.DataFrame
    repairs: pd.DataFrame
    report: dict[str, object] = field(default_factory=dict)


def clean(raw: pd.DataFrame, config: CleaningConfig | None = None) -> CleaningResult:
    """Clean a raw export read as text (see :func:`energy_assets.domain.data.ingest.read_raw`)."""
    config = config or CleaningConfig()
    missing = [c for c in schema.RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"raw frame lacks columns {missing}")
    raw = raw.reset_index(drop=True)
    text = raw[list(schema.RAW_COLUMNS)].astype(str)
    log = RepairLog()
    quarantine_parts: list[pd.DataFrame] = []

    # 0. lines the reader found broken (a truncated last line) are refused, never "repaired" ----
    if ROW_PROBLEM in raw.columns:
        problem = raw[ROW_PROBLEM].fillna("").astype(str)
        truncated = (problem != "").to_numpy()
    else:
        problem, truncated = pd.Series("", index=raw.index), np.zeros(len(raw), dtype=bool)
    if truncated.any():
        quarantine_parts.append(quarantine_rows(text[truncated], REASON_TRUNCATED, problem[truncated]))

    # 1. timestamps: one date order for the whole file -----------------------------------------
    dates = text[schema.RAW_DATE]
    if config.date_format:
        order = DAY_FIRST
    else:
        try:
            order = decide_date_order(dates[~truncated])
        except AmbiguousDateOrder:
            if config.fallback_date_order is None:
                raise
            order = config.fallback_date_order
    parsed = parse_timestamps(
        dates, config.midnight_closes_previous_day, order=order, date_format=config.date_format
    )
    parsed[truncated] = pd.NaT
    moved_to_next_day = int(((parsed.dt.hour == 0) & (parsed.dt.minute == 0)).sum())
    ts = infer_missing_timestamps(parsed)
    ts[truncated] = pd.NaT
    for i in np.flatnonzero(parsed.isna() & ts.notna()):
        log.add(ts[i], i, schema.TIMESTAMP, text.at[i, schema.RAW_DATE], ts[i], M_TIMESTAMP_POSITION)
    unplaced = ts.isna() & ~truncated
    if unplaced.any():
        quarantine_parts.append(
            quarantine_rows(
                text[unplaced], REASON_UNPLACEABLE, "no readable date and no free slot between neighbours"
            )
        )
    unplaced = unplaced | truncated

    # 2. values as read ------------------------------------------------------------------------
    frame = pd.DataFrame({schema.TIMESTAMP: ts, "source_row": np.arange(len(raw))})
    for column in schema.NUMERIC_COLUMNS:
        frame[column] = parse_numbers(text[schema.CLEAN_TO_RAW[column]])
    invalid_reason: dict[tuple[int, str], str] = {}
    for column in schema.MEASUREMENT_COLUMNS:
        values = frame[column]
        rng = schema.RANGES[column]
        non_numeric = values.isna() & (text[schema.CLEAN_TO_RAW[column]].str.strip() != "")
        blank = values.isna() & ~non_numeric
        out_of_range = values.notna() & ((values < rng.low) | (values > rng.high))
        for i in np.flatnonzero(non_numeric):
            invalid_reason[(i, column)] = "not a number"
        for i in np.flatnonzero(blank):
            invalid_reason[(i, column)] = "missing"
        for i in np.flatnonzero(out_of_range):
            invalid_reason[(i, column)] = f"{column} {rng.rule()}"
        frame.loc[out_of_range, column] = np.nan
    for column, canonicalise in CANONICALISERS.items():
        raw_col = text[schema.CLEAN_TO_RAW[column]]
        frame[column] = raw_col.map(canonicalise)

    frame = frame[~unplaced].copy()
    frame = frame.sort_values([schema.TIMESTAMP, "source_row"], kind="stable").reset_index(drop=True)

    # 3. find the wrong reading of triangle-inconsistent rows -------------------------------------
    anomaly = local_anomaly(frame, config.context_half_window)
    complete = frame[list(TRIANGLE)].notna().all(axis=1)
    consistent = pd.Series(True, index=frame.index)
    for q_col, f_col in SIDES:
        consistent &= power_triangle.triangle_consistent(frame[P], frame[q_col], frame[f_col])
    suspects = frame.index[complete & ~consistent]
    for i in suspects:
        row = {c: float(frame.at[i, c]) for c in TRIANGLE}
        options = hypotheses(row)
        if not options:
            continue
        culprit = pick_culprit(options, anomaly.loc[i])
        invalid_reason[(int(frame.at[i, "source_row"]), culprit)] = "disagrees with the power triangle"
        frame.at[i, culprit] = np.nan

    # 4. duplicated intervals: exact copies to quarantine, differing copies merged cell by cell ---
    frame, merged_parts = merge_duplicates(frame, text, log)
    quarantine_parts.extend(merged_parts)

    # 5. the triangle and the emission factor fill what they determine ---------------------------
    factor = config.emission_factor
    if factor is None:
        factor = fit_emission_factor(frame[P], frame[CO2])
    needs = frame.index[frame[list(TRIANGLE)].isna().any(axis=1)]
    for i in needs:
        row = {c: float(frame.at[i, c]) for c in TRIANGLE}
        for column, value in solve_row(row).items():
            frame.at[i, column] = value
            reason = invalid_reason.get((int(frame.at[i, "source_row"]), column), "missing")
            log.cell(frame, i, text, column, value, M_TRIANGLE, reason)
    repair_co2(frame, factor, text, log, invalid_reason)

    # 6. what nothing determines: neighbours in time ---------------------------------------------
    impute_by_interpolation(frame, text, log, invalid_reason, factor)
    unresolved = final_triangle_pass(frame, text, log, config.context_half_window)
    repair_calendar(frame, text, log)

    cleaned = frame[list(schema.CLEAN_COLUMNS)].copy()
    for column in schema.MEASUREMENT_COLUMNS:
        cleaned[column] = cleaned[column].round(schema.MEASUREMENT_DECIMALS)
    cleaned[schema.NSM] = cleaned[schema.NSM].astype("int64")
    cleaned = cleaned.reset_index(drop=True)

    quarantine = (
        pd.concat(quarantine_parts, ignore_index=True)
        if quarantine_parts
        else pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    )
    quarantine["source_row"] = quarantine["source_row"].astype("int64")
    repairs = log.frame()
    report = _report(raw, cleaned, quarantine, repairs, factor)
    report["rows_inconsistent_with_triangle"] = unresolved
    report["midnight_rows_moved_to_next_day"] = (
        moved_to_next_day if config.midnight_closes_previous_day else 0
    )
    report["date_layout"] = config.date_format or order
    return CleaningResult(cleaned=cleaned, quarantine=quarantine, repairs=repairs, report=report)


def _report(raw, cleaned, quarantine, repairs, factor) -> dict[str, object]:
    ts = cleaned[schema.TIMESTAMP]
    grid = pd.date_range(ts.min(), ts.max(), freq=schema.INTERVAL) if len(ts) else pd.DatetimeIndex([])
    imputed = repairs[repairs["method"].isin(IMPUTED_METHODS)]
    repaired = repairs[~repairs["method"].isin(IMPUTED_METHODS)]
    return {
        "rows_in": len(raw),
        "rows_out": len(cleaned),
        "rows_quarantined": len(quarantine),
        "quarantined_by_reason": dict(Counter(quarantine["reason"])),
        "cells_repaired": len(repaired),
        "cells_repaired_by_method": dict(Counter(repaired["method"])),
        "cells_imputed": len(imputed),
        "cells_imputed_by_column": dict(Counter(imputed["column"])),
        "repairs_by_column": dict(Counter(repairs["column"])),
        "first_timestamp": str(ts.min()) if len(ts) else None,
        "last_timestamp": str(ts.max()) if len(ts) else None,
        "missing_intervals": int(len(grid) - len(ts)),
        "emission_factor_t_per_kwh": factor,
        # every input row is either in the cleaned table or in the quarantine
        "rows_accounted": len(cleaned) + len(quarantine),
    }
