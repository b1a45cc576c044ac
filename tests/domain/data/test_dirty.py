"""The corruption generator: reproducible, honest (its manifest lists exactly what it changed) and
recoverable (every corruption stays inside the rules the cleaner implements)."""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from energy_assets.domain.data import schema
from energy_assets.domain.data.corruptions import (
    NON_NUMERIC_TOKENS,
    RAW_CATEGORICAL_COLUMNS,
    RAW_NON_NEGATIVE_COLUMNS,
    RAW_NUMERIC_COLUMNS,
    RAW_POWER_FACTOR_COLUMNS,
)
from energy_assets.domain.data.dirty import (
    KINDS,
    CorruptionRates,
    corrupt,
    read_raw_text,
    write_dirty,
)

ZERO = CorruptionRates(
    missing=0,
    non_numeric=0,
    outliers=0,
    impossible=0,
    duplicate_rows=0,
    categorical_typos=0,
    date_formats=0,
)
RAW = schema.CLEAN_TO_RAW


@pytest.fixture(scope="module")
def reference_raw(reference_csv: Path) -> pd.DataFrame:
    return read_raw_text(reference_csv)


@pytest.fixture(scope="module")
def small_raw(reference_raw: pd.DataFrame) -> pd.DataFrame:
    """Five days around the first weekend: light, medium and maximum loads, midnight rows."""
    return reference_raw.iloc[:500].reset_index(drop=True)


@pytest.fixture(scope="module")
def default_run(reference_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("dirty") / "dirty.csv"
    manifest = write_dirty(reference_csv, out, seed=11)
    return out, manifest


@pytest.fixture(scope="module")
def default_dirty(default_run: tuple[Path, dict]) -> pd.DataFrame:
    return read_raw_text(default_run[0])


def _cell_entries(manifest: dict) -> pd.DataFrame:
    columns = ["row", "source_row", "column", "kind", "original", "corrupted"]
    entries = pd.DataFrame(manifest["corruptions"], columns=columns)
    return entries[entries["kind"] != "duplicate_row"]


def _without_copies(dirty: pd.DataFrame, manifest: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """The output minus inserted copies, and the output row of each kept row."""
    copies = {c["row"] for c in manifest["corruptions"] if c["kind"] == "duplicate_row"}
    kept = np.array([r for r in range(len(dirty)) if r not in copies], dtype=np.int64)
    return dirty.iloc[kept].reset_index(drop=True), kept


def _assert_manifest_is_exact(raw: pd.DataFrame, dirty: pd.DataFrame, manifest: dict) -> None:
    """Every changed cell is in the manifest, every entry is a changed cell, values agree."""
    raw = raw[list(schema.RAW_COLUMNS)].reset_index(drop=True)
    assert list(dirty.columns) == list(schema.RAW_COLUMNS)
    assert manifest["rows_in"] == len(raw)
    assert manifest["rows_out"] == len(dirty) == len(raw) + manifest["rates"]["duplicate_rows"]
    assert manifest["counts"] == {k: sum(c["kind"] == k for c in manifest["corruptions"]) for k in KINDS}

    base, kept = _without_copies(dirty, manifest)
    assert len(base) == len(raw)
    changed = base.to_numpy() != raw.to_numpy()
    rows, cols = np.nonzero(changed)
    changed_cells = {(int(kept[r]), r, schema.RAW_COLUMNS[c]) for r, c in zip(rows, cols, strict=True)}
    entries = _cell_entries(manifest)
    logged = {
        (int(r), int(s), c)
        for r, s, c in zip(entries["row"], entries["source_row"], entries["column"], strict=True)
    }
    assert logged == changed_cells
    assert len(logged) == len(entries)  # at most one corruption per cell

    for entry in manifest["corruptions"]:
        if entry["kind"] == "duplicate_row":
            assert entry["column"] is None
            copy = dirty.iloc[entry["row"]].to_numpy()
            source = base.iloc[entry["source_row"]].to_numpy()
            assert (copy == source).all()
        else:
            assert dirty.at[entry["row"], entry["column"]] == entry["corrupted"]
            assert raw.at[entry["source_row"], entry["column"]] == entry["original"]


def _parse_any(text: str) -> datetime | None:
    for fmt in schema.ACCEPTED_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _canonical(text: str) -> str:
    """The cleaner's canonicalisation, spelled independently here."""
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", folded)


def _recover(column: str, text: str) -> str | None:
    key = _canonical(text)
    if column == RAW[schema.LOAD_TYPE]:
        prefixes = {"light": "Light_Load", "med": "Medium_Load", "max": "Maximum_Load"}
        return next((v for p, v in prefixes.items() if key.startswith(p)), None)
    if column == RAW[schema.WEEK_STATUS]:
        return {"weekday": "Weekday", "weekend": "Weekend"}.get(key)
    return {d[:3].lower(): d for d in schema.DAYS_OF_WEEK}.get(key[:3]) if len(key) >= 3 else None


# --- reproducibility -----------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(reference_csv: Path, tmp_path: Path) -> None:
    first = write_dirty(reference_csv, tmp_path / "a.csv", seed=5)
    second = write_dirty(reference_csv, tmp_path / "b.csv", seed=5)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.manifest.json").read_bytes() == (tmp_path / "b.manifest.json").read_bytes()
    assert first == second


def test_different_seeds_differ(small_raw: pd.DataFrame) -> None:
    a, manifest_a = corrupt(small_raw, seed=1)
    b, manifest_b = corrupt(small_raw, seed=2)
    assert not a.equals(b)
    assert manifest_a["corruptions"] != manifest_b["corruptions"]


def test_written_csv_reads_back_as_the_corrupted_frame(reference_csv: Path, tmp_path: Path) -> None:
    """Padding, a lone space and accents survive the CSV round trip."""
    dirty, _ = corrupt(read_raw_text(reference_csv), seed=11)
    write_dirty(reference_csv, tmp_path / "d.csv", seed=11, manifest_path=tmp_path / "m.json")
    pd.testing.assert_frame_equal(read_raw_text(tmp_path / "d.csv"), dirty)
    assert (dirty.to_numpy() == " ").any()
    assert dirty[schema.RAW_DATE].str.startswith(" ").any()


# --- the manifest on the full reference ------------------------------------------------------------


def test_manifest_header(default_run: tuple[Path, dict], reference_csv: Path) -> None:
    out, manifest = default_run
    on_disk = json.loads(out.with_suffix(".manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert list(manifest)[:6] == ["seed", "rates", "input_sha256", "rows_in", "rows_out", "counts"]
    assert manifest["seed"] == 11
    assert manifest["rates"] == {
        "missing": 0.01,
        "non_numeric": 0.004,
        "outliers": 0.008,
        "impossible": 0.002,
        "duplicate_rows": 300,
        "categorical_typos": 0.03,
        "date_formats": 0.02,
    }
    assert manifest["input_sha256"] == hashlib.sha256(reference_csv.read_bytes()).hexdigest()
    assert manifest["rows_in"] == schema.UCI_ROW_COUNT
    assert manifest["rows_out"] == schema.UCI_ROW_COUNT + 300


def test_manifest_accounts_for_every_changed_cell(
    reference_raw: pd.DataFrame, default_dirty: pd.DataFrame, default_run: tuple[Path, dict]
) -> None:
    _assert_manifest_is_exact(reference_raw, default_dirty, default_run[1])


def test_counts_follow_the_configured_rates(default_run: tuple[Path, dict]) -> None:
    counts = default_run[1]["counts"]
    n = schema.UCI_ROW_COUNT
    rates = CorruptionRates()
    expected = {
        "missing": rates.missing * n * len(schema.RAW_COLUMNS),
        "non_numeric": rates.non_numeric * n * len(RAW_NUMERIC_COLUMNS),
        "outlier": rates.outliers * n * len(RAW_NUMERIC_COLUMNS),
        "impossible": rates.impossible * n * (len(RAW_NON_NEGATIVE_COLUMNS) + len(RAW_POWER_FACTOR_COLUMNS)),
        "categorical_typo": rates.categorical_typos * n * len(RAW_CATEGORICAL_COLUMNS),
        "date_format": rates.date_formats * n,
    }
    for kind, mean in expected.items():
        # binomial counts: 5 standard deviations is a wide but meaningful band
        assert abs(counts[kind] - mean) <= 5 * math.sqrt(mean), (kind, counts[kind], mean)
    assert counts["duplicate_row"] == 300


def test_duplicates_are_copies_and_originals_keep_their_order(
    default_dirty: pd.DataFrame, default_run: tuple[Path, dict]
) -> None:
    manifest = default_run[1]
    copies = [c for c in manifest["corruptions"] if c["kind"] == "duplicate_row"]
    assert len(copies) == 300
    assert len({c["source_row"] for c in copies}) == 300  # without replacement
    # copies are spread over the year, not appended at the end
    assert min(c["row"] for c in copies) < 3_000 and max(c["row"] for c in copies) > 32_000
    entries = _cell_entries(manifest)
    # a kept row's output position is its input position shifted by the copies inserted before it
    copy_rows = np.array(sorted(c["row"] for c in copies))
    shift = np.searchsorted(copy_rows, entries["row"].to_numpy())
    assert (entries["row"].to_numpy() - shift == entries["source_row"].to_numpy()).all()
    assert default_dirty.duplicated().sum() >= 300


# --- every corruption stays recoverable ------------------------------------------------------------


def test_dates_parse_with_an_accepted_layout_and_keep_the_stamp(
    reference_raw: pd.DataFrame, default_dirty: pd.DataFrame, default_run: tuple[Path, dict]
) -> None:
    dates = default_dirty[schema.RAW_DATE]
    non_blank = dates[dates != ""]
    parsed = [_parse_any(d) for d in non_blank.unique()]
    assert all(p is not None for p in parsed)
    entries = _cell_entries(default_run[1])
    rewritten = entries[entries["kind"] == "date_format"]
    layouts = set()
    for original, corrupted in zip(rewritten["original"], rewritten["corrupted"], strict=True):
        assert _parse_any(corrupted) == datetime.strptime(original, schema.RAW_DATE_FORMAT)
        layouts.add(re.sub(r"\d", "9", corrupted.strip()))
    assert len(layouts) == len(schema.ACCEPTED_DATE_FORMATS)  # every layout occurs, the UCI one padded
    missing_dates = entries[(entries["kind"] == "missing") & (entries["column"] == schema.RAW_DATE)]
    assert (missing_dates["corrupted"] == "").all() and len(missing_dates) > 0


def test_categorical_typos_canonicalise_back(default_run: tuple[Path, dict]) -> None:
    entries = _cell_entries(default_run[1])
    typos = entries[entries["kind"] == "categorical_typo"]
    assert set(typos["column"]) == set(RAW_CATEGORICAL_COLUMNS)
    for column, original, corrupted in zip(
        typos["column"], typos["original"], typos["corrupted"], strict=True
    ):
        assert corrupted != original
        assert _recover(column, corrupted) == original, (column, original, corrupted)
    values = set(typos["corrupted"])
    stripped = {v.strip() for v in values}
    families = {
        "padding": any(v != v.strip() for v in values),
        "swapcase": "lIGHT_lOAD" in stripped and "wEEKDAY" in stripped,
        "lower/upper": {"medium_load", "WEEKEND", "saturday", "FRIDAY"} <= stripped,
        "accent": any(v.encode("ascii", "ignore").decode() != v for v in values),
        "underscore": {"Light Load", "MaximumLoad"} <= stripped,
        "suffix dropped": {"Light", "Medium", "Maximum"} <= stripped,
        "abbreviation": {d[:3] for d in schema.DAYS_OF_WEEK} <= stripped,
    }
    assert all(families.values()), families


def test_missing_cells_are_blank_or_nan_tokens(default_run: tuple[Path, dict]) -> None:
    entries = _cell_entries(default_run[1])
    missing = entries[entries["kind"] == "missing"]
    assert set(missing["column"]) == set(schema.RAW_COLUMNS)
    tokens = missing[missing["corrupted"] != ""]
    assert set(tokens["corrupted"]) == {"NAN", " NAN "}
    assert set(tokens["column"]) <= set(RAW_CATEGORICAL_COLUMNS)
    assert all(_recover(c, v) is None for c, v in zip(tokens["column"], tokens["corrupted"], strict=True))


def test_non_numeric_tokens_are_not_numbers(default_run: tuple[Path, dict]) -> None:
    entries = _cell_entries(default_run[1])
    tokens = entries[entries["kind"] == "non_numeric"]
    assert set(tokens["column"]) == set(RAW_NUMERIC_COLUMNS)
    assert set(tokens["corrupted"]) == set(NON_NUMERIC_TOKENS)
    assert pd.to_numeric(tokens["corrupted"], errors="coerce").isna().all()


def test_outliers_and_impossible_values_are_physically_wrong(default_run: tuple[Path, dict]) -> None:
    entries = _cell_entries(default_run[1])
    ranges = {RAW[c]: r for c, r in schema.RANGES.items()}
    outliers = entries[entries["kind"] == "outlier"]
    assert set(outliers["column"]) == set(RAW_NUMERIC_COLUMNS)
    for column, original, corrupted in zip(
        outliers["column"], outliers["original"], outliers["corrupted"], strict=True
    ):
        x, v = float(original), float(corrupted)
        outside = not (ranges[column].low <= v <= ranges[column].high)
        assert outside or (x > 0 and v >= 20 * x - 1e-9) or (x == 0 and v >= 100), (column, x, v)
    usage = outliers[outliers["column"] == RAW[schema.USAGE_KWH]]["corrupted"].astype(float)
    assert usage.max() > 10_000  # like the course copy's 34,899 kWh

    impossible = entries[entries["kind"] == "impossible"]
    assert set(impossible["column"]) == set(RAW_NON_NEGATIVE_COLUMNS) | set(RAW_POWER_FACTOR_COLUMNS)
    values = impossible["corrupted"].astype(float)
    is_pf = impossible["column"].isin(RAW_POWER_FACTOR_COLUMNS)
    assert (values[is_pf] > 100).all() and (values[is_pf] <= 160).all()
    assert (values[~is_pf] < 0).all()


# --- rates and edge cases ---------------------------------------------------------------------------


def test_zero_rates_return_the_input_unchanged(reference_csv: Path, tmp_path: Path) -> None:
    raw = read_raw_text(reference_csv)
    dirty, manifest = corrupt(raw, seed=3, rates=ZERO)
    pd.testing.assert_frame_equal(dirty, raw)
    assert manifest["corruptions"] == [] and set(manifest["counts"].values()) == {0}
    write_dirty(reference_csv, tmp_path / "same.csv", seed=3, rates=ZERO)
    pd.testing.assert_frame_equal(read_raw_text(tmp_path / "same.csv"), raw)


def test_one_kind_at_a_time(small_raw: pd.DataFrame) -> None:
    dirty, manifest = corrupt(small_raw, seed=4, rates=CorruptionRates(**{**vars(ZERO), "duplicate_rows": 7}))
    assert manifest["counts"] == {k: (7 if k == "duplicate_row" else 0) for k in KINDS}
    assert len(dirty) == 507
    dirty, manifest = corrupt(
        small_raw, seed=4, rates=CorruptionRates(**{**vars(ZERO), "categorical_typos": 1.0})
    )
    assert manifest["counts"]["categorical_typo"] == 500 * 3
    assert sum(manifest["counts"].values()) == 1500
    assert (dirty[schema.RAW_DATE] == small_raw[schema.RAW_DATE]).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"missing": -0.1},
        {"outliers": 1.5},
        {"missing": 0.5, "non_numeric": 0.3, "outliers": 0.3},
        {"categorical_typos": 0.995},
        {"duplicate_rows": -1},
        {"duplicate_rows": 2.5},
    ],
)
def test_invalid_rates_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        CorruptionRates(**kwargs)


def test_input_must_be_the_raw_file_as_text(reference_csv: Path, small_raw: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="raw UCI columns"):
        corrupt(small_raw.drop(columns=[schema.RAW_DATE]), seed=0)
    numeric = pd.read_csv(reference_csv, nrows=50, encoding="utf-8-sig")
    numeric.loc[3, RAW[schema.USAGE_KWH]] = np.nan
    with pytest.raises(ValueError, match="dtype=str"):
        corrupt(numeric, seed=0)


rate = st.floats(min_value=0.0, max_value=0.2, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    missing=rate,
    non_numeric=rate,
    outliers=rate,
    impossible=rate,
    duplicate_rows=st.integers(min_value=0, max_value=60),
    categorical_typos=st.floats(min_value=0.0, max_value=0.7),
    date_formats=st.floats(min_value=0.0, max_value=0.7),
)
def test_manifest_is_exact_for_any_seed_and_rates(
    small_raw: pd.DataFrame,
    seed: int,
    missing: float,
    non_numeric: float,
    outliers: float,
    impossible: float,
    duplicate_rows: int,
    categorical_typos: float,
    date_formats: float,
) -> None:
    rates = CorruptionRates(
        missing, non_numeric, outliers, impossible, duplicate_rows, categorical_typos, date_formats
    )
    dirty, manifest = corrupt(small_raw, seed=seed, rates=rates)
    _assert_manifest_is_exact(small_raw, dirty, manifest)
    dates = dirty[schema.RAW_DATE]
    assert all(_parse_any(d) is not None for d in dates[dates != ""])
    for entry in manifest["corruptions"]:
        if entry["kind"] == "categorical_typo":
            assert _recover(entry["column"], entry["corrupted"]) == entry["original"]
    again, manifest_again = corrupt(small_raw, seed=seed, rates=rates)
    assert again.equals(dirty) and manifest_again == manifest
