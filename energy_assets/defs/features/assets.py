"""Features, time-ordered splits and the analysts' SQL views over the warehouse."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.defs.outputs import emit
from energy_assets.defs.storage import WarehouseResource
from energy_assets.domain import features, tariff
from energy_assets.domain.data import frames, schema
from energy_assets.domain.data import warehouse as warehouse_sql
from energy_assets.domain.features import splits

STEEL_SPLITS = dg.AssetKey("steel_splits")


@dg.asset(group_name="features", kinds={"pandas", "duckdb"})
def steel_features(context: dg.AssetExecutionContext, plant_readings: pl.DataFrame) -> Iterator:
    """Calendar, tariff, power-triangle and causal lag features: the same code the API serves with,
    over every cleaned reading (``plant_readings``: the base export and what came in since)."""
    clean = frames.to_pandas(plant_readings)
    table = features.build_features(clean)
    lagless = int(table[list(features.LAG_FEATURES)].isna().any(axis=1).sum())
    context.log.info(f"{len(table)} rows x {len(features.FEATURE_COLUMNS)} features")
    yield from emit(
        frames.to_polars(table),
        metadata={
            "dagster/row_count": len(table),
            "feature_count": len(features.FEATURE_COLUMNS),
            "estimate_features": ", ".join(features.ESTIMATE_FEATURES),
            "forecast_features": ", ".join(features.FORECAST_FEATURES),
            "rows_without_full_lag_history": lagless,
            "preview": dg.MetadataValue.md(
                frames.markdown_preview(table[[schema.TIMESTAMP, *features.FEATURE_COLUMNS[:8]]])
            ),
        },
    )


def _time_ordered(table: pd.DataFrame) -> bool:
    """Every train timestamp precedes every validation one, which precede every test one."""
    parts = table.groupby(splits.TEMPORAL_SPLIT)[schema.TIMESTAMP].agg(["min", "max"])
    parts = parts.reindex(list(splits.TEMPORAL_PARTS))
    if parts.isna().any().any():
        return False
    return bool((parts["max"].to_numpy()[:-1] < parts["min"].to_numpy()[1:]).all())


@dg.asset(
    group_name="features",
    kinds={"pandas", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            "time_ordered_no_overlap",
            asset=STEEL_SPLITS,
            blocking=True,
            description="train < validation < test in time; every row in exactly one part",
        ),
    ],
)
def steel_splits(steel_features: pl.DataFrame) -> Iterator:
    """Temporal split moving with the history (the latest 91 d 6 h test, the 54 d 18 h before
    validation; 60/15/25 on a year or less: the same cut on the UCI year) and the paper's random
    75/25 split, by timestamp."""
    table = splits.build_splits(frames.to_pandas(steel_features))
    bounds = splits.split_boundaries(table)
    ordered = _time_ordered(table)
    yield from emit(
        frames.to_polars(table),
        metadata={
            "dagster/row_count": len(table),
            "temporal_boundaries": dg.MetadataValue.md(bounds.to_markdown(index=False)),
            "split_rule": splits.SPLIT_RULE,
            "paper_split_counts": dg.MetadataValue.json(
                {k: int(v) for k, v in table[splits.PAPER_SPLIT].value_counts().items()}
            ),
        },
        checks=[
            dg.AssetCheckResult(
                check_name="time_ordered_no_overlap",
                asset_key=STEEL_SPLITS,
                passed=ordered and table[schema.TIMESTAMP].is_unique,
                metadata={"rows": len(table)},
            )
        ],
    )


@dg.asset(group_name="features", kinds={"parquet"})
def tariff_prices() -> Iterator:
    """KRW/kWh of every season x tariff period, and the emission factor: what the cost views join."""
    prices = warehouse_sql.tariff_price_table(tariff.default_tariff())
    yield from emit(
        pl.from_pandas(prices),
        metadata={
            "dagster/row_count": len(prices),
            "prices": dg.MetadataValue.md(prices.to_markdown(index=False)),
        },
    )


@dg.asset(
    group_name="features",
    kinds={"duckdb", "sql"},
    deps=["steel_features", "plant_readings", "tariff_prices"],
)
def warehouse_views(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The views file analysts open read-only: a view per table and the analysts' SQL views (daily
    cost, monthly peaks, power factor), rebuilt beside the old file and swapped in atomically."""
    store = warehouse.store()
    store.publish_views()
    with store.connect() as conn:
        counts = {
            name: conn.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]
            for name in warehouse_sql.VIEWS
        }
    context.log.info(f"views: {counts}")
    sample = pd.DataFrame({"view": list(counts), "rows": list(counts.values())})
    return dg.MaterializeResult(
        metadata={
            "views": dg.MetadataValue.md(sample.to_markdown(index=False)),
            "views_file": dg.MetadataValue.path(str(store.database)),
            "tables_folder": dg.MetadataValue.path(str(store.root)),
            "example_query": dg.MetadataValue.md(f"```sql\n{warehouse_sql.EXAMPLE_QUERY}\n```"),
        }
    )
