"""Which language a question is in (Spanish or English), and the numbers of a text in that language.

Answers are written in the user's language, numbers included: Spanish uses a decimal comma and a
thousands point ("1.234,5"), English the opposite ("1,234.5"). :func:`numbers_in` reads them back,
which is how the tests check that every figure of an answer came from a tool result.
"""

from __future__ import annotations

import re
import unicodedata

from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal

ES = "es"
EN = "en"
LANGUAGES: tuple[str, ...] = (ES, EN)

#: Month and weekday names from CLDR (Babel): the answer's labels and the words questions use.
ES_MONTHS: tuple[str, ...] = tuple(get_month_names("wide", locale="es")[m] for m in range(1, 13))
EN_MONTHS: tuple[str, ...] = tuple(get_month_names("wide", locale="en")[m].lower() for m in range(1, 13))
ES_WEEKDAYS: tuple[str, ...] = tuple(get_day_names("wide", locale="es")[d] for d in range(7))
EN_WEEKDAYS: tuple[str, ...] = tuple(get_day_names("wide", locale="en")[d].lower() for d in range(7))


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


#: Folded month word -> month number: wide names in both languages, English abbreviations, the
#: Spanish abbreviations that are not also common words, and "setiembre".
MONTH_WORDS: dict[str, int] = {
    **{_folded(m): i + 1 for i, m in enumerate(ES_MONTHS)},
    **{m: i + 1 for i, m in enumerate(EN_MONTHS)},
    **{_folded(get_month_names("abbreviated", locale="en")[m]): m for m in range(1, 13)},
    **{_folded(get_month_names("abbreviated", locale="es")[m]).rstrip("."): m for m in (1, 4, 9, 12)},
    "setiembre": 9,
    "sept": 9,
}
#: Folded weekday word -> 0 (Monday) .. 6 (Sunday), both languages.
WEEKDAY_WORDS: dict[str, int] = {
    **{_folded(d): i for i, d in enumerate(ES_WEEKDAYS)},
    **{d: i for i, d in enumerate(EN_WEEKDAYS)},
}


def month_name(month: int, lang: str) -> str:
    """The month's name in the answer's language (Spanish lower case, English capitalised)."""
    return ES_MONTHS[month - 1] if lang == ES else EN_MONTHS[month - 1].capitalize()


def weekday_name(weekday: int, lang: str) -> str:
    return ES_WEEKDAYS[weekday] if lang == ES else EN_WEEKDAYS[weekday].capitalize()


_ES_WORDS = frozenset(
    [
        # v10: words only Spanish writes ("kWh: 2T frente a 4T" was answered in English)
        *[
            "frente",
            "trimestre",
            "semestre",
            "gasto",
            "factura",
            "recibo",
            "importe",
            "año",
            "días",
            "punta",
            "valle",
            "llano",
            "reactiva",
            "medio",
            "mayor",
            "menor",
            "más",
            "menos",
            "durante",
            "entre",
            "desde",
            "hasta",
        ],
        "qué",
        "que",
        "cuánto",
        "cuanto",
        "cuánta",
        "cuál",
        "cual",
        "cuáles",
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "y",
        "en",
        "por",
        "para",
        "si",
        "muevo",
        "mover",
        "mañana",
        "manana",
        "ayer",
        "hoy",
        "semana",
        "mes",
        "día",
        "dia",
        "consumo",
        "consumió",
        "consumimos",
        "carga",
        "coste",
        "costo",
        "costó",
        "emisiones",
        "pico",
        "explica",
        "explícame",
        "porqué",
        "por",
        "qué",
        "recomiendas",
        "recomienda",
        "recomendaciones",
        "ahorrar",
        "ahorraría",
        "ahorro",
        "madrugada",
        "noche",
        "pronóstico",
        "previsión",
        "horas",
        "hora",
        "factor",
        "potencia",
        "tarifa",
        "periodo",
        "período",
        "media",
        "máxima",
        "ligera",
        "total",
        "promedio",
        *ES_MONTHS,
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
        "pasada",
        "pasado",
        "esta",
        "este",
        "próximas",
        "próximo",
        "cuántas",
        "facturar",
        "facturado",
        "energía",
        "y",
        "con",
        "sin",
        "hubo",
        "fue",
        "es",
        "un",
        "una",
        "mi",
        "mis",
        "tu",
        "yo",
        "al",
        "son",
        "muy",
        "pero",
        "como",
        "cuando",
        "donde",
        "porque",
        "escribe",
        "dame",
        "dime",
        "quiero",
        "necesito",
        "puedes",
        "hazme",
        "cuál",
        "también",
        "después",
        "antes",
        "gastamos",
        "pagamos",
        "cuántos",
        "cuánto",
        "emitimos",
        "usamos",
    ]
)
_EN_WORDS = frozenset(
    [
        *[
            "quarter",
            "half",
            "bill",
            "year",
            "days",
            "reactive",
            "mean",
            "highest",
            "lowest",
            "during",
            "between",
            "until",
        ],
        "what",
        "how",
        "much",
        "many",
        "which",
        "the",
        "of",
        "and",
        "in",
        "on",
        "for",
        "if",
        "move",
        "shift",
        "tomorrow",
        "yesterday",
        "today",
        "week",
        "month",
        "day",
        "consumption",
        "consume",
        "consumed",
        "use",
        "used",
        "usage",
        "load",
        "cost",
        "costs",
        "emissions",
        "peak",
        "explain",
        "why",
        "recommend",
        "recommendations",
        "save",
        "saving",
        "savings",
        "night",
        "early",
        "morning",
        "forecast",
        "hours",
        "hour",
        "factor",
        "power",
        "tariff",
        "period",
        "medium",
        "maximum",
        "light",
        "total",
        "average",
        *EN_MONTHS,
        *EN_WEEKDAYS,
        "last",
        "this",
        "next",
        "did",
        "was",
        "is",
        "were",
        "will",
        "would",
        "could",
        "should",
        "we",
        "our",
        "billed",
        "energy",
        "with",
        "by",
    ]
)


def fold(text: str) -> str:
    """Lower case without accents, so 'Mañana' and 'manana' match the same rule."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def language_signal(text: str) -> int:
    """How strongly the text marks its language (0: no marker word or mark of either language, as in
    gibberish or a bare "Q3 kWh"; then an answer that declines says so in both languages)."""
    lowered = text.lower()
    words = re.findall(r"[a-záéíóúüñ]+", lowered)
    es = sum(w in _ES_WORDS for w in words) + 3 * (("¿" in text) + ("¡" in text))
    es += 2 * sum(c in "ñáéíóú" for c in lowered)
    return abs(es - sum(w in _EN_WORDS for w in words))


def detect_language(text: str, default: str = EN) -> str:
    """``es`` or ``en`` by marker words and Spanish punctuation; ``default`` on a tie."""
    lowered = text.lower()
    words = re.findall(r"[a-záéíóúüñ]+", lowered)
    es = sum(w in _ES_WORDS for w in words) + 3 * (("¿" in text) + ("¡" in text))
    es += 2 * sum(c in "ñáéíóú" for c in lowered)
    en = sum(w in _EN_WORDS for w in words)
    if es == en:
        return default
    return ES if es > en else EN


_LOCALES = {ES: "es_ES", EN: "en_US"}


def fmt(value: float, decimals: int, lang: str) -> str:
    """A number with thousands grouping in the language's convention (CLDR through Babel):
    Spanish "1.234.567,8", English "1,234,567.8"."""
    if round(value, decimals) == 0:
        value = 0.0
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALES.get(lang, "en_US"), group_separator=True)


def fmt_auto(value: float, lang: str) -> str:
    """At least 3 significant digits, and enough decimals that rounding moves the figure by well
    under 0.5 %."""
    size = abs(value)
    if size < 5e-5:
        return "0"
    decimals = 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 1 else 4
    return fmt(value, decimals, lang)


_NUMBER = {
    EN: re.compile(r"(?<![A-Za-z\d])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"),
    ES: re.compile(r"(?<![A-Za-z\d])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"),
}


def numbers_in(text: str, lang: str) -> list[tuple[float, int]]:
    """Every number written in ``text`` as (value, decimals shown), read in ``lang``'s convention.

    Digits glued to a word (the 2 of CO2) are part of a unit, not a figure."""
    out: list[tuple[float, int]] = []
    for token in _NUMBER[lang].findall(text):
        token = token.replace(".", "").replace(",", ".") if lang == ES else token.replace(",", "")
        decimals = len(token.split(".")[1]) if "." in token else 0
        out.append((float(token), decimals))
    return out
