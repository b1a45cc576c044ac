"""Reading an export's text cells: timestamps in any accepted layout, numbers, categorical spellings."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
#: dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy (or month-first): the layouts whose order the values must decide.
_NUMERIC_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b"
#: One order must outnumber the other by this much when a file holds evidence for both.
_MAJORITY = 20
_HINT = (
    "state the layout with --date-format (e.g. --date-format '%m/%d/%Y %H:%M' for month-first, "
    "'%d/%m/%Y %H:%M' for day-first)"
)


class AmbiguousDateOrder(ValueError):
    """The file's dates could be day-first or month-first and its values do not say which."""


def date_formats(order: str = DAY_FIRST, date_format: str | None = None) -> tuple[str, ...]:
    """The layouts to try, in order: a stated one first; else the accepted ones in ``order``."""
    if date_format:
        return (date_format, *(f for f in schema.ACCEPTED_DATE_FORMATS if f.startswith("%Y")))
    if order == DAY_FIRST:
        return schema.ACCEPTED_DATE_FORMATS
    swapped = (
        f.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m") for f in schema.ACCEPTED_DATE_FORMATS
    )
    return tuple(
        f if f.startswith("%Y") else g for f, g in zip(schema.ACCEPTED_DATE_FORMATS, swapped, strict=True)
    )


def _parse(stripped: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    parsed = pd.Series(pd.NaT, index=stripped.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna() & (stripped != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(stripped[todo], format=fmt, errors="coerce")
    return parsed


def _path_length(parsed: pd.Series) -> float:
    """Total time travelled row to row (an export is written in time order: the right reading
    travels about its span, the wrong one jumps months back and forth)."""
    values = parsed.dropna().to_numpy(dtype="datetime64[ns]").astype("int64")
    return float(np.abs(np.diff(values)).sum())


def decide_date_order(text: pd.Series) -> str:
    """Day-first or month-first for the WHOLE file, decided from its values.

    A first number above 12 can only be a day, a second above 12 only a day too; one such value
    decides the file (the other order would leave it unreadable). When no value decides by itself
    (a file of the 1st to the 12th of months), the order whose parse makes consecutive rows 15
    minutes apart wins. :class:`AmbiguousDateOrder`, whose message says how to state the layout,
    when evidence conflicts or nothing decides.
    """
    stripped = text.astype(str).str.strip()
    parts = stripped.str.extract(_NUMERIC_DATE)
    first, second = pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")
    only_day_first = int(((first > 12) & (second <= 12)).sum())
    only_month_first = int(((second > 12) & (first <= 12)).sum())
    if only_day_first and only_day_first >= _MAJORITY * only_month_first:
        return DAY_FIRST
    if only_month_first and only_month_first >= _MAJORITY * only_day_first:
        return MONTH_FIRST
    if only_day_first or only_month_first:
        example_d = stripped[(first > 12) & (second <= 12)].iloc[0]
        example_m = stripped[(second > 12) & (first <= 12)].iloc[0]
        raise AmbiguousDateOrder(
            f"dates are written both day-first ({only_day_first} rows, e.g. '{example_d}') and month-first "
            f"({only_month_first} rows, e.g. '{example_m}'); {_HINT}"
        )
    numeric = parts[0].notna()
    if not numeric.any():
        return DAY_FIRST  # ISO or year-first dates only: the order does not matter
    day = _parse(stripped[numeric], date_formats(DAY_FIRST))
    month = _parse(stripped[numeric], date_formats(MONTH_FIRST))
    if day.equals(month):
        return DAY_FIRST  # every day equals its month number: both readings agree
    day_path, month_path = _path_length(day), _path_length(month)
    if day_path > 0 and month_path > 0:
        if 2 * day_path <= month_path:
            return DAY_FIRST
        if 2 * month_path <= day_path:
            return MONTH_FIRST
    example = stripped[numeric].iloc[0]
    raise AmbiguousDateOrder(
        f"cannot tell whether dates such as '{example}' are day-first or month-first; {_HINT}"
    )


def parse_timestamps(
    text: pd.Series,
    midnight_closes_previous_day: bool = True,
    *,
    order: str = DAY_FIRST,
    date_format: str | None = None,
) -> pd.Series:
    """Parse any accepted layout (``order``: day- or month-first; or the stated ``date_format`` and
    ISO) and move UCI's midnight rows to the next day."""
    stripped = text.astype(str).str.strip()
    parsed = _parse(stripped, date_formats(order, date_format))
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
