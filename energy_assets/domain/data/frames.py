"""Conversions at the storage boundary: the warehouse speaks polars, the domain speaks pandas."""

from __future__ import annotations

import pandas as pd
import polars as pl

from energy_assets.domain.data import schema


def to_polars(frame: pd.DataFrame) -> pl.DataFrame:
    """pandas -> polars, with object columns of text kept as text."""
    return pl.from_pandas(frame.reset_index(drop=True))


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """polars -> pandas with nanosecond timestamps, as the pandera contract expects."""
    out = frame.to_pandas()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].astype("datetime64[ns]")
    return out


def markdown_preview(frame: pd.DataFrame, rows: int = 5) -> str:
    """A few rows as a markdown table for the Dagster UI."""
    return frame.head(rows).to_markdown(index=False)


def on_ns(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as datetime64[ns]: frames coming back from polars/DuckDB may carry [us], and a
    join between the two resolutions must not silently miss rows."""
    if frame[schema.TIMESTAMP].dtype == "datetime64[ns]":
        return frame
    out = frame.copy()
    out[schema.TIMESTAMP] = pd.to_datetime(out[schema.TIMESTAMP]).astype("datetime64[ns]")
    return out
