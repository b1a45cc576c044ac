"""The API's configuration: one settings object per process, read from the environment once.

:meth:`Settings.from_env` reads every variable (pydantic-settings, names in each field's
``validation_alias``); constructing ``Settings(...)`` directly takes only the values given and the
defaults, never the environment (tests and benchmarks build their own). The table of every
variable the applications read, in docs/configuration.md, is generated from these fields.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict

from energy_assets.domain import paths

DEFAULT_MAX_BATCH = 1000
DEFAULT_RELOAD_INTERVAL_S = 30.0
#: Threads a served forecast's tree ensembles may use: 2 halves their time on 2 cores, more buys
#: little for 96 rows.
DEFAULT_FORECAST_THREADS = max(1, min(2, os.cpu_count() or 1))
#: 1 MiB: a full batch of DEFAULT_MAX_BATCH readings is about 0.3 MB of JSON, so this leaves headroom.
DEFAULT_MAX_BODY_BYTES = 1_048_576
#: What the workers of ``energy_api.serve`` read to share the cores (set by the launcher when unset).
FORECAST_THREADS_ENV = "ENERGY_FORECAST_THREADS"


def _prediction_log_default() -> Path:
    return paths.data_dir() / "serving" / "prediction_log"


class Settings(BaseSettings):
    """Where the champion bundles, tariff and prediction log live, and the service's limits.

    ``prediction_log`` is the API's own folder of Parquet segments, never the warehouse (Dagster
    writes that one and DuckDB allows one writer per file).
    """

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    champion_dir: Path = Field(
        default_factory=paths.champion_dir,
        validation_alias="ENERGY_CHAMPION_DIR",
        json_schema_extra={"doc_default": "`$ENERGY_DATA_DIR/champion`"},
        description="Champion bundles the API serves (<dir>/estimate, <dir>/forecast); default <data dir>/champion.",
    )
    tariff_path: Path | None = Field(
        None,
        validation_alias="ENERGY_TARIFF",
        description="Tariff YAML; default the packaged KEPCO 2012 tariff.",
    )
    api_key: str | None = Field(
        None,
        validation_alias="ENERGY_API_KEY",
        description="Key of POST /admin/reload (X-API-Key); unset: off.",
    )
    prediction_log: Path | None = Field(
        None,
        validation_alias="ENERGY_PREDICTION_LOG",
        json_schema_extra={"doc_default": "`$ENERGY_DATA_DIR/serving/prediction_log` (from the environment)"},
        description="Folder of the prediction log's Parquet segments; default <data dir>/serving/prediction_log.",
    )
    max_batch: int = Field(
        DEFAULT_MAX_BATCH, validation_alias="ENERGY_MAX_BATCH", description="Rows per POST /predict/batch."
    )
    reload_interval_s: float = Field(
        DEFAULT_RELOAD_INTERVAL_S,
        validation_alias="ENERGY_RELOAD_INTERVAL_S",
        description="Seconds between checks for a newer bundle; 0 = no background check.",
    )
    forecast_threads: int = Field(
        DEFAULT_FORECAST_THREADS,
        validation_alias=FORECAST_THREADS_ENV,
        json_schema_extra={"doc_default": "min(2, cores)"},
        description="Tree-ensemble threads per forecast; default min(2, cores), the launcher's share per worker.",
    )
    readings_table: Path | None = Field(
        None,
        validation_alias="ENERGY_READINGS_TABLE",
        description="Cleaned-schema parquet/CSV served instead of the published serving readings; default "
        "<champion dir>/readings, else the forecast bundle's history.",
    )
    max_body_bytes: int = Field(
        DEFAULT_MAX_BODY_BYTES,
        validation_alias="ENERGY_MAX_BODY_BYTES",
        description="Request bodies above this get 413.",
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        validation_alias="ENERGY_CORS_ORIGINS",
        description="Comma-separated origins allowed by CORS; default none.",
    )
    workers: int = Field(
        1,
        validation_alias="ENERGY_API_WORKERS",
        description="Worker processes of `python -m energy_api.serve` (one SO_REUSEPORT socket each).",
    )
    port: int = Field(
        8000, validation_alias="PORT", description="Port of `python -m energy_api.serve` (Cloud Run sets it)."
    )

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, *_: Any, **__: Any):
        """Direct construction takes only what it is given; :meth:`from_env` adds the environment."""
        return (init_settings,)

    @field_validator("champion_dir", "tariff_path", "prediction_log", "readings_table", mode="before")
    @classmethod
    def _project_relative(cls, value: Any) -> Any:
        if isinstance(value, str) and not value:
            return None
        return paths.resolve(value) if isinstance(value, str | Path) else value

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return value or None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """Comma-separated origins; empty means no cross-origin browser access at all."""
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return value

    @classmethod
    def from_env(cls) -> Settings:
        """Every ``ENERGY_*`` variable of the API, defaults where unset."""
        values = EnvSettingsSource(cls)()
        if values.get("prediction_log") in (None, ""):
            values["prediction_log"] = _prediction_log_default()
        return cls(**values)
