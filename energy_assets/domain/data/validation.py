"""The pandera contract of the cleaned table, built from the ranges in :mod:`schema`.

The API's request models quote the same ranges, so a value the pipeline rejects is one the API
rejects too.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from energy_assets.domain.data import schema


def _on_grid(ts: pd.Series) -> pd.Series:
    return (ts.dt.minute % 15 == 0) & (ts.dt.second == 0) & (ts.dt.microsecond == 0)


def _strictly_increasing(ts: pd.Series) -> bool:
    return bool(ts.is_monotonic_increasing and ts.is_unique)


def _range_check(column: str) -> pa.Check:
    rng = schema.RANGES[column]
    return pa.Check.in_range(rng.low, rng.high, error=f"{column} {rng.rule()}")


def cleaned_schema() -> pa.DataFrameSchema:
    """Types, ranges, categories, one row per timestamp, timestamps on the 15-minute grid."""
    columns: dict[str, pa.Column] = {
        schema.TIMESTAMP: pa.Column(
            "datetime64[ns]",
            checks=[
                pa.Check(_on_grid, error="timestamp must sit on the 15-minute grid"),
                pa.Check(
                    _strictly_increasing, element_wise=False, error="timestamps must be unique and increasing"
                ),
            ],
            unique=True,
            nullable=False,
        ),
    }
    for column in schema.MEASUREMENT_COLUMNS:
        columns[column] = pa.Column(float, checks=[_range_check(column)], nullable=False)
    columns[schema.NSM] = pa.Column("int64", checks=[_range_check(schema.NSM)], nullable=False)
    columns[schema.WEEK_STATUS] = pa.Column(str, checks=pa.Check.isin(schema.WEEK_STATUSES), nullable=False)
    columns[schema.DAY_OF_WEEK] = pa.Column(str, checks=pa.Check.isin(schema.DAYS_OF_WEEK), nullable=False)
    columns[schema.LOAD_TYPE] = pa.Column(str, checks=pa.Check.isin(schema.LOAD_TYPES), nullable=False)
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name="cleaned_steel_readings")


def validate_cleaned(frame: pd.DataFrame, lazy: bool = True) -> pd.DataFrame:
    """Raise ``pandera.errors.SchemaErrors`` listing every failing column and rule."""
    return cleaned_schema().validate(frame, lazy=lazy)


def failure_summary(error: Exception) -> list[dict[str, str]]:
    """Flatten a pandera error into (column, check, failure) rows for metadata and messages."""
    cases = getattr(error, "failure_cases", None)
    if cases is None:
        return [{"column": "", "check": "", "failure": str(error)}]
    out = []
    for _, case in cases.head(50).iterrows():
        out.append(
            {
                "column": str(case.get("column", "")),
                "check": str(case.get("check", "")),
                "failure": str(case.get("failure_case", "")),
            }
        )
    return out
