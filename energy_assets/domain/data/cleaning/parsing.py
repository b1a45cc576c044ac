"""Reading an export's text cells: timestamps in any accepted layout, numbers, categorical spellings."""

from __future__ import annotations

import unicodedata

import pandas as pd

from energy_assets.domain.data import schema


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
