"""Analysis: EDA assets with their figures in the UI, the ONNX decision, and the generated documents.

Each EDA asset stores its numbers and findings as a small ``name``/``value``/``text`` table in the
warehouse (so ``generated_documents`` reads them as inputs, with lineage) and attaches its PNG figures
to the materialization as markdown images, so they render in the Dagster UI. The documents are
written under the data folder (``<data dir>/reports/documents``); ``energy docs --publish`` copies them
into ``docs/`` on purpose, so a run never changes a tracked file.
"""

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.defs.outputs import emit
from energy_assets.defs.resources import ChampionStore
from energy_assets.domain import paths
from energy_assets.domain.data import frames
from energy_assets.domain.reporting import documents, eda, onnx_export
from energy_assets.domain.tasks import ESTIMATE, TASKS, TEMPORAL
from energy_assets.domain.training import champion
from energy_assets.domain.training.estimate import estimate_datasets
from energy_assets.domain.training.results import EVALUATED, EstimateResult

GROUP = "analysis"
#: Figures larger than this are linked by path instead of inlined (keeps the event log small).
INLINE_LIMIT_BYTES = 400_000
EDA_KINDS = {"pandas", "matplotlib"}


def figure_markdown(figures: list[Path]) -> str:
    """Markdown with each PNG inlined as a data URI (rendered by the UI), or its path when too large."""
    parts = []
    for path in figures:
        data = path.read_bytes()
        if len(data) <= INLINE_LIMIT_BYTES:
            parts.append(
                f"**{path.stem}**\n\n![{path.stem}](data:image/png;base64,{base64.b64encode(data).decode()})"
            )
        else:
            parts.append(f"**{path.stem}**: `{path}`")
    return "\n\n".join(parts)


def emit_eda(context: dg.AssetExecutionContext, result: eda.EdaResult) -> Iterator:
    """The analysis's summary table, with its findings, figures and numbers as metadata."""
    context.log.info(f"{result.name}: " + " ".join(result.findings))
    metadata = {
        "findings": dg.MetadataValue.md(result.findings_markdown()),
        "figures": dg.MetadataValue.md(figure_markdown(result.figures)),
        "figure_paths": dg.MetadataValue.json([str(p) for p in result.figures]),
        **{
            k: float(v)
            for k, v in result.numbers.items()
            if pd.notna(v) and not k.startswith(("mi_", "corr_usage_"))
        },
    }
    if result.table is not None:
        metadata["table"] = dg.MetadataValue.md(result.table.head(20).to_markdown(floatfmt=".4g"))
    yield from emit(frames.to_polars(result.summary_frame()), metadata=metadata)


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_descriptive_statistics(
    context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame
) -> Iterator:
    """count/mean/std/quantiles per reading, totals of energy and CO2, and the idle share."""
    yield from emit_eda(context, eda.descriptive_statistics(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_distributions(context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame) -> Iterator:
    """Histograms of the target and the readings that drive it; how bimodal the target is."""
    yield from emit_eda(context, eda.distributions(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_correlation_heatmap(
    context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame
) -> Iterator:
    """Pearson correlations among the readings; which one tracks usage_kwh best."""
    yield from emit_eda(context, eda.correlation_heatmap(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_consumption_profiles(
    context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame
) -> Iterator:
    """Mean kWh by hour of day and weekday, energy by load type and by KEPCO tariff period."""
    yield from emit_eda(context, eda.consumption_profiles(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_co2_vs_usage(context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame) -> Iterator:
    """CO2 against usage: the implied emission factor and how exactly CO2 follows usage."""
    yield from emit_eda(context, eda.co2_vs_usage(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_seasonal_decomposition(
    context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame
) -> Iterator:
    """MSTL on hourly kWh with daily and weekly periods; strength of each seasonality and of the trend."""
    yield from emit_eda(context, eda.seasonal_decomposition(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_autocorrelation(context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame) -> Iterator:
    """ACF over one week of 15-minute lags and PACF over ``pacf_lags``: which lags carry the signal."""
    yield from emit_eda(context, eda.autocorrelation(frames.to_pandas(cleaned_steel_readings)))


@dg.asset(group_name=GROUP, kinds={"scikit-learn", "matplotlib"})
def eda_feature_ranking(context: dg.AssetExecutionContext, steel_features: pl.DataFrame) -> Iterator:
    """Mutual information and Pearson correlation with usage_kwh of what each task's models read."""
    yield from emit_eda(context, eda.feature_ranking(frames.to_pandas(steel_features)))


@dg.asset(group_name=GROUP, kinds=EDA_KINDS)
def eda_data_quality_summary(
    context: dg.AssetExecutionContext, data_quality_report: pl.DataFrame
) -> Iterator:
    """The cleaning's data-quality report as counts, a chart and findings."""
    yield from emit_eda(context, eda.data_quality_summary(frames.to_pandas(data_quality_report)))


#: The EDA assets over the cleaned readings, and every EDA asset's key (what the documents read).
CLEAN_EDA_ASSETS = [
    eda_descriptive_statistics,
    eda_distributions,
    eda_correlation_heatmap,
    eda_consumption_profiles,
    eda_co2_vs_usage,
    eda_seasonal_decomposition,
    eda_autocorrelation,
]
EDA_KEYS: list[str] = [
    "eda_descriptive_statistics",
    "eda_distributions",
    "eda_correlation_heatmap",
    "eda_consumption_profiles",
    "eda_co2_vs_usage",
    "eda_seasonal_decomposition",
    "eda_autocorrelation",
    "eda_feature_ranking",
    "eda_data_quality_summary",
]


def onnx_decision_path() -> Path:
    return paths.reports_dir() / "onnx_decision.json"


@dg.asset(group_name=GROUP, kinds={"onnx"})
def onnx_decision(
    context: dg.AssetExecutionContext,
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
    estimate_xgboost: EstimateResult,
    estimate_lightgbm: EstimateResult,
) -> Iterator:
    """Export the tree estimators to ONNX, check parity on the test split, time both, decide."""
    data = estimate_datasets(frames.to_pandas(steel_features), frames.to_pandas(steel_splits))[TEMPORAL]
    folder = paths.reports_dir() / "onnx"
    rows = []
    for result in (estimate_xgboost, estimate_lightgbm):
        if result.status != EVALUATED or result.model is None:
            context.log.warning(f"{result.family}: {result.status}; no ONNX export")
            continue
        model = onnx_export.to_onnx(result.model)  # converted once: decided on, then saved
        decision = onnx_export.evaluate_onnx(result.model, data.X_test, model=model)
        onnx_export.save_onnx(model, folder / f"estimate_{result.family}.onnx")
        context.log.info(f"{result.family}: {decision.reason}")
        rows.append(decision.as_dict())
    table = pd.DataFrame(rows, columns=list(onnx_export.OnnxDecision.__dataclass_fields__))
    path = onnx_decision_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    yield from emit(
        frames.to_polars(table),
        metadata={
            "decisions": dg.MetadataValue.md(
                table.to_markdown(index=False, floatfmt=".4g") if rows else "none"
            ),
            "serve_onnx": dg.MetadataValue.json({r["family"]: r["serve_onnx"] for r in rows}),
            "json_path": dg.MetadataValue.path(str(path)),
        },
    )


class DocumentsConfig(dg.Config):
    """Where the documents go (default ``<data dir>/reports/documents``) and a champion folder that
    overrides the champion store's for this run."""

    docs_dir: str = ""
    champion_folder: str = ""

    def docs_root(self) -> Path:
        return paths.resolve(self.docs_dir) if self.docs_dir else documents.generated_dir()


def _onnx_notes(cards: dict[str, dict | None], decisions: pd.DataFrame) -> dict[str, str]:
    notes = {}
    for task, card in cards.items():
        family = (card or {}).get("family")
        if task != ESTIMATE or family is None:
            continue
        note = onnx_export.champion_applicability(family)
        hit = decisions[decisions["family"] == family] if "family" in decisions else decisions.iloc[0:0]
        if not hit.empty:
            note += f"; {hit['reason'].iloc[0]}"
        notes[task] = note
    return notes


@dg.asset(group_name=GROUP, kinds={"markdown"}, deps=["champion_estimate_model", "champion_forecast_model"])
def generated_documents(
    context: dg.AssetExecutionContext,
    config: DocumentsConfig,
    champion_store: ChampionStore,
    model_leaderboard: pl.DataFrame,
    onnx_decision: pl.DataFrame,
    eda_descriptive_statistics: pl.DataFrame,
    eda_distributions: pl.DataFrame,
    eda_correlation_heatmap: pl.DataFrame,
    eda_consumption_profiles: pl.DataFrame,
    eda_co2_vs_usage: pl.DataFrame,
    eda_seasonal_decomposition: pl.DataFrame,
    eda_autocorrelation: pl.DataFrame,
    eda_feature_ranking: pl.DataFrame,
    eda_data_quality_summary: pl.DataFrame,
) -> dg.MaterializeResult:
    """The ML Canvas and one model card per champion, from the leaderboard, EDA and champions."""
    summaries = {
        "descriptive_statistics": eda_descriptive_statistics,
        "distributions": eda_distributions,
        "correlation_heatmap": eda_correlation_heatmap,
        "consumption_profiles": eda_consumption_profiles,
        "co2_vs_usage": eda_co2_vs_usage,
        "seasonal_decomposition": eda_seasonal_decomposition,
        "autocorrelation": eda_autocorrelation,
        "feature_ranking": eda_feature_ranking,
        "data_quality_summary": eda_data_quality_summary,
    }
    root = champion_store.folder(config.champion_folder)
    cards = {task: champion.current_card(root, task) for task in TASKS}
    written = documents.write_documents(
        config.docs_root(),
        frames.to_pandas(model_leaderboard),
        {name: frames.to_pandas(frame) for name, frame in summaries.items()},
        cards,
        onnx_notes=_onnx_notes(cards, frames.to_pandas(onnx_decision)),
    )
    context.log.info(f"wrote {[str(p) for p in written]}")
    canvas = written[0].read_text(encoding="utf-8")
    return dg.MaterializeResult(
        metadata={
            "documents": dg.MetadataValue.json([str(p) for p in written]),
            "ml_canvas_path": dg.MetadataValue.path(str(written[0])),
            "ml_canvas": dg.MetadataValue.md(canvas.split("## Figures")[0]),
            "champions": dg.MetadataValue.json({t: (c or {}).get("family") for t, c in cards.items()}),
        }
    )
