"""The pipeline writes its documents under the data folder; publishing them into docs/ is a command."""

from __future__ import annotations

import pandas as pd

from energy_assets.defs.analysis.assets import DocumentsConfig
from energy_assets.domain import paths
from energy_assets.domain.reporting import documents, eda
from energy_assets.domain.training import leaderboard

BOARD = pd.DataFrame(
    [
        {"task": "estimate", "model": "physics", "split": "test", "rmse": 0.0232, "is_champion": True},
        {"task": "forecast", "model": "seasonal_naive", "split": "test", "rmse": 24.7, "is_champion": True},
    ]
).reindex(columns=list(leaderboard.COLUMNS))


def test_the_documents_go_under_the_data_folder_not_into_the_repository(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(tmp_path / "data"))
    root = DocumentsConfig().docs_root()
    assert root == documents.generated_dir() == paths.data_dir() / "reports" / "documents"
    assert not root.is_relative_to(documents.PUBLISHED_DIR)


def test_publish_copies_them_with_the_figure_links_repointed(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(tmp_path / "data"))
    written = documents.write_documents(
        documents.generated_dir(), BOARD, {}, {"estimate": None, "forecast": None}
    )
    canvas = written[0].read_text(encoding="utf-8")
    assert "](../figures/consumption_profiles.png)" in canvas
    assert (documents.generated_dir() / ".." / "figures").resolve() == eda.figures_dir()
    target = tmp_path / "repo" / "docs"
    published = documents.publish(target=target)
    assert {p.relative_to(target).as_posix() for p in published} == {
        "ML_Canvas.md",
        "model_cards/estimate.md",
        "model_cards/forecast.md",
    }
    copy = (target / "ML_Canvas.md").read_text(encoding="utf-8")
    assert "](../../data/reports/figures/consumption_profiles.png)" in copy
    assert copy.replace("../../data/reports/figures/", "../figures/") == canvas
