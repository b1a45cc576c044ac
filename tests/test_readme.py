"""The README's layout section names every package and module of the tree, and nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def test_every_domain_module_and_folder_is_in_the_layout() -> None:
    layout = _layout()
    words = set(re.findall(r"[a-z_]+", layout))
    missing = []
    for path in sorted((ROOT / "energy_assets" / "domain").rglob("*.py")):
        name = path.parent.name if path.name == "__init__.py" else path.stem
        if name not in words:
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def test_every_file_the_layout_names_exists() -> None:
    layout = _layout()
    for name in re.findall(r"\b([a-z_]+\.py)\b", layout):
        assert list(ROOT.glob(f"energy_*/**/{name}")) or list(ROOT.glob(f"energy_*/{name}")), name
    for folder in ("energy_assets/defs", "energy_api/routers", "energy_api/copilot", "energy_ui/app_pages"):
        assert (ROOT / folder).is_dir()
