"""Reproducible dirty variants of the raw UCI file, each with a ground-truth manifest.

Why: one corrupted copy (the course's) is a single test case; a cleaner is only trustworthy when it
recovers the truth on many corruptions whose every change is known. ``corrupt`` damages the raw
file read as text and logs each change; ``write_dirty`` does the same file to file
(``energy dirty INPUT.csv --out DIRTY.csv --seed N``).

Contract (the cleaner relies on it; keep both sides in step):

* Determinism: only ``numpy.random.default_rng(seed)`` is used, columns in ``schema.RAW_COLUMNS``
  order; same seed + same input => byte-identical CSV and manifest.
* At most one corruption per cell: per column one uniform draw per row picks the kind by
  cumulative rate intervals, so each kind hits a cell with exactly its configured probability.
  A draw that would not change the cell (e.g. blanking an already blank cell) is not applied and
  not logged, so the manifest lists exactly the changed cells.
* ``missing`` (every column): the cell becomes ``""``; in the categorical columns a quarter of
  them become the token ``"NAN"`` or ``" NAN "`` instead, which the cleaner must read as missing.
* ``non_numeric`` (numeric columns: Usage_kWh, both reactive energies, CO2, both power factors,
  NSM): one of ``NON_NUMERIC_TOKENS``.
* ``outlier`` (numeric columns): ``x * U(20, 100)`` or ``x + U(100, 1000)``, two decimals. The
  additive form is only kept when it is outside ``schema.RANGES`` or at least 20x the original;
  otherwise the multiplicative form is used. An original of 0 becomes ``U(100.01, 1000)``.
  Every outlier is therefore outside the physical range or >= 20x the true value (>= 100 for 0).
* ``impossible``: energies and CO2 become negative (``-x``; an original 0 becomes
  ``-max(0.01, U(0.05, 0.5) * range high)``); power factors become ``100 + U(1, 60)``. NSM and
  the categoricals get none. Two decimals.
* ``categorical_typo`` (WeekStatus, Day_of_week, Load_Type): swapcase, lower, upper, space
  padding, an accent on one vowel (``Médium_Load``), ``_`` -> space or removed, dropped
  ``_Load`` suffix, and for days a three-letter abbreviation (``Mon``); any of them may also be
  padded with spaces (`` lIGHT_lOAD``). All are recovered by: strip spaces, lowercase, strip
  accents, drop non-letters; then Load_Type by prefix ``light``/``med``/``max``, WeekStatus
  ``weekday``/``weekend``, Day_of_week by its first three letters.
* ``date_format`` (date): the same wall-clock stamp (midnight quirk untouched) rewritten in
  another layout of ``schema.ACCEPTED_DATE_FORMATS`` (day-first or ISO, never month-first),
  and/or padded with 0-2 spaces each side. Missing dates are ``""``.
* ``duplicate_row``: ``duplicate_rows`` exact copies of already corrupted rows (sources drawn
  without replacement while possible), inserted at random positions; all other rows keep the
  input's order. One manifest entry per copy, with ``column``/``original``/``corrupted`` null.

Manifest: ``{"seed", "rates", "input_sha256", "rows_in", "rows_out", "counts", "corruptions"}``;
each corruption has ``row`` (0-based in the output), ``source_row`` (0-based in the input),
``column`` (raw name), ``kind``, ``original`` and ``corrupted``, sorted by row then column.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.data.corruptions import (
    APPLY,
    RAW_CATEGORICAL_COLUMNS,
    RAW_NON_NEGATIVE_COLUMNS,
    RAW_POWER_FACTOR_COLUMNS,
)

KINDS: tuple[str, ...] = (
    "missing",
    "non_numeric",
    "outlier",
    "impossible",
    "duplicate_row",
    "categorical_typo",
    "date_format",
)


@dataclass(frozen=True)
class CorruptionRates:
    """How much of each kind to inject; defaults resemble the course's own dirty copy.

    Rates are per-cell probabilities over the columns each kind applies to; ``duplicate_rows`` is a
    count. The kinds sharing a column must sum to at most 1 (one corruption per cell).
    """

    missing: float = 0.01
    non_numeric: float = 0.004
    outliers: float = 0.008
    impossible: float = 0.002
    duplicate_rows: int = 300
    categorical_typos: float = 0.03
    date_formats: float = 0.02

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "duplicate_rows":
                if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                    raise ValueError(f"duplicate_rows must be a non-negative integer, got {value!r}")
            elif not (0.0 <= float(value) <= 1.0):
                raise ValueError(f"{f.name} must be between 0 and 1, got {value!r}")
        sums = {
            "numeric": self.missing + self.non_numeric + self.outliers + self.impossible,
            "categorical": self.missing + self.categorical_typos,
            "date": self.missing + self.date_formats,
        }
        for group, total in sums.items():
            if total > 1.0 + 1e-12:
                raise ValueError(f"rates sharing the {group} columns sum to {total:g}; must be at most 1")


DEFAULT_RATES = CorruptionRates()


def read_raw_text(path: Path) -> pd.DataFrame:
    """The raw UCI CSV as text, exactly as the generator and the cleaner expect to read it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def corrupt(
    raw: pd.DataFrame, seed: int, rates: CorruptionRates = DEFAULT_RATES
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Corrupt a raw text frame; returns the dirty frame and its manifest (``input_sha256`` None).

    ``write_dirty`` fills ``input_sha256`` with the hash of the input file.
    """
    frame = _as_raw_text(raw)
    n = len(frame)
    if rates.duplicate_rows and n == 0:
        raise ValueError("cannot insert duplicate rows into an empty input")
    rng = np.random.default_rng(seed)

    columns: dict[str, np.ndarray] = {}
    cells: list[tuple[int, int, str, str, str]] = []  # (source_row, column index, kind, original, new)
    for col_idx, col in enumerate(schema.RAW_COLUMNS):
        original = frame[col].to_numpy(dtype=object)
        values = original.copy()
        u = rng.random(n)
        low = 0.0
        for kind, rate in _kinds_for(col, rates):
            rows = np.flatnonzero((u >= low) & (u < low + rate))
            low += rate
            if rows.size == 0:
                continue
            new, applicable = APPLY[kind](col, original[rows], rng)
            keep = applicable & (new != original[rows])
            rows, new = rows[keep], new[keep]
            values[rows] = new
            cells.extend(
                (int(r), col_idx, kind, str(o), str(v))
                for r, o, v in zip(rows, original[rows], new, strict=True)
            )
        columns[col] = values

    corrupted = pd.DataFrame(columns, columns=list(schema.RAW_COLUMNS))
    out_source, is_copy = _insert_duplicates(n, rates.duplicate_rows, rng)
    out_row_of_source = np.empty(n, dtype=np.int64)
    out_row_of_source[out_source[~is_copy]] = np.flatnonzero(~is_copy)
    dirty = corrupted.iloc[out_source].reset_index(drop=True)

    entries: list[tuple[int, int, dict[str, Any]]] = []
    for src, col_idx, kind, old, new in cells:
        row = int(out_row_of_source[src])
        entry = {
            "row": row,
            "source_row": src,
            "column": schema.RAW_COLUMNS[col_idx],
            "kind": kind,
            "original": old,
            "corrupted": new,
        }
        entries.append((row, col_idx, entry))
    for row in np.flatnonzero(is_copy):
        entry = {
            "row": int(row),
            "source_row": int(out_source[row]),
            "column": None,
            "kind": "duplicate_row",
            "original": None,
            "corrupted": None,
        }
        entries.append((int(row), -1, entry))
    entries.sort(key=lambda e: (e[0], e[1]))
    corruptions = [e[2] for e in entries]
    counts = {kind: 0 for kind in KINDS}
    for entry in corruptions:
        counts[entry["kind"]] += 1

    manifest: dict[str, Any] = {
        "seed": int(seed),
        "rates": asdict(rates),
        "input_sha256": None,
        "rows_in": n,
        "rows_out": len(dirty),
        "counts": counts,
        "corruptions": corruptions,
    }
    return dirty, manifest


def write_dirty(
    input_csv: Path,
    out_csv: Path,
    seed: int,
    rates: CorruptionRates = DEFAULT_RATES,
    manifest_path: Path | None = None,
) -> dict[str, Any]:
    """Write a dirty copy of ``input_csv`` and its manifest (default ``<out>.manifest.json``)."""
    input_csv, out_csv = Path(input_csv), Path(out_csv)
    dirty, manifest = corrupt(read_raw_text(input_csv), seed, rates)
    manifest["input_sha256"] = hashlib.sha256(input_csv.read_bytes()).hexdigest()
    manifest_path = (
        Path(manifest_path) if manifest_path is not None else out_csv.with_suffix(".manifest.json")
    )
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    dirty.to_csv(out_csv, index=False, lineterminator="\n", encoding="utf-8")
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


# --- internals ---------------------------------------------------------------------------------


def _as_raw_text(raw: pd.DataFrame) -> pd.DataFrame:
    """Check the frame is the raw file read as text; a NaN means it was read without dtype=str."""
    missing = [c for c in schema.RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"input lacks raw UCI columns {missing}; expected {list(schema.RAW_COLUMNS)}")
    frame = raw[list(schema.RAW_COLUMNS)]
    if frame.isna().to_numpy().any():
        raise ValueError("input has NaN cells: read it with dtype=str, keep_default_na=False (read_raw_text)")
    return frame.astype(str).reset_index(drop=True)


def _kinds_for(col: str, rates: CorruptionRates) -> list[tuple[str, float]]:
    """The kinds that may hit ``col``, in the fixed order their rate intervals are laid out."""
    if col == schema.RAW_DATE:
        return [("missing", rates.missing), ("date_format", rates.date_formats)]
    if col in RAW_CATEGORICAL_COLUMNS:
        return [("missing", rates.missing), ("categorical_typo", rates.categorical_typos)]
    kinds = [("missing", rates.missing), ("non_numeric", rates.non_numeric), ("outlier", rates.outliers)]
    if col in RAW_NON_NEGATIVE_COLUMNS or col in RAW_POWER_FACTOR_COLUMNS:
        kinds.append(("impossible", rates.impossible))
    return kinds


def _insert_duplicates(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Output order as input row indices, and which output rows are inserted copies.

    Copies go into one of the n + 1 gaps (before row p, or at the end); originals keep their order.
    """
    if k == 0:
        return np.arange(n), np.zeros(n, dtype=bool)
    sources = rng.choice(n, size=k, replace=k > n)
    gaps = rng.integers(0, n + 1, size=k)
    keys = np.concatenate([2 * np.arange(n) + 1, 2 * gaps])
    order = np.argsort(keys, kind="stable")
    out_source = np.concatenate([np.arange(n), sources])[order]
    return out_source, order >= n
