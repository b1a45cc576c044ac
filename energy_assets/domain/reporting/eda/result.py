"""What every analysis returns, and where its figures go (``<data dir>/reports/figures``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from energy_assets.domain import paths


@dataclass
class EdaResult:
    """One analysis: its figures, the numbers behind them, findings worded from those numbers."""

    name: str
    figures: list[Path]
    numbers: dict[str, float]
    findings: list[str]
    table: pd.DataFrame | None = field(default=None)

    def findings_markdown(self) -> str:
        return "\n".join(f"- {line}" for line in self.findings)

    def summary_frame(self) -> pd.DataFrame:
        """Numbers and findings as rows (``name``, ``value``, ``text``): what the warehouse stores."""
        rows = [(k, float(v), "") for k, v in self.numbers.items()]
        rows += [(f"finding_{i + 1}", float("nan"), text) for i, text in enumerate(self.findings)]
        return pd.DataFrame(rows, columns=["name", "value", "text"])


def figures_dir() -> Path:
    return paths.reports_dir() / "figures"


def output_folder(folder: Path | None) -> Path:
    out = Path(folder) if folder is not None else figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    return out


def save_figure(fig: plt.Figure, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
