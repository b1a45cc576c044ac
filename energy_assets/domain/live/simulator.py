"""A plant's exporter, simulated: days of readings written as the files a plant drops into the inbox.

The replay of the UCI year (``plant_feed``) and ``energy simulate-live`` both use it, so what tests
and demos exercise is the live path (inbox -> cleaner -> history), not a shortcut. Readings can be
moved by whole weeks (weekdays kept), e.g. to 2025: nothing downstream assumes 2018.

A day file holds the 96 intervals of one plant day (by interval START) in the UCI export layout, as
UCI writes it: ``dd/mm/yyyy HH:MM`` interval ends, the day's last interval stamped ``00:00`` of the
day it closes (the midnight quirk the cleaner undoes).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.data.cleaning.log import REASON_DUPLICATE, REASON_TRUNCATED, REASON_UNPLACEABLE

WEEK = pd.Timedelta(days=7)


def weeks_to_year(cleaned: pd.DataFrame, year: int) -> int:
    """Whole weeks that move the first reading's day closest to 1 January of ``year``."""
    first = calendar.interval_date(cleaned[schema.TIMESTAMP]).min()
    return round((pd.Timestamp(year=year, month=1, day=1) - first).days / 7)


def shift_weeks(cleaned: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """The same readings ``weeks`` later: weekday, hour and ``nsm`` unchanged, so the file is as
    plausible as the original (holidays differ: that is the point of a later year)."""
    out = cleaned.copy()
    out[schema.TIMESTAMP] = out[schema.TIMESTAMP] + weeks * WEEK
    return out


def day_rows(cleaned: pd.DataFrame, days: Sequence[dt.date | pd.Timestamp | str]) -> pd.DataFrame:
    """The intervals of the given plant days (by interval start), in time order."""
    wanted = {pd.Timestamp(d).normalize() for d in days}
    day = calendar.interval_date(cleaned[schema.TIMESTAMP])
    rows = cleaned.loc[day.isin(wanted), list(schema.CLEAN_COLUMNS)]
    return rows.sort_values(schema.TIMESTAMP).reset_index(drop=True)


def _number(value: float, decimals: int = schema.MEASUREMENT_DECIMALS) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_export(cleaned: pd.DataFrame) -> pd.DataFrame:
    """Cleaned rows in the UCI export layout, every cell text, exactly as UCI writes them."""
    ts = pd.to_datetime(cleaned[schema.TIMESTAMP])
    midnight = (ts.dt.hour == 0) & (ts.dt.minute == 0)
    written = ts - pd.to_timedelta(midnight.astype(int), unit="D")
    out = pd.DataFrame({schema.RAW_DATE: written.dt.strftime(schema.RAW_DATE_FORMAT)})
    for column in schema.MEASUREMENT_COLUMNS:
        out[schema.CLEAN_TO_RAW[column]] = [_number(v) for v in cleaned[column].to_numpy(dtype=float)]
    out[schema.CLEAN_TO_RAW[schema.NSM]] = cleaned[schema.NSM].astype("int64").astype(str).to_numpy()
    for column in schema.CATEGORICAL_COLUMNS:
        out[schema.CLEAN_TO_RAW[column]] = cleaned[column].astype(str).to_numpy()
    return out[list(schema.RAW_COLUMNS)].reset_index(drop=True)


def export_bytes(export: pd.DataFrame, tail: str = "") -> bytes:
    """The CSV bytes of an export frame (UTF-8, ``\\n`` line ends); ``tail`` is appended verbatim
    (e.g. a truncated last line)."""
    return (export.to_csv(index=False, lineterminator="\n") + tail).encode("utf-8")


def drop_file(
    folder: str | os.PathLike[str], name: str, data: bytes, *, modified: float | None = None
) -> Path:
    """Deliver ``data`` as ``folder/name`` the way an exporter should: written under a hidden name,
    then renamed (atomic), so the inbox never shows half a file. ``modified`` sets its mtime."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=root)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    target = root / name
    os.replace(temp, target)
    if modified is not None:
        os.utime(target, (modified, modified))
    return target


def corrected(rows: pd.DataFrame, positions: Sequence[int], factor: float) -> pd.DataFrame:
    """A meter correction of some intervals: active and reactive energy scaled by ``factor`` at the
    same power factors (re-rounded like the meter, CO2 from the emission factor), so each corrected
    row is still on the power triangle and the cleaner keeps it as delivered."""
    out = rows.copy()
    index = out.index[list(positions)]
    usage = (out.loc[index, schema.USAGE_KWH] * factor).round(schema.MEASUREMENT_DECIMALS)
    out.loc[index, schema.USAGE_KWH] = usage
    for reactive, power_factor in (
        (schema.LAGGING_REACTIVE_KVARH, schema.LAGGING_POWER_FACTOR),
        (schema.LEADING_REACTIVE_KVARH, schema.LEADING_POWER_FACTOR),
    ):
        implied = power_triangle.reactive_from_active(
            usage.to_numpy(), out.loc[index, power_factor].to_numpy()
        )
        kept = out.loc[index, reactive].to_numpy() * factor
        out.loc[index, reactive] = np.round(np.where(np.isnan(implied), kept, implied), 2)
    out.loc[index, schema.CO2_TCO2] = (usage * schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH).round(2)
    return out


# --- the live scenario: days one at a time, with the deliveries real plants make ---------------
@dataclass(frozen=True)
class Delivery:
    """One file the simulated plant drops, and what it is meant to exercise."""

    name: str
    data: bytes
    kind: str  # day | duplicate | overlap | bad_rows
    days: tuple[dt.date, ...]
    note: str = ""


@dataclass(frozen=True)
class LiveScenario:
    """The history the plant already had (the base export) and the deliveries that follow it."""

    base: pd.DataFrame
    days: tuple[dt.date, ...]
    deliveries: tuple[Delivery, ...]
    #: What the deliveries should leave: every interval of the base and the days, exactly once,
    #: with the overlap's corrections applied.
    expected: pd.DataFrame
    #: Bad rows of the bad-rows file and the reason the cleaner should give each.
    bad_rows: dict[str, str] = field(default_factory=dict)


def day_name(day: dt.date) -> str:
    return f"readings_{day.isoformat()}.csv"


def live_scenario(
    cleaned: pd.DataFrame,
    *,
    first_day: dt.date | str,
    days: int = 14,
    base_days: int | None = None,
    duplicate_after: int = 4,
    bad_rows_day: int = 7,
    overlap_after: int = 9,
) -> LiveScenario:
    """``days`` plant days from ``first_day`` (in ``cleaned``'s calendar: shift it first), one file
    each, plus: an exact copy of day ``duplicate_after``'s file under another name, right after it;
    day ``bad_rows_day`` delivered with three bad rows (a line with no readable date and no free slot,
    an exact duplicate line, a truncated last line) and a non-numeric cell the triangle repairs; after
    day ``overlap_after``, a re-export of that day's and the previous evening's intervals with six
    intervals corrected. ``base_days``: days of history before ``first_day`` in the base (default all).
    """
    first = pd.Timestamp(first_day).normalize()
    plant_days = [(first + pd.Timedelta(days=i)).date() for i in range(days)]
    interval_day = calendar.interval_date(cleaned[schema.TIMESTAMP])
    before = interval_day < first
    if base_days is not None:
        before &= interval_day >= first - pd.Timedelta(days=base_days)
    base = cleaned.loc[before, list(schema.CLEAN_COLUMNS)].reset_index(drop=True)
    missing = [d for d in plant_days if len(day_rows(cleaned, [d])) != schema.INTERVALS_PER_DAY]
    if missing or base.empty:
        raise ValueError(
            f"the readings lack complete days {missing[:3]} or any history before {first.date()}"
        )

    deliveries: list[Delivery] = []
    bad: dict[str, str] = {}
    expected = [base, day_rows(cleaned, plant_days)]
    for number, day in enumerate(plant_days, start=1):
        rows = day_rows(cleaned, [day])
        export = to_export(rows)
        if number == bad_rows_day:
            export, tail, bad = _with_bad_rows(export)
            deliveries.append(
                Delivery(day_name(day), export_bytes(export, tail), "bad_rows", (day,), "three bad rows")
            )
        else:
            deliveries.append(Delivery(day_name(day), export_bytes(export), "day", (day,)))
        if number == duplicate_after:
            copy = deliveries[-1]
            deliveries.append(
                Delivery(
                    f"readings_{day.isoformat()}_resent.csv", copy.data, "duplicate", (day,), "same bytes"
                )
            )
        if number == overlap_after:
            evening = day_rows(cleaned, [plant_days[number - 2]]).iloc[72:]  # 18:00 to midnight
            span = pd.concat([evening, rows], ignore_index=True)
            fixed = corrected(span, positions=range(len(evening) + 40, len(evening) + 46), factor=1.1)
            deliveries.append(
                Delivery(
                    f"readings_{plant_days[number - 2].isoformat()}T18_{day.isoformat()}_corrected.csv",
                    export_bytes(to_export(fixed)),
                    "overlap",
                    (plant_days[number - 2], day),
                    "re-export with six intervals corrected",
                )
            )
            expected.append(fixed)
    truth = pd.concat(expected, ignore_index=True).drop_duplicates(schema.TIMESTAMP, keep="last")
    truth = truth.sort_values(schema.TIMESTAMP).reset_index(drop=True)
    return LiveScenario(base, tuple(plant_days), tuple(deliveries), truth, bad)


def _with_bad_rows(export: pd.DataFrame) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """Three rows the cleaner must quarantine and one cell it must repair."""
    out = export.copy()
    out.loc[30, schema.CLEAN_TO_RAW[schema.USAGE_KWH]] = "n/a"  # repaired from the power triangle
    junk = out.iloc[[50]].copy()
    junk[schema.RAW_DATE] = "##/##/####"
    junk[schema.CLEAN_TO_RAW[schema.USAGE_KWH]] = "99999"
    copy = out.iloc[[60]].copy()
    out = pd.concat([out.iloc[:51], junk, out.iloc[51:61], copy, out.iloc[61:]], ignore_index=True)
    last = out.iloc[-1]
    tail = ",".join([str(last[schema.RAW_DATE]), "12."])  # cut short, no line end
    reasons = {"##/##/####": REASON_UNPLACEABLE, str(copy[schema.RAW_DATE].iloc[0]): REASON_DUPLICATE}
    reasons[tail.split(",")[0] + " (cut short)"] = REASON_TRUNCATED
    return out, tail, reasons
