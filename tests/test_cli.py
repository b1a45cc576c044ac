"""The `energy` CLI: dirty -> clean -> score, the same code paths as the assets."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from energy_assets.cli import app

runner = CliRunner()


def test_dirty_clean_score_round_trip(tmp_path: Path, reference_csv: Path):
    dirty_csv = tmp_path / "dirty.csv"
    out = runner.invoke(app, ["dirty", str(reference_csv), "--out", str(dirty_csv), "--seed", "42"])
    assert out.exit_code == 0, out.output
    counts = json.loads(out.output)
    assert counts["rows_out"] == 35_340
    manifest = json.loads((tmp_path / "dirty.manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["counts"]["duplicate_row"] == 300

    cleaned = tmp_path / "clean.parquet"
    out = runner.invoke(
        app,
        [
            "clean",
            str(dirty_csv),
            "--out",
            str(cleaned),
            "--quarantine",
            str(tmp_path / "q.parquet"),
            "--report",
            str(tmp_path / "r.json"),
            "--repairs",
            str(tmp_path / "repairs.parquet"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "rows in 35340, out 35040" in out.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["rows_accounted"] == 35_340

    out = runner.invoke(app, ["score", str(cleaned), str(reference_csv)])
    assert out.exit_code == 0, out.output
    score = json.loads(out.output)
    assert score["passes"] and score["rows_recovered"] == 35_040


def test_score_exits_non_zero_below_the_bar(tmp_path: Path, reference_csv: Path, clean_reference):
    partial = tmp_path / "partial.parquet"
    clean_reference.head(1000).to_parquet(partial)
    out = runner.invoke(app, ["score", str(partial), str(reference_csv)])
    assert out.exit_code == 1
    assert json.loads(out.output)["passes"] is False


def test_dirty_rejects_a_rate_above_one(tmp_path: Path, reference_csv: Path):
    out = runner.invoke(
        app, ["dirty", str(reference_csv), "--out", str(tmp_path / "x.csv"), "--missing", "1.5"]
    )
    assert out.exit_code != 0
