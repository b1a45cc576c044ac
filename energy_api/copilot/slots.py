"""Slots of a question other than its periods: clock hours, durations, energies, percentages,
tariff periods, load types, day types and conditions (on the normalised text of :mod:`.normalize`).

Periods (days, ranges, months, quarters, relative dates, holidays) are :mod:`.dates`.
"""

from __future__ import annotations

import datetime as dt
import re

from energy_api.copilot import dates
from energy_api.copilot.language import MONTH_WORDS

MONTHS = MONTH_WORDS
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))


def find_period(text: str, today: dt.date) -> dates.Period | None:
    """The first period the (normalised) text names, or a weekday named as a day."""
    found = dates.find_periods(text, today)
    weekday = dates.find_weekday_day(text, today)
    if found:
        return found[0]
    return weekday


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


#: Clock hours named in words (midnight = 00:00, noon = 12:00).
CLOCK_WORDS = r"\b(?:midnight|medianoche|noon|midday|mediodia)\b"


def find_hours(text: str) -> list[int]:
    """Clock hours named: "10am", "2 pm", "14:00", "a las 10", "las 2 de la tarde", "de 10 a 12"."""
    hours: list[int] = []
    positions: list[int] = []
    pattern = re.compile(
        r"\b(?:(?:a\s+)?las\s+|(?:a\s+)?la\s+|at\s+|from\s+|de\s+|desde\s+|to\s+|a\s+|hasta\s+|until\s+|entre\s+(?:las\s+)?|between\s+|y\s+(?:las\s+)?|and\s+)?"
        r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|h\b|hs\b)?"
    )
    for match in pattern.finditer(text):
        lead = match.group(0)
        value, minutes, suffix = match.group(1), match.group(2), (match.group(3) or "").strip()
        before = text[max(0, match.start() - 1) : match.start()]
        if before in ("-", "/", ".") and before:
            continue
        if re.match(r"[.,]\d", text[match.end(2) if match.group(2) else match.end(1) :]):
            continue  # "at 0.96": a decimal number, not a clock hour
        after = text[match.end() : match.end() + 25]
        explicit = (
            minutes is not None or suffix in ("am", "pm", "h", "hs") or re.search(r"\b(?:las|la|at)\s", lead)
        )
        ranged = re.match(r"\s*(?:de|from|desde|entre|between)\s", lead) and re.match(
            r"\s*(?:a|to|hasta|y|and|-)\s+(?:las\s+)?\d", after
        )
        closing = re.match(r"\s*(?:a|to|hasta|until|y|and)\s", lead) and hours
        if not (explicit or ranged or closing) and lead[:1].isdigit():
            # a bare clock range "bill 9 to 11 on ...": both ends hours, nothing after that is a unit
            bare = re.match(
                r"\s*(to|until|till|hasta|a|-)\s*(\d{1,2})(?:\b|(?=h\b))(?!\s*(?:%|kwh|dias|days|de\s|of\s|th\b|st\b|nd\b|rd\b|"
                + _MONTH_RE
                + r"))",
                text[match.end() :],
            )
            ranged = (
                bool(bare) and int(value) <= 24 and int(bare.group(2)) <= 24 and before not in ("-", "/", ".")
            )
            window = bool(bare) and re.match(
                r"\s*(?:h\b|hs\b|am\b|pm\b|(?:hour\s+|time\s+)?(?:window|slot|block)s?\b|horas?\b)",
                text[match.end() + bare.end() :],
            )
            named_window = re.search(
                r"\b(?:horas?|franjas?|tramos?|ventanas?|bloques?|windows?|slots?|blocks?|hours?)\s*$",
                text[: match.start()],
            )
            window = window or (bool(bare) and named_window)
            if bare and bare.group(1) == "a" and not window:
                ranged = False  # Spanish "a" joins a bare range only before "h" / "franja" words
            ranged = (
                ranged
                and (
                    bool(
                        window
                    )  # "the 14 to 17 window", "la de 2 a 5 h": a clock window, not "the 3 to 5 days"
                    or not re.search(
                        r"(?:top|the|los|las|first|last|ultimos|primeros|next|proximos)\s*$",
                        text[: match.start()],
                    )
                )
            )
        if not (explicit or ranged or closing):
            continue
        if (
            re.match(
                r"\s*(?:%|horas?|hours?|h\b|kwh|dias|days|de (?:"
                + _MONTH_RE
                + r")\b|(?:"
                + _MONTH_RE
                + r")\b)",
                after,
            )
            and suffix not in ("am", "pm", "h")
            and minutes is None
        ):
            continue  # "3 horas": a duration ("the 18:00 hour" is a clock hour)
        hour = _hour(value, suffix if suffix in ("am", "pm") else "", after)
        if 0 <= hour <= 24:
            hours.append(hour)
            positions.append(match.start())
    # "to midnight", "hasta el mediodía": clock hours named in words, in the order they are named
    for m in re.finditer(CLOCK_WORDS, text):
        at = sum(p < m.start() for p in positions)
        hours.insert(at, 12 if m.group(0) in ("noon", "mediodia") else 0)
        positions.insert(at, m.start())
    return hours


def find_duration_hours(text: str) -> float | None:
    """ "2 horas", "3 hours", "una hora", "an hour", "30 minutos"."""
    for match in re.finditer(
        r"(?<![:\d.])\b(\d+(?:\.\d+)?)\s*(horas?|hours?|hrs?|h)\b(?!\s*(?:de\s+la|:))", text
    ):
        before = text[max(0, match.start() - 12) : match.start()]
        after = text[match.end() : match.end() + 12]
        clock = re.search(
            r"(?:\bfrom|\bto|\bde|\ba|\blas|\bat|\bhasta|\buntil|\bdesde|\bbetween|\bentre|\by|\band)\s*$",
            before,
        )
        if match.group(2) in ("h", "hrs", "hr") and (
            clock or re.match(r"\s*(?:to|a|hasta|until|-|y|and)\s+\d", after)
        ):
            continue  # "from 14h to 2h": clock hours, not a duration
        return float(match.group(1))
    if re.search(r"\buna\s+hora\b|\ban?\s+hour\b|\bone\s+hour\b|\b1\s+hora\b", text):
        return 1.0
    if re.search(r"\bmedia\s+hora\b|\bhalf\s+an\s+hour\b", text):
        return 0.5
    match = re.search(r"\b(\d+)\s*(?:minutos|minutes|min)\b", text)
    if match:
        return int(match.group(1)) / 60.0
    return None


def find_percent(text: str) -> float | None:
    match = re.search(r"\b(\d{1,3}(?:\.\d+)?)\s*(?:%|por\s*ciento|percent|pct)", text)
    return float(match.group(1)) if match else None


_PF_WORDS = r"factor(?:es)?\s+de\s+potencia|power[\s-]*factors?|\bfdp\b|\bpf\b|\bcos\s*(?:phi|fi)\b"
#: Words before a number that make it a condition or a comparison, not a target.
_NOT_TARGET = re.compile(
    r"(?:por\s+debajo|por\s+encima|below|under|above|over|less\s+than|more\s+than|lower\s+than|higher\s+than|"
    r"greater\s+than|menor(?:es)?|mayor(?:es)?|inferior(?:es)?|superior(?:es)?|bajo|sobre|menos|mas|<|>)"
    r"\s*(?:de|del|que|a|al|el|of|the)?\s*$"
)
#: Words right before a bare number (no % sign) that make it a target: "al 95", "to 0.97", "sido 98".
_TARGET_LEAD = re.compile(
    r"(?:al|a|to|hasta|of|sido|be|been|were|was|fuera|fuese|es|is|sea|reached|alcanza\w*|llega\w*|del|de|at|=|:)"
    r"\s*(?:el|un|del|de|the|a|an)?\s*$"
)


def find_pf_target(text: str) -> float | None:
    """A power-factor target named in the text (in %): "al 95 %", "to 0.97", "del 96", "a 0,95"
    (numbers already canonical), only when the text names the power factor and the number is not a
    condition ("below 90 %"), a year, a day, an hour or an energy."""
    if not re.search(_PF_WORDS, text):
        return None
    for m in re.finditer(
        r"(?<![\d.:/-])(\d{1,3}(?:\.\d+)?)(?![\d.:/-])\s*(%|por\s*ciento|percent|pct)?", text
    ):
        number, unit = m.group(1), m.group(2)
        value = float(number)
        before = text[max(0, m.start() - 30) : m.start()]
        after = text[m.end() : m.end() + 14]
        if _NOT_TARGET.search(before):
            continue
        if (
            re.match(r"\s*(?:kwh|mwh|kvarh|kvah|h\b|horas?|hours?|dias|days|am|pm|de\s+\w+|of\s+\w+)", after)
            and not unit
        ):
            continue
        if (
            unit is None
            and not _TARGET_LEAD.search(before)
            and not re.match(r"\s*(?:power|pf|factor)", after)
        ):
            continue
        if 0.5 <= value <= 1.0 and "." in number:
            return round(value * 100.0, 6)
        if 50.0 <= value <= 100.0:
            return value
    return None


def find_kwh(text: str) -> float | None:
    """An energy named in kWh (or MWh), numbers already canonical ("1000.5 kwh", "2 mwh")."""
    match = re.search(r"\b(\d+(?:\.\d+)?)\s*(kwh|mwh)\b", text)
    if not match:
        return None
    value = float(match.group(1))
    return value * 1000.0 if match.group(2) == "mwh" else value


def find_top(text: str) -> int | None:
    """N of "top 3", "the 5 days", "las 3 horas", "los cinco meses" (digits after normalisation)."""
    match = re.search(
        r"\btop\s*(\d{1,2})\b(?![\s-]*min)|(?:^|\b(?:list|show|give\s+me|dame|muestrame|muestra|lista|dime)\s+|\b(?:los|las|the|primeros|primeras|first|ultimos|ultimas|bottom|which|what|que|cuales)\s+)(\d{1,2})\s+"
        r"(?:dias|horas|meses|semanas|trimestres|days|hours|months|weeks|quarters|weekdays|intervalos|intervals|"
        r"mas|menos|most|least|highest|lowest|biggest|largest|smallest|cheapest|priciest|worst|best|peores|mejores)",
        text,
    ) or re.search(
        r"\b(?:worst|best|peores|mejores|highest|lowest|biggest|largest|smallest|cheapest|busiest|quietest)\s+(\d{1,2})\s+"
        r"(?:dias|horas|meses|semanas|days|hours|months|weeks|weekdays)\b()",
        text,
    )
    if match:
        return int(match.group(1) or match.group(2))
    return None


# --- tariff periods and load types -----------------------------------------------------------------
#: Words for the tariff periods (billing), in the contract's sense. Load types are separate.
TARIFF_WORDS: dict[str, str] = {
    r"horas?\s+de\s+(?:maxima|mayor)\s+demanda|(?:hours|periods?)\s+of\s+(?:maximum|peak|highest)\s+demand|"
    r"peak[\s-]+demand\s+(?:hours|periods?)|periodos?\s+tarifarios?\s+(?:maxim[oa]|punta|alto)|(?:maximum|peak)\s+tariff\s+periods?|tariff\s+period\s+(?:maximum|peak)": "maximum",
    r"periodos?\s+tarifarios?\s+(?:medio|intermedio|llano)|tariff\s+period\s+medium": "medium",
    r"periodos?\s+tarifarios?\s+(?:ligero|valle|bajo)|tariff\s+period\s+(?:light|off-peak)": "light",
    r"periodos?\s+(?:de\s+)?punta|horas?\s+punta|horario\s+punta|tarifa\s+punta|en\s+punta|de\s+punta|la\s+punta|punta|(?<!mid-)(?<!mid\s)(?<!off-)(?<!off\s)(?<!non-)peak\s+(?:hours?|periods?|tariff|rate|times?|time\s+of\s+use)|on-peak|on\s+peak|periodos?\s+(?:de\s+)?maxim[oa]|tarifa\s+maxima|maximum[\s-]+(?:tariff\s+)?(?:period|periods|price|rate|hours)|maximum-price|periodo\s+mas\s+caro|most\s+expensive\s+period": "maximum",
    r"llano|periodos?\s+(?:de\s+)?medio|periodos?\s+intermedio|tarifa\s+media|tarifa\s+intermedia|horas?\s+llano|medium[\s-]+(?:tariff\s+)?(?:period|periods|price|rate|hours)|mid-peak|shoulder|\bmid[\s-]+(?:rate|price|tariff|period)s?\b": "medium",
    r"valle|horas?\s+valle|periodos?\s+(?:de\s+)?valle|periodos?\s+(?:de\s+)?ligero|tarifa\s+ligera|tarifa\s+baja|off-peak|off\s+peak|offpeak|light[\s-]+(?:tariff\s+)?(?:period|periods|price|rate|hours)|cheapest\s+period|periodo\s+mas\s+barato": "light",
}
#: Words for the plant's load_type column.
LOAD_WORDS: dict[str, str] = {
    r"carga\s+maxima|maxima\s+carga|maximum[\s_-]*load|max\s+load|heavy\s+load|carga\s+alta": "Maximum_Load",
    r"carga\s+media|media\s+carga|carga\s+intermedia|medium[\s_-]*load": "Medium_Load",
    r"carga\s+ligera|carga\s+baja|ligera\s+carga|light[\s_-]*load|low\s+load": "Light_Load",
}
#: What-ifs: "to the night" / "a la madrugada" name the light period.
NIGHT_WORDS = r"madrugada|noche|nocturn[oa]s?|night|overnight|early\s+morning|nighttime|night-time"


def tariff_periods(text: str) -> list[tuple[int, str]]:
    out = []
    for pattern, period in TARIFF_WORDS.items():
        for m in re.finditer(rf"\b(?:{pattern})\b", text):
            out.append((m.start(), period))
    return _dedupe(out)


def load_types(text: str) -> list[tuple[int, str]]:
    out = []
    for pattern, load in LOAD_WORDS.items():
        for m in re.finditer(rf"\b(?:{pattern})\b", text):
            out.append((m.start(), load))
    return _dedupe(out)


def _dedupe(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    found.sort()
    out: list[tuple[int, str]] = []
    for at, value in found:
        if not any(abs(at - a) < 3 for a, _ in out):
            out.append((at, value))
    return out


def find_periods(text: str) -> list[str]:
    """Tariff periods (or load levels read as periods) in the order named, for what-ifs:
    "de carga máxima a la madrugada" -> ["maximum", "light"]."""
    found = [(a, p) for a, p in tariff_periods(text)]
    found += [
        (a, {"Maximum_Load": "maximum", "Medium_Load": "medium", "Light_Load": "light"}[v])
        for a, v in load_types(text)
    ]
    for pattern, period in (
        (r"\bmaxim[oa]\b|\bmaximum\b|(?<!off-)(?<!off\s)(?<!non-)(?<!mid-)(?<!mid\s)\bpeak\b", "maximum"),
        (r"\bmedi[oa]\b|\bmedium\b|\bintermedi[oa]\b", "medium"),
        (r"\bliger[oa]\b|\blight\b|\bbaj[oa]\b", "light"),
        (rf"\b(?:{NIGHT_WORDS})\b", "light"),
    ):
        for m in re.finditer(pattern, text):
            found.append((m.start(), period))
    found = _dedupe(found)
    out: list[str] = []
    for _, period in found:
        if not out or out[-1] != period:
            out.append(period)
    return out


def day_types(text: str) -> list[str]:
    out = []
    if re.search(r"\bfin(?:es)?\s+de\s+semana\b|\bfinde\b|\bweekends?\b|\bsabados?\s+y\s+domingos\b", text):
        out.append("weekend")
    if re.search(
        r"\blaborables?\b|\bentre\s+semana\b|\bdias?\s+habil(?:es)?\b|\bweekdays\b|\bworking\s+days?\b|"
        r"\bworkdays?\b|\bbusiness\s+days?\b|\bweekday\b(?!\s+(?:with|had|has|is|was|accounts?))",
        # "which weekday", "by weekday": the weekday grouping, not the weekday day type
        re.sub(
            r"\b(?:which|what|each|per|by|every|the|busiest|quietest|top|cheapest|priciest)\s+weekday\b"
            r"(?!\s+(?:cost|costs|consumption|energy|usage|emissions|bill|spend|spending|kwh|co2|reactive))",
            " ",
            text,
        ),
    ):
        out.append("weekday")
    if re.search(
        r"\bfestivos?\b|\bferiados?\b|\b(?:public\s+)?holidays\b|\bdias?\s+de\s+fiesta\b|\bholiday\b", text
    ):
        out.append("public_holiday")
    return out


# --- conditions ------------------------------------------------------------------------------------
_BELOW = r"no\s+(?:lleg\w*|alcanz\w*)\s+(?:a\s+los|a\s+las|al|a|los|las)|(?:did\s+not|didn'?t|never|failed\s+to)\s+(?:reach|hit)|por\s+debajo\s+del?|menor(?:es)?\s+(?:que|a|de)|menos\s+de(?:l)?|inferior(?:es)?\s+al?|bajo\s+el|baj(?:o|aron|a|an|ara)\s+(?:el\s+(?:fdp|factor\s+de\s+potencia|consumo)\s+|la\s+(?:demanda|carga)\s+)?(?:del?|de\s+los|de\s+las)|below|under|less\s+than|lower\s+than|fewer\s+than|<"
_ABOVE = r"por\s+encima\s+del?|mayor(?:es)?\s+(?:que|a|de)|mas\s+de(?:l)?|superior(?:es)?\s+al?|super(?:o|aron|a|an|amos|ado|ar)(?:\s+(?:el\s+consumo\s+|la\s+demanda\s+|la\s+carga\s+))?(?:\s*(?:los|las|el|la))?|pas(?:amos|aron|o|a|an|ar)\s+de(?:\s+(?:los|las))?(?=\s*\d)|sobre\s+(?:los|las|el)|above|over|more\s+than|greater\s+than|higher\s+than|exceed(?:s|ed|ing)?|topp?ed|>"
#: Negated thresholds read first ("no mayor de 10" is <= 10, "not below 90 %" is >= 90): a negation in
#: front of a comparative flips it, so the plain comparative after it is never read alone.
_NOT = r"(?:no|not|nunca|never|(?:did|does|do|was|were|is|are|has|have|had)n'?t?)\s+(?:(?:es|fue|son|fueron|was|were|is|are|estuvo|estuvieron)\s+)?"
_ATLEAST = (
    r"(?:at|en)\s+or\s+(?:above|over|more\s+than)|igual\s+o\s+(?:superior|mayor)(?:es)?\s+(?:a|al|que|de)|"
    r"(?:mayor|superior)(?:es)?\s+o\s+igual(?:es)?\s+(?:a|al|que|de)|(?:equal\s+to\s+or|or\s+equal\s+to)\s+(?:above|more\s+than|greater\s+than)|"
    r"(?:greater|more|higher)\s+than\s+or\s+equal\s+to|al\s+menos|como\s+minimo|por\s+lo\s+menos|at\s+least|a\s+minimum\s+of|>=|"
    rf"{_NOT}(?:por\s+debajo\s+del?|menor(?:es)?\s+(?:que|a|de)|menos\s+de(?:l)?|inferior(?:es)?\s+al?|"
    r"bajo\s+(?:el|del?)|baj\w*\s+(?:de\s+los|de\s+las|del?)|below|under|less\s+than|lower\s+than|fewer\s+than|"
    r"(?:go|fall|drop|went|fell|dropped)\s+(?:below|under))"
)
_ATMOST = (
    r"(?:at|en)\s+or\s+(?:below|under|less\s+than)|igual\s+o\s+(?:inferior|menor)(?:es)?\s+(?:a|al|que|de)|"
    r"(?:menor|inferior)(?:es)?\s+o\s+igual(?:es)?\s+(?:a|al|que|de)|(?:less|lower|fewer)\s+than\s+or\s+equal\s+to|como\s+mucho|como\s+maximo|a\s+lo\s+sumo|at\s+most|a\s+maximum\s+of|no\s+more\s+than|<=|"
    rf"{_NOT}(?:por\s+encima\s+del?|mayor(?:es)?\s+(?:que|a|de)|mas\s+de(?:l)?|superior(?:es)?\s+al?|"
    r"super\w*(?:\s+(?:los|las|el|la))?|pas\w*\s+de(?:\s+(?:los|las))?|sobre(?:\s+(?:los|las|el|la))?|above|over|"
    r"more\s+than|greater\s+than|higher\s+than|exceed\w*|go\s+above|went\s+above|rise\s+above)"
)
#: A threshold written after its number: "100 kWh o más", "90 % or less", "80 kWh or above".
_POSTFIX = (
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:%|kwh|kvarh|tco2|krw)?\s+(?:o|or)\s+"
    r"(mas|more|above|higher|greater|superior|mayor|menos|less|below|lower|fewer|inferior|menor)\b"
)


#: "over the 2nd half", "sobre el 1er semestre": an ordinal after a comparative word is a period, no threshold.
_NOT_ORDINAL = (
    r"(?!\d|\.\d|(?:st|nd|rd|th|er|o|a)\b)"
    # "the average over 12-25 November", "over 3 to 9 March": the first day of a range of days, no threshold
    rf"(?!(?:st|nd|rd|th)?\s*(?:to|through|until|a|al|-|hasta)\s*\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?(?:{_MONTH_RE})\b)"
)


def find_condition(text: str) -> tuple[str, float, int] | None:
    """(op, value, position) of "below 90 %", "above 100 kWh", "more than 3000 kwh"."""
    m = re.search(_POSTFIX, text)
    if m:
        op = (
            ">=" if m.group(2) in ("mas", "more", "above", "higher", "greater", "superior", "mayor") else "<="
        )
        return op, float(m.group(1)), m.start()
    for ops, op in ((_ATLEAST, ">="), (_ATMOST, "<="), (_BELOW, "<"), (_ABOVE, ">")):
        m = re.search(rf"(?:{ops})\s*(?:de\s+|of\s+|the\s+)?(\d+(?:\.\d+)?){_NOT_ORDINAL}", text)
        if m:
            return op, float(m.group(1)), m.start()
    return None


def count_conditions(text: str) -> int:
    """How many thresholds ("below 90 %", "above 80 kWh") the text names, each counted once."""
    starts = {m.start(1) for m in re.finditer(_POSTFIX, text)}
    for ops in (_ATLEAST, _ATMOST, _BELOW, _ABOVE):
        for m in re.finditer(rf"(?:{ops})\s*(?:de\s+|of\s+|the\s+)?(\d+(?:\.\d+)?){_NOT_ORDINAL}", text):
            starts.add(m.start(1))
    return len(starts)


__all__ = [
    "CLOCK_WORDS",
    "LOAD_WORDS",
    "MONTHS",
    "NIGHT_WORDS",
    "TARIFF_WORDS",
    "count_conditions",
    "day_types",
    "find_condition",
    "find_duration_hours",
    "find_hours",
    "find_kwh",
    "find_percent",
    "find_period",
    "find_periods",
    "find_pf_target",
    "find_top",
    "load_types",
    "tariff_periods",
]
