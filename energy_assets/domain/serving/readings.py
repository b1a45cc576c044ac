"""The cleaned readings published for serving, next to the champion bundles.

``<champion root>/readings/`` holds ``readings.parquet`` (every cleaned reading, the cleaned schema)
and ``manifest.json`` (rows, first and last timestamp and day, sha256 and size of the parquet, the
data version, created_at), written together and swapped in atomically like a bundle
(:func:`~energy_assets.domain.training.champion.replace_folder`). The API reads the whole file
into memory and closes it, so it never holds the warehouse (or this file) open.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.training.champion import replace_folder

READINGS = "readings"
READINGS_FILE = "readings.parquet"
MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1


class ManifestError(ValueError):
    """A readings folder whose manifest is missing, malformed or does not match its parquet."""


def readings_folder(root: str | Path) -> Path:
    """Where :func:`publish_readings` puts the serving readings under the champion root."""
    return Path(root) / READINGS


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    """Write ``<root>/readings/`` (parquet + manifest, atomically) and return the manifest."""
    readings = prepare(frame)
    first, last = readings[schema.TIMESTAMP].iloc[0], readings[schema.TIMESTAMP].iloc[-1]
    manifest: dict[str, Any] = {}

    def fill(staging: Path) -> None:
        path = staging / READINGS_FILE
        readings.to_parquet(path, index=False)
        manifest.update(
            {
                "manifest_version": MANIFEST_VERSION,
                "kind": READINGS,
                "rows": len(readings),
                "first_timestamp": first.isoformat(),
                "last_timestamp": last.isoformat(),
                "first_day": (first - schema.INTERVAL).date().isoformat(),
                "last_day": (last - schema.INTERVAL).date().isoformat(),
                "data_version": data_version,
                "created_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "files": {READINGS_FILE: {"bytes": path.stat().st_size, "sha256": sha256_of(path)}},
            }
        )
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")

    replace_folder(readings_folder(root), fill)
    return manifest


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Parse and check ``manifest.json`` (cheap: no parquet read)."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        raise ManifestError(f"{folder} holds no {MANIFEST_FILE}")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from exc
    for key in ("rows", "first_timestamp", "last_timestamp", "created_at", "files"):
        if key not in manifest:
            raise ManifestError(f"{path} has no '{key}' entry")
    if READINGS_FILE not in manifest["files"]:
        raise ManifestError(f"{path} does not list {READINGS_FILE}")
    return manifest


def load_readings(folder: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The published readings (read whole, file closed) after checking them against the manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    path = folder / READINGS_FILE
    expected = manifest["files"][READINGS_FILE]
    if not path.is_file():
        raise ManifestError(f"{path} is missing")
    if path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
        raise ManifestError(f"{path} does not match its manifest (size or sha256)")
    frame = pd.read_parquet(path)
    if len(frame) != manifest["rows"]:
        raise ManifestError(f"{path} has {len(frame)} rows, the manifest says {manifest['rows']}")
    return prepare(frame), manifest


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
