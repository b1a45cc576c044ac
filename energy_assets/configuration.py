"""Every environment variable the applications read, as one table (``docs/configuration.md``).

The API's and the operator app's variables come from their settings objects
(:class:`energy_api.settings.Settings`, :class:`energy_ui.settings.UiSettings`): name, default and
meaning are read off the fields. The pipeline's are read where this module lists them (resources,
run config defaults, the domain's path and device rules); a test checks that every variable name the
product code spells is in the table and that the committed table is this function's output
(``energy docs --configuration`` rewrites it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic_core import PydanticUndefined

CONFIGURATION_DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    read_by: str
    meaning: str


#: The pipeline's variables (Dagster process, ``energy`` CLI) and those read outside a settings object.
OTHER_VARIABLES: tuple[Variable, ...] = (
    Variable(
        "ENERGY_DATA_DIR",
        "`<project>/data`",
        "every process (`domain/paths.py`)",
        "Root of generated data: warehouse, models, champion, reports, serving log.",
    ),
    Variable(
        "ENERGY_WAREHOUSE",
        "`$ENERGY_DATA_DIR/warehouse.duckdb`",
        "pipeline (`defs/resources.py`), CLI",
        "Views-only DuckDB file analysts open read-only; the pipeline's Parquet tables live in the "
        "folder of the same name without `.duckdb` (`defs/storage.py`).",
    ),
    Variable(
        "ENERGY_INBOX_DIR",
        "`$ENERGY_DATA_DIR/inbox`",
        "pipeline (`Inbox` resource, `inbox_sensor`)",
        "Folder a plant's exporter drops readings files into (UCI export layout, or the cleaned schema as CSV or Parquet).",
    ),
    Variable(
        "ENERGY_INBOX_SETTLE_S",
        "`2`",
        "pipeline (`Inbox` resource)",
        "Seconds a file must be unmodified before the inbox sensor takes it (for exporters that write in place).",
    ),
    Variable(
        "ENERGY_PLAN_DIR",
        "`$ENERGY_DATA_DIR/plan`",
        "pipeline (`ProductionPlan` resource)",
        "Folder of the plant's production plans (planned `load_type` per interval).",
    ),
    Variable(
        "ENERGY_DAY_AHEAD_HOUR",
        "`20`",
        "pipeline (`day_ahead_evening_schedule`, read when the definitions load)",
        "Hour (0..23, plant time, Asia/Seoul) at which the evening schedule issues tomorrow's official "
        "day-ahead forecast from the latest reading.",
    ),
    Variable(
        "ENERGY_CHAMPION_DIR",
        "`$ENERGY_DATA_DIR/champion`",
        "pipeline (`ChampionStore` resource)",
        "Where the champion bundles are written (the API reads the same folder).",
    ),
    Variable(
        "ENERGY_MODEL_STORE",
        "`$ENERGY_DATA_DIR/models`",
        "pipeline (`model_store` IO manager)",
        "Training results, one folder per family asset.",
    ),
    Variable(
        "ENERGY_DEVICE",
        "unset (CPU; torch models: GPU when present)",
        "pipeline (`ComputeDevice` resource), `domain/device.py`",
        "`cpu`, `cuda` or `auto`: where XGBoost (estimators and quantile forecaster) and the torch models compute.",
    ),
    Variable(
        "ENERGY_ENV",
        "`local`",
        "pipeline (`defs/cloud.py`)",
        "`local` or `gcp`: which resource set the code location loads.",
    ),
    Variable(
        "ENERGY_ARTIFACTS_URL",
        "none (required on gcp)",
        "pipeline, gcp (`defs/cloud.py`)",
        "`gs://bucket/prefix` the champion bundles and reports are copied to.",
    ),
    Variable(
        "ENERGY_GCP_PROJECT",
        "none",
        "pipeline, gcp",
        "GCP project of the GCS client and the BigQuery mirror.",
    ),
    Variable(
        "ENERGY_BQ_DATASET",
        "none (no mirror)",
        "pipeline, gcp",
        "BigQuery dataset every warehouse table is mirrored into.",
    ),
    Variable("ENERGY_BQ_LOCATION", "none", "pipeline, gcp", "Location of that BigQuery dataset."),
    Variable(
        "ENERGY_RAW_CSV",
        "`$ENERGY_DATA_DIR/raw/steel_industry_data.csv`",
        "pipeline (`raw_steel_readings` config)",
        "Plant export to ingest (downloaded from UCI when it is the absent default).",
    ),
    Variable(
        "ENERGY_CHRONOS_MODEL",
        "`amazon/chronos-2`",
        "pipeline (`ForecastTrainingConfig`)",
        "Chronos checkpoint: Hugging Face id or local folder.",
    ),
    Variable(
        "ENERGY_TIMESFM_MODEL",
        "`google/timesfm-2.5-200m-pytorch`",
        "pipeline (`ForecastTrainingConfig`)",
        "TimesFM checkpoint: Hugging Face id or local folder.",
    ),
    Variable(
        "ENERGY_GIT_URL",
        "none (local file links)",
        "pipeline (`energy_assets/policies.py`)",
        "Repository URL the Dagster UI links each asset's source to.",
    ),
    Variable(
        "ENERGY_GIT_BRANCH", "`main`", "pipeline (`energy_assets/policies.py`)", "Branch of those links."
    ),
    Variable(
        "MLFLOW_TRACKING_URI",
        "`sqlite:///$ENERGY_DATA_DIR/mlflow/mlflow.db`",
        "pipeline (`domain/training/tracking.py`)",
        "MLflow tracking server or store.",
    ),
    Variable(
        "ENERGY_MLFLOW_UI_URL",
        "`http://127.0.0.1:5000`",
        "pipeline (`domain/training/tracking.py`)",
        "MLflow UI the training assets' `mlflow_run` links point at (`make serve` starts it there).",
    ),
    Variable(
        "ENERGY_DAGSTER_UI_URL",
        "`http://127.0.0.1:3000`",
        "pipeline (`domain/training/tracking.py`)",
        "Dagster UI the MLflow runs' `dagster_run_url` tags point back at.",
    ),
    Variable(
        "DAGSTER_HOME",
        "project root (holds `dagster.yaml`)",
        "CLI, Makefile",
        "Dagster instance folder; set by `make` and `energy run`.",
    ),
    Variable(
        "ENERGY_DAGSTER_STORAGE",
        "`$ENERGY_DATA_DIR/dagster`",
        "CLI, Makefile, `dagster.yaml`",
        "Dagster's run/event storage.",
    ),
    Variable(
        "ENERGY_ALERT_SMTP_HOST",
        "none (no e-mail)",
        "alert sensors (`domain/monitoring/alerts.py`)",
        "Mail relay of the drift and run-failure alerts.",
    ),
    Variable("ENERGY_ALERT_SMTP_PORT", "`25`", "alert sensors", "Its port."),
    Variable("ENERGY_ALERT_SMTP_USER", "none", "alert sensors", "Login, when the relay wants one."),
    Variable("ENERGY_ALERT_SMTP_PASSWORD", "none", "alert sensors", "Its password."),
    Variable("ENERGY_ALERT_SMTP_STARTTLS", "off", "alert sensors", "`1` to STARTTLS before login."),
    Variable("ENERGY_ALERT_FROM", "`energy-copilot@localhost`", "alert sensors", "Sender address."),
    Variable("ENERGY_ALERT_TO", "none (no e-mail)", "alert sensors", "Comma-separated recipients."),
    Variable(
        "ENERGY_ALERT_WEBHOOK_URL",
        "none (no webhook)",
        "alert sensors",
        "http(s) URL the alerts are POSTed to as JSON.",
    ),
    Variable(
        "ENERGY_COPILOT_PLANNER",
        "`rule`",
        "API copilot (`energy_api/copilot/service.py`)",
        "`rule` (offline) or `ollama`.",
    ),
    Variable("ENERGY_COPILOT_MODEL", "the copilot's default model", "API copilot", "Ollama model name."),
    Variable("ENERGY_COPILOT_TIMEOUT_S", "`20`", "API copilot", "Seconds an Ollama call may take."),
    Variable(
        "ENERGY_COPILOT_TODAY",
        "the day of the last reading",
        "API copilot",
        'What "today" means in questions (YYYY-MM-DD).',
    ),
    Variable("OLLAMA_HOST", "Ollama's default", "API copilot", "Ollama server URL."),
    Variable(
        "HF_HUB_OFFLINE",
        "unset",
        "foundation models (`models/forecast/foundation/weights.py`)",
        "Hugging Face's own switch: weights only from the local cache (also `TRANSFORMERS_OFFLINE`).",
    ),
    Variable("TRANSFORMERS_OFFLINE", "unset", "foundation models", "Same as `HF_HUB_OFFLINE`."),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        "set by `energy_api.serve`",
        "API (`energy_api/prometheus.py`)",
        "prometheus_client's multiprocess folder; the launcher sets it for its workers.",
    ),
    Variable(
        "ENERGY_API_STATE_DIR",
        "set by `energy_api.serve`",
        "API (`energy_api/generation.py`)",
        "Folder where the launcher and its workers agree on the champion generation (internal).",
    ),
    Variable(
        "ENERGY_API_WORKER_INDEX",
        "set by `energy_api.serve`",
        "API (`energy_api/generation.py`)",
        "This worker's index, for its generation confirmations (internal).",
    ),
    Variable(
        "ENERGY_API_WORKER_COUNT",
        "set by `energy_api.serve`",
        "API (`energy_api/generation.py`)",
        "How many workers must confirm a generation before /admin/reload answers (internal).",
    ),
    Variable(
        "ENERGY_DATE_FORMAT",
        "unset (decided from the file's values)",
        "pipeline (`cleaned_steel_readings`, `Inbox` resource), `energy run --date-format`",
        "Date layout of a raw export whose values cannot decide day- or month-first, e.g. `%m/%d/%Y %H:%M`.",
    ),
)


def _settings_variables(settings_cls: type, read_by: str) -> list[Variable]:
    out = []
    for field in settings_cls.model_fields.values():
        shown = (
            (field.json_schema_extra or {}).get("doc_default")
            if isinstance(field.json_schema_extra, dict)
            else None
        )
        if shown:
            default = str(shown)
        elif field.default_factory is not None:
            default = "derived (see meaning)"
        elif field.default is PydanticUndefined or field.default in (None, ()):
            default = "unset"
        else:
            default = f"`{field.default}`"
        out.append(Variable(str(field.validation_alias), default, read_by, field.description or ""))
    return out


def variables() -> list[Variable]:
    """Every variable, API and app first (from their settings), then the others."""
    from energy_api.settings import Settings
    from energy_ui.settings import UiSettings

    found: dict[str, Variable] = {}
    for variable in (
        *_settings_variables(Settings, "API (`energy_api/settings.py`)"),
        *_settings_variables(UiSettings, "operator app (`energy_ui/settings.py`)"),
        *OTHER_VARIABLES,
    ):
        if variable.name in found:  # read by several processes: one row naming each reader
            kept = found[variable.name]
            found[variable.name] = Variable(
                kept.name, kept.default, f"{kept.read_by}; {variable.read_by}", kept.meaning
            )
        else:
            found[variable.name] = variable
    return list(found.values())


def markdown() -> str:
    """The table as docs/configuration.md holds it."""
    lines = [
        "# Configuration",
        "",
        "Every environment variable the pipeline, the API and the operator app read. Generated by",
        "`energy docs --configuration` from `energy_assets/configuration.py` and the settings objects",
        "(`energy_api/settings.py`, `energy_ui/settings.py`); a test fails when this file is not current.",
        "Each process reads its variables in one place: the API and the app through their settings object,",
        "the Dagster code location through its resources (`energy_assets/defs/resources.py`).",
        "",
        "| variable | default | read by | meaning |",
        "|---|---|---|---|",
    ]
    for v in variables():
        lines.append(f"| `{v.name}` | {v.default} | {v.read_by} | {v.meaning.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def write(path: Path = CONFIGURATION_DOC) -> Path:
    path.write_text(markdown(), encoding="utf-8")
    return path
