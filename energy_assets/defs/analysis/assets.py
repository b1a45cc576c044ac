"""Analysis: EDA assets with their figures in the UI, the ONNX decision, and the generated documents.

Each EDA asset stores its numbers and findings as a small ``name``/``value``/``text`` table in the
warehouse (so ``generated_documents`` reads them as inputs, with lineage) and attaches its PNG figures
to the materialization as markdown images, so they render in the Dagster UI.
"""

import base64
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.defs.outputs import emit
from energy_assets.defs.training.assets import ESTIMATE_KEYS, ChampionConfig
from energy_assets.domain import paths
from energy_assets.domain.data import frames
from energy_assets.domain.reporting import documents, eda, onnx_export
from energy_assets.domain.tasks import ESTIMATE, TASKS, TEMPORAL
from energy_assets.domain.training import champion
from energy_assets.domain.training.estimate import estimate_datasets
from energy_assets.domain.training.results import EVALUATED

GROUP = "analysis"
#: Figures larger than this are linked by path instead of inlined (keeps the event log small).
INLINE_LIMIT_BYTES = 400_000
DOCS_ENV = "ENERGY_DOCS_DIR"


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


def _emit_eda(context: dg.AssetExecutionContext, result: eda.EdaResult) -> Iterator:
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


def _clean_eda_asset(name: str, function: Callable[[pd.DataFrame], eda.EdaResult]) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"eda_{name}",
        group_name=GROUP,
        kinds={"pandas", "matplotlib"},
        code_version="1",
        description=(function.__doc__ or "").strip().splitlines()[0],
    )
    def _asset(context: dg.AssetExecutionContext, cleaned_steel_readings: pl.DataFrame) -> Iterator:
        yield from _emit_eda(context, function(frames.to_pandas(cleaned_steel_readings)))

    return _asset


CLEAN_ANALYSES: dict[str, Callable[[pd.DataFrame], eda.EdaResult]] = {
    "descriptive_statistics": eda.descriptive_statistics,
    "distributions": eda.distributions,
    "correlation_heatmap": eda.correlation_heatmap,
    "consumption_profiles": eda.consumption_profiles,
    "co2_vs_usage": eda.co2_vs_usage,
    "seasonal_decomposition": eda.seasonal_decomposition,
    "autocorrelation": eda.autocorrelation,
}
CLEAN_EDA_ASSETS = [_clean_eda_asset(name, fn) for name, fn in CLEAN_ANALYSES.items()]


@dg.asset(group_name=GROUP, kinds={"scikit-learn", "matplotlib"}, code_version="1")
def eda_feature_ranking(context: dg.AssetExecutionContext, steel_features: pl.DataFrame) -> Iterator:
    """Mutual information and Pearson correlation of every model input with usage_kwh."""
    yield from _emit_eda(context, eda.feature_ranking(frames.to_pandas(steel_features)))


@dg.asset(group_name=GROUP, kinds={"pandas", "matplotlib"}, code_version="1")
def eda_data_quality_summary(
    context: dg.AssetExecutionContext, data_quality_report: pl.DataFrame
) -> Iterator:
    """The cleaning's data-quality report as counts, a chart and findings."""
    yield from _emit_eda(context, eda.data_quality_summary(frames.to_pandas(data_quality_report)))


EDA_KEYS: list[str] = [
    *(f"eda_{name}" for name in CLEAN_ANALYSES),
    "eda_feature_ranking",
    "eda_data_quality_summary",
]
TREE_ESTIMATE_KEYS = {
    family: ESTIMATE_KEYS[family] for family in onnx_export.TREE_FAMILIES if family in ESTIMATE_KEYS
}


def onnx_decision_path() -> Path:
    return paths.reports_dir() / "onnx_decision.json"


@dg.asset(
    group_name=GROUP,
    kinds={"onnx"},
    code_version="1",
    ins={
        "steel_features": dg.AssetIn(),
        "steel_splits": dg.AssetIn(),
        **{key: dg.AssetIn(key=key) for key in TREE_ESTIMATE_KEYS.values()},
    },
)
def onnx_decision(context: dg.AssetExecutionContext, **inputs) -> Iterator:
    """Export the tree estimators to ONNX, check parity on the test split, time both, decide."""
    feats = frames.to_pandas(inputs.pop("steel_features"))
    data = estimate_datasets(feats, frames.to_pandas(inputs.pop("steel_splits")))[TEMPORAL]
    folder = paths.reports_dir() / "onnx"
    rows = []
    for family, key in TREE_ESTIMATE_KEYS.items():
        result = inputs[key]
        if result.status != EVALUATED or result.model is None:
            context.log.warning(f"{family}: {result.status}; no ONNX export")
            continue
        decision = onnx_export.evaluate_onnx(result.model, data.X_test)
        onnx_export.save_onnx(onnx_export.to_onnx(result.model), folder / f"estimate_{family}.onnx")
        context.log.info(f"{family}: {decision.reason}")
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
    """Where the documents go (``ENERGY_DOCS_DIR`` or ``<project>/docs``) and where the champions are."""

    docs_dir: str = ""
    champion_folder: str = ""

    def docs_root(self) -> Path:
        if self.docs_dir:
            return paths.resolve(self.docs_dir)
        return Path(os.environ.get(DOCS_ENV, paths.PROJECT_ROOT / "docs")).resolve()


def _cards(root: Path) -> dict[str, dict | None]:
    out: dict[str, dict | None] = {}
    for task in TASKS:
        try:
            out[task] = champion.read_bundle_card(champion.bundle_folder(root, task))
        except (champion.BundleError, OSError):
            out[task] = None
    return out


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


@dg.asset(
    group_name=GROUP,
    kinds={"markdown"},
    code_version="1",
    deps=["champion_estimate_model", "champion_forecast_model"],
    ins={
        "model_leaderboard": dg.AssetIn(),
        "onnx_decision": dg.AssetIn(),
        **{key: dg.AssetIn(key=key) for key in EDA_KEYS},
    },
)
def generated_documents(
    context: dg.AssetExecutionContext, config: DocumentsConfig, **inputs
) -> dg.MaterializeResult:
    """docs/ML_Canvas.md and docs/model_cards/<task>.md, written from the leaderboard, EDA and champions."""
    board = frames.to_pandas(inputs.pop("model_leaderboard"))
    decisions = frames.to_pandas(inputs.pop("onnx_decision"))
    summaries = {key.removeprefix("eda_"): frames.to_pandas(inputs[key]) for key in EDA_KEYS}
    cards = _cards(ChampionConfig(folder=config.champion_folder).root())
    written = documents.write_documents(
        config.docs_root(), board, summaries, cards, onnx_notes=_onnx_notes(cards, decisions)
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
