"""docs/configuration.md is the generated table, and it names every variable the product code reads."""

from __future__ import annotations

import re
from pathlib import Path

from energy_assets import configuration

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("energy_assets", "energy_api", "energy_ui")
#: Names the code spells that are not read as configuration (a launcher's own, a header, a prefix).
NOT_VARIABLES = {"ENERGY_"}
NAME = re.compile(
    r"""["']((?:ENERGY|MLFLOW|HF_HUB|TRANSFORMERS|OLLAMA|DAGSTER|PROMETHEUS)_[A-Z_]+|PORT)["']"""
)


def _spelled_in_the_code() -> set[str]:
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            names |= set(NAME.findall(path.read_text(encoding="utf-8")))
    return names - NOT_VARIABLES


def test_the_committed_table_is_the_generated_one() -> None:
    committed = configuration.CONFIGURATION_DOC.read_text(encoding="utf-8")
    assert committed == configuration.markdown(), (
        "run `energy docs --configuration` and commit docs/configuration.md"
    )


def test_every_variable_the_code_reads_is_in_the_table() -> None:
    listed = {v.name for v in configuration.variables()}
    missing = sorted(_spelled_in_the_code() - listed)
    assert missing == []
    assert {"ENERGY_CHAMPION_DIR", "ENERGY_DEVICE", "ENERGY_WAREHOUSE", "ENERGY_API_URL"} <= listed
    assert all(v.meaning for v in configuration.variables())
