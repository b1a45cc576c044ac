"""How each kind of corruption changes the cells of one column (the rules in :mod:`.dirty`'s contract).

Every function takes the column's raw name, the original cell texts and the generator, and returns
the new texts and a mask of the cells it could change (a draw that would not change a cell is not
applied and not logged).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema

NON_NUMERIC_TOKENS: tuple[str, ...] = ("NAN", "?", "error", "N/A", "NULL", "invalid", " ")
#: Tokens a categorical ``missing`` may take instead of a blank, and how often.
CATEGORICAL_NAN_TOKENS: tuple[str, ...] = ("NAN", " NAN ")
CATEGORICAL_NAN_SHARE = 0.25
#: Outliers: multiplicative factor, additive offset, and the value that replaces a true zero.
OUTLIER_FACTOR = (20.0, 100.0)
OUTLIER_OFFSET = (100.0, 1000.0)
OUTLIER_FROM_ZERO = (100.01, 1000.0)
#: Impossible power factors are 100 + U(1, 60) %.
IMPOSSIBLE_PF_EXCESS = (1.0, 60.0)
#: Share of categorical typos that also get space padding on top of their base change.
TYPO_EXTRA_PADDING = 0.3

_RAW = schema.CLEAN_TO_RAW
RAW_NUMERIC_COLUMNS: tuple[str, ...] = tuple(_RAW[c] for c in schema.NUMERIC_COLUMNS)
RAW_CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(_RAW[c] for c in schema.CATEGORICAL_COLUMNS)
#: Columns whose impossible value is a negative one (energies and CO2).
RAW_NON_NEGATIVE_COLUMNS: tuple[str, ...] = tuple(
    _RAW[c]
    for c in (schema.USAGE_KWH, schema.LAGGING_REACTIVE_KVARH, schema.LEADING_REACTIVE_KVARH, schema.CO2_TCO2)
)
RAW_POWER_FACTOR_COLUMNS: tuple[str, ...] = (
    _RAW[schema.LAGGING_POWER_FACTOR],
    _RAW[schema.LEADING_POWER_FACTOR],
)
_RAW_RANGES: dict[str, schema.Range] = {_RAW[c]: r for c, r in schema.RANGES.items()}
_OTHER_DATE_FORMATS: tuple[str, ...] = tuple(
    f for f in schema.ACCEPTED_DATE_FORMATS if f != schema.RAW_DATE_FORMAT
)
_LOAD_SUFFIX = "_Load"
_ACCENTED = {
    "a": "á",
    "e": "é",
    "i": "í",
    "o": "ó",
    "u": "ú",
    "A": "Á",
    "E": "É",
    "I": "Í",
    "O": "Ó",
    "U": "Ú",
}


def _fmt2(values: np.ndarray) -> np.ndarray:
    return np.array([f"{v:.2f}" for v in values], dtype=object)


def _numbers(values: np.ndarray) -> np.ndarray:
    return pd.to_numeric(pd.Series(values, dtype=object).str.strip(), errors="coerce").to_numpy(dtype=float)


def _missing(col: str, original: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = len(original)
    new = np.full(m, "", dtype=object)
    if col in RAW_CATEGORICAL_COLUMNS:
        use_token = rng.random(m) < CATEGORICAL_NAN_SHARE
        token = rng.integers(0, len(CATEGORICAL_NAN_TOKENS), m)
        new[use_token] = np.array(CATEGORICAL_NAN_TOKENS, dtype=object)[token[use_token]]
    return new, np.ones(m, dtype=bool)


def _non_numeric(col: str, original: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    token = rng.integers(0, len(NON_NUMERIC_TOKENS), len(original))
    return np.array(NON_NUMERIC_TOKENS, dtype=object)[token], np.ones(len(original), dtype=bool)


def _outlier(col: str, original: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = len(original)
    x = _numbers(original)
    use_offset = rng.random(m) < 0.5
    factor = rng.uniform(*OUTLIER_FACTOR, m)
    offset = rng.uniform(*OUTLIER_OFFSET, m)
    from_zero = rng.uniform(*OUTLIER_FROM_ZERO, m)
    with np.errstate(invalid="ignore"):
        scaled = np.round(x * factor, 2)
        shifted = np.round(x + offset, 2)
        shifted_ok = (shifted > _RAW_RANGES[col].high) | (shifted >= OUTLIER_FACTOR[0] * x)
        value = np.where(x > 0, np.where(use_offset & shifted_ok, shifted, scaled), np.round(from_zero, 2))
        applicable = np.isfinite(x) & (x >= 0)
    return _fmt2(np.where(applicable, value, 0.0)), applicable


def _impossible(col: str, original: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = len(original)
    x = _numbers(original)
    with np.errstate(invalid="ignore"):
        applicable = np.isfinite(x) & (x >= 0)
        if col in RAW_POWER_FACTOR_COLUMNS:
            value = np.round(100.0 + rng.uniform(*IMPOSSIBLE_PF_EXCESS, m), 2)
        else:
            from_zero = np.maximum(0.01, np.round(rng.uniform(0.05, 0.5, m) * _RAW_RANGES[col].high, 2))
            value = -np.where(x > 0, x, from_zero)
    return _fmt2(np.where(applicable, value, 0.0)), applicable


def _date_format(col: str, original: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = len(original)
    stamps = pd.to_datetime(pd.Series(original, dtype=object), format=schema.RAW_DATE_FORMAT, errors="coerce")
    mode = rng.integers(0, 3, m)  # 0: other layout, 1: padding, 2: both
    layout = rng.integers(0, len(_OTHER_DATE_FORMATS), m)
    left = rng.integers(0, 3, m)
    right = rng.integers(0, 3, m)
    unpadded = (left == 0) & (right == 0)
    left[unpadded], right[unpadded] = 1, 1
    new = np.empty(m, dtype=object)
    for i, (stamp, text) in enumerate(zip(stamps, original, strict=True)):
        value = (
            str(text) if mode[i] == 1 or pd.isna(stamp) else stamp.strftime(_OTHER_DATE_FORMATS[layout[i]])
        )
        if mode[i] != 0:
            value = " " * int(left[i]) + value + " " * int(right[i])
        new[i] = value
    return new, stamps.notna().to_numpy()


def _categorical_typo(
    col: str, original: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    m = len(original)
    pick, position, extra = rng.random(m), rng.random(m), rng.random(m)
    left, right = rng.integers(0, 3, m), rng.integers(0, 3, m)
    is_day = col == _RAW[schema.DAY_OF_WEEK]
    new = np.empty(m, dtype=object)
    for i, text in enumerate(original):
        value = str(text)
        options = ["swapcase", "lower", "upper", "pad", "accent"]
        if "_" in value:
            options += ["underscore_space", "underscore_removed"]
        if value.endswith(_LOAD_SUFFIX):
            options.append("drop_suffix")
        if is_day and len(value) > 3:
            options.append("abbreviation")
        typo = _typo(value, options[int(pick[i] * len(options))], position[i])
        if typo == value or extra[i] < TYPO_EXTRA_PADDING:
            pad_left, pad_right = int(left[i]), int(right[i])
            if pad_left + pad_right == 0:
                pad_left = pad_right = 1
            typo = " " * pad_left + typo + " " * pad_right
        new[i] = typo
    return new, np.array([bool(str(v).strip()) for v in original], dtype=bool)


def _typo(value: str, kind: str, position: float) -> str:
    if kind == "swapcase":
        return value.swapcase()
    if kind == "lower":
        return value.lower()
    if kind == "upper":
        return value.upper()
    if kind == "accent":
        vowels = [i for i, ch in enumerate(value) if ch in _ACCENTED]
        if not vowels:
            return value
        i = vowels[int(position * len(vowels))]
        return unicodedata.normalize("NFC", value[:i] + _ACCENTED[value[i]] + value[i + 1 :])
    if kind == "underscore_space":
        return value.replace("_", " ")
    if kind == "underscore_removed":
        return value.replace("_", "")
    if kind == "drop_suffix":
        return value.removesuffix(_LOAD_SUFFIX)
    if kind == "abbreviation":
        return value[:3]
    return value  # "pad": the caller adds the spaces


APPLY = {
    "missing": _missing,
    "non_numeric": _non_numeric,
    "outlier": _outlier,
    "impossible": _impossible,
    "categorical_typo": _categorical_typo,
    "date_format": _date_format,
}
