"""Slots of a question, Spanish or English: days, periods, clock hours, load types, percentages.

The data is 2018, so relative words ("mañana", "last week") are resolved against a configurable
``today`` (default: the last day of the readings), never the wall clock. Everything works on the
accent-folded lower-case text (:func:`~energy_api.copilot.language.fold`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from energy_api.copilot.language import EN_MONTHS, EN_WEEKDAYS, ES_MONTHS

_EN_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS: dict[str, int] = {
    **{m: i + 1 for i, m in enumerate(ES_MONTHS)},
    "setiembre": 9,
    **{m: i + 1 for i, m in enumerate(EN_MONTHS)},
    **{m: i + 1 for i, m in enumerate(_EN_MONTH_ABBREVIATIONS)},
    "sept": 9,
}
WEEKDAYS: dict[str, int] = {
    **{
        d: i for i, d in enumerate(["lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"])
    },
    **{d: i for i, d in enumerate(EN_WEEKDAYS)},
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(WEEKDAYS)


@dataclass(frozen=True)
class Period:
    """Days ``start`` .. ``end`` inclusive, and how the question named them (for the assumptions)."""

    start: dt.date
    end: dt.date
    said: str

    @property
    def single_day(self) -> bool:
        return self.start == self.end


def _year(text: str, default: int) -> int:
    match = re.search(r"\b(20\d\d)\b", text)
    return int(match.group(1)) if match else default


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_period(text: str, today: dt.date) -> Period | None:
    """The first day or span the (folded) text names, resolved against ``today``."""
    year = _year(text, today.year)
    iso = re.search(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b", text)
    if iso:
        day = _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if day:
            return Period(day, day, iso.group(0))
    # "5 de marzo", "5 march", "5th of march"
    match = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:de\s+|of\s+)?({_MONTH_RE})\b", text)
    if not match:
        # "march 5", "march 5th"
        alt = re.search(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:\d)", text)
        if alt and not re.match(r"\s*(?:am|pm|h\b)", text[alt.end() :]):
            match_day, match_month = int(alt.group(2)), MONTHS[alt.group(1)]
            day = _safe_date(year, match_month, match_day)
            if day:
                return Period(day, day, alt.group(0))
    else:
        day = _safe_date(year, MONTHS[match.group(2)], int(match.group(1)))
        if day:
            return Period(day, day, match.group(0))
    relative = _relative(text, today)
    if relative:
        return relative
    weekday = re.search(rf"\b(?:el\s+|on\s+|last\s+|el\s+pasado\s+)?({_WEEKDAY_RE})\b", text)
    if weekday:
        back = (today.weekday() - WEEKDAYS[weekday.group(1)]) % 7 or 7
        day = today - dt.timedelta(days=back)
        return Period(day, day, weekday.group(0))
    month = re.search(rf"\b(?:en|in|de|of|during|durante|for|mes de|month of)\s+({_MONTH_RE})\b", text)
    if month:
        number = MONTHS[month.group(1)]
        first = dt.date(year, number, 1)
        last = (dt.date(year + (number == 12), number % 12 + 1, 1)) - dt.timedelta(days=1)
        return Period(first, last, month.group(0))
    if re.search(r"\b(2018|todo el ano|the whole year|all year|el ano|this year|este ano|the year)\b", text):
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "2018")
    return None


def _relative(text: str, today: dt.date) -> Period | None:
    one_day = {
        r"\bpasado manana\b|\bday after tomorrow\b": 2,
        r"\banteayer\b|\bday before yesterday\b": -2,
        r"\bmanana\b(?!\s+por)|\btomorrow\b": 1,
        r"\bayer\b|\byesterday\b": -1,
        r"\bhoy\b|\btoday\b": 0,
    }
    for pattern, offset in one_day.items():
        found = re.search(pattern, text)
        if found:
            day = today + dt.timedelta(days=offset)
            return Period(day, day, found.group(0))
    monday = today - dt.timedelta(days=today.weekday())
    found = re.search(r"\b(?:la\s+)?semana\s+pasada\b|\blast\s+week\b|\bprevious\s+week\b", text)
    if found:
        return Period(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), found.group(0))
    found = re.search(r"\besta\s+semana\b|\bthis\s+week\b", text)
    if found:
        return Period(monday, today, found.group(0))
    found = re.search(r"\b(?:el\s+)?mes\s+pasado\b|\blast\s+month\b|\bprevious\s+month\b", text)
    if found:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return Period(last.replace(day=1), last, found.group(0))
    found = re.search(r"\beste\s+mes\b|\bthis\s+month\b", text)
    if found:
        return Period(today.replace(day=1), today, found.group(0))
    found = re.search(r"\b(?:los\s+)?ultimos\s+(\d+)\s+dias\b|\blast\s+(\d+)\s+days\b", text)
    if found:
        n = int(found.group(1) or found.group(2))
        return Period(today - dt.timedelta(days=n - 1), today, found.group(0))
    return None


def _hour(value: str, suffix: str, context: str) -> int:
    hour = int(value)
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    elif (
        not suffix
        and re.search(r"de la tarde|de la noche|in the afternoon|in the evening", context)
        and hour < 12
    ):
        hour += 12
    return hour


def find_hours(text: str) -> list[int]:
    """Clock hours named: "10am", "2 pm", "14:00", "a las 10", "las 2 de la tarde", "de 10 a 12"."""
    hours: list[int] = []
    pattern = re.compile(
        r"\b(?:(?:a\s+)?las\s+|(?:a\s+)?la\s+|at\s+|from\s+|de\s+|desde\s+|to\s+|a\s+|hasta\s+|until\s+)?"
        r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|h\b|hs\b)?"
    )
    for match in pattern.finditer(text):
        lead = match.group(0)
        value, minutes, suffix = match.group(1), match.group(2), (match.group(3) or "").strip()
        after = text[match.end() : match.end() + 25]
        explicit = (
            minutes is not None or suffix in ("am", "pm", "h", "hs") or re.search(r"\b(?:las|la|at)\s", lead)
        )
        ranged = re.match(r"\s*(?:de|from|desde)\s", lead) and re.match(r"\s*(?:a|to|hasta|-)\s+\d", after)
        closing = re.match(r"\s*(?:a|to|hasta|until)\s", lead) and hours
        if not (explicit or ranged or closing):
            continue
        if re.match(
            r"\s*(?:%|horas?|hours?|h\b|kwh|dias|days|de (?:" + _MONTH_RE + "))", after
        ) and suffix not in ("am", "pm"):
            continue
        hour = _hour(value, suffix if suffix in ("am", "pm") else "", after)
        if 0 <= hour <= 24:
            hours.append(hour)
    return hours


def find_duration_hours(text: str) -> float | None:
    """ "2 horas", "3 hours", "una hora", "an hour", "30 minutos"."""
    match = re.search(r"\b(\d+(?:[.,]\d+)?)\s*(?:horas?|hours?|h)\b", text)
    if match:
        return float(match.group(1).replace(",", "."))
    if re.search(r"\buna\s+hora\b|\ban?\s+hour\b|\bone\s+hour\b", text):
        return 1.0
    if re.search(r"\bdos\s+horas\b|\btwo\s+hours\b", text):
        return 2.0
    if re.search(r"\btres\s+horas\b|\bthree\s+hours\b", text):
        return 3.0
    match = re.search(r"\b(\d+)\s*(?:minutos|minutes|min)\b", text)
    if match:
        return int(match.group(1)) / 60.0
    return None


def find_percent(text: str) -> float | None:
    match = re.search(r"\b(\d{1,3}(?:[.,]\d+)?)\s*(?:%|por\s*ciento|percent)", text)
    return float(match.group(1).replace(",", ".")) if match else None


def find_kwh(text: str) -> float | None:
    match = re.search(r"\b(\d+(?:[.,]\d+)?)\s*kwh\b", text)
    return float(match.group(1).replace(",", ".")) if match else None


PERIOD_WORDS: dict[str, str] = {
    r"carga\s+maxima|maxima\s+carga|punta|hora\s+pico|horas\s+pico|maximum[\s_-]*load|maximum|peak\s+hours|peak\s+period|on-peak|periodo\s+maximo|tarifa\s+maxima|maxima": "maximum",
    r"carga\s+media|media\s+carga|carga\s+intermedia|medium[\s_-]*load|medium|periodo\s+medio|tarifa\s+media|intermedia|llano": "medium",
    r"carga\s+ligera|carga\s+baja|ligera|valle|light[\s_-]*load|off-peak|light|madrugada|noche|night|overnight|early\s+morning": "light",
}


def find_periods(text: str) -> list[str]:
    """Tariff periods named, in the order they appear ("de carga máxima a la madrugada")."""
    found: list[tuple[int, str]] = []
    for pattern, period in PERIOD_WORDS.items():
        for match in re.finditer(rf"\b(?:{pattern})\b", text):
            found.append((match.start(), period))
    found.sort()
    out: list[str] = []
    for _, period in found:
        if not out or out[-1] != period:
            out.append(period)
    return out
