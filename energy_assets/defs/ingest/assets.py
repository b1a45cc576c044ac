"""Ingest: the raw UCI readings as text, and a reproducibly corrupted variant for the cleaner."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from energy_assets.defs.outputs import emit
from energy_assets.domain import paths
from energy_assets.domain.data import dirty, frames, ingest, schema


class RawSourceConfig(dg.Config):
    """Which plant export to ingest.

    Empty means ``ENERGY_RAW_CSV`` if set, else the UCI file in ``<data dir>/raw/``. Relative paths
    are taken from the project root.
    """

    path: str = ""
    download_if_missing: bool = True

    def resolved(self) -> Path:
        if self.path:
            return paths.resolve(self.path)
        if os.environ.get("ENERGY_RAW_CSV"):
            return paths.resolve(os.environ["ENERGY_RAW_CSV"])
        return paths.raw_dir() / ingest.UCI_FILENAME


@dg.asset(
    group_name="ingest",
    kinds={"python", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec("uci_row_count", asset="raw_steel_readings", description="35,040 rows = 365 x 96")
    ],
)
def raw_steel_readings(context: dg.AssetExecutionContext, config: RawSourceConfig) -> Iterator:
    """The plant export exactly as written (every cell text), downloaded from UCI when absent."""
    path = ingest.ensure_raw_file(config.resolved(), download_if_missing=config.download_if_missing)
    read = ingest.read_export(path)
    frame = read.frame
    validation = ingest.validate_raw(frame)
    validation = ingest.RawValidation(
        rows=validation.rows,
        columns=validation.columns,
        extra_columns=validation.extra_columns,
        sha256=ingest.sha256_of(path),
    )
    context.log.info(f"read {validation.rows} rows from {path}")
    extra = (
        f"; extra columns ignored downstream: {validation.extra_columns}" if validation.extra_columns else ""
    )
    yield from emit(
        pl.from_pandas(ingest.with_extras_packed(frame)),
        data_version=dg.DataVersion(validation.sha256[:16]),
        metadata={
            "dagster/row_count": validation.rows,
            "source_path": dg.MetadataValue.path(str(path)),
            "sha256": validation.sha256,
            "extra_columns": json.dumps(validation.extra_columns),
            "file_format": dg.MetadataValue.json(read.format.as_dict()),
            "preview": dg.MetadataValue.md(frames.markdown_preview(frame)),
        },
        checks=[
            dg.AssetCheckResult(
                check_name="uci_row_count",
                passed=validation.rows == schema.UCI_ROW_COUNT,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"rows": validation.rows, "expected": schema.UCI_ROW_COUNT},
                description=f"{validation.rows} rows read{extra}",
            )
        ],
    )


class DirtyConfig(dg.Config):
    """Seed and rates of the corruption generator (defaults resemble the course's dirty copy)."""

    seed: int = 42
    missing: float = dirty.CorruptionRates.missing
    non_numeric: float = dirty.CorruptionRates.non_numeric
    outliers: float = dirty.CorruptionRates.outliers
    impossible: float = dirty.CorruptionRates.impossible
    duplicate_rows: int = dirty.CorruptionRates.duplicate_rows
    categorical_typos: float = dirty.CorruptionRates.categorical_typos
    date_formats: float = dirty.CorruptionRates.date_formats

    def rates(self) -> dirty.CorruptionRates:
        return dirty.CorruptionRates(
            missing=self.missing,
            non_numeric=self.non_numeric,
            outliers=self.outliers,
            impossible=self.impossible,
            duplicate_rows=self.duplicate_rows,
            categorical_typos=self.categorical_typos,
            date_formats=self.date_formats,
        )


@dg.asset(group_name="ingest", kinds={"python", "duckdb"})
def dirty_steel_readings(
    context: dg.AssetExecutionContext, config: DirtyConfig, raw_steel_readings: pl.DataFrame
) -> Iterator:
    """A corrupted copy of the raw readings with a ground-truth manifest, to exercise the cleaner."""
    raw = raw_steel_readings.to_pandas()[list(schema.RAW_COLUMNS)]
    corrupted, manifest = dirty.corrupt(raw, seed=config.seed, rates=config.rates())
    out_dir = paths.data_dir() / "dirty"
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"steel_dirty_seed{config.seed}.csv"
    manifest_path = out_dir / f"steel_dirty_seed{config.seed}.manifest.json"
    corrupted.to_csv(csv_path, index=False)
    manifest_path.write_text(json.dumps(manifest, indent=1, default=str))
    context.log.info(f"wrote {len(corrupted)} rows to {csv_path}")
    yield from emit(
        pl.from_pandas(corrupted),
        metadata={
            "dagster/row_count": len(corrupted),
            "seed": config.seed,
            "csv_path": dg.MetadataValue.path(str(csv_path)),
            "manifest_path": dg.MetadataValue.path(str(manifest_path)),
            "corruptions_by_kind": dg.MetadataValue.json(manifest["counts"]),
        },
    )
