"""Turn a plant export (text cells, any corruption) into the cleaned table, losing nothing.

Every value ends in exactly one place: the cleaned table (as read, or repaired with the evidence
logged in the repairs table), or the quarantine table with a reason code. The repairs use
evidence in this order of trust:

1. the timestamp itself (``nsm``, ``day_of_week``, ``week_status`` follow from it);
2. other copies of the same interval (duplicated rows are merged cell by cell);
3. the power triangle (``PF = P / sqrt(P^2 + Q^2)`` holds per side to two-decimal rounding), which
   both finds the one wrong reading of an inconsistent row and recomputes it on the 0.01 grid;
4. the emission factor (``co2_tco2 = round(usage_kwh * factor, 2)``), the factor fitted on the
   rows that agree with it;
5. neighbours in time (a missing ``load_type`` between two equal ones; linear interpolation of a
   reading that nothing else determines), logged as *imputed*, not *repaired*.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from energy_assets.domain import physics, schema

P, QL, FL, QD, FD, CO2 = (
    schema.USAGE_KWH,
    schema.LAGGING_REACTIVE_KVARH,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_REACTIVE_KVARH,
    schema.LEADING_POWER_FACTOR,
    schema.CO2_TCO2,
)
TRIANGLE = (P, QL, FL, QD, FD)
SIDES = ((QL, FL), (QD, FD))
STEP = 0.01

# Reason codes of the quarantine table.
REASON_UNPLACEABLE = "unparseable_timestamp"
REASON_DUPLICATE = "duplicate_row"
REASON_MERGED = "duplicate_timestamp_merged"

# Methods of the repairs table.
M_CANONICAL = "canonicalised"
M_FROM_TIMESTAMP = "recomputed_from_timestamp"
M_TIMESTAMP_POSITION = "timestamp_from_position"
M_DUPLICATE = "taken_from_duplicate"
M_TRIANGLE = "power_triangle"
M_EMISSION = "emission_factor"
M_NEIGHBOURS = "imputed_from_neighbours"
M_INTERPOLATED = "imputed_interpolation"
IMPUTED_METHODS = frozenset({M_NEIGHBOURS, M_INTERPOLATED})

QUARANTINE_COLUMNS = ("source_row", "reason", "detail", *schema.RAW_COLUMNS)
REPAIR_COLUMNS = ("timestamp", "source_row", "column", "original", "value", "method", "rule")


@dataclass(frozen=True)
class CleaningConfig:
    """Knobs of the cleaner; defaults suit the UCI export."""

    #: UCI stamps an interval by its end and writes the day's last one as ``dd/mm 00:00`` of the
    #: day it closes; True moves those rows to the next calendar day.
    midnight_closes_previous_day: bool = True
    #: Emission factor in tCO2/kWh; None fits it on the rows whose CO2 agrees with their kWh.
    emission_factor: float | None = None
    #: Half-width of the local window (rows) used to judge which reading of a row is out of line.
    context_half_window: int = 4


@dataclass
class CleaningResult:
    """Output of :func:`clean`: cleaned table, quarantine, repair log and a summary report."""

    cleaned: pd.DataFrame
    quarantine: pd.DataFrame
    repairs: pd.DataFrame
    report: dict[str, object] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- #
# parsing
# --------------------------------------------------------------------------------------------- #
def parse_timestamps(text: pd.Series, midnight_closes_previous_day: bool = True) -> pd.Series:
    """Parse any accepted layout (day-first or ISO) and move UCI's midnight rows to the next day."""
    stripped = text.astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in schema.ACCEPTED_DATE_FORMATS:
        todo = parsed.isna() & (stripped != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(stripped[todo], format=fmt, errors="coerce")
    if midnight_closes_previous_day:
        at_midnight = (parsed.dt.hour == 0) & (parsed.dt.minute == 0)
        parsed = parsed + pd.to_timedelta(at_midnight.astype(int), unit="D")
    return parsed


def _fold(token: str) -> str:
    """Lower-case letters only, accents removed: ' mÉDium_lOAD ' -> 'mediumload'."""
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if ch.isalpha() and ch.isascii()).lower()


def canonical_load_type(token: str) -> str | None:
    folded = _fold(token)
    for prefix, value in (("light", "Light_Load"), ("med", "Medium_Load"), ("max", "Maximum_Load")):
        if folded.startswith(prefix):
            return value
    return None


def canonical_week_status(token: str) -> str | None:
    folded = _fold(token)
    return {"weekday": "Weekday", "weekend": "Weekend"}.get(folded)


def canonical_day_of_week(token: str) -> str | None:
    folded = _fold(token)
    if len(folded) < 3:
        return None
    for day in schema.DAYS_OF_WEEK:
        if day.lower().startswith(folded[:3]) and day.lower().startswith(folded[: len(day)]):
            return day
    return None


CANONICALISERS = {
    schema.LOAD_TYPE: canonical_load_type,
    schema.WEEK_STATUS: canonical_week_status,
    schema.DAY_OF_WEEK: canonical_day_of_week,
}


def parse_numbers(text: pd.Series) -> pd.Series:
    """Numbers with padding parse; tokens such as 'NAN', '?', 'error' become NaN."""
    return pd.to_numeric(text.astype(str).str.strip(), errors="coerce").astype(float)


def calendar_from_timestamp(ts: pd.Series) -> pd.DataFrame:
    """``nsm``, ``day_of_week`` and ``week_status`` implied by an interval-end timestamp.

    ``nsm`` is the clock time of the stamp (0 at midnight); the day is that of the interval's
    start, so the midnight row belongs to the day it closes, as in the UCI file.
    """
    start = ts - schema.INTERVAL
    day_names = start.dt.day_name()
    return pd.DataFrame(
        {
            schema.NSM: (ts.dt.hour * 3600 + ts.dt.minute * 60).astype("Int64"),
            schema.DAY_OF_WEEK: day_names,
            schema.WEEK_STATUS: np.where(start.dt.dayofweek >= 5, "Weekend", "Weekday"),
        },
        index=ts.index,
    )


# --------------------------------------------------------------------------------------------- #
# timestamps that are missing: recover from the row's position in the export
# --------------------------------------------------------------------------------------------- #
def _longest_increasing_run(values: np.ndarray) -> np.ndarray:
    """Mask of one longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    tails_at: list[int] = []
    previous = np.full(len(values), -1)
    for i, value in enumerate(values.tolist()):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tails_at.append(i)
        else:
            tails[k] = value
            tails_at[k] = i
        previous[i] = tails_at[k - 1] if k > 0 else -1
    mask = np.zeros(len(values), dtype=bool)
    i = tails_at[-1] if tails_at else -1
    while i >= 0:
        mask[i] = True
        i = previous[i]
    return mask


def infer_missing_timestamps(ts: pd.Series) -> pd.Series:
    """Give rows with no readable date the free slots between their in-order neighbours.

    Exports are written in time order, so the anchors are the longest strictly increasing
    subsequence of readable dates; rows out of that order (copies inserted from elsewhere) are
    not trusted as anchors. Between two anchors, the free
    15-minute slots go to the undated rows in file order when their numbers match; otherwise only
    runs of undated rows directly after (before) an anchor take the following (preceding) free
    slots. Rows left without a slot stay unplaced.
    """
    values = ts.to_numpy(dtype="datetime64[ns]", copy=True)
    known_pos = np.flatnonzero(~np.isnat(values))
    if len(known_pos) == 0 or len(known_pos) == len(values):
        return ts
    known = values[known_pos]
    anchors = known_pos[_longest_increasing_run(known.astype("int64"))]
    occupied = set(known.astype("int64").tolist())
    step = np.timedelta64(schema.INTERVAL).astype("timedelta64[ns]")

    def take(candidate: np.datetime64) -> bool:
        key = int(candidate.astype("int64"))
        if key in occupied:
            return False
        occupied.add(key)
        return True

    bounds = [-1, *anchors.tolist(), len(values)]
    for left, right in itertools.pairwise(bounds):
        undated = [i for i in range(left + 1, right) if np.isnat(values[i])]
        if not undated:
            continue
        if left >= 0 and right < len(values):
            slots = np.arange(values[left] + step, values[right], step)
            slots = [t for t in slots if int(t.astype("int64")) not in occupied]
            if len(slots) == len(undated):
                for i, t in zip(undated, slots, strict=True):
                    values[i] = t
                    occupied.add(int(t.astype("int64")))
                continue
        if left >= 0:  # undated rows right after the left anchor
            i, candidate = left + 1, values[left] + step
            while i < right and np.isnat(values[i]) and (right == len(values) or candidate < values[right]):
                if not take(candidate):
                    break
                values[i] = candidate
                i, candidate = i + 1, candidate + step
        if right < len(values):  # undated rows right before the right anchor
            i, candidate = right - 1, values[right] - step
            while i > left and np.isnat(values[i]) and (left < 0 or candidate > values[left]):
                if not take(candidate):
                    break
                values[i] = candidate
                i, candidate = i - 1, candidate - step
    return pd.Series(values, index=ts.index, dtype="datetime64[ns]")


# --------------------------------------------------------------------------------------------- #
# the power triangle: find the wrong reading, recompute readings on the 0.01 grid
# --------------------------------------------------------------------------------------------- #
def _consistent(p: float, q: float, f: float) -> bool:
    return bool(physics.triangle_consistent(p, q, f))


def _grid_search(estimate: float, accept, span: int = 60) -> float | None:
    """The 0.01-grid value nearest ``estimate`` for which ``accept`` holds."""
    if not np.isfinite(estimate):
        return None
    centre = round(estimate, 2)
    for k in range(span + 1):
        for cand in (centre,) if k == 0 else (centre - k * STEP, centre + k * STEP):
            cand = round(cand, 2)
            if cand >= 0 and accept(cand):
                return cand
    return None


def _solve_usage(row: dict[str, float]) -> float | None:
    """kWh from whichever sides are complete, on the grid, agreeing with every complete side."""
    sides = [(row[q], row[f]) for q, f in SIDES if np.isfinite(row[q]) and np.isfinite(row[f])]
    if not sides:
        return None
    informative = [(q, f) for q, f in sides if f < 100.0]
    if not informative:
        return 0.0 if all(q == 0 for q, _ in sides) and any(f == 0 for _, f in sides) else None
    q, f = min(informative, key=lambda side: side[1])  # smaller PF: better conditioned
    estimate = float(physics.active_from_reactive(q, f))
    return _grid_search(estimate, lambda p: all(_consistent(p, qq, ff) for qq, ff in sides))


def _solve_reactive(p: float, f: float) -> float | None:
    estimate = float(physics.reactive_from_active(p, f))
    return _grid_search(estimate, lambda q: _consistent(p, q, f))


def _solve_power_factor(p: float, q: float) -> float | None:
    estimate = float(physics.power_factor_pct(p, q))
    value = _grid_search(estimate, lambda f: f <= 100.0 and _consistent(p, q, f), span=5)
    return value


def _in_range(column: str, value: float | None) -> bool:
    if value is None or not np.isfinite(value):
        return False
    rng = schema.RANGES[column]
    return rng.low <= value <= rng.high


def _hypotheses(row: dict[str, float]) -> dict[str, float]:
    """Single-reading explanations of an inconsistent row: column -> value that fixes it."""
    out: dict[str, float] = {}
    for column in TRIANGLE:
        trial = dict(row)
        trial[column] = np.nan
        if column == P:
            value = _solve_usage(trial)
        else:
            q_col, f_col = next(side for side in SIDES if column in side)
            value = (
                _solve_reactive(trial[P], trial[f_col])
                if column == q_col
                else _solve_power_factor(trial[P], trial[q_col])
            )
        if value is None or not _in_range(column, value):
            continue
        trial[column] = value
        if all(_consistent(trial[P], trial[q], trial[f]) for q, f in SIDES):
            out[column] = value
    return out


#: A power factor is bounded by 100 %, so a corrupted one almost always leaves its range and is caught
#: there; an in-range reading that breaks the triangle is far more often an energy. Energies are
#: therefore preferred as the culprit when several single readings would explain a row.
ENERGY_COLUMNS = (P, QL, QD)


def _pick_culprit(options: dict[str, float], anomaly: pd.Series) -> str:
    """Among the readings that would each explain the row, the energy most out of line with its
    neighbours; a power factor only when no energy explains it."""
    energies = [c for c in options if c in ENERGY_COLUMNS]
    pool = energies or list(options)
    return max(pool, key=lambda c: anomaly[c])


def _row_consistent(row: dict[str, float]) -> bool:
    return all(_consistent(row[P], row[q], row[f]) for q, f in SIDES)


def _solve_row(row: dict[str, float]) -> dict[str, float]:
    """Fill every reading the triangle determines, iterating until nothing changes."""
    solved: dict[str, float] = {}
    changed = True
    while changed:
        changed = False
        if not np.isfinite(row[P]):
            value = _solve_usage(row)
            if value is not None and _in_range(P, value):
                row[P] = solved[P] = value
                changed = True
        for q_col, f_col in SIDES:
            if not np.isfinite(row[P]):
                continue
            if not np.isfinite(row[q_col]) and np.isfinite(row[f_col]):
                value = _solve_reactive(row[P], row[f_col])
                if value is not None and _in_range(q_col, value):
                    row[q_col] = solved[q_col] = value
                    changed = True
            if not np.isfinite(row[f_col]) and np.isfinite(row[q_col]):
                value = _solve_power_factor(row[P], row[q_col])
                if value is not None and _in_range(f_col, value):
                    row[f_col] = solved[f_col] = value
                    changed = True
    return solved


def _local_anomaly(frame: pd.DataFrame, half_window: int) -> pd.DataFrame:
    """How far each reading sits from the median of its neighbours, in units of local variability."""
    scores = {}
    for column in TRIANGLE:
        series = frame[column]
        window = 2 * half_window + 1
        median = series.rolling(window, center=True, min_periods=2).median()
        scale = series.diff().abs().median()
        scale = scale if np.isfinite(scale) and scale > 0 else 1.0
        scores[column] = ((series - median).abs() / scale).fillna(0.0)
    return pd.DataFrame(scores, index=frame.index)


def fit_emission_factor(usage_kwh: pd.Series, co2_tco2: pd.Series) -> float:
    """The factor that reproduces the most stored CO2 values as round(kWh x factor, 2)."""
    ok = usage_kwh.notna() & co2_tco2.notna() & (usage_kwh > 0)
    if ok.sum() < 100:
        return schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH
    p = usage_kwh[ok].to_numpy()
    c = co2_tco2[ok].to_numpy()
    candidates = np.round(np.arange(0.000400, 0.000520, 0.0000002), 7)
    scores = [np.mean(np.round(p * f, 2) == c) for f in candidates]
    return float(candidates[int(np.argmax(scores))])


# --------------------------------------------------------------------------------------------- #
# the cleaner
# --------------------------------------------------------------------------------------------- #
class _RepairLog:
    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, ts, source_row, column, original, value, method, rule="") -> None:
        self.rows.append((ts, source_row, column, original, value, method, rule))

    def cell(
        self, frame: pd.DataFrame, i, text: pd.DataFrame, column: str, value, method: str, rule: str = ""
    ) -> None:
        """Log a change to row ``i`` of the working frame, quoting the cell as the export wrote it."""
        source = int(frame.at[i, "source_row"])
        self.add(
            frame.at[i, schema.TIMESTAMP],
            source,
            column,
            text.at[source, schema.CLEAN_TO_RAW[column]],
            value,
            method,
            rule,
        )

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=list(REPAIR_COLUMNS))
        out["original"] = out["original"].astype(str)
        out["value"] = out["value"].astype(str)
        out["source_row"] = out["source_row"].astype("Int64")
        return out


def clean(raw: pd.DataFrame, config: CleaningConfig | None = None) -> CleaningResult:
    """Clean a raw export read as text (see :func:`energy_assets.domain.ingest.read_raw`)."""
    config = config or CleaningConfig()
    missing = [c for c in schema.RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"raw frame lacks columns {missing}")
    raw = raw.reset_index(drop=True)
    text = raw[list(schema.RAW_COLUMNS)].astype(str)
    log = _RepairLog()
    quarantine_parts: list[pd.DataFrame] = []

    # 1. timestamps -----------------------------------------------------------------------------
    parsed = parse_timestamps(text[schema.RAW_DATE], config.midnight_closes_previous_day)
    moved_to_next_day = int(((parsed.dt.hour == 0) & (parsed.dt.minute == 0)).sum())
    ts = infer_missing_timestamps(parsed)
    for i in np.flatnonzero(parsed.isna() & ts.notna()):
        log.add(ts[i], i, schema.TIMESTAMP, text.at[i, schema.RAW_DATE], ts[i], M_TIMESTAMP_POSITION)
    unplaced = ts.isna()
    if unplaced.any():
        quarantine_parts.append(
            _quarantine(
                text[unplaced], REASON_UNPLACEABLE, "no readable date and no free slot between neighbours"
            )
        )

    # 2. values as read ------------------------------------------------------------------------
    frame = pd.DataFrame({schema.TIMESTAMP: ts, "source_row": np.arange(len(raw))})
    for column in schema.NUMERIC_COLUMNS:
        frame[column] = parse_numbers(text[schema.CLEAN_TO_RAW[column]])
    invalid_reason: dict[tuple[int, str], str] = {}
    for column in schema.MEASUREMENT_COLUMNS:
        values = frame[column]
        rng = schema.RANGES[column]
        non_numeric = values.isna() & (text[schema.CLEAN_TO_RAW[column]].str.strip() != "")
        blank = values.isna() & ~non_numeric
        out_of_range = values.notna() & ((values < rng.low) | (values > rng.high))
        for i in np.flatnonzero(non_numeric):
            invalid_reason[(i, column)] = "not a number"
        for i in np.flatnonzero(blank):
            invalid_reason[(i, column)] = "missing"
        for i in np.flatnonzero(out_of_range):
            invalid_reason[(i, column)] = f"{column} {rng.rule()}"
        frame.loc[out_of_range, column] = np.nan
    for column, canonicalise in CANONICALISERS.items():
        raw_col = text[schema.CLEAN_TO_RAW[column]]
        frame[column] = raw_col.map(canonicalise)

    frame = frame[~unplaced].copy()
    frame = frame.sort_values([schema.TIMESTAMP, "source_row"], kind="stable").reset_index(drop=True)

    # 3. find the wrong reading of triangle-inconsistent rows -------------------------------------
    anomaly = _local_anomaly(frame, config.context_half_window)
    complete = frame[list(TRIANGLE)].notna().all(axis=1)
    consistent = pd.Series(True, index=frame.index)
    for q_col, f_col in SIDES:
        consistent &= physics.triangle_consistent(frame[P], frame[q_col], frame[f_col])
    suspects = frame.index[complete & ~consistent]
    for i in suspects:
        row = {c: float(frame.at[i, c]) for c in TRIANGLE}
        options = _hypotheses(row)
        if not options:
            continue
        culprit = _pick_culprit(options, anomaly.loc[i])
        invalid_reason[(int(frame.at[i, "source_row"]), culprit)] = "disagrees with the power triangle"
        frame.at[i, culprit] = np.nan

    # 4. duplicated intervals: exact copies to quarantine, differing copies merged cell by cell ---
    frame, merged_parts = _merge_duplicates(frame, text, log)
    quarantine_parts.extend(merged_parts)

    # 5. the triangle and the emission factor fill what they determine ---------------------------
    factor = config.emission_factor
    if factor is None:
        factor = fit_emission_factor(frame[P], frame[CO2])
    needs = frame.index[frame[list(TRIANGLE)].isna().any(axis=1)]
    for i in needs:
        row = {c: float(frame.at[i, c]) for c in TRIANGLE}
        for column, value in _solve_row(row).items():
            frame.at[i, column] = value
            reason = invalid_reason.get((int(frame.at[i, "source_row"]), column), "missing")
            log.cell(frame, i, text, column, value, M_TRIANGLE, reason)
    _repair_co2(frame, factor, text, log, invalid_reason)

    # 6. what nothing determines: neighbours in time ---------------------------------------------
    _impute_by_interpolation(frame, text, log, invalid_reason, factor)
    unresolved = _final_triangle_pass(frame, text, log, config.context_half_window)
    _repair_calendar(frame, text, log)

    cleaned = frame[list(schema.CLEAN_COLUMNS)].copy()
    for column in schema.MEASUREMENT_COLUMNS:
        cleaned[column] = cleaned[column].round(schema.MEASUREMENT_DECIMALS)
    cleaned[schema.NSM] = cleaned[schema.NSM].astype("int64")
    cleaned = cleaned.reset_index(drop=True)

    quarantine = (
        pd.concat(quarantine_parts, ignore_index=True)
        if quarantine_parts
        else pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    )
    quarantine["source_row"] = quarantine["source_row"].astype("int64")
    repairs = log.frame()
    report = _report(raw, cleaned, quarantine, repairs, factor)
    report["rows_inconsistent_with_triangle"] = unresolved
    report["midnight_rows_moved_to_next_day"] = (
        moved_to_next_day if config.midnight_closes_previous_day else 0
    )
    return CleaningResult(cleaned=cleaned, quarantine=quarantine, repairs=repairs, report=report)


def _quarantine(text_rows: pd.DataFrame, reason: str, detail: str | pd.Series) -> pd.DataFrame:
    out = text_rows.copy()
    out.insert(0, "detail", detail)
    out.insert(0, "reason", reason)
    out.insert(0, "source_row", text_rows.index.to_numpy())
    return out[list(QUARANTINE_COLUMNS)].reset_index(drop=True)


def _row_quality(frame: pd.DataFrame) -> pd.Series:
    """More valid cells first; among equals, the earlier row of the export."""
    cells = list(schema.MEASUREMENT_COLUMNS) + list(CANONICALISERS)
    return frame[cells].notna().sum(axis=1)


def _merge_duplicates(frame: pd.DataFrame, text: pd.DataFrame, log: _RepairLog):
    dup_mask = frame[schema.TIMESTAMP].duplicated(keep=False)
    if not dup_mask.any():
        return frame, []
    frame = frame.assign(_quality=_row_quality(frame))
    frame = frame.sort_values(
        [schema.TIMESTAMP, "_quality", "source_row"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)
    first = ~frame[schema.TIMESTAMP].duplicated(keep="first")
    keepers = frame[first].set_index(schema.TIMESTAMP)
    extras = frame[~first]
    exact_rows: list[int] = []
    merged_rows: list[int] = []
    merged_detail: list[str] = []
    value_columns = [*schema.MEASUREMENT_COLUMNS, *CANONICALISERS]
    for _, extra in extras.iterrows():
        t = extra[schema.TIMESTAMP]
        src = int(extra["source_row"])
        keeper_src = int(keepers.at[t, "source_row"])
        if text.loc[src].str.strip().equals(text.loc[keeper_src].str.strip()):
            exact_rows.append(src)
            continue
        taken = []
        for column in value_columns:
            if pd.isna(keepers.at[t, column]) and not pd.isna(extra[column]):
                keepers.at[t, column] = extra[column]
                log.add(
                    t,
                    src,
                    column,
                    text.at[keeper_src, schema.CLEAN_TO_RAW[column]],
                    extra[column],
                    M_DUPLICATE,
                )
                taken.append(column)
        merged_rows.append(src)
        merged_detail.append(f"merged into source_row {keeper_src}" + (f"; gave {taken}" if taken else ""))
    parts = []
    if exact_rows:
        parts.append(_quarantine(text.loc[exact_rows], REASON_DUPLICATE, "exact copy of an earlier row"))
    if merged_rows:
        parts.append(
            _quarantine(text.loc[merged_rows], REASON_MERGED, pd.Series(merged_detail, index=merged_rows))
        )
    merged = keepers.reset_index().drop(columns="_quality")
    return merged, parts


def _repair_co2(frame: pd.DataFrame, factor: float, text: pd.DataFrame, log: _RepairLog, reasons) -> None:
    expected = (frame[P] * factor).round(2)
    stored = frame[CO2]
    # Only missing or out-of-range values: the plant's own CO2 meter sometimes reads 0 under load,
    # and a reading that is in range is the plant's record, not ours to overwrite.
    wrong = frame[P].notna() & stored.isna()
    for i in frame.index[wrong]:
        source = int(frame.at[i, "source_row"])
        rule = reasons.get((source, CO2), "disagrees with usage_kwh x emission factor")
        frame.at[i, CO2] = expected[i]
        log.cell(frame, i, text, CO2, expected[i], M_EMISSION, rule)


def _impute_by_interpolation(frame, text, log, reasons, factor) -> None:
    """Interpolate kWh in time first, then let the triangle derive the rest of the row from it."""
    indexed = frame.set_index(schema.TIMESTAMP)
    for column in (P, *TRIANGLE[1:], CO2):
        holes = frame.index[frame[column].isna()]
        if len(holes) == 0:
            continue
        series = indexed[column]
        filled = series.interpolate(method="time", limit_direction="both").round(2)
        for i in holes:
            if not pd.isna(frame.at[i, column]):
                continue  # derived by the triangle after an earlier column was imputed
            value = float(filled.iloc[i])
            if column in (FL, FD):
                value = min(value, 100.0)
            frame.at[i, column] = value
            indexed.iloc[i, indexed.columns.get_loc(column)] = value
            source = int(frame.at[i, "source_row"])
            log.cell(frame, i, text, column, value, M_INTERPOLATED, reasons.get((source, column), "missing"))
            row = {c: float(frame.at[i, c]) for c in TRIANGLE}
            for derived, dvalue in _solve_row(row).items():
                frame.at[i, derived] = dvalue
                indexed.iloc[i, indexed.columns.get_loc(derived)] = dvalue
                log.cell(
                    frame, i, text, derived, dvalue, M_TRIANGLE, reasons.get((source, derived), "missing")
                )
            if column == P and pd.isna(frame.at[i, CO2]):
                frame.at[i, CO2] = round(value * factor, 2)
                indexed.iloc[i, indexed.columns.get_loc(CO2)] = frame.at[i, CO2]
                log.cell(
                    frame, i, text, CO2, frame.at[i, CO2], M_EMISSION, reasons.get((source, CO2), "missing")
                )


def _final_triangle_pass(frame: pd.DataFrame, text: pd.DataFrame, log: _RepairLog, half_window: int) -> int:
    """Re-check rows whose readings were imputed: a reading that still breaks the triangle is fixed.

    Returns the number of rows that remain inconsistent (no single reading explains them).
    """
    consistent = pd.Series(True, index=frame.index)
    for q_col, f_col in SIDES:
        consistent &= physics.triangle_consistent(frame[P], frame[q_col], frame[f_col])
    suspects = frame.index[~consistent]
    if len(suspects) == 0:
        return 0
    anomaly = _local_anomaly(frame, half_window)
    unresolved = 0
    for i in suspects:
        row = {c: float(frame.at[i, c]) for c in TRIANGLE}
        options = _hypotheses(row)
        if not options:
            unresolved += 1
            continue
        culprit = _pick_culprit(options, anomaly.loc[i])
        log.cell(frame, i, text, culprit, options[culprit], M_TRIANGLE, "disagrees with the power triangle")
        frame.at[i, culprit] = options[culprit]
    return unresolved


def _repair_calendar(frame: pd.DataFrame, text: pd.DataFrame, log: _RepairLog) -> None:
    """Calendar columns follow from the timestamp; load_type from its neighbours when missing."""
    implied = calendar_from_timestamp(frame[schema.TIMESTAMP])
    for column in (schema.NSM, schema.DAY_OF_WEEK, schema.WEEK_STATUS):
        raw_text = text[schema.CLEAN_TO_RAW[column]].reindex(frame["source_row"].to_numpy()).to_numpy()
        current = frame[column]
        target = implied[column]
        if column == schema.NSM:
            differs = current.isna() | (current != target.astype(float))
        else:
            differs = current.isna() | (current != target)
        original_text = pd.Series(raw_text, index=frame.index).str.strip()
        passes = [(differs, M_FROM_TIMESTAMP)]
        if column != schema.NSM:
            # blank originals that hold a value were filled from a duplicate and are logged there
            passes.append((~differs & (original_text != target) & (original_text != ""), M_CANONICAL))
        for mask, method in passes:
            for i in frame.index[mask]:
                log.add(
                    frame.at[i, schema.TIMESTAMP],
                    frame.at[i, "source_row"],
                    column,
                    raw_text[i],
                    target[i],
                    method,
                )
        frame[column] = target.to_numpy()
    _repair_load_type(frame, text, log)


def _repair_load_type(frame: pd.DataFrame, text: pd.DataFrame, log: _RepairLog) -> None:
    lt = frame[schema.LOAD_TYPE].copy()
    raw_text = text[schema.CLEAN_TO_RAW[schema.LOAD_TYPE]].reindex(frame["source_row"].to_numpy()).to_numpy()
    for i in frame.index[lt.notna()]:
        if str(raw_text[i]).strip() not in (lt[i], ""):
            log.add(
                frame.at[i, schema.TIMESTAMP],
                frame.at[i, "source_row"],
                schema.LOAD_TYPE,
                raw_text[i],
                lt[i],
                M_CANONICAL,
            )
    holes = frame.index[lt.isna()]
    if len(holes) == 0:
        return
    ts = frame[schema.TIMESTAMP]
    start = ts - schema.INTERVAL
    prev_val = lt.ffill()
    next_val = lt.bfill()
    same_day_hour = lt.groupby([start.dt.date, start.dt.hour]).transform(
        lambda s: s.mode().iloc[0] if s.notna().any() else None
    )
    for i in holes:
        night = start[i].hour >= 23 or start[i].hour < 9
        if night:
            value, rule = "Light_Load", "intervals starting 23:00-09:00 are Light_Load"
        elif pd.notna(prev_val[i]) and prev_val[i] == next_val[i]:
            value, rule = prev_val[i], "previous and next intervals agree"
        elif pd.notna(same_day_hour[i]):
            value, rule = same_day_hour[i], "same day and hour"
        else:
            value = prev_val[i] if pd.notna(prev_val[i]) else next_val[i]
            rule = "nearest interval"
        frame.at[i, schema.LOAD_TYPE] = value
        log.add(ts[i], frame.at[i, "source_row"], schema.LOAD_TYPE, raw_text[i], value, M_NEIGHBOURS, rule)


def _report(raw, cleaned, quarantine, repairs, factor) -> dict[str, object]:
    ts = cleaned[schema.TIMESTAMP]
    grid = pd.date_range(ts.min(), ts.max(), freq=schema.INTERVAL) if len(ts) else pd.DatetimeIndex([])
    imputed = repairs[repairs["method"].isin(IMPUTED_METHODS)]
    repaired = repairs[~repairs["method"].isin(IMPUTED_METHODS)]
    return {
        "rows_in": len(raw),
        "rows_out": len(cleaned),
        "rows_quarantined": len(quarantine),
        "quarantined_by_reason": dict(Counter(quarantine["reason"])),
        "cells_repaired": len(repaired),
        "cells_repaired_by_method": dict(Counter(repaired["method"])),
        "cells_imputed": len(imputed),
        "cells_imputed_by_column": dict(Counter(imputed["column"])),
        "repairs_by_column": dict(Counter(repairs["column"])),
        "first_timestamp": str(ts.min()) if len(ts) else None,
        "last_timestamp": str(ts.max()) if len(ts) else None,
        "missing_intervals": int(len(grid) - len(ts)),
        "emission_factor_t_per_kwh": factor,
        # every input row is either in the cleaned table or in the quarantine
        "rows_accounted": len(cleaned) + len(quarantine),
    }
