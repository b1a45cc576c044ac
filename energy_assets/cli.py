"""``energy``: one command per verb, thin over the domain and the Dagster definitions.

Every error ends in ONE line on stderr (``error: ...``) and exit code 1; ``energy --debug <command>``
shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from energy_assets.domain import paths

#: Read by the cleaning asset: the raw file's date layout when its values cannot decide it.
DATE_FORMAT_ENV = "ENERGY_DATE_FORMAT"
_debug = {"on": False}


def one_line(exc: BaseException) -> str:
    """An exception as one line: its message (first line), or its type when it has none."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    known = isinstance(exc, ValueError | OSError)  # domain errors carry their own words
    return first if (first and known) else f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class _OneLineErrors(typer.Typer):
    """A Typer app whose errors are one line (the traceback only with --debug)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            if _debug["on"] or "--debug" in sys.argv[1:2]:
                raise
            typer.echo(f"error: {one_line(exc)}  (energy --debug ... shows the traceback)", err=True)
            raise SystemExit(1) from None


app = _OneLineErrors(
    help="energy-copilot: steel plant energy data platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="On an error, show the full traceback.")] = False,
) -> None:
    _debug["on"] = debug


def dagster_environment() -> dict[str, str]:
    """DAGSTER_HOME (holding dagster.yaml) and the storage folder it points at, unless already set."""
    env = {
        "DAGSTER_HOME": os.environ.get("DAGSTER_HOME", str(paths.PROJECT_ROOT)),
        "ENERGY_DAGSTER_STORAGE": os.environ.get("ENERGY_DAGSTER_STORAGE", str(paths.data_dir() / "dagster")),
    }
    Path(env["ENERGY_DAGSTER_STORAGE"]).mkdir(parents=True, exist_ok=True)
    return env


def check_raw_source(date_format: str | None = None) -> Path:
    """Before a run: the raw file the ingest asset will read exists (or is downloaded), is a readable
    export and its date layout is decided; any problem is one :class:`ingest.RawDataError` line."""
    from energy_assets.domain.data import cleaning, ingest

    configured = os.environ.get("ENERGY_RAW_CSV")
    path = paths.resolve(configured) if configured else paths.raw_dir() / ingest.UCI_FILENAME
    ingest.ensure_raw_file(path)
    frame = ingest.read_raw(path)
    ingest.validate_raw(frame)
    if not date_format:
        cleaning.decide_date_order(frame[ingest.schema.RAW_DATE])
    return path


@app.command()
def run(
    job: Annotated[str, typer.Option(help="Job to execute.")] = "materialize_all",
    date_format: Annotated[
        str | None, typer.Option(help="The raw file's date layout, e.g. '%m/%d/%Y %H:%M' (default: decided).")
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="Only these assets of the job (repeat the option).")
    ] = None,
    log_level: Annotated[
        str,
        typer.Option(
            help="Console log level: INFO shows each asset's findings; DEBUG every Dagster event "
            "(the run's event log in the UI keeps all of them either way)."
        ),
    ] = "INFO",
) -> None:
    """Materialize the whole asset graph once (a run of the code location, visible in the Dagster UI's
    job history) and say where outputs went; exits 1 when the run fails."""
    level = log_level.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"--log-level {log_level!r} is not a log level (DEBUG, INFO, WARNING, ERROR)")
    if date_format:
        os.environ[DATE_FORMAT_ENV] = date_format
    check_raw_source(date_format or os.environ.get(DATE_FORMAT_ENV))
    os.environ.update(dagster_environment())
    import dagster as dg

    from energy_assets.definitions import defs
    from energy_assets.launcher import launch_job, resolve_selection

    # Launched through the code location (not execute_in_process), so the run shows on the UI's
    # Overview timeline and in the job's run history, with "Re-execute" working from there.
    selection, added = resolve_selection(select or [], defs()) if select else ([], [])
    if added:
        typer.echo(f"also selected, written by the same step: {', '.join(added)}")
    run_config = {"loggers": {"console": {"config": {"log_level": level}}}}
    result = launch_job(
        dg.DagsterInstance.get(), job, run_config=run_config, asset_selection=selection or None
    )
    typer.echo(render_summary(result))
    if not result.success:
        raise typer.Exit(code=1)


@app.command("simulate-live")
def simulate_live(
    days: Annotated[int, typer.Option(help="Days delivered to the inbox, one file a day.")] = 14,
    year: Annotated[int, typer.Option(help="Year the readings are moved to (whole weeks).")] = 2025,
    folder: Annotated[
        Path,
        typer.Option(help="Its own data folder (warehouse, inbox, champion, Dagster instance); replaced."),
    ] = Path("data/simulation"),
    champion_dir: Annotated[
        Path | None,
        typer.Option(help="Serve this champion root's forecast bundle (default: a seasonal naive)."),
    ] = None,
) -> None:
    """The live loop in one process: day files into the inbox, ingest runs, day-ahead forecasts, scores."""
    from energy_assets.defs.operations.simulate import simulate_live as run_simulation

    raw = check_raw_source()
    summary = run_simulation(
        paths.resolve(folder), days=days, year=year, raw_csv=raw, champion_dir=champion_dir, echo=typer.echo
    )
    typer.echo(json.dumps(summary, indent=2, default=str))
    if not (summary["intervals_unique"] and summary["equals_expected_history"]):
        raise typer.Exit(code=1)


def render_summary(result) -> str:
    """Asset by asset: rows, where it is stored, and the checks' verdicts."""
    from energy_assets.domain.training import tracking

    experiment_id = tracking.ensure_experiment(tracking.tracking_uri())
    lines = [f"run {result.run_id}: {'SUCCESS' if result.success else 'FAILURE'}", ""]
    warehouse = paths.warehouse_path()
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        name = mat.asset_key.to_user_string()
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        rows = meta.get("dagster/row_count")
        where = [f"{warehouse}::main.{name}"] if rows is not None else []
        if "views" in meta:
            where.append(f"{warehouse} (SQL views)")
        where += [str(v) for k, v in meta.items() if k.endswith("_path")]
        where = where or ["(metadata only)"]
        lines.append(f"  {name:<28} {'' if rows is None else f'{rows:>7} rows'}  -> {', '.join(where)}")
    evaluations = result.get_asset_check_evaluations()
    if evaluations:
        lines += ["", "checks:"]
        for evaluation in evaluations:
            verdict = "PASS" if evaluation.passed else f"FAIL ({evaluation.severity.value})"
            name = f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"
            lines.append(f"  {name:<58} {verdict}")
    lines += [
        "",
        f"warehouse: {warehouse} (open read-only: duckdb -readonly {warehouse})",
        f"reports:   {paths.reports_dir()}",
        f"UI:        make serve, then {tracking.dagster_ui_url()}/jobs (Dagster) and",
        f"           {tracking.experiment_url(experiment_id)} (MLflow)",
    ]
    return "\n".join(lines)


@app.command(name="mlflow-url")
def mlflow_url() -> None:
    """The MLflow UI address of the project's experiment (what ``make serve`` opens)."""
    from energy_assets.domain.training import tracking

    typer.echo(tracking.experiment_url(tracking.ensure_experiment(tracking.tracking_uri())))


@app.command()
def download(
    out: Annotated[Path, typer.Option(help="Where to write the UCI CSV.")] = Path(
        "data/raw/steel_industry_data.csv"
    ),
) -> None:
    """Download the UCI release (if absent) and validate its schema and row count."""
    from energy_assets.domain.data import ingest

    target = ingest.ensure_raw_file(paths.resolve(out))
    typer.echo(f"{target} ({ingest.sha256_of(target)})")


@app.command()
def dirty(
    input_csv: Annotated[Path, typer.Argument(help="Raw UCI-layout CSV to corrupt.")],
    out: Annotated[Path, typer.Option(help="Corrupted CSV to write.")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 42,
    manifest: Annotated[
        Path | None, typer.Option(help="Ground-truth manifest (default OUT.manifest.json).")
    ] = None,
    missing: Annotated[float, typer.Option(help="Share of blank cells.")] = 0.01,
    non_numeric: Annotated[float, typer.Option(help="Share of numeric cells given tokens.")] = 0.004,
    outliers: Annotated[float, typer.Option(help="Share of numeric cells made extreme.")] = 0.008,
    impossible: Annotated[float, typer.Option(help="Share made physically impossible.")] = 0.002,
    duplicate_rows: Annotated[int, typer.Option(help="Exact duplicate rows inserted.")] = 300,
    categorical_typos: Annotated[float, typer.Option(help="Share of categorical cells garbled.")] = 0.03,
    date_formats: Annotated[float, typer.Option(help="Share of dates in another layout.")] = 0.02,
) -> None:
    """Write a reproducibly corrupted copy of a raw file and its ground-truth manifest."""
    from energy_assets.domain.data import dirty as dirty_mod

    rates = dirty_mod.CorruptionRates(
        missing=missing,
        non_numeric=non_numeric,
        outliers=outliers,
        impossible=impossible,
        duplicate_rows=duplicate_rows,
        categorical_typos=categorical_typos,
        date_formats=date_formats,
    )
    result = dirty_mod.write_dirty(input_csv, out, seed=seed, rates=rates, manifest_path=manifest)
    typer.echo(json.dumps({"rows_out": result["rows_out"], "counts": result["counts"]}))


@app.command()
def clean(
    input_csv: Annotated[Path, typer.Argument(help="Raw plant export (UCI layout).")],
    out: Annotated[Path, typer.Option(help="Cleaned table (parquet).")],
    quarantine: Annotated[Path, typer.Option(help="Quarantined rows (parquet).")],
    report: Annotated[Path, typer.Option(help="Data-quality report (JSON).")],
    repairs: Annotated[Path | None, typer.Option(help="Cell repair log (parquet).")] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            help="Date layout, e.g. '%m/%d/%Y %H:%M'; default: day- or month-first decided from the file."
        ),
    ] = None,
) -> None:
    """Clean a raw export: the same implementation as the cleaned_steel_readings asset."""
    from energy_assets.domain.data import cleaning, ingest, validation

    read = ingest.read_export(input_csv)
    result = cleaning.clean(read.frame, cleaning.CleaningConfig(date_format=date_format))
    validation.validate_cleaned(result.cleaned)
    for path in (out, quarantine, report, repairs):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    result.cleaned.to_parquet(out, index=False)
    result.quarantine.to_parquet(quarantine, index=False)
    if repairs is not None:
        result.repairs.to_parquet(repairs, index=False)
    report.write_text(json.dumps(result.report, indent=1, default=str))
    r = result.report
    fmt = read.format
    typer.echo(
        f"rows in {r['rows_in']}, out {r['rows_out']}, quarantined {r['rows_quarantined']} "
        f"{r['quarantined_by_reason']}; cells repaired {r['cells_repaired']}, imputed {r['cells_imputed']}; "
        f"read as {fmt.encoding}, delimiter {fmt.delimiter!r}, decimal {fmt.decimal!r}, dates {r['date_layout']}"
    )


@app.command()
def score(
    cleaned: Annotated[Path, typer.Argument(help="Cleaned parquet from `energy clean`.")],
    reference: Annotated[Path, typer.Argument(help="The clean UCI CSV.")],
) -> None:
    """Score a cleaned table against the clean reference (exits 1 below the bar)."""
    import pandas as pd

    from energy_assets.domain.data import cleaning, ingest, scorecard

    ref = cleaning.clean(ingest.read_raw(reference)).cleaned
    result = scorecard.score(pd.read_parquet(cleaned), ref)
    typer.echo(json.dumps(result.as_dict()))
    if not result.passes:
        raise typer.Exit(code=1)


@app.command(name="leaderboard")
def show_leaderboard(
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as a JSON list.")] = False,
) -> None:
    """The latest model leaderboard (written by the model_leaderboard asset)."""
    path = paths.reports_dir() / "leaderboard.json"
    if not path.exists():
        typer.echo(
            f"no leaderboard at {path}: run `make run` (or materialize model_leaderboard) first", err=True
        )
        raise typer.Exit(code=1)
    records = json.loads(path.read_text(encoding="utf-8"))
    if as_json:
        typer.echo(json.dumps(records, indent=1))
        return
    import pandas as pd

    from energy_assets.domain.training import leaderboard

    typer.echo(leaderboard.to_markdown(pd.DataFrame(records).reindex(columns=list(leaderboard.COLUMNS))))


@app.command()
def docs(
    publish: Annotated[
        bool, typer.Option("--publish", help="Copy the generated ML Canvas and model cards into docs/.")
    ] = False,
    configuration: Annotated[
        bool, typer.Option("--configuration", help="Rewrite docs/configuration.md from the settings.")
    ] = False,
) -> None:
    """Update the published documents on purpose (``make run`` writes them under the data folder only)."""
    if not (publish or configuration):
        typer.echo("nothing to do: pass --publish and/or --configuration", err=True)
        raise typer.Exit(code=2)
    if publish:
        from energy_assets.domain.reporting import documents

        for path in documents.publish():
            typer.echo(f"published {path}")
    if configuration:
        from energy_assets import configuration as config_table

        typer.echo(f"wrote {config_table.write()}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in Spanish or English.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the same JSON as POST /copilot/chat.")
    ] = False,
) -> None:
    """Ask the copilot (offline rule planner by default; ENERGY_COPILOT_PLANNER=ollama for the LLM)."""
    from energy_api.main import ask as copilot_ask

    reply = copilot_ask(question)
    typer.echo(json.dumps(reply, ensure_ascii=False, indent=2, default=str) if as_json else reply["answer"])


@app.command("simulate-drift")
def simulate_drift(
    scenario: Annotated[
        str, typer.Option(help="all, co2_plus_50pct, load_type_shift, synthetic_outliers or stuck_sensor.")
    ] = "all",
    days: Annotated[int, typer.Option(help="Length of the replayed window in days.")] = 7,
    seed: Annotated[int, typer.Option(help="Injection seed; same seed, same injected feed.")] = 0,
    clean_replays: Annotated[int, typer.Option(help="Clean windows replayed to count false alarms.")] = 13,
    csv: Annotated[
        Path | None, typer.Option(help="Raw UCI export (default data/raw/steel_industry_data.csv).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the table as JSON here.")] = None,
) -> None:
    """Replay a held-out week clean and with each drift injected; print what the monitor decides."""
    from energy_assets.domain.data import cleaning, ingest
    from energy_assets.domain.monitoring import feed

    cleaned = cleaning.clean(ingest.read_raw(csv or paths.raw_dir() / ingest.UCI_FILENAME)).cleaned
    report = feed.simulate_drift(cleaned, scenario, days, seed, clean_replays=clean_replays)
    typer.echo(report.to_markdown())
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.to_frame().to_json(orient="records", indent=1))


if __name__ == "__main__":  # pragma: no cover
    app()
