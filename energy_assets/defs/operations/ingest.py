"""Readings in: each inbox file cleaned into its own partition, then the one history everything reads.

``inbox_readings`` (one partition per file, key = file name) runs the same cleaner as the base export
and stores the file's cleaned rows, quarantine, repairs and a one-row report. ``plant_readings`` is
rebuilt from the base cleaning and every stored delivery in arrival order (latest wins per interval),
with where each interval came from and the ingest audit: a pure function of stored inputs, written
atomically, so running it twice, or again after a crash, leaves the same tables.
"""

import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from energy_assets.defs.operations.partitions import inbox_files
from energy_assets.defs.outputs import emit
from energy_assets.defs.resources import Inbox
from energy_assets.domain.data import frames, schema, validation
from energy_assets.domain.data.cleaning.log import QUARANTINE_COLUMNS, REPAIR_COLUMNS
from energy_assets.domain.live import history
from energy_assets.domain.training import tracking

INBOX_GROUP = "inbox"
INBOX_READINGS = dg.AssetKey("inbox_readings")
PLANT_READINGS = dg.AssetKey("plant_readings")
#: Run tags the inbox sensor sets: the file's digest and when it landed (its mtime, ISO, UTC).
TAG_FILE = "energy/inbox_file"
TAG_SHA256 = "energy/inbox_sha256"
TAG_RECEIVED_AT = "energy/received_at"
ACCEPTED = "accepted"
REFUSED = "refused"
REJECTED = "rejected"
#: Columns of inbox_file_reports: one row per delivery.
REPORT_SCHEMA: dict[str, Any] = {
    history.SOURCE_FILE: pl.String,
    history.SOURCE_SHA256: pl.String,
    history.RECEIVED_AT: pl.Datetime("us"),
    "status": pl.String,
    "problem": pl.String,
    "layout": pl.String,
    "encoding": pl.String,
    "delimiter": pl.String,
    "decimal": pl.String,
    "date_layout": pl.String,
    "rows_in": pl.Int64,
    "rows_kept": pl.Int64,
    "rows_quarantined": pl.Int64,
    "cells_repaired": pl.Int64,
    "cells_imputed": pl.Int64,
    "quarantined_by_reason": pl.String,
    "first_timestamp": pl.Datetime("us"),
    "last_timestamp": pl.Datetime("us"),
}


def _cleaned_frame(cleaned: pd.DataFrame, name: str) -> pl.DataFrame:
    out = cleaned[list(schema.CLEAN_COLUMNS)].copy()
    out[schema.TIMESTAMP] = pd.to_datetime(out[schema.TIMESTAMP]).astype("datetime64[ns]")
    out[schema.NSM] = out[schema.NSM].astype("int64")
    for column in schema.MEASUREMENT_COLUMNS:
        out[column] = out[column].astype(float)
    for column in schema.CATEGORICAL_COLUMNS:
        out[column] = out[column].astype(object)
    out[history.SOURCE_FILE] = name
    return frames.to_polars(out).with_columns(
        [pl.col(c).cast(pl.String) for c in (*schema.CATEGORICAL_COLUMNS, history.SOURCE_FILE)]
    )


def _text_frame(
    frame: pd.DataFrame, columns: tuple[str, ...], name: str, ints=("source_row",)
) -> pl.DataFrame:
    data: dict[str, pl.Series] = {}
    for column in columns:
        values = frame[column] if column in frame.columns else pd.Series([None] * len(frame))
        if column == schema.TIMESTAMP:
            data[column] = pl.Series(
                column, pd.to_datetime(values).astype("datetime64[ns]"), dtype=pl.Datetime("ns")
            )
        elif column in ints:
            data[column] = pl.Series(column, values.astype("Int64").tolist(), dtype=pl.Int64)
        else:
            data[column] = pl.Series(
                column, [None if v is None else str(v) for v in values.tolist()], dtype=pl.String
            )
    data[history.SOURCE_FILE] = pl.Series(history.SOURCE_FILE, [name] * len(frame), dtype=pl.String)
    return pl.DataFrame(data)


def _report_frame(row: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([row], schema=REPORT_SCHEMA)


@dg.multi_asset(
    group_name=INBOX_GROUP,
    partitions_def=inbox_files,
    outs={
        "inbox_readings": dg.AssetOut(
            kinds={"pandera", "parquet"},
            description="The cleaned rows of one inbox file (partition = file name), source_file added.",
        ),
        "inbox_quarantine": dg.AssetOut(
            kinds={"parquet"}, description="Rows of one inbox file that could not be trusted, with a reason."
        ),
        "inbox_repairs": dg.AssetOut(
            kinds={"parquet"}, description="Every cell the cleaner changed in one inbox file."
        ),
        "inbox_file_reports": dg.AssetOut(
            kinds={"parquet"},
            description="One row per inbox file: digest, arrival, dialect, rows in/kept/quarantined, status.",
        ),
    },
    check_specs=[
        dg.AssetCheckSpec(
            "delivery_accepted",
            asset=INBOX_READINGS,
            description="the file was readable and its cleaned rows meet the pandera contract",
        ),
        dg.AssetCheckSpec(
            "every_row_accounted", asset=INBOX_READINGS, description="rows in = kept + quarantined"
        ),
    ],
)
def inbox_readings(context: dg.AssetExecutionContext, inbox: Inbox) -> Iterator:
    """Clean one inbox file with the base export's cleaner; a file that cannot be read is refused
    (kept as a report row with its reason, nothing else), never a half-read table."""
    name = context.partition_key
    delivered = inbox.describe(name)
    tags = context.run.tags
    received = (
        pd.Timestamp(tags[TAG_RECEIVED_AT])
        if TAG_RECEIVED_AT in tags
        else pd.Timestamp(delivered.received_at)
    )
    report_row: dict[str, Any] = {
        history.SOURCE_FILE: name,
        history.SOURCE_SHA256: delivered.sha256,
        history.RECEIVED_AT: received.to_pydatetime(),
        "status": ACCEPTED,
        "problem": "",
    }
    cleaned = pd.DataFrame(columns=list(schema.CLEAN_COLUMNS))
    quarantine = pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    repairs = pd.DataFrame(columns=list(REPAIR_COLUMNS))
    accounted = True
    try:
        read, result = inbox.clean(delivered.path)
    except ValueError as exc:  # RawDataError, AmbiguousDateOrder: the file, not the pipeline
        report_row.update(status=REFUSED, problem=str(exc).splitlines()[0], rows_in=0, rows_kept=0)
        context.log.warning(f"{name} refused: {report_row['problem']}")
    else:
        cleaned, quarantine, repairs, report = (
            result.cleaned,
            result.quarantine,
            result.repairs,
            result.report,
        )
        accounted = report["rows_accounted"] == report["rows_in"]
        try:
            validation.validate_cleaned(cleaned)
        except pandera.errors.SchemaErrors as error:
            failures = validation.failure_summary(error)
            report_row.update(status=REJECTED, problem=f"pandera contract: {json.dumps(failures)[:500]}")
        fmt = read.file_format
        report_row.update(
            layout=read.layout,
            encoding=str(fmt.get("encoding", "")),
            delimiter=str(fmt.get("delimiter", "")),
            decimal=str(fmt.get("decimal", "")),
            date_layout=str(report.get("date_layout", "")),
            rows_in=int(report["rows_in"]),
            rows_kept=int(report["rows_out"]),
            rows_quarantined=int(report["rows_quarantined"]),
            cells_repaired=int(report["cells_repaired"]),
            cells_imputed=int(report["cells_imputed"]),
            quarantined_by_reason=json.dumps(report["quarantined_by_reason"], sort_keys=True),
            first_timestamp=pd.Timestamp(report["first_timestamp"]).to_pydatetime()
            if report["first_timestamp"]
            else None,
            last_timestamp=pd.Timestamp(report["last_timestamp"]).to_pydatetime()
            if report["last_timestamp"]
            else None,
        )
        context.log.info(
            f"{name}: {report['rows_in']} rows -> {report['rows_out']} kept, "
            f"{report['rows_quarantined']} quarantined {report['quarantined_by_reason']}"
        )
    status = report_row["status"]
    yield from emit(
        _cleaned_frame(cleaned, name),
        output_name="inbox_readings",
        metadata={
            "dagster/row_count": len(cleaned),
            "status": status,
            "sha256": delivered.sha256,
            "received_at": str(received),
            "layout": str(report_row.get("layout", "")),
            "first_timestamp": str(report_row.get("first_timestamp")),
            "last_timestamp": str(report_row.get("last_timestamp")),
        },
        checks=[
            dg.AssetCheckResult(
                check_name="delivery_accepted",
                asset_key=INBOX_READINGS,
                passed=status == ACCEPTED,
                metadata={"status": status, "problem": report_row["problem"]},
                description=report_row["problem"] or "accepted",
            ),
            dg.AssetCheckResult(
                check_name="every_row_accounted",
                asset_key=INBOX_READINGS,
                passed=bool(accounted),
                metadata={"rows_in": int(report_row.get("rows_in") or 0)},
            ),
        ],
    )
    yield from emit(
        _text_frame(quarantine, QUARANTINE_COLUMNS, name),
        output_name="inbox_quarantine",
        metadata={
            "dagster/row_count": len(quarantine),
            "by_reason": report_row.get("quarantined_by_reason", "{}"),
        },
    )
    yield from emit(
        _text_frame(repairs, REPAIR_COLUMNS, name),
        output_name="inbox_repairs",
        metadata={"dagster/row_count": len(repairs)},
    )
    yield from emit(
        _report_frame(report_row),
        output_name="inbox_file_reports",
        metadata={"dagster/row_count": 1, "status": status},
    )


def deliveries(readings: pl.DataFrame, reports: pl.DataFrame) -> list[history.Delivery]:
    """The accepted deliveries stored so far, each with its cleaned rows (refused and rejected files
    carry none into the history)."""
    if reports.is_empty():
        return []
    rows = (
        frames.to_pandas(readings) if not readings.is_empty() else pd.DataFrame(columns=[history.SOURCE_FILE])
    )
    by_file = dict(tuple(rows.groupby(history.SOURCE_FILE, sort=False))) if len(rows) else {}
    out = []
    for report in frames.to_pandas(reports).to_dict("records"):
        if report["status"] != ACCEPTED:
            continue
        name = report[history.SOURCE_FILE]
        cleaned = by_file.get(name, pd.DataFrame(columns=list(schema.CLEAN_COLUMNS)))
        out.append(
            history.Delivery(
                name=name,
                sha256=report[history.SOURCE_SHA256],
                received_at=pd.Timestamp(report[history.RECEIVED_AT]),
                cleaned=cleaned[list(schema.CLEAN_COLUMNS)],
                report={
                    k: report[k] for k in ("rows_in", "rows_quarantined", "cells_repaired", "cells_imputed")
                },
                layout=str(report.get("layout") or ""),
            )
        )
    return out


def _missing_intervals(readings: pd.DataFrame) -> int:
    ts = readings[schema.TIMESTAMP]
    if ts.empty:
        return 0
    return int((ts.max() - ts.min()) / schema.INTERVAL) + 1 - len(ts)


@dg.multi_asset(
    group_name="cleaning",
    pool="plant_readings",
    outs={
        "plant_readings": dg.AssetOut(
            kinds={"pandera", "parquet"},
            description="Every cleaned reading, one row per interval: the base export, then the inbox "
            "files in arrival order, the latest file winning per interval. What everything downstream reads.",
        ),
        "plant_readings_sources": dg.AssetOut(
            kinds={"parquet"},
            description="Where each interval of plant_readings came from: base, or the file, its digest and arrival.",
        ),
        "readings_ingest_audit": dg.AssetOut(
            kinds={"parquet"},
            description="One row per accepted inbox file in arrival order: rows in/kept/quarantined and its "
            "intervals new, replaced, unchanged (and superseded since).",
        ),
    },
    check_specs=[
        dg.AssetCheckSpec(
            "one_row_per_interval", asset=PLANT_READINGS, blocking=True, description="unique timestamps"
        ),
        dg.AssetCheckSpec(
            "pandera_contract", asset=PLANT_READINGS, blocking=True, description="types, ranges, grid"
        ),
        dg.AssetCheckSpec("no_missing_intervals", asset=PLANT_READINGS, description="no 15-minute gaps"),
    ],
)
def plant_readings(
    context: dg.AssetExecutionContext,
    cleaned_steel_readings: pl.DataFrame,
    inbox_readings: pl.DataFrame,
    inbox_file_reports: pl.DataFrame,
) -> Iterator:
    """Merge the base cleaning with every accepted inbox delivery (pure function of stored inputs)."""
    base = frames.to_pandas(cleaned_steel_readings)
    delivered = deliveries(inbox_readings, inbox_file_reports)
    merged = history.merge_history(base, delivered)
    readings = merged.readings
    try:
        validation.validate_cleaned(readings)
        contract_ok, failures = True, []
    except pandera.errors.SchemaErrors as error:
        contract_ok, failures = False, validation.failure_summary(error)
    days = history.complete_days(readings)
    last_day = days[-1].date().isoformat() if days else None
    missing = _missing_intervals(readings)
    audit = merged.audit
    version = tracking.frame_version(readings)
    totals = {
        key: int(audit[key].sum()) if len(audit) else 0
        for key in ("intervals_new", "intervals_replaced", "intervals_unchanged")
    }
    context.log.info(
        f"{len(readings)} intervals from the base and {len(delivered)} inbox files ({totals}); last complete day {last_day}"
    )
    yield from emit(
        frames.to_polars(readings),
        output_name="plant_readings",
        data_version=dg.DataVersion(version),
        metadata={
            "dagster/row_count": len(readings),
            "first_timestamp": str(readings[schema.TIMESTAMP].min()),
            "last_timestamp": str(readings[schema.TIMESTAMP].max()),
            "last_complete_day": last_day or "",
            "deliveries": len(delivered),
            "intervals_from_inbox": int((merged.sources[history.SOURCE_FILE] != history.BASE).sum()),
            "data_version": version,
            **{k: v for k, v in totals.items()},
        },
        checks=[
            dg.AssetCheckResult(
                check_name="one_row_per_interval",
                asset_key=PLANT_READINGS,
                passed=bool(readings[schema.TIMESTAMP].is_unique),
            ),
            dg.AssetCheckResult(
                check_name="pandera_contract",
                asset_key=PLANT_READINGS,
                passed=contract_ok,
                metadata={"failures": dg.MetadataValue.json(failures)},
            ),
            dg.AssetCheckResult(
                check_name="no_missing_intervals",
                asset_key=PLANT_READINGS,
                passed=missing == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"missing_intervals": missing},
            ),
        ],
    )
    yield from emit(
        frames.to_polars(merged.sources),
        output_name="plant_readings_sources",
        metadata={"dagster/row_count": len(merged.sources)},
    )
    preview = audit.drop(columns=[history.SOURCE_SHA256]).tail(10)
    yield from emit(
        frames.to_polars(audit),
        output_name="readings_ingest_audit",
        metadata={
            "dagster/row_count": len(audit),
            "preview": dg.MetadataValue.md(
                preview.to_markdown(index=False) if len(preview) else "no inbox file yet"
            ),
            **{f"total_{k}": v for k, v in totals.items()},
        },
    )
