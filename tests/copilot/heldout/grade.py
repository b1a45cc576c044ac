"""Grade copilot answers from their text alone (the public grading contract).

The grader sees what a user sees: the ``answer`` string of each turn. It reads numbers in the
QUESTION's language convention, pairs each number with the unit that follows it (within 3 characters
of white space), matches expected figures within 0.5 % + an absolute tolerance per unit, and checks
labels, ISO dates and the partial / no-data / decline / no-kWh-saving markers.

Verdicts: ``right``, ``silent_wrong`` (not right, and a graded answer shows a figure with a metric
unit), ``crash`` (an exception, an HTTP 5xx or an empty answer) and ``other_wrong``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from tests.copilot.heldout.reference import Expected, Figure, Label

RIGHT, SILENT_WRONG, CRASH, OTHER_WRONG = "right", "silent_wrong", "crash", "other_wrong"
VERDICTS = (RIGHT, SILENT_WRONG, CRASH, OTHER_WRONG)

REL_TOL = 0.005
#: Units matched on the absolute tolerance alone: a percentage near 95 must not pass at +-0.5 points.
ABSOLUTE_ONLY = frozenset({"%"})
ABS_TOL = {
    "%": 0.06,
    "h": 0.25,
    "tCO2": 0.01,
    "kWh": 0.5,
    "kVArh": 0.5,
    "kVAh": 0.5,
    "KRW": 0.5,
    "intervals": 0.0,
}
#: Units whose figure may not appear in a no-data answer or a decline.
METRIC_UNITS = frozenset({"kWh", "kVArh", "kVAh", "KRW", "tCO2"})
#: Units whose figure in a wrong answer makes it a SILENT wrong.
SHOWN_UNITS = METRIC_UNITS | {"%", "h"}

# A number: digits with "." / "," inside; a sign only when the "-" does not follow a word character
# (so the pieces of 2018-04-01 are not negative numbers); never the digit of a word such as tCO2 or Q4.
_NUMBER = re.compile(r"(?:(?<![\w.,])(?P<sign>[-−]))?(?<![\w.,])(?P<num>\d(?:[\d.,]*\d)?)")
_UNIT = re.compile(
    r"[ \t\u00a0\u202f]{0,3}(?:"
    r"(?P<kvarh>kvarh)|(?P<kvah>kvah)|(?P<kwh>kwh)|(?P<krw>krw)|(?P<tco2>t ?co2)e?"
    r"|(?P<intervals>intervalos|intervalo|intervals|interval)|(?P<h>horas|hora|hours|hour|h)"
    r")(?![^\W_])"
    r"|[ \t\u00a0\u202f]{0,3}(?P<pct>%)",
    re.IGNORECASE,
)
_UNIT_NAMES = {
    "kvarh": "kVArh",
    "kvah": "kVAh",
    "kwh": "kWh",
    "krw": "KRW",
    "tco2": "tCO2",
    "intervals": "intervals",
    "h": "h",
    "pct": "%",
}
_WON = re.compile(r"₩[ \u00a0]?$")
_FORMS = {
    "es": (re.compile(r"\d+(?:,\d+)?"), re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), ".", ","),
    "en": (re.compile(r"\d+(?:\.\d+)?"), re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ",", "."),
}


@dataclass(frozen=True)
class Shown:
    """A figure of an answer: ``value`` is None when the number does not read in the convention."""

    text: str
    value: float | None
    unit: str


def read_number(text: str, lang: str) -> float | None:
    """A number written in ``lang``'s convention (es "1.234,5", en "1,234.5", or no grouping)."""
    plain, grouped, group_mark, decimal_mark = _FORMS[lang]
    if not (plain.fullmatch(text) or grouped.fullmatch(text)):
        return None
    return float(text.replace(group_mark, "").replace(decimal_mark, "."))


def figures_in(answer: str, lang: str) -> list[Shown]:
    """Every number of the answer followed by a unit (or preceded by ₩)."""
    out = []
    for m in _NUMBER.finditer(answer):
        unit = None
        after = _UNIT.match(answer, m.end())
        if after:
            unit = _UNIT_NAMES[next(k for k, v in after.groupdict().items() if v is not None)]
        elif _WON.search(answer[: m.start("sign") if m.group("sign") else m.start("num")]):
            unit = "KRW"
        if unit is None:
            continue
        value = read_number(m.group("num"), lang)
        if value is not None and m.group("sign"):
            value = -value
        out.append(Shown(m.group(0), value, unit))
    return out


def matches(shown: Shown, figure: Figure) -> bool:
    if shown.unit != figure.unit or shown.value is None:
        return False
    a, b = (abs(shown.value), abs(figure.value)) if figure.signless else (shown.value, figure.value)
    rel = 0.0 if figure.unit in ABSOLUTE_ONLY else REL_TOL * abs(b)
    return abs(a - b) <= rel + ABS_TOL[figure.unit]


# --- words ---------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case, without accents, with typographic apostrophes made plain."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _has_word(folded: str, word: str) -> bool:
    pattern = r"(?<![a-z0-9_])" + re.escape(fold(word)) + r"(?![a-z0-9_])"
    if fold(word) == "peak":
        pattern = r"(?<!off-)(?<!off )" + pattern
    return re.search(pattern, folded) is not None


WEEKDAY_NAMES = (
    ("monday", "lunes"),
    ("tuesday", "martes"),
    ("wednesday", "miercoles"),
    ("thursday", "jueves"),
    ("friday", "viernes"),
    ("saturday", "sabado"),
    ("sunday", "domingo"),
)
MONTH_NAMES = (
    ("january", "enero"),
    ("february", "febrero"),
    ("march", "marzo"),
    ("april", "abril"),
    ("may", "mayo"),
    ("june", "junio"),
    ("july", "julio"),
    ("august", "agosto"),
    ("september", "septiembre", "setiembre"),
    ("october", "octubre"),
    ("november", "noviembre"),
    ("december", "diciembre"),
)
LOAD_TYPE_NAMES = {
    "Light_Load": ("light_load", "light load", "carga ligera"),
    "Medium_Load": ("medium_load", "medium load", "carga media"),
    "Maximum_Load": ("maximum_load", "maximum load", "carga maxima"),
}
PERIOD_NAMES = {
    "light": ("light", "ligero", "valle", "off-peak", "off peak"),
    "medium": ("medium", "medio", "llano"),
    "maximum": ("maximum", "maximo", "punta", "peak"),
}
PARTIAL_WORDS = {"en": ("only", "partial", "partly", "partially"), "es": ("solo", "parcial", "parcialmente")}
DECLINE_WORDS = {
    "es": ("no entend", "no puedo", "no se responder", "fuera de"),
    "en": (
        "did not understand",
        "didn't understand",
        "not understand",
        "can't answer",
        "cannot answer",
        "can't help",
        "outside",
    ),
}
NO_SAVING_WORDS = {
    "es": ("no cambia", "no reduce", "sin cambio"),
    "en": ("does not change", "do not change", "doesn't change", "don't change", "unchanged", "no kwh"),
}


def spellings(label: Label) -> tuple[str, ...]:
    """Accepted spellings of a label, either language."""
    if label.type == "weekday":
        return WEEKDAY_NAMES[int(label.value)]
    if label.type == "month":
        return MONTH_NAMES[int(label.value) - 1]
    if label.type == "hour":
        return (f"{int(label.value):02d}:00",)
    if label.type in ("time", "date"):
        return (str(label.value),)
    if label.type == "load_type":
        return LOAD_TYPE_NAMES[str(label.value)]
    if label.type == "period":
        return PERIOD_NAMES[str(label.value)]
    raise ValueError(f"unknown label type {label.type!r}")


def has_label(answer: str, label: Label) -> bool:
    if label.type in ("hour", "time", "date"):
        (text,) = spellings(label)
        return re.search(r"(?<!\d)" + re.escape(text) + r"(?!\d)", answer) is not None
    folded = fold(answer)
    return any(_has_word(folded, s) for s in spellings(label))


def has_date(answer: str, iso: str) -> bool:
    return re.search(r"(?<!\d)" + re.escape(iso) + r"(?!\d)", answer) is not None


def has_phrase(answer: str, phrases: tuple[str, ...]) -> bool:
    folded = fold(answer)
    return any(fold(p) in folded for p in phrases)


# --- one turn ------------------------------------------------------------------------------------
@dataclass
class TurnGrade:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    #: the answer shows a figure with a unit of SHOWN_UNITS (what makes a wrong answer silent)
    shows_figure: bool = False


def grade_answer(answer: str, lang: str, expected: Expected, available: tuple[str, str]) -> TurnGrade:
    """Check one answer against its expectation; ``available`` = the data's first and last days."""
    shown = figures_in(answer, lang)
    reasons: list[str] = []
    metric_figures = [s for s in shown if s.unit in METRIC_UNITS]
    if len(expected.figures) == 1:
        # one figure asked: the answer's headline (its first figure in that unit) must be it, so a
        # list of many figures cannot pass by containing the expected one somewhere
        (figure,) = expected.figures
        first = next((s for s in shown if s.unit == figure.unit), None)
        if first is not None and not matches(first, figure) and any(matches(s, figure) for s in shown):
            reasons.append(
                f"headline {first.text} {first.unit} is not the {figure.what or 'figure'} asked "
                f"({figure.value:.4g} {figure.unit} appears only later)"
            )
    for figure in expected.figures:
        if not any(matches(s, figure) for s in shown):
            near = [s.text + " " + s.unit for s in shown if s.unit == figure.unit]
            reasons.append(
                f"missing {figure.what or 'figure'} {figure.value:.4g} {figure.unit}"
                + (f" (shown in {figure.unit}: {', '.join(near[:6])})" if near else "")
            )
    for label in expected.labels:
        if not has_label(answer, label):
            reasons.append(f"missing label {label.type}={label.value}")
    for first, last in expected.spans:
        for day in dict.fromkeys((first, last)):
            if not has_date(answer, day):
                reasons.append(f"missing span date {day}")
    if expected.partial and not any(_has_word(fold(answer), w) for w in PARTIAL_WORDS[lang]):
        reasons.append("missing a partial-coverage word")
    if expected.no_data:
        if metric_figures:
            reasons.append(
                f"a no-data answer shows figures: {[s.text + ' ' + s.unit for s in metric_figures]}"
            )
        for day in dict.fromkeys(available):
            if not has_date(answer, day):
                reasons.append(f"no-data answer lacks the available span date {day}")
    if expected.decline:
        if metric_figures:
            reasons.append(f"a decline shows figures: {[s.text + ' ' + s.unit for s in metric_figures]}")
        if not has_phrase(answer, DECLINE_WORDS[lang]):
            reasons.append("no decline phrase")
    if expected.no_saving_kwh:
        zero = any(s.unit == "kWh" and s.value == 0 for s in shown)
        if not zero and not has_phrase(answer, NO_SAVING_WORDS[lang]):
            reasons.append("does not say that active energy (kWh) does not change")
    return TurnGrade(not reasons, reasons, any(s.unit in SHOWN_UNITS for s in shown))


# --- one case ------------------------------------------------------------------------------------
@dataclass
class TurnRun:
    """What the service returned for one turn (status None: the call raised)."""

    message: str
    answer: str | None
    status: int | None
    error: str | None = None
    latency_ms: float | None = None


def crashed(run: TurnRun) -> bool:
    return run.status is None or run.status >= 500 or not (run.answer or "").strip()


def verdict(runs: list[TurnRun], grades: list[TurnGrade | None]) -> str:
    """The case's verdict from every turn's run and the grades of its graded turns (None: not graded)."""
    if any(crashed(r) for r in runs):
        return CRASH
    graded = [g for g in grades if g is not None]
    if all(g.ok for g in graded):
        return RIGHT
    if any(not g.ok and g.shows_figure for g in graded):
        return SILENT_WRONG
    return OTHER_WRONG


def graded_turns(turns: list[dict[str, Any]]) -> list[int]:
    """Indices of the graded turns: those marked ``graded: true``, always including the last."""
    marked = {i for i, t in enumerate(turns) if t.get("graded")}
    return sorted(marked | {len(turns) - 1})


__all__ = [
    "CRASH",
    "OTHER_WRONG",
    "RIGHT",
    "SILENT_WRONG",
    "VERDICTS",
    "Shown",
    "TurnGrade",
    "TurnRun",
    "figures_in",
    "grade_answer",
    "graded_turns",
    "has_label",
    "matches",
    "read_number",
    "verdict",
]
