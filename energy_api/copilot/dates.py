"""Periods named in a question, Spanish or English, resolved against the copilot's "today".

Days, ranges ("del 3 al 9 de marzo", "between 2 and 20 April", "2018-03-03..2018-03-09"), months,
quarters, halves, seasons, years, relative periods ("hace dos semanas", "last month", "the last 7
days") and South Korean public holidays by name (the ``holidays`` package's names, plus their
usual Spanish names). Everything works on the folded text of :mod:`.normalize` (lower case, no
accents, number words already digits). Month and weekday names come from CLDR through Babel.

The meanings are the contract's (docs/copilot.md): a month or day without a year is the most
recent one that has started by today; weeks are ISO weeks (Monday..Sunday); ranges include both
ends; seasons are the tariff's (summer Jun-Aug, spring/fall Mar-May + Sep-Oct, winter Nov-Feb).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from energy_api.copilot.language import MONTH_WORDS, WEEKDAY_WORDS
from energy_assets.domain import calendar


@dataclass(frozen=True)
class Period:
    """Days ``start`` .. ``end`` inclusive; ``kind`` says how it was named, ``at`` where."""

    start: dt.date
    end: dt.date
    kind: str
    at: int = 0
    text: str = ""
    #: the days meant when they are not every day of start..end (a holiday with a gap)
    days: tuple[dt.date, ...] = ()

    @property
    def single_day(self) -> bool:
        return self.start == self.end


_MONTH = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAY_WORDS, key=len, reverse=True))
WEEKDAY_PATTERN = _WEEKDAY  # the weekday names of both languages, longest first
_UNIT_AFTER = (
    r"(?![.,]\d|\s*(?:kwh|mwh|kvarh|kvah|krw|tco2|%|h\b|horas|hours|intervalos|intervals|dias|days))"
)
_YEAR = rf"(?:,?\s*(?:de(?:l)?\s+|of\s+|del\s+ano\s+)?((?:19|20)\d\d){_UNIT_AFTER})"
_ORD = r"(?:st|nd|rd|th|º|o)?"
_ORDINALS = {
    "1": 1,
    "primer": 1,
    "primero": 1,
    "primera": 1,
    "first": 1,
    "1st": 1,
    "2": 2,
    "segundo": 2,
    "segunda": 2,
    "second": 2,
    "2nd": 2,
    "3": 3,
    "tercer": 3,
    "tercero": 3,
    "third": 3,
    "3rd": 3,
    "4": 4,
    "cuarto": 4,
    "fourth": 4,
    "4th": 4,
    "ultimo": 4,
    "last": 4,
}
#: A small count written as digits or as "a" / "un par de" / "a couple of" ("a week ago", "hace un par de semanas").
_FEW = r"((?:un|1)\s+par\s+de|a\s+couple\s+of|\d+|an?|one|una?)"


def _few(word: str) -> int:
    if word.isdigit():
        return int(word)
    return 2 if ("par" in word or "couple" in word) else 1


_ORD_WORD = r"(primer|primero|primera|segundo|segunda|tercer|tercero|cuarto|first|second|third|fourth|1st|2nd|3rd|4th|ultimo|last|[1-4])"
_SEASON_WORDS = {
    "verano": calendar.SUMMER,
    "summer": calendar.SUMMER,
    "invierno": calendar.WINTER,
    "winter": calendar.WINTER,
    "primavera": calendar.SPRING_FALL,
    "spring": calendar.SPRING_FALL,
    "otono": calendar.SPRING_FALL,
    "fall": calendar.SPRING_FALL,
    "autumn": calendar.SPRING_FALL,
    "entretiempo": calendar.SPRING_FALL,
}
#: Spanish (and common English) names of the KR public holidays -> a fragment of the `holidays`
#: package's English name; the package's own names are matched too.
HOLIDAY_ALIASES: dict[str, str] = {
    "ano nuevo lunar": "korean new year",
    "nuevo ano lunar": "korean new year",
    "ano nuevo coreano": "korean new year",
    "lunar new year": "korean new year",
    "seollal": "korean new year",
    "chuseok": "chuseok",
    "korean new year": "korean new year",
    "korean new years day": "korean new year",
    "korean lunar new year": "korean new year",
    "chinese new year": "korean new year",
    "ano nuevo chino": "korean new year",
    "korean thanksgiving": "chuseok",
    "korean thanksgiving day": "chuseok",
    "thanksgiving": "chuseok",
    "accion de gracias": "chuseok",
    "dia de accion de gracias": "chuseok",
    "accion de gracias coreana": "chuseok",
    "gwangbokjeol": "liberation day",
    "national liberation day": "liberation day",
    "korean liberation day": "liberation day",
    "gaecheonjeol": "national foundation day",
    "hangeul day": "hangul day",
    "hangeul": "hangul day",
    "dia del hangeul": "hangul day",
    "hyeonchungil": "memorial day",
    "accion de gracias coreano": "chuseok",
    "navidad": "christmas",
    "christmas": "christmas",
    "xmas": "christmas",
    "dia del nino": "children's day",
    "dia de los ninos": "children's day",
    "childrens day": "children's day",
    "children day": "children's day",
    "dia de la liberacion": "liberation day",
    "liberation day": "liberation day",
    "dia del movimiento de independencia": "independence movement day",
    "movimiento de independencia": "independence movement day",
    "independence movement day": "independence movement day",
    "samiljeol": "independence movement day",
    "dia del hangul": "hangul day",
    "dia de hangul": "hangul day",
    "hangul": "hangul day",
    "dia de la infancia": "children's day",
    "navidades": "christmas",
    "dia del alfabeto coreano": "hangul day",
    "hangul day": "hangul day",
    "cumpleanos de buda": "buddha's birthday",
    "nacimiento de buda": "buddha's birthday",
    "natalicio de buda": "buddha's birthday",
    "buddhas birthday": "buddha's birthday",
    "buddha birthday": "buddha's birthday",
    "dia de los caidos": "memorial day",
    "dia conmemorativo": "memorial day",
    "memorial day": "memorial day",
    "dia de la fundacion nacional": "national foundation day",
    "fundacion nacional": "national foundation day",
    "national foundation day": "national foundation day",
    "dia de la elecciones": "election day",
    "dia de elecciones": "election day",
    "election day": "election day",
    "ano nuevo": "new year's day",
    "new years day": "new year's day",
    "new year day": "new year's day",
    "new year": "new year's day",
}
_HOLIDAY = "|".join(sorted((re.escape(k) for k in HOLIDAY_ALIASES), key=len, reverse=True))


_COMPARING = re.compile(
    r"diferencia|difference|compar|\bvs\b|versus|frente|respecto|than|\bque\s+en\b|mas\s+que|menos\s+que"
)


_CHANGING = re.compile(
    r"\bchang\w*|\bcambi\w*|\bevoluci\w*|\bincreas\w*|\bdecreas\w*|\bgrew\b|\bgrow\w*|\brose\b|\bfell\b|"
    r"\bdrop\w*|\baument\w*|\bdismin\w*|\bcreci\w*|\bbajo\b|\bsubio\b|\bvari\w*|\bpercentage\b|\bporcentaje\b"
)


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return _month_end(year, month)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year_for_month(month: int, today: dt.date, year: str | None) -> int:
    if year:
        return int(year)
    return today.year if month <= today.month else today.year - 1


def _year_for_day(month: int, day: int, today: dt.date, year: str | None) -> int:
    if year:
        return int(year)
    candidate = _safe(today.year, month, day)
    return today.year if candidate is None or candidate <= today else today.year - 1


def _any_year(text: str) -> str | None:
    match = re.search(rf"\b((?:19|20)\d\d)\b{_UNIT_AFTER}", text)
    return match.group(1) if match else None


@lru_cache(maxsize=16)
def _holidays_of(year: int) -> tuple[tuple[dt.date, str], ...]:
    return tuple((d, n.lower().replace("\u2019", "'")) for d, n in calendar.korean_holidays([year]).items())


def holiday_days(fragment: str, year: int) -> list[dt.date]:
    """Every day the `holidays` package names with ``fragment`` in ``year`` (substitute days included)."""
    if fragment == "new year's day":
        return [d for d, n in _holidays_of(year) if n == "new year's day"]
    return sorted(d for d, n in _holidays_of(year) if fragment in n)


# --- finders: each returns (start, end, kind, match) ----------------------------------------------
def _unit_number(token: str) -> tuple[int, int] | None:
    """(months per unit, number) of "q3", "h2", "tercer trimestre", "second half"."""
    m = re.fullmatch(r"([qh])([1-4])", token)
    if m:
        return (3 if m.group(1) == "q" else 6), int(m.group(2))
    m = re.fullmatch(rf"{_ORD_WORD}[\s-]*(trimestre|quarter|qtr|semestre|half)", token)
    if not m:
        return None
    n = _ORDINALS.get(m.group(1), 0) or (int(m.group(1)) if m.group(1).isdigit() else 0)
    size = 3 if m.group(2) in ("trimestre", "quarter", "qtr") else 6
    return (size, n) if 1 <= n <= 12 // size else None


def find_periods(text: str, today: dt.date) -> list[Period]:
    """Every period the folded text names, in order of appearance (overlapping matches removed)."""
    found: list[Period] = []
    taken: list[tuple[int, int]] = []

    def add_at(
        start: dt.date | None, end: dt.date | None, kind: str, a: int, b: int, days: tuple[dt.date, ...] = ()
    ) -> None:
        if start is None or end is None or end < start:
            return
        if any(a < y and x < b for x, y in taken):
            return
        taken.append((a, b))
        found.append(Period(start, end, kind, a, text[a:b], days))

    def add(
        start: dt.date | None,
        end: dt.date | None,
        kind: str,
        m: re.Match[str],
        days: tuple[dt.date, ...] = (),
    ) -> None:
        add_at(start, end, kind, *m.span(), days)

    year_any = _any_year(text)
    # ISO ranges and days
    for m in re.finditer(
        r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\s*(?:\.{2,3}|…|/|->|→|to|a|al|hasta|until|till|through|thru|-|–|—|y|and)\s*(?:el\s+|the\s+)?(20\d\d)-(\d{1,2})-(\d{1,2})\b",
        text,
    ):
        g = [int(x) for x in m.groups()]
        add(_safe(g[0], g[1], g[2]), _safe(g[3], g[4], g[5]), "iso_range", m)
    for m in re.finditer(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b", text):
        day = _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        add(day, day, "day", m)
    # slashed days: day first (the readings' own dd/mm/yyyy); month first only when that is no date
    for m in re.finditer(r"\b(\d{1,2})/(\d{1,2})/(20\d\d)\b", text):
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        day = _safe(year, b, a) or _safe(year, a, b)
        add(day, day, "day", m)
    # ISO and slashed months: "2018-04", "04/2018"
    for m in re.finditer(r"\b(20\d\d)[-/](\d{1,2})\b(?![-/]\d)|\b(\d{1,2})/(20\d\d)\b", text):
        year = int(m.group(1) or m.group(4))
        month = int(m.group(2) or m.group(3))
        if 1 <= month <= 12:
            add(dt.date(year, month, 1), _month_end(year, month), "month", m)
    # day-month to day-month: "del 1 de marzo al 15 de abril", "from 1 March to 15 April"
    for m in re.finditer(
        rf"\b(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_MONTH}){_YEAR}?\s*(?:a|al|to|hasta|until|through|-|–|y|and)\s+(?:el\s+|the\s+)?(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_MONTH}){_YEAR}?\b",
        text,
    ):
        d1, m1, y1, d2, m2, y2 = m.groups()
        mo1, mo2 = MONTH_WORDS[m1], MONTH_WORDS[m2]
        year2 = _year_for_day(mo2, int(d2), today, y2 or y1 or year_any)
        year1 = int(y1) if y1 else (year2 if mo1 <= mo2 else year2 - 1)
        if not (y1 or y2 or year_any) and mo1 > mo2:
            # "del 20 de diciembre al 5 de enero" without years: the range runs forward from the most
            # recent start (as "from Christmas to January 10" does), past the data if it must
            year1 = _year_for_day(mo1, int(d1), today, None)
            year2 = year1 + 1
        add(_safe(year1, mo1, int(d1)), _safe(year2, mo2, int(d2)), "range", m)
    # "March 3 to April 9", "from March 3 to 9", "between March 3 and March 9"
    for m in re.finditer(
        rf"\b({_MONTH})\s+(\d{{1,2}}){_ORD}{_YEAR}?\s*(?:a|al|to|hasta|until|through|-|–|y|and)\s+(?:the\s+|el\s+)?(?:({_MONTH})\s+)?(\d{{1,2}}){_ORD}(?!\s*(?:am|pm|h\b|:\d|hours?|horas?))(?:{_YEAR})?\b",
        text,
    ):
        m1, d1, y1, m2, d2, y2 = m.groups()
        mo1 = MONTH_WORDS[m1]
        mo2 = MONTH_WORDS[m2] if m2 else mo1
        year2 = _year_for_day(mo2, int(d2), today, y2 or y1 or year_any)
        year1 = int(y1) if y1 else (year2 if mo1 <= mo2 else year2 - 1)
        if not (y1 or y2 or year_any) and mo1 > mo2:
            year1 = _year_for_day(mo1, int(d1), today, None)  # "Dec 24 thru Jan 6": forward from the start
            year2 = year1 + 1
        add(_safe(year1, mo1, int(d1)), _safe(year2, mo2, int(d2)), "range", m)
    # "del 3 al 9 de marzo", "between 2 and 20 April", "from the 3rd to the 9th of March"
    for m in re.finditer(
        rf"(?:\b(?:del|desde\s+el|entre\s+el|entre\s+los|entre|from(?:\s+the)?|between(?:\s+the)?|de)\s+(?:dias?\s+)?(\d{{1,2}}){_ORD}\s*(?:a|al|to|hasta|until|through|-|–|y|and)|(?<![\d:.,])(?<!\bde\s)(?<!\bfrom\s)(?<!\blas\s)\b(\d{{1,2}}){_ORD}\s*(?:al|a|to|hasta|until|through|–))\s+(?:el\s+|the\s+)?(?:dia\s+)?(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_MONTH}){_YEAR}?\b",
        text,
    ):
        d1a, d1b, d2, mon, y = m.groups()
        d1 = d1a or d1b  # "17 to 30 June", "17 al 30 de junio": a range without an opening word too
        mo = MONTH_WORDS[mon]
        year = _year_for_day(mo, int(d2), today, y or year_any)
        add(_safe(year, mo, int(d1)), _safe(year, mo, int(d2)), "range", m)
    # month ranges: "de marzo a mayo", "from March to May", "between March and May" ("marzo y abril"
    # alone names two months, for a comparison)
    for m in re.finditer(
        rf"\b(?:(?:de|desde|from)\s+({_MONTH}){_YEAR}?\s+(?:a|al|hasta|to|until|through|-)|(?:entre|between)\s+({_MONTH}){_YEAR}?\s+(?:y|and|a|to))\s+({_MONTH}){_YEAR}?\b",
        text,
    ):
        if m.group(3) and _COMPARING.search(text):
            continue  # "diferencia entre octubre y septiembre": two months to compare
        if m.group(1) and _CHANGING.search(text):
            continue  # "how did consumption change from May to June": two months to compare
        m1a, y1a, m1b, y1b, m2, y2 = m.groups()
        m1, y1 = (m1a, y1a) if m1a else (m1b, y1b)
        mo1, mo2 = MONTH_WORDS[m1], MONTH_WORDS[m2]
        year2 = _year_for_month(mo2, today, y2 or y1 or year_any)
        year1 = int(y1) if y1 else (year2 if mo1 <= mo2 else year2 - 1)
        add(dt.date(year1, mo1, 1), _month_end(year2, mo2), "range", m)
    # holidays by name
    for m in re.finditer(rf"\b(?:el\s+|la\s+|the\s+)?({_HOLIDAY})(?:'s)?{_YEAR}?\b", text):
        fragment = HOLIDAY_ALIASES[m.group(1)]
        year = int(m.group(2) or year_any or today.year)
        days = holiday_days(fragment, year)
        if not days and not (m.group(2) or year_any):
            days = holiday_days(fragment, year - 1)
        if days:
            gap = len(days) < (days[-1] - days[0]).days + 1
            add(days[0], days[-1], "holiday", m, tuple(days) if gap else ())
    # single days: "3 de marzo", "3rd of March", "March 3rd", "marzo 3"
    for m in re.finditer(rf"\b(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_MONTH}){_YEAR}?\b", text):
        d, mon, y = m.groups()
        mo = MONTH_WORDS[mon]
        day = _safe(_year_for_day(mo, int(d), today, y or year_any), mo, int(d))
        add(day, day, "day", m)
    for m in re.finditer(
        rf"\b({_MONTH})\s+(\d{{1,2}}){_ORD}(?!\s*(?:am|pm|h\b|:\d|hours?|horas?|kwh|%))(?:{_YEAR})?\b", text
    ):
        mon, d, y = m.groups()
        mo = MONTH_WORDS[mon]
        if int(d) > 31:
            continue
        day = _safe(_year_for_day(mo, int(d), today, y or year_any), mo, int(d))
        add(day, day, "day", m)
    # "the first six months of 2018", "los primeros 3 meses del año": January to month N of that year
    for m in re.finditer(
        rf"\b(?:(?:the|los)\s+)?(?:first|primeros|1st|1os)\s+(\d{{1,2}})\s+(?:months|meses)"
        rf"(?:\s+(?:of|del?)\s+(?:(?:the|el)\s+)?(?:year|ano)|{_YEAR})?\b",
        text,
    ):
        n = int(m.group(1))
        if 1 <= n <= 12:
            year = int(m.group(2) or year_any or today.year)
            add(dt.date(year, 1, 1), _month_end(year, n), "range", m)
    # "from Q1 to Q3", "del primer trimestre al tercer trimestre": one range of quarters (or halves), not two
    unit = (
        rf"(?:{_ORD_WORD.replace('(', '(?:', 1)}[\s-]*(?:trimestre|quarter|qtr|semestre|half)|q[1-4]|h[12])"
    )
    for m in re.finditer(
        rf"\b(?:from|de|del|desde)\s+(?:the\s+|el\s+)?({unit})\s+(?:to|a|al|hasta|until|through)\s+(?:the\s+|el\s+)?"
        rf"({unit}){_YEAR}?\b",
        text,
    ):
        ends = [_unit_number(m.group(1)), _unit_number(m.group(2))]
        if None in ends or ends[0][0] != ends[1][0] or ends[0][1] >= ends[1][1]:  # type: ignore[index]
            continue
        (size, n1), (_, n2) = ends  # type: ignore[misc]
        year = int(m.group(3) or year_any or today.year)
        add(dt.date(year, size * n1 - size + 1, 1), _month_end(year, size * n2), "range", m)
    # quarters and halves
    for m in re.finditer(
        rf"\b(?:(?:el|la|the)\s+)?(?:{_ORD_WORD}[\s-]*(?:trimestre|quarter|qtr)|q([1-4])|([1-4])\s*t|t([1-4])|(?:trimestre|quarter)\s+([1-4])){_YEAR}?\b",
        text,
    ):
        word = next(g for g in m.groups()[:5] if g)
        q = _ORDINALS.get(word, 0) or int(word)
        year = int(m.group(6) or year_any or today.year)
        add(dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), "quarter", m)
    for m in re.finditer(
        rf"\b(?:(?:el|la|the)\s+)?(?:{_ORD_WORD}[\s-]*(?:semestre|half|mitad)|h([12])|s([12])|([12])[sh](?=\s+(?:19|20)\d\d\b)|([12])s|(?:semestre|half)\s+([12])){_YEAR}?\b"
        # "the second half of March", "la primera mitad de la semana": half of another unit, not of the year
        rf"(?!\s+(?:of|de|del)\s+(?:the\s+|el\s+|la\s+|this\s+|last\s+|este\s+|esta\s+)?(?:{_MONTH}|week|weeks|semana|mes|month|day|dia|quarter|trimestre)\b)",
        text,
    ):
        word = next(g for g in m.groups()[:6] if g)
        h = _ORDINALS.get(word, 0) or int(word)
        if h not in (1, 2):
            h = 2 if word in ("ultimo", "last") else 0
        if h == 0:
            continue
        year = int(m.group(7) or year_any or today.year)
        add(dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h), "half", m)
    # "el primer y el segundo semestre": two quarters or halves sharing one noun
    for m in re.finditer(
        rf"\b(?:el|la|the|del)\s+{_ORD_WORD}\s+(?:y|e|o|u|and|or|vs|versus|frente\s+al?)\s+(?:(?:el|la|the|del|of\s+the)\s+)?{_ORD_WORD}\s+"
        rf"(trimestre|semestre|quarter|half){_YEAR}?\b",
        text,
    ):
        noun, y = m.group(3), m.group(4)
        year = int(y or year_any or today.year)
        for group, start, end in ((1, m.start(), m.end(1)), (2, m.start(2), m.end())):
            n = _ORDINALS.get(m.group(group), 0) or int(m.group(group))
            if noun in ("trimestre", "quarter") and 1 <= n <= 4:
                add_at(dt.date(year, 3 * n - 2, 1), _month_end(year, 3 * n), "quarter", start, end)
            elif n in (1, 2):
                add_at(dt.date(year, 6 * n - 5, 1), _month_end(year, 6 * n), "half", start, end)
    # "¿en el tercer trimestre o en el segundo?": the second quarter (or half) of the same year
    units = [p for p in found if p.kind in ("quarter", "half")]
    if units:
        for m in re.finditer(
            r"\b(?:y|o|and|or|vs|versus|frente\s+al?|que|than|respecto\s+al?|con|with|to|al|a)\s+(?:en\s+|in\s+|durante\s+)?(?:(?:el|la|the)\s+)?"
            r"(primero|primer|primera|segundo|segunda|tercero|tercer|cuarto|first|second|third|fourth|1st|2nd|3rd|4th)\b"
            r"(?!\s+(?:trimestre|semestre|quarter|half|mitad|semana|week|dia|day|mes|month))",
            text,
        ):
            unit = units[0]
            n = _ORDINALS[m.group(1)]
            year = unit.start.year
            if unit.kind == "quarter" and 1 <= n <= 4:
                add(dt.date(year, 3 * n - 2, 1), _month_end(year, 3 * n), "quarter", m)
            elif unit.kind == "half" and n in (1, 2):
                add(dt.date(year, 6 * n - 5, 1), _month_end(year, 6 * n), "half", m)
    # relative periods
    _relative(text, today, add)
    # "la semana pasada o la anterior", "last month or the one before": one unit earlier again
    relative = [p for p in found if p.kind == "relative" and not p.single_day]
    if relative:
        for m in re.finditer(
            r"\b(?:o|y|vs|versus|frente\s+a|and|or|with|than|que|con)\s+(?:en\s+|in\s+)?(?:(?:el|la|los|las)\s+de\s+)?(?:la|el|the)\s+"
            r"(?:anterior|previous(?:\s+one)?|one\s+before|week\s+before|month\s+before|de\s+antes)\b",
            text,
        ):
            p = relative[0]
            if (p.end - p.start).days == 6:
                add(p.start - dt.timedelta(days=7), p.end - dt.timedelta(days=7), "relative", m)
            elif p.start.day == 1 and (p.end + dt.timedelta(days=1)).day == 1:
                prev_end = p.start - dt.timedelta(days=1)
                add(prev_end.replace(day=1), prev_end, "relative", m)
    # seasons
    for m in re.finditer(
        rf"\b(?:el\s+|la\s+|in\s+|en\s+|the\s+|during\s+)?({'|'.join(_SEASON_WORDS)}){_YEAR}?\b", text
    ):
        if m.group(1) == "fall":
            # "fall" is the season after "in / the / during / this ...", or with a year; else a verb
            # ("how much did cost fall from January to February")
            lead = m.group(0)[: m.start(1) - m.start()].strip()
            prev = text[: m.start()].split()[-1:]
            named = (
                lead
                or m.group(2)
                or (prev and prev[0] in ("this", "last", "next", "of", "and", "or", "spring"))
            )
            if not named or (
                lead not in ("the", "in", "during")
                and re.match(r"\s+(?:from|by|to|between)\b", text[m.end() :])
            ):
                continue
        season = _SEASON_WORDS[m.group(1)]
        year = int(m.group(2) or year_any or today.year)
        months = calendar.SEASON_MONTHS[season]
        if season == calendar.WINTER:
            # the season's months of that year: Jan-Feb and Nov-Dec (two blocks); the planner
            # filters by season over the year
            add(dt.date(year, 1, 1), dt.date(year, 12, 31), "season:" + season, m)
        else:
            add(dt.date(year, min(months), 1), _month_end(year, max(months)), "season:" + season, m)
    # months: "en abril", "April 2018", "abril de 2018", bare month names
    for m in re.finditer(rf"\b({_MONTH})(?:'s)?{_YEAR}?\b", text):
        mon, y = m.groups()
        mo = MONTH_WORDS[mon]
        if mon == "may" and not y and re.search(r"\b(?:may|might)\s+(?:i|we|you|be)\b", text[m.start() :]):
            continue
        if (
            len(mon) == 3
            and mon in ("mar", "sep", "dic")
            and not y
            and not re.search(rf"\b(?:en|in|de|of|for|during)\s+{mon}\b", text)
        ):
            continue
        year = _year_for_month(mo, today, y or year_any)
        add(dt.date(year, mo, 1), _month_end(year, mo), "month", m)
    # years
    for m in re.finditer(
        r"\b(?:(?:todo\s+(?:el\s+)?|el\s+|en\s+(?:el\s+)?|del\s+|de\s+|in\s+|for\s+|of\s+|during\s+|the\s+whole\s+(?:year\s+)?|all\s+(?:of\s+)?)?(?:ano\s+)?((?:19|20)\d\d))\b"
        + _UNIT_AFTER,
        text,
    ):
        year = int(m.group(1))
        add(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", m)
    found.sort(key=lambda p: p.at)
    return found


def _relative(text: str, today: dt.date, add: object) -> None:
    assert callable(add)
    monday = today - dt.timedelta(days=today.weekday())
    one_day = (
        (r"\bpasado\s+manana\b|\bday\s+after\s+tomorrow\b", 2),
        (r"\banteayer\b|\bantier\b|\bantes\s+de\s+ayer\b|\bday\s+before\s+yesterday\b", -2),
        (r"(?<!de la )(?<!por la )(?<!en la )\bmanana\b(?!\s+por)|\btomorrow\b", 1),
        (r"\bayer\b|\byesterday\b", -1),
        (r"\bhoy\b|\btoday\b|\btonight\b|\besta\s+noche\b", 0),
    )
    for pattern, offset in one_day:
        for m in re.finditer(pattern, text):
            day = today + dt.timedelta(days=offset)
            add(day, day, "relative", m)
    for m in re.finditer(
        rf"\bhace\s+{_FEW}\s+dias?\b|\b{_FEW}\s+days?\s+(?:ago|back)\b|\b{_FEW}\s+dias?\s+atras\b", text
    ):
        # "hace 10 días", "three days ago": that one day
        k = _few(next(g for g in m.groups() if g))
        if 1 <= k <= 3660:
            day = today - dt.timedelta(days=k)
            add(day, day, "relative", m)
    for m in re.finditer(
        rf"\b(?:hace|since)\s+{_FEW}\s+semanas?\b|\b{_FEW}\s+weeks?\s+(?:ago|back|before\s+(?:this|the\s+current)\s+one)\b|"
        rf"\bla\s+semana\s+(?:de\s+)?hace\s+{_FEW}\s+semanas?\b|\b{_FEW}\s+semanas?\s+(?:atras|antes)\b",
        text,
    ):
        k = _few(next(g for g in m.groups() if g))
        first = monday - dt.timedelta(weeks=k)
        add(first, first + dt.timedelta(days=6), "relative", m)
    for m in re.finditer(
        r"\b(?:la\s+)?semana\s+antepasada\b|\bthe\s+week\s+before(?:\s+(?:that|last))?\b|\bla\s+semana\s+(?:de\s+)?antes\b|"
        r"\bla\s+semana\s+anterior\s+a\s+esa\b|\b(?:la\s+)?semana\s+(?:pasada|anterior)\b|\b(?:la\s+)?ultima\s+semana\b|"
        r"\b(?:the\s+)?(?:last|previous|past)\s+week\b",
        text,
    ):
        word = m.group(0)
        k = 2 if ("antepasada" in word or "before" in word or "antes" in word or "a esa" in word) else 1
        first = monday - dt.timedelta(weeks=k)
        add(first, first + dt.timedelta(days=6), "relative", m)
    for m in re.finditer(
        r"\b(?:el\s+)?fin\s+de\s+semana\s+(?:pasado|anterior)\b|\b(?:el\s+)?ultimo\s+fin\s+de\s+semana\b|"
        r"\b(?:the\s+)?(?:last|past|previous)\s+weekend\b",
        text,
    ):
        saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
        if saturday + dt.timedelta(days=1) >= today:
            saturday -= dt.timedelta(days=7)
        add(saturday, saturday + dt.timedelta(days=1), "relative", m)
    for m in re.finditer(r"\beste\s+fin\s+de\s+semana\b|\bthis\s+weekend\b", text):
        add(monday + dt.timedelta(days=5), monday + dt.timedelta(days=6), "relative", m)
    for m in re.finditer(
        r"\besta\s+semana\b|\bthis\s+week\b|\bthe\s+current\s+week\b|\bsemana\s+actual\b|\bsemana\s+en\s+curso\b",
        text,
    ):
        add(monday, monday + dt.timedelta(days=6), "relative", m)
    for m in re.finditer(
        rf"\bhace\s+{_FEW}\s+mes(?:es)?\b|\b{_FEW}\s+months?\s+(?:ago|back)\b|\b{_FEW}\s+mes(?:es)?\s+(?:atras|antes)\b",
        text,
    ):
        k = _few(next(g for g in m.groups() if g))
        y, mo = today.year, today.month - k
        while mo < 1:
            y, mo = y - 1, mo + 12
        add(dt.date(y, mo, 1), _month_end(y, mo), "relative", m)
    for m in re.finditer(
        r"\b(?:el\s+)?mes\s+(?:pasado|anterior)\b|\b(?:el\s+)?ultimo\s+mes\b|\b(?:the\s+)?(?:last|previous|past)\s+month\b",
        text,
    ):
        last = today.replace(day=1) - dt.timedelta(days=1)
        add(last.replace(day=1), last, "relative", m)
    for m in re.finditer(
        r"\beste\s+mes\b|\bthis\s+month\b|\bmes\s+actual\b|\bcurrent\s+month\b|\bmes\s+en\s+curso\b", text
    ):
        add(today.replace(day=1), _month_end(today.year, today.month), "relative", m)
    # "este trimestre", "this half", "el semestre pasado", "the previous quarter": the quarter (or half) of
    # today, or the one before it
    for back, pattern in (
        (
            0,
            r"\b(?:este|this|the\s+current|current)\s+(trimestre|semestre|quarter|half)\b|"
            r"\b(?:el\s+)?(trimestre|semestre)\s+(?:actual|en\s+curso)\b",
        ),
        (
            1,
            r"\b(?:el\s+)?(trimestre|semestre)\s+(?:pasado|anterior)\b|\b(?:the\s+)?(?:previous|prior)\s+(quarter|half)\b",
        ),
    ):
        for m in re.finditer(pattern, text):
            size = 3 if (m.group(1) or m.group(2)) in ("trimestre", "quarter") else 6
            index = (today.month - 1) // size - back
            year = today.year - (1 if index < 0 else 0)
            index %= 12 // size
            add(dt.date(year, index * size + 1, 1), _month_end(year, index * size + size), "relative", m)
    # "los últimos 30 días" / "the 30 previous days": the N days ending with today
    for m in re.finditer(
        r"\b(?:(?:en\s+)?los|the|in\s+the|over\s+the|during\s+the|for\s+the)?\s*"
        r"(?:(?:ultimos|last|past|previous)\s+(\d+)\s+(?:dias|days)\b"
        r"|(\d+)\s+(?:dias\s+(?:pasados|anteriores)|"
        r"previous\s+days|past\s+days|days\s+(?:before\s+today|to\s+date|up\s+to\s+today))\b)",
        text,
    ):
        n = int(m.group(1) or m.group(2))
        if n >= 1:
            add(today - dt.timedelta(days=n - 1), today, "relative", m)
    for m in re.finditer(
        r"\b(?:(?:en\s+)?los|the|in\s+the|over\s+the|during\s+the|for\s+the)?\s*(?:ultimos|last|past|previous)\s+(\d+)\s+"
        r"(?:meses|months)\b(?!\s+(?:de|del|of)\b)",
        text,
    ):
        # "los últimos 3 meses", "the last 18 months": the N calendar months ending with today's
        n = int(m.group(1))
        if 1 <= n <= 120:
            y, mo = today.year, today.month - (n - 1)
            while mo < 1:
                y, mo = y - 1, mo + 12
            add(dt.date(y, mo, 1), today, "relative", m)
    for m in re.finditer(
        r"\b(?:(?:en\s+)?los|the|in\s+the|over\s+the|during\s+the|for\s+the)?\s*(?:ultimos|last|past|previous)\s+(\d+)\s+"
        r"(?:anos|years)\b(?!\s+(?:de|del|of)\b)",
        text,
    ):
        # "los últimos 2 años", "the past 2 years": the N calendar years ending with today's
        n = int(m.group(1))
        if 1 <= n <= 20:
            add(dt.date(today.year - n + 1, 1, 1), today, "relative", m)
    for m in re.finditer(
        r"\b(?:(?:en\s+)?las|the|in\s+the|over\s+the)?\s*(?:ultimas|last|past|previous)\s+(\d+)\s+(?:semanas|weeks)\b",
        text,
    ):
        n = int(m.group(1))
        if n >= 1:
            add(today - dt.timedelta(days=7 * n - 1), today, "relative", m)
    # "del año" / "the year" alone is the data's year; followed by a year number ("mayo del año 2019")
    # it names that year, read by the year patterns (as "this year" it answered 2018 for 2019)
    for m in re.finditer(
        r"\bdel\s+ano\b(?!\s+(?:pasado|anterior|(?:19|20)\d\d\b))|\bel\s+ano\b(?!\s+(?:pasado|anterior|(?:19|20)\d\d\b))|"
        r"\bof\s+the\s+year\b(?!\s+(?:19|20)\d\d\b)|"
        r"\beste\s+ano\b|\bthis\s+year\b|\bano\s+actual\b|\bcurrent\s+year\b|\bano\s+en\s+curso\b|\ben\s+lo\s+que\s+va\s+de\s+ano\b|\byear\s+to\s+date\b|\bytd\b|"
        r"\b(?:consumo|coste|costo|gasto|energia|emisiones|factura|co2)\s+anual\b|"
        r"\bannual\s+(?:consumption|cost|energy|emissions|bill|usage|co2)\b",
        text,
    ):
        add(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), "relative", m)
    for m in re.finditer(
        r"\b(?:el\s+)?ano\s+(?:pasado|anterior)\b|\b(?:the\s+)?(?:last|previous)\s+year\b", text
    ):
        add(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31), "relative", m)
    for m in re.finditer(
        r"\b(?:todo\s+el\s+ano|el\s+ano\s+entero|el\s+ano\s+completo|(?:the\s+)?whole\s+year|(?:the\s+)?entire\s+year|all\s+year|the\s+full\s+year)\b",
        text,
    ):
        add(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), "relative", m)


def find_weekday_day(text: str, today: dt.date) -> Period | None:
    """A single weekday named as a day ("el lunes", "last Monday"): the most recent one before today."""
    m = re.search(
        rf"\b(?:el\s+(?:pasado\s+)?|on\s+|last\s+|this\s+past\s+)({_WEEKDAY})(?!s\b|es\b)(?:\s+pasado)?\b",
        text,
    )
    if not m:
        return None
    back = (today.weekday() - WEEKDAY_WORDS[m.group(1)]) % 7 or 7
    day = today - dt.timedelta(days=back)
    return Period(day, day, "weekday_day", m.start(), m.group(0))


def names_weekday_range(text: str) -> bool:
    """ "de lunes a viernes", "Monday to Friday": a range of weekdays, which no filter reads as asked
    (a public holiday on a weekday is neither in nor out of it for sure)."""
    return bool(
        re.search(
            rf"\b({_WEEKDAY})(?:s|es)?\s+(?:a|al|to|hasta|until|through|thru|-|–)\s+(?:el\s+|los\s+)?({_WEEKDAY})",
            text,
        )
    )


def find_weekday_filter(text: str) -> list[int]:
    """Weekdays named as a recurring filter: "los lunes", "on Mondays", "los fines de semana" is not."""
    out = []
    for m in re.finditer(
        rf"\b(?:los\s+|on\s+an?\s+|on\s+|every\s+|cada\s+|any\s+|en\s+un\s+|un\s+|en\s+)?({_WEEKDAY})(s|es)?\b(?!\s+\d)",
        text,
    ):
        plural = bool(m.group(2)) or m.group(0).startswith(
            ("los ", "every ", "cada ", "on a ", "any ", "en un ", "un ", "en ")
        )
        if plural:
            out.append(WEEKDAY_WORDS[m.group(1)])
    # "los martes y jueves", "Mondays, Wednesdays and Fridays": a list after a recurring weekday recurs too
    for m in re.finditer(
        rf"\b(?:los\s+|on\s+|every\s+)?({_WEEKDAY})(?:s|es)?((?:\s*(?:,|\by\b|\be\b|\band\b|\bor\b|\bo\b)\s*"
        rf"(?:los\s+|on\s+)?(?:{_WEEKDAY})(?:s|es)?\b(?!\s+\d))+)",
        text,
    ):
        if WEEKDAY_WORDS[m.group(1)] in out:
            out += [WEEKDAY_WORDS[w] for w in re.findall(rf"\b({_WEEKDAY})(?:s|es)?\b", m.group(2))]
    return sorted(set(out))


def resolve(found: list[Period], comparing: bool) -> list[Period]:
    """The periods a question means, from all those it names: identical spans once; an explicit ISO
    range wins over the words around it; a period that contains a more specific one gives way to it
    ("the first week of March (March 1 to 7)", "marzo de 2018"); a weekday named as a day gives way
    to a date."""
    out: list[Period] = []
    for p in found:
        if not any((q.start, q.end, q.days) == (p.start, p.end, p.days) for q in out):
            out.append(p)
    if len(out) < 2:
        return out
    if any(p.kind != "weekday_day" for p in out):
        out = [p for p in out if p.kind != "weekday_day"]
    iso = [p for p in out if p.kind == "iso_range"]
    if iso and not comparing:
        return iso[:1]
    if comparing and len(iso) == 2:
        return iso

    def inside(q: Period, p: Period) -> bool:
        return p.start <= q.start and q.end <= p.end and (q.start, q.end) != (p.start, p.end)

    # seasons are filters over their months, never a container of another period
    return [
        p
        for p in out
        if p.kind.startswith("season:")
        or not any(q is not p and not q.kind.startswith("season:") and inside(q, p) for q in out)
    ]


__all__ = [
    "HOLIDAY_ALIASES",
    "Period",
    "find_periods",
    "find_weekday_day",
    "find_weekday_filter",
    "holiday_days",
    "month_end",
    "resolve",
]
