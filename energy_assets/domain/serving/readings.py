"""The cleaned readings published for serving, next to the champion bundles.

``<champion root>/readings/`` holds ``readings.parquet`` (every cleaned reading, the cleaned schema)
and ``manifest.json`` (:mod:`energy_assets.domain.manifest`: every file's size and SHA-256, plus
rows, first and last timestamp and day, and the data version), written together and swapped in
atomically like a bundle (:func:`~energy_assets.domain.training.champion.replace_folder`). The API
reads the whole file into memory and closes it, so it never holds the warehouse (or this file) open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain import manifest
from energy_assets.domain.data import schema
from energy_assets.domain.manifest import MANIFEST_FILE, ManifestError
from energy_assets.domain.training.champion import replace_folder

READINGS = "readings"
READINGS_FILE = "readings.parquet"


def readings_folder(root: str | Path) -> Path:
    """Where :func:`publish_readings` puts the serving readings under the champion root."""
    return Path(root) / READINGS


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The cleaned columns, sorted by timestamp, with unique timestamps (checked, never dropped)."""
    missing = [c for c in schema.CLEAN_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"serving readings need the cleaned columns; missing {missing}")
    if frame.empty:
        raise ValueError("serving readings need at least one reading")
    out = frame[list(schema.CLEAN_COLUMNS)].copy()
    out[schema.TIMESTAMP] = pd.to_datetime(out[schema.TIMESTAMP])
    out = out.sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True)
    repeated = out[schema.TIMESTAMP].duplicated()
    if repeated.any():
        raise ValueError(
            f"serving readings repeat timestamps, e.g. {out[schema.TIMESTAMP][repeated].iloc[0]}"
        )
    return out


def publish_readings(frame: pd.DataFrame, root: str | Path, *, data_version: str) -> dict[str, Any]:
    """Write ``<root>/readings/`` (parquet, then its manifest; swapped in atomically); return the manifest."""
    readings = prepare(frame)
    first, last = readings[schema.TIMESTAMP].iloc[0], readings[schema.TIMESTAMP].iloc[-1]
    written: dict[str, Any] = {}

    def fill(staging: Path) -> None:
        readings.to_parquet(staging / READINGS_FILE, index=False)
        facts = {
            "kind": READINGS,
            "rows": len(readings),
            "first_timestamp": first.isoformat(),
            "last_timestamp": last.isoformat(),
            "first_day": (first - schema.INTERVAL).date().isoformat(),
            "last_day": (last - schema.INTERVAL).date().isoformat(),
            "data_version": data_version,
        }
        written.update(manifest.write_manifest(staging, extra=facts))

    replace_folder(readings_folder(root), fill)
    return written


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The readings' manifest (cheap: no parquet read), checked to describe serving readings."""
    found = manifest.read_manifest(folder)
    for key in ("rows", "first_timestamp", "last_timestamp", "created_at"):
        if key not in found:
            raise ManifestError("manifest_unreadable", f"{MANIFEST_FILE} has no '{key}' entry")
    return found


def load_readings(folder: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The published readings (read whole, file closed) after checking them against the manifest."""
    folder = Path(folder)
    checked = manifest.verify_manifest(folder, required=(READINGS_FILE,))
    read_manifest(folder)
    frame = pd.read_parquet(folder / READINGS_FILE)
    if len(frame) != checked["rows"]:
        raise ManifestError(
            "size_mismatch", f"{READINGS_FILE} has {len(frame)} rows, {MANIFEST_FILE} says {checked['rows']}"
        )
    return prepare(frame), checked


__all__ = [
    "MANIFEST_FILE",
    "READINGS",
    "READINGS_FILE",
    "ManifestError",
    "load_readings",
    "publish_readings",
    "read_manifest",
    "readings_folder",
]
