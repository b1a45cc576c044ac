"""The operator app's configuration: where the API answers and where the pipeline's reports are.

Read from the environment through one settings object (pydantic-settings), on every call of
:func:`settings` so a test or a Streamlit rerun sees the current environment. The app imports
nothing of the pipeline but the schema, so the data folder's default is spelled here again:
``<project>/data`` (``energy_assets.domain.paths`` decides the same for the pipeline and the API).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_API_URL = "http://127.0.0.1:8000"


class UiSettings(BaseSettings):
    """Environment variables of the Streamlit app (``make ui`` / ``make serve``)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    api_url: str = Field(
        DEFAULT_API_URL,
        validation_alias="ENERGY_API_URL",
        description="Base URL of the API the app calls (the app never loads a model).",
    )
    data_dir: Path = Field(
        PROJECT_ROOT / "data",
        validation_alias="ENERGY_DATA_DIR",
        json_schema_extra={"doc_default": "`<project>/data`"},
        description="Data folder of the pipeline: the app reads reports/leaderboard.json and reports/drift/.",
    )
    warehouse: Path | None = Field(
        None,
        validation_alias="ENERGY_WAREHOUSE",
        json_schema_extra={"doc_default": "`$ENERGY_DATA_DIR/warehouse.duckdb`"},
        description="DuckDB file the app reads drift_history from, read-only (default <data dir>/warehouse.duckdb).",
    )

    @field_validator("api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def reports_dir(self) -> Path:
        return self.data_dir.resolve() / "reports"

    @property
    def warehouse_path(self) -> Path:
        return (self.warehouse or self.data_dir / "warehouse.duckdb").resolve()


def settings() -> UiSettings:
    """The app's settings as the environment says now."""
    return UiSettings()
