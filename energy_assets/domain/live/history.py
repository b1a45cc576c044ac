"""The plant's readings history: the base export's cleaned rows, then every inbox delivery in arrival
order, the latest delivery winning per interval.

:func:`merge_history` is a pure function of its inputs (the base table and each delivery's cleaned
rows, name, SHA-256 and arrival time), so rebuilding it after any crash, or twice, gives the same
tables: that is what makes ingest idempotent and crash-safe. Besides the readings (exactly the cleaned
schema, one row per interval) it gives where each interval came from and an audit row per delivery:
rows in / kept / quarantined, and how many of its intervals were new, replaced a different reading,
or repeated the same one, judged against the history as it stood when the delivery arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
from energy_assets.domain.data import schema

BASE = "base"
SOURCE_FILE = "source_file"
SOURCE_SHA256 = "source_sha256"
RECEIVED_AT = "received_at"
ARRIVAL = "arrival"
#: Columns of the per-interval provenance table.
SOURCE_COLUMNS: tuple[str, ...] = (schema.TIMESTAMP, SOURCE_FILE, SOURCE_SHA256, RECEIVED_AT)
#: Columns of ``readings_ingest_audit``.
AUDIT_COLUMNS: tuple[str, ...] = (
    ARRIVAL,
    SOURCE_FILE,
    SOURCE_SHA256,
    RECEIVED_AT,
    "layout",
    "rows_in",
    "rows_kept",
    "rows_quarantined",
    "cells_repaired",
    "cells_imputed",
    "intervals_new",
    "intervals_replaced",
    "intervals_unchanged",
    "intervals_superseded",
    "first_timestamp",
    "last_timestamp",
)
_VALUES = [c for c in schema.CLEAN_COLUMNS if c != schema.TIMESTAMP]


@dataclass(frozen=True)
class Delivery:
    """One inbox file's cleaned rows and what identifies it; ``report`` is the cleaner's report."""

    name: str
    sha256: str
    received_at: pd.Timestamp
    cleaned: pd.DataFrame
    report: dict
    layout: str = ""


@dataclass(frozen=True)
class History:
    readings: pd.DataFrame
    sources: pd.DataFrame
    audit: pd.DataFrame


def arrival_order(deliveries: Sequence[Delivery]) -> list[Delivery]:
    """Deliveries in the order they arrived: by arrival time, then name, then digest (a total order
    that does not depend on how they were listed)."""
    return sorted(deliveries, key=lambda d: (pd.Timestamp(d.received_at), d.name, d.sha256))


def merge_history(base: pd.DataFrame, deliveries: Sequence[Delivery]) -> History:
    """The base readings, then each delivery in arrival order replacing the intervals it carries."""
    ordered = arrival_order(deliveries)
    parts = [_rows(base, -1, BASE, "", pd.NaT)]
    for rank, delivery in enumerate(ordered):
        parts.append(_rows(delivery.cleaned, rank, delivery.name, delivery.sha256, delivery.received_at))
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.sort_values([schema.TIMESTAMP, ARRIVAL], kind="stable").reset_index(drop=True)
    stamps = rows[schema.TIMESTAMP].to_numpy()
    has_previous = np.r_[False, stamps[1:] == stamps[:-1]]
    values = rows[_VALUES]
    previous = values.shift(1)
    same = (values.eq(previous) | (values.isna() & previous.isna())).all(axis=1).to_numpy()
    state = np.where(~has_previous, "new", np.where(same, "unchanged", "replaced"))
    superseded = np.r_[stamps[1:] == stamps[:-1], False]  # a later delivery carries this interval

    latest = rows.loc[~superseded].reset_index(drop=True)
    readings = latest[list(schema.CLEAN_COLUMNS)].reset_index(drop=True)
    readings[schema.NSM] = readings[schema.NSM].astype("int64")
    sources = latest[list(SOURCE_COLUMNS)].reset_index(drop=True)

    counts = (
        pd.DataFrame({ARRIVAL: rows[ARRIVAL], "state": state, "superseded": superseded})
        .loc[lambda f: f[ARRIVAL] >= 0]
        .groupby(ARRIVAL)
        .agg(
            intervals_new=("state", lambda s: int((s == "new").sum())),
            intervals_replaced=("state", lambda s: int((s == "replaced").sum())),
            intervals_unchanged=("state", lambda s: int((s == "unchanged").sum())),
            intervals_superseded=("superseded", "sum"),
        )
    )
    audit_rows = []
    for rank, delivery in enumerate(ordered):
        report = delivery.report
        stamps_of = delivery.cleaned[schema.TIMESTAMP]
        got = counts.loc[rank] if rank in counts.index else None
        audit_rows.append(
            {
                ARRIVAL: rank,
                SOURCE_FILE: delivery.name,
                SOURCE_SHA256: delivery.sha256,
                RECEIVED_AT: pd.Timestamp(delivery.received_at),
                "layout": delivery.layout,
                "rows_in": int(report.get("rows_in", len(delivery.cleaned))),
                "rows_kept": len(delivery.cleaned),
                "rows_quarantined": int(report.get("rows_quarantined", 0)),
                "cells_repaired": int(report.get("cells_repaired", 0)),
                "cells_imputed": int(report.get("cells_imputed", 0)),
                **{
                    key: (0 if got is None else int(got[key]))
                    for key in (
                        "intervals_new",
                        "intervals_replaced",
                        "intervals_unchanged",
                        "intervals_superseded",
                    )
                },
                "first_timestamp": stamps_of.min() if len(stamps_of) else pd.NaT,
                "last_timestamp": stamps_of.max() if len(stamps_of) else pd.NaT,
            }
        )
    audit = pd.DataFrame(audit_rows, columns=list(AUDIT_COLUMNS))
    for column in (RECEIVED_AT, "first_timestamp", "last_timestamp"):
        audit[column] = pd.to_datetime(audit[column]).astype("datetime64[ns]")
    return History(readings=readings, sources=sources, audit=audit)


def _rows(frame: pd.DataFrame, rank: int, name: str, sha: str, received: pd.Timestamp) -> pd.DataFrame:
    out = frame[list(schema.CLEAN_COLUMNS)].copy()
    out[schema.TIMESTAMP] = pd.to_datetime(out[schema.TIMESTAMP]).astype("datetime64[ns]")
    if out[schema.TIMESTAMP].duplicated().any():
        raise ValueError(f"{name}: the cleaned rows repeat an interval; the cleaner merges duplicates first")
    out[ARRIVAL] = rank
    out[SOURCE_FILE] = name
    out[SOURCE_SHA256] = sha
    out[RECEIVED_AT] = pd.Timestamp(received) if received is not pd.NaT else pd.NaT
    out[RECEIVED_AT] = pd.to_datetime(out[RECEIVED_AT]).astype("datetime64[ns]")
    return out


def complete_days(readings: pd.DataFrame) -> list[pd.Timestamp]:
    """Plant days (by interval start) that hold all 96 intervals, in order."""
    day = calendar.interval_date(readings[schema.TIMESTAMP])
    sizes = day.value_counts()
    return sorted(pd.Timestamp(d) for d, n in sizes.items() if n == schema.INTERVALS_PER_DAY)
