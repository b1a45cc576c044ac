"""Where the project keeps its files, resolved from one place and never from the working directory."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root when installed in editable mode (the supported set-up: ``make run``).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Root of generated data; ``ENERGY_DATA_DIR`` overrides ``<project>/data``."""
    return Path(os.environ.get("ENERGY_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def raw_dir() -> Path:
    return data_dir() / "raw"


def warehouse_path() -> Path:
    """DuckDB file analysts open read-only; ``ENERGY_WAREHOUSE`` overrides it."""
    return Path(os.environ.get("ENERGY_WAREHOUSE", data_dir() / "warehouse.duckdb")).resolve()


def champion_dir() -> Path:
    """Default folder of the champion bundles: ``<data dir>/champion``.

    ``ENERGY_CHAMPION_DIR`` overrides it; each process reads that variable once, in its settings
    (the API's ``Settings``, the pipeline's ``ChampionStore`` resource).
    """
    return data_dir() / "champion"


def inbox_dir() -> Path:
    """Default folder of incoming readings files: ``<data dir>/inbox`` (``ENERGY_INBOX_DIR`` overrides
    it, read once per process in its settings: the pipeline's ``Inbox`` resource, the API's ``Settings``)."""
    return data_dir() / "inbox"


def plan_dir() -> Path:
    """Default folder of the plant's production plans: ``<data dir>/plan`` (``ENERGY_PLAN_DIR``)."""
    return data_dir() / "plan"


def reports_dir() -> Path:
    return data_dir() / "reports"


def resolve(path: str | os.PathLike[str]) -> Path:
    """Absolute paths stay; relative ones are taken from the project root, not the CWD."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()
