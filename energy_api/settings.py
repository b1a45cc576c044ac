"""Service settings, read from the environment once per app (never at import time of the domain)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from energy_assets.domain import paths

DEFAULT_MAX_BATCH = 1000
DEFAULT_RELOAD_INTERVAL_S = 30.0
#: Threads a served forecast's tree ensembles may use: 2 halves their time on 2 cores, more buys
#: little for 96 rows.
DEFAULT_FORECAST_THREADS = max(1, min(2, os.cpu_count() or 1))
#: 1 MiB: a full batch of DEFAULT_MAX_BATCH readings is about 0.3 MB of JSON, so this leaves headroom.
DEFAULT_MAX_BODY_BYTES = 1_048_576


def _optional_path(value: str | None) -> Path | None:
    return paths.resolve(value) if value else None


def _origins(value: str | None) -> tuple[str, ...]:
    """Comma-separated origins; empty means no cross-origin browser access at all."""
    return tuple(o.strip().rstrip("/") for o in (value or "").split(",") if o.strip())


@dataclass(frozen=True)
class Settings:
    """Where the champion bundles, tariff and prediction log live, and the service's limits.

    ``prediction_log`` is the API's own folder of Parquet segments, never the warehouse (Dagster
    writes that one and DuckDB allows one writer per file).
    """

    champion_dir: Path
    tariff_path: Path | None = None
    api_key: str | None = None
    prediction_log: Path | None = None
    max_batch: int = DEFAULT_MAX_BATCH
    reload_interval_s: float = DEFAULT_RELOAD_INTERVAL_S
    forecast_threads: int = DEFAULT_FORECAST_THREADS
    readings_table: Path | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        """``ENERGY_CHAMPION_DIR``, ``ENERGY_TARIFF``, ``ENERGY_API_KEY``, ``ENERGY_PREDICTION_LOG``,
        ``ENERGY_MAX_BATCH``, ``ENERGY_RELOAD_INTERVAL_S`` (0 = no background check),
        ``ENERGY_FORECAST_THREADS`` (tree-ensemble threads per forecast; default min(2, cores)) and
        ``ENERGY_READINGS_TABLE`` (a cleaned-schema parquet/CSV to serve instead of the published
        serving readings; default: ``<champion dir>/readings``, else the forecast bundle's history), ``ENERGY_MAX_BODY_BYTES`` (413 above it) and
        ``ENERGY_CORS_ORIGINS`` (comma-separated; default none)."""
        data = paths.data_dir()
        log = os.environ.get("ENERGY_PREDICTION_LOG")
        return cls(
            champion_dir=_optional_path(os.environ.get("ENERGY_CHAMPION_DIR")) or data / "champion",
            tariff_path=_optional_path(os.environ.get("ENERGY_TARIFF")),
            api_key=os.environ.get("ENERGY_API_KEY") or None,
            prediction_log=paths.resolve(log) if log else data / "serving" / "prediction_log",
            max_batch=int(os.environ.get("ENERGY_MAX_BATCH", DEFAULT_MAX_BATCH)),
            reload_interval_s=float(os.environ.get("ENERGY_RELOAD_INTERVAL_S", DEFAULT_RELOAD_INTERVAL_S)),
            forecast_threads=int(os.environ.get("ENERGY_FORECAST_THREADS", DEFAULT_FORECAST_THREADS)),
            readings_table=_optional_path(os.environ.get("ENERGY_READINGS_TABLE")),
            max_body_bytes=int(os.environ.get("ENERGY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
            cors_origins=_origins(os.environ.get("ENERGY_CORS_ORIGINS")),
        )
