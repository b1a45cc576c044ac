"""Generated documents: the ML Canvas and one model card per champion, from what the pipeline measured.

Inputs are the leaderboard (rows of :mod:`energy_assets.domain.training.leaderboard`), the EDA summaries (the
``name``/``value``/``text`` frames of :meth:`energy_assets.domain.reporting.eda.EdaResult.summary_frame`, keyed by
analysis name) and the champion ``bundle.json`` cards. Every figure in the text is read from them, so
the documents change when the data or the models do; a missing input says "not measured" instead of
inventing a number.

The pipeline writes them under the data folder (:func:`generated_dir`); :func:`publish` copies them
into the repository's ``docs/`` on purpose (``energy docs --publish``), so running the pipeline never
changes a tracked file. Figure links are relative to where a copy lies, so both copies show them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain import features, paths
from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.tasks import ESTIMATE, FORECAST, PAPER_TEST, TASKS, TEST, VALIDATION
from energy_assets.domain.training.leaderboard import PINBALL_COLUMNS

CANVAS_FILE = "ML_Canvas.md"
#: Where ``energy docs --publish`` puts the published copies (tracked in git).
PUBLISHED_DIR = paths.PROJECT_ROOT / "docs"
MODEL_CARDS_DIR = "model_cards"
NOT_MEASURED = "not measured"
CANVAS_SECTIONS: tuple[str, ...] = (
    "Value proposition",
    "Prediction task",
    "Decisions",
    "Impact simulation",
    "Making predictions",
    "Data sources and collection",
    "Features",
    "Building models",
    "Monitoring",
)


def _number(eda: Mapping[str, pd.DataFrame], analysis: str, name: str) -> float | None:
    frame = eda.get(analysis)
    if frame is None:
        return None
    hit = frame.loc[frame["name"] == name, "value"]
    if hit.empty or pd.isna(hit.iloc[0]):
        return None
    return float(hit.iloc[0])


def _fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return NOT_MEASURED if value is None else pattern.format(value)


def _findings(eda: Mapping[str, pd.DataFrame], analysis: str) -> list[str]:
    frame = eda.get(analysis)
    if frame is None:
        return []
    return [t for t in frame["text"].tolist() if isinstance(t, str) and t]


def _score(board: pd.DataFrame, task: str, model: str, split: str, metric: str) -> float | None:
    rows = board[(board["task"] == task) & (board["model"] == model) & (board["split"] == split)]
    if rows.empty or pd.isna(rows[metric].iloc[0]):
        return None
    return float(rows[metric].iloc[0])


def champion_of(board: pd.DataFrame, task: str) -> str | None:
    rows = board[(board["task"] == task) & board["is_champion"].astype(bool)]
    return None if rows.empty else str(rows["model"].iloc[0])


def _task_table(board: pd.DataFrame, task: str) -> str:
    rows = board[board["task"] == task]
    if rows.empty:
        return f"_No {task} model on the leaderboard._"
    cols = [
        c for c in ("model", "split", "rmse", "mae", "cv_pct", "mase", "coverage_80", "status") if c in rows
    ]
    if task == ESTIMATE:
        cols = [c for c in cols if c not in ("mase", "coverage_80")]
    table = rows[cols].dropna(axis=1, how="all").copy()
    table["model"] = [
        f"**{m}** ★" if c else m for m, c in zip(rows["model"], rows["is_champion"], strict=True)
    ]
    return table.to_markdown(index=False, floatfmt=".4f")


def ml_canvas_markdown(
    board: pd.DataFrame,
    eda: Mapping[str, pd.DataFrame],
    cards: Mapping[str, Mapping[str, Any] | None],
    figures_rel: str = "../figures",
) -> str:
    """The nine sections of the ML Canvas, filled from the leaderboard, EDA numbers and champion cards."""
    est = champion_of(board, ESTIMATE)
    fc = champion_of(board, FORECAST)
    est_test = _score(board, ESTIMATE, est, TEST, "rmse") if est else None
    est_paper = _score(board, ESTIMATE, est, PAPER_TEST, "rmse") if est else None
    anchor = _score(board, ESTIMATE, "cubist (published)", PAPER_TEST, "rmse")
    fc_test = _score(board, FORECAST, fc, TEST, "rmse") if fc else None
    fc_mase = _score(board, FORECAST, fc, TEST, "mase") if fc else None
    fc_cov = _score(board, FORECAST, fc, TEST, "coverage_80") if fc else None
    naive_test = _score(board, FORECAST, "seasonal_naive", TEST, "rmse")
    total_mwh = _number(eda, "descriptive_statistics", "total_usage_mwh")
    max_share = _number(eda, "consumption_profiles", "maximum_tariff_energy_share_pct")
    max_load_share = _number(eda, "consumption_profiles", "maximum_load_energy_share_pct")
    daily = _number(eda, "seasonal_decomposition", "daily_seasonal_strength")
    weekly = _number(eda, "seasonal_decomposition", "weekly_seasonal_strength")
    rows = _number(eda, "descriptive_statistics", "rows")
    kept = _number(eda, "data_quality_summary", "rows_kept_pct")
    pf_low = _number(eda, "distributions", "lagging_pf_below_90_pct")
    n_models = {t: int(board.loc[board["task"] == t, "model"].nunique()) for t in TASKS}
    ranking = _findings(eda, "feature_ranking")
    quantiles = (
        ", ".join(f"{q:g}" for q in (cards.get(FORECAST) or {}).get("quantiles") or []) or NOT_MEASURED
    )
    lines = [
        "# ML Canvas: energy-copilot",
        "",
        f"_Generated by the `generated_documents` asset on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the "
        "leaderboard, the EDA assets and the champion bundles. Do not edit by hand: re-materialize._",
        "",
        "## 1. Value proposition",
        f"A steel plant drawing {_fmt(total_mwh, '{:,.1f}')} MWh a year, {_fmt(max_share, '{:.1f}')} % of it in "
        "KEPCO maximum-price periods, needs tomorrow's 15-minute load and the cost/CO2 of moving it. The "
        "energy manager gets forecasts with 80 % intervals, meter-consistent usage estimates and scenario "
        "answers (cost in KRW, tCO2) through the API, the UI and the CLI.",
        "",
        "## 2. Prediction task",
        f"- **estimate**: usage_kwh of an interval from the same interval's readings (regression, "
        f"{len(features.ESTIMATE_FEATURES)} inputs); fills meter gaps and checks readings.",
        f"- **forecast**: usage_kwh for the next {schema.INTERVALS_PER_DAY} intervals (24 h) with quantiles "
        f"{quantiles}, from history and the planned {schema.LOAD_TYPE} schedule "
        f"({len(features.FORECAST_FEATURES)} inputs).",
        "",
        "## 3. Decisions",
        f"- Shift flexible Maximum_Load work ({_fmt(max_load_share, '{:.1f}')} % of the energy) out of "
        "maximum-price hours; the scenario endpoint prices each shift with the tariff.",
        f"- Correct the lagging power factor (below 90 % in {_fmt(pf_low, '{:.1f}')} % of intervals) where "
        "the surcharge applies.",
        "- Plan the next day's load against the forecast's upper quantile.",
        "",
        "## 4. Impact simulation",
        f"- Estimate champion **{est or NOT_MEASURED}**: test RMSE {_fmt(est_test, '{:.4f}')} kWh; on the "
        f"paper's random 75/25 split {_fmt(est_paper, '{:.4f}')} kWh vs the published CUBIST "
        f"{_fmt(anchor, '{:.4f}')} kWh.",
        f"- Forecast champion **{fc or NOT_MEASURED}**: test RMSE {_fmt(fc_test, '{:.2f}')} kWh, MASE "
        f"{_fmt(fc_mase, '{:.3f}')}, 80 % interval coverage {_fmt(fc_cov, '{:.3f}')}; seasonal naive "
        f"{_fmt(naive_test, '{:.2f}')} kWh.",
        "- Champions are chosen on VALIDATION RMSE only; the test window is reported, never used to choose.",
        "",
        "## 5. Making predictions",
        "- FastAPI serves the champion bundles (native formats, no pickle); batch scoring and scenarios on "
        "request, the forecast from the bundled recent history.",
        f"- Estimate latency {_fmt((cards.get(ESTIMATE) or {}).get('predict_us_per_row'), '{:.2f}')} µs/row; "
        f"forecast {_fmt((cards.get(FORECAST) or {}).get('predict_ms_per_forecast'), '{:.1f}')} ms per "
        "96-step forecast (measured at training).",
        "",
        "## 6. Data sources and collection",
        f"- UCI Steel Industry Energy Consumption (DAEWOO Steel, Gwangyang), {_fmt(rows, '{:,.0f}')} "
        f"15-minute intervals of 2018; {_fmt(kept, '{:.2f}')} % of rows kept by the cleaner.",
        "- In production, the plant feed (one partition per day) replays into the warehouse; the dirty course "
        "copy exercises the cleaner.",
        "",
        "## 7. Features",
        *[f"- {line}" for line in ranking],
        f"- Seasonal strength (MSTL, hourly): daily {_fmt(daily)}, weekly {_fmt(weekly)}.",
        "",
        "## 8. Building models",
        f"- {n_models.get(ESTIMATE, 0)} estimate and {n_models.get(FORECAST, 0)} forecast models on the "
        f"leaderboard; temporal split {'/'.join(f'{f * 100:.0f}' for f in splits.DEFAULT_FRACTIONS)} % "
        f"train/validation/test plus the paper's random {100 - splits.DEFAULT_TEST_FRACTION * 100:.0f}/"
        f"{splits.DEFAULT_TEST_FRACTION * 100:.0f}.",
        "- Retrained weekly and on drift (Dagster schedule + sensor), tracked in MLflow; a new champion is "
        "promoted only if it beats the current one on validation.",
        "",
        "### Estimate leaderboard",
        _task_table(board, ESTIMATE),
        "",
        "### Forecast leaderboard",
        _task_table(board, FORECAST),
        "",
        "## 9. Monitoring",
        "- `drift_report`: PSI per feature and the champion's rolling error against thresholds; a "
        "`drift` verdict opens an episode, requests one retrain and sends one alert (e-mail/webhook).",
        "- Failed runs alert through the same channels, once per failing job until it succeeds again.",
        "",
        "## Figures",
        *[
            f"![{name}]({figures_rel}/{name}.png)"
            for name in (
                "consumption_profiles",
                "stl_decomposition",
                "acf_pacf",
                "feature_ranking",
                "correlation_heatmap",
            )
        ],
        "",
    ]
    return "\n".join(lines)


def model_card_markdown(
    task: str,
    card: Mapping[str, Any] | None,
    board: pd.DataFrame,
    eda: Mapping[str, pd.DataFrame],
    onnx_note: str | None = None,
) -> str:
    """A model card (Mitchell et al. headings) for the champion of ``task``."""
    family = (card or {}).get("family") or champion_of(board, task)
    metrics = (card or {}).get("metrics") or {}
    rows = board[(board["task"] == task) & (board["model"] == family)] if family else board.iloc[0:0]
    shown = (
        "split",
        "plan",
        "rmse",
        "mae",
        "cv_pct",
        "mase",
        "coverage_80",
        "coverage_50",
        "crps",
        "crossings",
    )
    scores = rows[[c for c in (*shown, *PINBALL_COLUMNS) if c in rows]]
    scores = scores.dropna(axis=1, how="all")
    lines = [
        f"# Model card: {task} champion ({family or NOT_MEASURED})",
        "",
        "_Generated from the champion bundle and the leaderboard; do not edit by hand._",
        "",
        "## Model details",
        f"- Family: {family or NOT_MEASURED}; selected by {(card or {}).get('selected_by', 'lowest validation RMSE')}.",
        f"- Code version: {(card or {}).get('code_version', NOT_MEASURED)}; data version: "
        f"{(card or {}).get('data_version', NOT_MEASURED)}; created {(card or {}).get('created_at', NOT_MEASURED)}.",
        f"- Saved size: {_fmt((card or {}).get('model_size_bytes'), '{:,.0f}')} bytes; fit "
        f"{_fmt((card or {}).get('fit_seconds'), '{:.2f}')} s on {(card or {}).get('device', NOT_MEASURED)}.",
        f"- Promotion: {((card or {}).get('extra') or {}).get('promotion', NOT_MEASURED)}",
        "",
        "## Intended use",
        (
            "Estimate usage_kwh of a 15-minute interval from its reactive energy, power factors, CO2 and "
            "calendar; for gap filling and meter plausibility, not for billing."
            if task == ESTIMATE
            else "Forecast the next 24 h of usage_kwh in 15-minute steps with 80 % intervals, for planning "
            "load against the tariff; not a guarantee of consumption."
        ),
        "",
        "## Inputs",
        f"{len((card or {}).get('feature_columns') or [])} columns: "
        f"{', '.join((card or {}).get('feature_columns') or []) or NOT_MEASURED}.",
        "",
        "## Metrics",
        scores.to_markdown(index=False, floatfmt=".4f") if not scores.empty else f"_{NOT_MEASURED}_",
        "",
        f"Validation RMSE in the bundle: {_fmt((metrics.get(VALIDATION) or {}).get('rmse'), '{:.4f}')}.",
        "",
        "## Training data",
        *[f"- {line}" for line in _findings(eda, "descriptive_statistics")],
        *[f"- {line}" for line in _findings(eda, "data_quality_summary")],
        "",
        "## Caveats",
        "- One plant, one year (2018): seasonal effects are seen once; drift monitoring watches for change.",
        *[f"- {line}" for line in _findings(eda, "co2_vs_usage")[1:]],
    ]
    if onnx_note:
        lines += ["", "## Serving format", f"- {onnx_note}"]
    return "\n".join(lines) + "\n"


def generated_dir() -> Path:
    """Where the pipeline writes the documents: ``<data dir>/reports/documents``."""
    return paths.reports_dir() / "documents"


def figures_link(folder: str | os.PathLike[str]) -> str:
    """The EDA figures folder relative to ``folder`` (what a document there links its PNGs with)."""
    from energy_assets.domain.reporting.eda import figures_dir

    return Path(os.path.relpath(figures_dir(), Path(folder).resolve())).as_posix()


def write_documents(
    docs_dir: str | Path,
    board: pd.DataFrame,
    eda: Mapping[str, pd.DataFrame],
    cards: Mapping[str, Mapping[str, Any] | None],
    onnx_notes: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``ML_Canvas.md`` and ``model_cards/<task>.md`` (one per task with a champion)."""
    root = Path(docs_dir)
    (root / MODEL_CARDS_DIR).mkdir(parents=True, exist_ok=True)
    canvas = root / CANVAS_FILE
    canvas.write_text(ml_canvas_markdown(board, eda, cards, figures_link(root)), encoding="utf-8")
    written = [canvas]
    for task in TASKS:
        if cards.get(task) is None and champion_of(board, task) is None:
            continue
        path = root / MODEL_CARDS_DIR / f"{task}.md"
        note = (onnx_notes or {}).get(task)
        path.write_text(model_card_markdown(task, cards.get(task), board, eda, note), encoding="utf-8")
        written.append(path)
    return written


__all__ = [
    "CANVAS_FILE",
    "CANVAS_SECTIONS",
    "MODEL_CARDS_DIR",
    "champion_of",
    "generated_dir",
    "ml_canvas_markdown",
    "model_card_markdown",
    "publish",
    "write_documents",
]


def publish(
    source: str | os.PathLike[str] | None = None, target: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Copy the generated ML Canvas and model cards (default :func:`generated_dir`) into ``target``
    (default the repository's ``docs/``), the figure links re-pointed from the new place."""
    src = Path(source) if source is not None else generated_dir()
    dst = Path(target) if target is not None else PUBLISHED_DIR
    if not (src / CANVAS_FILE).is_file():
        raise FileNotFoundError(f"nothing to publish: no {CANVAS_FILE} in {src} (run `make run` first)")
    files = [src / CANVAS_FILE, *sorted((src / MODEL_CARDS_DIR).glob("*.md"))]
    old, new = re.escape(figures_link(src)), figures_link(dst)
    written = []
    for file in files:
        out = dst / file.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = re.sub(rf"\]\({old}/", f"]({new}/", file.read_text(encoding="utf-8"))
        out.write_text(text, encoding="utf-8")
        written.append(out)
    return written
