"""Cleaning: one run of the cleaner gives the cleaned table, its quarantine, repair log and report."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl
import pydantic

from energy_assets.defs.outputs import emit
from energy_assets.domain import paths
from energy_assets.domain.data import cleaning, dirty, frames, ingest, schema, scorecard, validation

CLEANED = dg.AssetKey("cleaned_steel_readings")
#: The course's deliberately corrupted copy (not on UCI; CI copies it from shared/data).
COURSE_FILENAME = "steel_energy_modified.csv"


def report_table(report: dict[str, object]) -> pd.DataFrame:
    """The report as (metric, key, value) rows so analysts can query it in DuckDB."""
    rows = []
    for metric, value in report.items():
        if isinstance(value, dict):
            rows.extend((metric, str(k), str(v)) for k, v in value.items())
        else:
            rows.append((metric, "", str(value)))
    return pd.DataFrame(rows, columns=["metric", "key", "value"])


@dg.multi_asset(
    group_name="cleaning",
    outs={
        "cleaned_steel_readings": dg.AssetOut(
            kinds={"pandera", "duckdb"},
            description="One row per 15-minute interval, validated by the pandera contract.",
        ),
        "steel_readings_quarantine": dg.AssetOut(
            kinds={"duckdb"}, description="Rows that could not be trusted, as written, with a reason code."
        ),
        "steel_readings_repairs": dg.AssetOut(
            kinds={"duckdb"},
            description="Every cell the cleaner changed: original, new value, method and rule.",
        ),
        "data_quality_report": dg.AssetOut(
            kinds={"duckdb"},
            description="Counts of repaired, imputed and quarantined cells and rows, by reason.",
        ),
    },
    check_specs=[
        dg.AssetCheckSpec(
            "pandera_contract", asset=CLEANED, blocking=True, description="types, ranges, grid"
        ),
        dg.AssetCheckSpec(
            "every_row_accounted", asset=CLEANED, blocking=True, description="in = out + quarantine"
        ),
        dg.AssetCheckSpec("no_missing_intervals", asset=CLEANED, description="no 15-minute gaps"),
    ],
)
def cleaned_steel_readings(context: dg.AssetExecutionContext, raw_steel_readings: pl.DataFrame):
    """Clean the configured raw source; nothing is dropped without a trace."""
    raw = raw_steel_readings.to_pandas()
    # a file whose values cannot decide day- or month-first is refused; ENERGY_DATE_FORMAT states it
    stated = cleaning.CleaningConfig(date_format=os.environ.get("ENERGY_DATE_FORMAT") or None)
    result = cleaning.clean(raw, stated)
    cleaned, report = result.cleaned, result.report
    try:
        validation.validate_cleaned(cleaned)
        contract_ok, failures = True, []
    except pandera.errors.SchemaErrors as error:
        contract_ok, failures = False, validation.failure_summary(error)
    context.log.info(
        f"cleaned {report['rows_in']} rows -> {report['rows_out']} kept, {report['rows_quarantined']} quarantined"
    )
    yield from emit(
        frames.to_polars(cleaned),
        output_name="cleaned_steel_readings",
        metadata={
            "dagster/row_count": len(cleaned),
            "rows_quarantined": report["rows_quarantined"],
            "cells_repaired": report["cells_repaired"],
            "cells_imputed": report["cells_imputed"],
            "emission_factor_t_per_kwh": report["emission_factor_t_per_kwh"],
            "first_timestamp": str(report["first_timestamp"]),
            "last_timestamp": str(report["last_timestamp"]),
            "preview": dg.MetadataValue.md(frames.markdown_preview(cleaned)),
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(c, str(cleaned[c].dtype), description=schema.UNITS.get(c, ""))
                    for c in cleaned.columns
                ]
            ),
        },
        checks=[
            dg.AssetCheckResult(
                check_name="pandera_contract",
                asset_key=CLEANED,
                passed=contract_ok,
                metadata={"failures": dg.MetadataValue.json(failures)},
            ),
            dg.AssetCheckResult(
                check_name="every_row_accounted",
                asset_key=CLEANED,
                passed=report["rows_accounted"] == report["rows_in"],
                metadata={"rows_in": report["rows_in"], "rows_accounted": report["rows_accounted"]},
            ),
            dg.AssetCheckResult(
                check_name="no_missing_intervals",
                asset_key=CLEANED,
                passed=report["missing_intervals"] == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"missing_intervals": report["missing_intervals"]},
            ),
        ],
    )
    quarantine = result.quarantine
    yield from emit(
        frames.to_polars(quarantine),
        output_name="steel_readings_quarantine",
        metadata={
            "dagster/row_count": len(quarantine),
            "by_reason": dg.MetadataValue.json(report["quarantined_by_reason"]),
            "preview": dg.MetadataValue.md(frames.markdown_preview(quarantine)),
        },
    )
    yield from emit(
        frames.to_polars(result.repairs),
        output_name="steel_readings_repairs",
        metadata={
            "dagster/row_count": len(result.repairs),
            "by_method": dg.MetadataValue.json(report["cells_repaired_by_method"]),
            "imputed_by_column": dg.MetadataValue.json(report["cells_imputed_by_column"]),
        },
    )
    report_path = paths.reports_dir() / "data_quality_report.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=1, default=str))
    yield from emit(
        pl.from_pandas(report_table(report)),
        output_name="data_quality_report",
        metadata={
            "dagster/row_count": len(report_table(report)),
            "report": dg.MetadataValue.json(json.loads(json.dumps(report, default=str))),
            "json_path": dg.MetadataValue.path(str(report_path)),
        },
    )


class ScorecardConfig(dg.Config):
    """Where the clean reference and the course's dirty copy are, and extra generator seeds."""

    reference_path: str = ""  # empty: the UCI file in <data dir>/raw/
    course_dirty_path: str = ""  # empty: <data dir>/raw/steel_energy_modified.csv
    extra_seeds: list[int] = pydantic.Field(default_factory=lambda: [7, 2024])

    def reference(self) -> Path:
        return (
            paths.resolve(self.reference_path)
            if self.reference_path
            else paths.raw_dir() / ingest.UCI_FILENAME
        )

    def course_copy(self) -> Path:
        return (
            paths.resolve(self.course_dirty_path)
            if self.course_dirty_path
            else paths.raw_dir() / COURSE_FILENAME
        )


def score_source(name: str, raw: pd.DataFrame, reference: pd.DataFrame) -> dict[str, object]:
    """Clean one raw frame and score it; one scorecard row."""
    result = cleaning.clean(raw)
    score = scorecard.score(result.cleaned, reference)
    return {
        "source": name,
        "rows_in": len(raw),
        "rows_recovered": score.rows_recovered,
        "rows_quarantined": len(result.quarantine),
        "cells_repaired": result.report["cells_repaired"],
        "cells_imputed": result.report["cells_imputed"],
        "exact_match_pct": score.exact_match_pct,
        "precision_match_pct": score.precision_match_pct,
        "invalid_rows": score.invalid_rows,
        "passes": score.passes,
    }


@dg.asset(
    group_name="cleaning",
    kinds={"python", "duckdb"},
    check_specs=[dg.AssetCheckSpec("all_sources_meet_bar", asset="cleaning_scorecard")],
)
def cleaning_scorecard(
    context: dg.AssetExecutionContext, config: ScorecardConfig, dirty_steel_readings: pl.DataFrame
) -> Iterator:
    """How well the cleaner recovers the reference from the course's dirty copy and generated ones."""
    reference_raw = ingest.read_raw(config.reference())
    reference = cleaning.clean(reference_raw).cleaned
    rows = [score_source("dirty_steel_readings (asset)", dirty_steel_readings.to_pandas(), reference)]
    course = config.course_copy()
    if Path(course).exists():
        rows.append(score_source("course dirty copy", ingest.read_raw(course), reference))
    else:
        context.log.warning(f"course dirty copy not found at {course}; not scored")
    for seed in config.extra_seeds:
        corrupted, _ = dirty.corrupt(reference_raw[list(schema.RAW_COLUMNS)], seed=seed)
        rows.append(score_source(f"generated seed {seed}", corrupted, reference))
    table = pd.DataFrame(rows)
    yield from emit(
        pl.from_pandas(table),
        metadata={
            "dagster/row_count": len(table),
            "scorecard": dg.MetadataValue.md(table.to_markdown(index=False)),
            "worst_precision_match_pct": float(table["precision_match_pct"].min()),
            "worst_exact_match_pct": float(table["exact_match_pct"].min()),
        },
        checks=[
            dg.AssetCheckResult(
                check_name="all_sources_meet_bar",
                passed=bool(table["passes"].all()),
                metadata={"failing": dg.MetadataValue.json(table.loc[~table["passes"], "source"].tolist())},
            )
        ],
    )
