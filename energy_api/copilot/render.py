"""Answers written from tool results by templates, in Spanish or English.

Rules (docs/copilot.md, "how answers are written"): a template prints only numbers read from the
tool result of the same turn; the figure asked comes first, breakdowns after; every data answer
names the span it covers as ISO dates, says "only"/"solo" when that is part of what was asked,
and gives no figure at all for a period without readings (it names the span available instead);
numbers follow the question's language ("1.234,5" / "1,234.5") with the unit right after.
"""

from __future__ import annotations

import re
from typing import Any

from energy_api.copilot.language import ES, fmt, fmt_auto, month_name, weekday_name
from energy_api.copilot.planner import EMPTY, NEED_DATE, NOT_UNDERSTOOD, OUT_OF_SCOPE, Plan

EN = "en"


def _n(value: float, lang: str) -> str:
    return fmt_auto(float(value), lang)


def kwh(value: float, lang: str) -> str:
    return f"{_n(value, lang)} kWh"


def krw(value: float, lang: str) -> str:
    return f"{fmt(float(value), 0, lang)} KRW"


def tco2(value: float, lang: str) -> str:
    return f"{fmt(float(value), 4 if abs(value) < 1 else 2, lang)} tCO2"


def kvarh(value: float, lang: str) -> str:
    return f"{_n(value, lang)} kVArh"


def kvah(value: float, lang: str) -> str:
    return f"{_n(value, lang)} kVAh"


def pct(value: float, lang: str) -> str:
    return f"{fmt(float(value), 2, lang)} %"


def price(value: float, lang: str) -> str:
    return f"{fmt(float(value), 2, lang)} KRW/kWh"


def figure(value: float, unit: str, lang: str) -> str:
    if unit == "kWh":
        return kwh(value, lang)
    if unit == "KRW":
        return krw(value, lang)
    if unit == "tCO2":
        return tco2(value, lang)
    if unit == "kVArh":
        return kvarh(value, lang)
    if unit == "%":
        return pct(value, lang)
    if unit == "h":
        return f"{fmt(float(value), 2, lang)} h"
    if unit == "intervals":
        return f"{fmt(float(value), 0, lang)} {'intervalos' if lang == ES else 'intervals'}"
    if unit == "days":
        return f"{fmt(float(value), 0, lang)} {'días' if lang == ES else 'days'}"
    return f"{_n(value, lang)} {unit}"


def _span(start: str, end: str, lang: str) -> str:
    if start == end:
        return f"el {start}" if lang == ES else start
    return f"del {start} al {end}" if lang == ES else f"{start} to {end}"


def _cov_span(cov: dict[str, Any] | None, lang: str) -> str:
    assert cov is not None
    return _span(cov["start"], cov["end"], lang)


def _available(cov: dict[str, Any], lang: str) -> str:
    a = cov["available"]
    return _span(a["start"], a["end"], lang)


def _no_data(requested: dict[str, Any], available: dict[str, Any], lang: str) -> str:
    req = _span(requested["start"], requested["end"], lang)
    avail = _span(available["start"], available["end"], lang)
    if lang == ES:
        return f"No hay lecturas {req}: las lecturas disponibles van {avail}. No doy cifras para un periodo sin datos."
    return f"There are no readings for {req}: the readings available cover {avail}. No figures for a period without data."


def _partial(cov: dict[str, Any], lang: str) -> str:
    req = cov["requested"]
    covered = cov["covered"]
    if lang == ES:
        return (
            f"Cobertura parcial: solo hay lecturas {_span(covered['start'], covered['end'], lang)} "
            f"({covered['days']} de {req['days']} días pedidos, {_span(req['start'], req['end'], lang)}); "
            "las cifras son solo de esos días."
        )
    return (
        f"Partial coverage: only {_span(covered['start'], covered['end'], lang)} has readings "
        f"({covered['days']} of the {req['days']} days asked, {_span(req['start'], req['end'], lang)}); "
        "the figures cover only those days."
    )


def _assumptions(lines: list[str], lang: str) -> str:
    if not lines:
        return ""
    head = "Supuestos" if lang == ES else "Assumptions"
    return f"\n{head}:\n" + "\n".join(f"- {line}" for line in lines)


def _tariff_line(result: dict[str, Any], lang: str) -> str:
    ef = fmt(result["emission_factor_tco2_per_mwh"], 4, lang)
    name = result.get("tariff", "")
    if lang == ES:
        return (
            f"Tarifa {name} (precios ilustrativos, configurables); CO2 con el factor de red de {ef} tCO2/MWh; "
            "el día, la hora y el periodo de cada lectura son los del inicio de su intervalo de 15 minutos."
        )
    return (
        f"Tariff {name} (illustrative, configurable prices); CO2 at the grid factor of {ef} tCO2/MWh; each "
        "reading's day, hour and period are those of its 15-minute interval's start."
    )


# --- query ------------------------------------------------------------------------------------------
METRIC_NAMES = {
    ES: {
        "usage_kwh": "consumo",
        "cost_krw": "coste de energía",
        "co2_t": "emisiones de CO2 (factor de red)",
        "co2_measured_t": "CO2 medido (columna co2_tco2 de los datos)",
        "lagging_reactive_kvarh": "energía reactiva inductiva",
        "leading_reactive_kvarh": "energía reactiva capacitiva",
        "lagging_pf": "factor de potencia inductivo",
        "leading_pf": "factor de potencia capacitivo",
    },
    EN: {
        "usage_kwh": "consumption",
        "cost_krw": "energy cost",
        "co2_t": "CO2 emissions (grid factor)",
        "co2_measured_t": "measured CO2 (the data's co2_tco2 column)",
        "lagging_reactive_kvarh": "lagging (inductive) reactive energy",
        "leading_reactive_kvarh": "leading (capacitive) reactive energy",
        "lagging_pf": "lagging power factor",
        "leading_pf": "leading power factor",
    },
}
AGG_NAMES = {
    ES: {
        "sum": "total",
        "daily_mean": "media diaria",
        "weekly_mean": "media semanal",
        "monthly_mean": "media mensual",
        "hourly_mean": "media por hora",
        "interval_mean": "media por intervalo de 15 minutos",
        "max": "máximo de 15 minutos",
        "min": "mínimo de 15 minutos",
        "plain_mean": "media simple de los valores de 15 minutos",
    },
    EN: {
        "sum": "total",
        "daily_mean": "average daily",
        "weekly_mean": "average weekly",
        "monthly_mean": "average monthly",
        "hourly_mean": "average per hour",
        "interval_mean": "average per 15-minute interval",
        "max": "peak 15-minute",
        "min": "lowest 15-minute",
        "plain_mean": "plain mean of the 15-minute values",
    },
}
PERIOD_LABELS = {
    ES: {"light": "ligero (valle)", "medium": "medio (llano)", "maximum": "máximo (punta)"},
    EN: {"light": "light (off-peak)", "medium": "medium", "maximum": "maximum (peak)"},
}
DAY_TYPE_LABELS = {
    ES: {"weekday": "laborables", "weekend": "fines de semana", "public_holiday": "festivos"},
    EN: {"weekday": "weekdays", "weekend": "weekends", "public_holiday": "public holidays"},
}
SEASON_LABELS = {
    ES: {"summer": "verano", "spring_fall": "primavera/otoño", "winter": "invierno"},
    EN: {"summer": "summer", "spring_fall": "spring/fall", "winter": "winter"},
}
LOAD_LABELS = {
    ES: {
        "Light_Load": "carga ligera (Light_Load)",
        "Medium_Load": "carga media (Medium_Load)",
        "Maximum_Load": "carga máxima (Maximum_Load)",
    },
    EN: {
        "Light_Load": "light load (Light_Load)",
        "Medium_Load": "medium load (Medium_Load)",
        "Maximum_Load": "maximum load (Maximum_Load)",
    },
}


def _what(result: dict[str, Any], lang: str) -> str:
    metric, agg = result["metric"], result["aggregation"]
    name = METRIC_NAMES[lang][metric]
    if metric.endswith("_pf"):
        extra = (
            (
                " (media simple de los valores de 15 minutos)"
                if lang == ES
                else " (plain mean of the 15-minute values)"
            )
            if agg == "plain_mean"
            else (" (ponderado por energía)" if lang == ES else " (energy-weighted)")
        )
        return name + extra
    if agg == "sum" or agg not in AGG_NAMES[lang]:
        return f"{name} total" if lang == ES else f"total {name}"
    words = AGG_NAMES[lang][agg]
    return f"{name} ({words})" if lang == ES else f"{words} {name}"


def _filters_text(query: dict[str, Any], lang: str) -> str:
    f = query.get("filters") or {}
    parts = []
    if f.get("tariff_period"):
        names = ", ".join(PERIOD_LABELS[lang][p] for p in f["tariff_period"])
        parts.append(f"periodo tarifario {names}" if lang == ES else f"tariff period {names}")
    if f.get("load_type"):
        parts.append(", ".join(LOAD_LABELS[lang][v] for v in f["load_type"]))
    if f.get("day_type"):
        parts.append(", ".join(DAY_TYPE_LABELS[lang][v] for v in f["day_type"]))
    if f.get("weekday"):
        parts.append(", ".join(weekday_name(d, lang) for d in f["weekday"]))
    if f.get("season"):
        parts.append(", ".join(SEASON_LABELS[lang][s] for s in f["season"]))
    if f.get("months"):
        parts.append(", ".join(month_name(m, lang) for m in f["months"]))
    if f.get("hours"):
        h = f["hours"]
        parts.append(
            f"de {h['start']:02d}:00 a {h['end'] % 24:02d}:00"
            if lang == ES
            else f"{h['start']:02d}:00-{h['end'] % 24:02d}:00"
        )
    if not parts:
        return ""
    return " (" + "; ".join(parts) + ")"


def group_label(by: str, key: Any, lang: str, years: int = 1) -> str:
    if by == "month":
        year, month = key
        return month_name(month, lang) + (f" {year}" if years > 1 else "")
    if by == "weekday":
        return weekday_name(int(key), lang)
    if by == "hour":
        return f"{int(key):02d}:00"
    if by == "day":
        return str(key)
    if by == "quarter":
        year, q = key
        return f"Q{q}" + (f" {year}" if years > 1 else "")
    if by == "season":
        return SEASON_LABELS[lang][key]
    if by == "load_type":
        return LOAD_LABELS[lang][key]
    if by == "tariff_period":
        return PERIOD_LABELS[lang][key]
    if by == "day_type":
        return DAY_TYPE_LABELS[lang][key]
    return str(key)


def _group_text(by: str, g: dict[str, Any], lang: str, years: int) -> str:
    if by == "week":
        return _span(g["first_day"], g["last_day"], lang)
    return group_label(by, g["key"], lang, years)


def _natural_order(by: str, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {
        "tariff_period": ["light", "medium", "maximum"],
        "load_type": ["Light_Load", "Medium_Load", "Maximum_Load"],
        "day_type": ["weekday", "weekend", "public_holiday"],
        "season": ["winter", "spring_fall", "summer"],
    }.get(by)
    if order:
        return sorted(groups, key=lambda g: order.index(g["key"]) if g["key"] in order else 99)
    return sorted(groups, key=lambda g: g["key"] if not isinstance(g["key"], list) else tuple(g["key"]))


def _query(plan: Plan, r: dict[str, Any], lang: str) -> str:
    q = r["query"]
    unit = r["unit"]
    notes = [_tariff_line(r, lang)]
    if "a" in r:
        return _comparison(r, lang, notes)
    cov = r["coverage"]
    if cov["no_data"]:
        return _no_data(cov["requested"], cov["available"], lang)
    span = _cov_span(cov["covered"], lang)
    what = _what(r, lang)
    filters = _filters_text(q, lang)
    head_parts: list[str] = []
    if r.get("no_matching_readings"):
        text = (
            f"Ninguna lectura {span} cumple los filtros{filters}: no hay cifra que dar."
            if lang == ES
            else f"No reading {span} matches the filters{filters}: there is no figure to give."
        )
        return text + ("\n" + _partial(cov, lang) if cov["partial"] else "")
    if plan.meta.get("whole_data"):
        notes.insert(
            0,
            "Sin periodo indicado: todas las lecturas."
            if lang == ES
            else "No period named: all the readings.",
        )
    if "share" in r:
        s = r["share"]
        part = _filters_text({"filters": q["share_of"]}, lang).strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1]  # the outer brackets only: "maximum (peak)" keeps its own
        base = METRIC_NAMES[lang][r["metric"]]
        if s["pct"] is None:
            text = f"{base} {span}: 0."
        elif lang == ES:
            text = (
                f"La parte de {part} en el {base}{filters} {span} fue del {pct(s['pct'], lang)}: "
                f"{figure(s['part'], unit, lang)} de {figure(s['whole'], unit, lang)}."
            )
        else:
            text = (
                f"The share of {part} in {base}{filters}, {span}, was {pct(s['pct'], lang)}: "
                f"{figure(s['part'], unit, lang)} of {figure(s['whole'], unit, lang)}."
            )
        head_parts.append(text)
    elif "groups" in r:
        head_parts.append(_groups(plan, r, lang, span, what, filters))
    elif r["aggregation"] in ("max", "min"):
        i = r["interval"]
        when = f"{i['day']} {i['start_time']}-{i['end_time']}"
        if lang == ES:
            text = f"El {what}{filters} {span} fue {figure(r['value'], unit, lang)}, en el intervalo {when}."
        else:
            text = (
                f"The {what}{filters}, {span}, was {figure(r['value'], unit, lang)}, in the interval {when}."
            )
        if i.get("ties", 1) > 1:
            text += (
                f" (El mismo valor se repite en {i['ties']} intervalos; este es el primero.)"
                if lang == ES
                else f" (The same value occurs in {i['ties']} intervals; this is the first.)"
            )
        head_parts.append(text)
    elif r["aggregation"] in ("count_intervals", "count_hours", "count_days"):
        head_parts.append(_count(r, lang, span, filters))
    else:
        value = figure(r["value"], unit, lang)
        if lang == ES:
            head_parts.append(f"{what[0].upper() + what[1:]}{filters} {span}: {value}.")
        else:
            head_parts.append(f"{what[0].upper() + what[1:]}{filters}, {span}: {value}.")
        companions = r.get("companions") or {}
        if companions:
            extra = ", ".join(
                f"{_companion_name(m, lang)} {figure(c['value'], c['unit'], lang)}"
                for m, c in companions.items()
                if c["value"] is not None
            )
            head_parts.append(("Además: " if lang == ES else "Also: ") + extra + ".")
        if r["aggregation"] in ("daily_mean", "weekly_mean", "monthly_mean", "hourly_mean") and r.get(
            "periods"
        ):
            unit_word = {
                "daily_mean": ("días", "days"),
                "weekly_mean": ("semanas", "weeks"),
                "monthly_mean": ("meses", "months"),
                "hourly_mean": ("horas con lecturas", "hours with readings"),
            }[r["aggregation"]]
            notes.insert(
                0,
                f"Media sobre {r['periods']} {unit_word[0]} del periodo."
                if lang == ES
                else f"Mean over the span's {r['periods']} {unit_word[1]}.",
            )
    if cov["partial"]:
        head_parts.insert(0, _partial(cov, lang))
    if r["metric"].endswith("_pf"):
        notes.append(
            "Factor de potencia ponderado: kWh / raíz(kWh al cuadrado + kVArh al cuadrado) sobre el periodo, en %; "
            "la media simple promedia los valores de 15 minutos."
            if lang == ES
            else "Energy-weighted power factor: kWh / sqrt(kWh squared + kVArh squared) over the span, in %; the plain "
            "mean averages the 15-minute values."
        )
    source = str(r["source"]).split(" (")[0]
    notes.append(f"Lecturas: {source}." if lang == ES else f"Readings: {source}.")
    return "\n".join(head_parts) + _assumptions(notes, lang)


def _companion_name(key: str, lang: str) -> str:
    if ":" in key:
        metric, agg = key.split(":", 1)
        return METRIC_NAMES[lang][metric] + (
            (" (media simple)" if lang == ES else " (plain mean)")
            if agg == "plain_mean"
            else (" (ponderado)" if lang == ES else " (energy-weighted)")
        )
    return METRIC_NAMES[lang][key]


def _count(r: dict[str, Any], lang: str, span: str, filters: str) -> str:
    c = r["query"]["condition"]
    col = {
        "usage_kwh": ("consumo", "consumption", "kWh"),
        "lagging_power_factor": ("factor de potencia inductivo", "lagging power factor", "%"),
        "leading_power_factor": ("factor de potencia capacitivo", "leading power factor", "%"),
        "lagging_reactive_kvarh": ("reactiva inductiva", "lagging reactive energy", "kVArh"),
        "leading_reactive_kvarh": ("reactiva capacitiva", "leading reactive energy", "kVArh"),
        "co2_tco2": ("CO2 medido", "measured CO2", "tCO2"),
    }[c["column"]]
    ops = {
        ES: {"<": "por debajo de", "<=": "como mucho", ">": "por encima de", ">=": "al menos"},
        EN: {"<": "below", "<=": "at most", ">": "above", ">=": "at least"},
    }[lang][c["op"]]
    threshold = fmt(c["value"], 2 if c["value"] != int(c["value"]) else 0, lang)
    unit_word = col[2] if col[2] != "%" else "%"
    cond = f"{col[0] if lang == ES else col[1]} {ops} {threshold} {unit_word}"
    agg = r["aggregation"]
    value = r["value"]
    if agg == "count_days":
        scope = (
            ("total diario" if lang == ES else "daily total")
            if c.get("scope") == "day"
            else ("algún intervalo" if lang == ES else "any interval")
        )
        return (
            f"Días con {cond} ({scope}){filters} {span}: {figure(value, 'days', lang)} de {r.get('days_in_span')}."
            if lang == ES
            else f"Days with {cond} ({scope}){filters}, {span}: {figure(value, 'days', lang)} of {r.get('days_in_span')}."
        )
    intervals = r["intervals_matching"]
    if agg == "count_hours":
        head = figure(value, "h", lang)
        tail = figure(intervals, "intervals", lang)
        if lang == ES:
            return f"Horas con {cond}{filters} {span}: {head} ({tail} de 15 minutos, de {r.get('intervals_in_span')} en el periodo)."
        return f"Hours with {cond}{filters}, {span}: {head} ({tail} of 15 minutes, out of {r.get('intervals_in_span')} in the span)."
    head = figure(value, "intervals", lang)
    if lang == ES:
        return f"Intervalos de 15 minutos con {cond}{filters} {span}: {head} (= {fmt(r['hours_matching'], 2, lang)} h, de {r.get('intervals_in_span')} en el periodo)."
    return f"15-minute intervals with {cond}{filters}, {span}: {head} (= {fmt(r['hours_matching'], 2, lang)} h, out of {r.get('intervals_in_span')} in the span)."


def _groups(plan: Plan, r: dict[str, Any], lang: str, span: str, what: str, filters: str) -> str:
    q = r["query"]
    by = q["group_by"]
    unit = r["unit"]
    groups = r["groups"]
    years = len({(g["key"][0] if isinstance(g["key"], list) else 0) for g in groups})
    on_average = q.get("group_aggregation") == "mean"
    avg = (
        (
            (" (media por día de cada grupo)" if by != "hour" else " (media por hora de cada grupo)")
            if lang == ES
            else (" (average per day of each group)" if by != "hour" else " (average per hour of each group)")
        )
        if on_average
        else ""
    )
    by_word = {
        ES: {
            "hour": "hora del día",
            "day": "día",
            "weekday": "día de la semana",
            "week": "semana",
            "month": "mes",
            "quarter": "trimestre",
            "season": "estación",
            "load_type": "tipo de carga",
            "tariff_period": "periodo tarifario",
            "day_type": "tipo de día",
        },
        EN: {
            "hour": "hour of the day",
            "day": "day",
            "weekday": "weekday",
            "week": "week",
            "month": "month",
            "quarter": "quarter",
            "season": "season",
            "load_type": "load type",
            "tariff_period": "tariff period",
            "day_type": "day type",
        },
    }[lang][by]
    if "top" in q:
        ranked = r["ranking"]
        desc = q.get("order", "desc") == "desc"
        if lang == ES:
            word = "más alto" if desc else "más bajo"
            head = f"Por {by_word}, {what}{avg}{filters} {span}, {word} primero:"
        else:
            word = "highest" if desc else "lowest"
            head = f"By {by_word}, {what}{avg}{filters}, {span}, {word} first:"
        lines = [
            f"{i}. {_group_text(by, g, lang, years)}: {figure(g['value'], unit, lang)}"
            + (
                f" ({_span(g['first_day'], g['last_day'], lang)})"
                if by in ("month", "quarter", "season") and g["days"] < 28
                else ""
            )
            for i, g in enumerate(ranked, start=1)
        ]
        if len(ranked) == 1:
            g = ranked[0]
            if lang == ES:
                head = (
                    f"El {by_word} con el {what} {word}{avg}{filters} {span} fue {_group_text(by, g, lang, years)}: "
                    f"{figure(g['value'], unit, lang)}."
                )
            else:
                head = (
                    f"The {by_word} with the {word} {what}{avg}{filters}, {span}, was {_group_text(by, g, lang, years)}: "
                    f"{figure(g['value'], unit, lang)}."
                )
            rest = [g2 for g2 in r["groups"][1:3]]
            if rest:
                follow = "; ".join(
                    f"{_group_text(by, g2, lang, years)} {figure(g2['value'], unit, lang)}" for g2 in rest
                )
                head += f" Le siguen: {follow}." if lang == ES else f" Next: {follow}."
            return head
        return head + "\n" + "\n".join(lines)
    ordered = _natural_order(by, groups)
    if lang == ES:
        head = f"{what[0].upper() + what[1:]}{avg}{filters} por {by_word}, {span}:"
    else:
        head = f"{what[0].upper() + what[1:]}{avg}{filters} by {by_word}, {span}:"
    lines = [f"- {_group_text(by, g, lang, years)}: {figure(g['value'], unit, lang)}" for g in ordered]
    if len(groups) > 1:
        hi, lo = groups[0], groups[-1]
        if q.get("order") == "asc":
            hi, lo = lo, hi
        lines.append(
            f"Más alto: {_group_text(by, hi, lang, years)}; más bajo: {_group_text(by, lo, lang, years)}."
            if lang == ES
            else f"Highest: {_group_text(by, hi, lang, years)}; lowest: {_group_text(by, lo, lang, years)}."
        )
    return head + "\n" + "\n".join(lines)


_UNIT_IN_ERROR = re.compile(r"(\d)\s?(kWh|kVArh|kVAh|KRW|tCO2)\b", re.IGNORECASE)
_UNIT_WORDS = {
    ES: {
        "kwh": "kilovatios hora",
        "kvarh": "kilovoltamperios reactivos hora",
        "kvah": "kilovoltamperios hora",
        "krw": "wones",
        "tco2": "toneladas de CO2",
    },
    EN: {
        "kwh": "kilowatt-hours",
        "kvarh": "kilovar-hours",
        "kvah": "kilovolt-ampere-hours",
        "krw": "won",
        "tco2": "tonnes of CO2",
    },
}


def _comparison(r: dict[str, Any], lang: str, notes: list[str]) -> str:
    a, b = r["a"], r["b"]
    unit = r["unit"]
    what = _what(r, lang)
    filters = _filters_text(r["query"], lang)
    empty = [side for side in (a, b) if side["coverage"]["no_data"]]
    if len(empty) == 2:
        return _no_data(a["coverage"]["requested"], a["coverage"]["available"], lang)
    if empty:
        # one of the two periods has no data: the figure of the covered one, said to be partial
        return _one_side(r, a if empty[0] is b else b, empty[0], lang, notes)
    for side in (a, b):
        if side["value"] is None:
            return (
                "Ninguna lectura cumple los filtros en uno de los periodos: no hay comparación posible."
                if lang == ES
                else "No reading matches the filters in one of the periods: there is no comparison to make."
            )
    sa, sb = _cov_span(a["coverage"]["covered"], lang), _cov_span(b["coverage"]["covered"], lang)
    diff, change = r["difference"], r.get("change_pct")
    # the change seen from B as well ("July was 16.95 % above August; August 14.49 % below July"),
    # so a reader who takes the other period as the reference finds the figure they mean
    back = 100.0 * (a["value"] - b["value"]) / b["value"] if b["value"] else None
    if change is not None and back is not None:
        reverse = (
            f" A tiene un {pct(abs(back), lang)} {'menos' if diff >= 0 else 'más'} respecto a B."
            if lang == ES
            else f" A is {pct(abs(back), lang)} {'lower' if diff >= 0 else 'higher'} relative to B."
        )
    else:
        reverse = ""
    if lang == ES:
        direction = "más" if diff >= 0 else "menos"
        text = (
            f"{what[0].upper() + what[1:]}{filters}: A ({sa}) {figure(a['value'], unit, lang)}; "
            f"B ({sb}) {figure(b['value'], unit, lang)}. B tiene {figure(abs(diff), unit, lang)} {direction} que A"
            + (
                f" ({pct(abs(change), lang)} {'más' if diff >= 0 else 'menos'} respecto a A)."
                if change is not None
                else "."
            )
            + reverse
        )
    else:
        direction = "more" if diff >= 0 else "less"
        text = (
            f"{what[0].upper() + what[1:]}{filters}: A ({sa}) {figure(a['value'], unit, lang)}; "
            f"B ({sb}) {figure(b['value'], unit, lang)}. B is {figure(abs(diff), unit, lang)} {direction} than A"
            + (
                f" ({pct(abs(change), lang)} {'higher' if diff >= 0 else 'lower'} relative to A)."
                if change is not None
                else "."
            )
            + reverse
        )
    parts = []
    for label, side in (("A", a), ("B", b)):
        if side["coverage"]["partial"]:
            parts.append(f"{label}: " + _partial(side["coverage"], lang))
    return "\n".join([text, *parts]) + _assumptions(notes, lang)


def _one_side(
    r: dict[str, Any], side: dict[str, Any], empty: dict[str, Any], lang: str, notes: list[str]
) -> str:
    """A comparison of two periods, one without readings: the covered period's figure, labelled
    with its own covered span, and why there is no comparison (partial coverage of the question)."""
    cov, missing = side["coverage"], empty["coverage"]
    covered = cov["covered"]
    span = _cov_span(covered, lang)
    gone = _span(missing["requested"]["start"], missing["requested"]["end"], lang)
    avail = _available(missing, lang)
    what = _what(r, lang)
    filters = _filters_text(r["query"], lang)
    if side["value"] is None:
        value_text = (
            f"ninguna lectura {span} cumple los filtros{filters}."
            if lang == ES
            else f"no reading {span} matches the filters{filters}."
        )
    else:
        value_text = f"{what}{filters} {span}: {figure(side['value'], r['unit'], lang)}."
    if lang == ES:
        head = (
            f"Cobertura parcial: solo hay lecturas {span} de los dos periodos pedidos; no hay lecturas {gone} "
            f"(las lecturas disponibles van {avail}): la cifra es solo de ese periodo. {value_text[0].upper()}{value_text[1:]}"
        )
    else:
        head = (
            f"Partial coverage: only {span} has readings of the two periods asked; there are no readings for {gone} "
            f"(the readings available cover {avail}): the figure is only for that period. {value_text[0].upper()}{value_text[1:]}"
        )
    parts = [head]
    if cov["partial"]:
        parts.append(_partial(cov, lang))
    return "\n".join(parts) + _assumptions(notes, lang)


# --- span what-ifs -----------------------------------------------------------------------------------
def _scenario(plan: Plan, r: dict[str, Any], lang: str) -> str:
    cov = r.get("coverage")
    if r.get("no_data"):
        return _no_data(cov["requested"], cov["available"], lang)
    notes = [_tariff_line(r, lang)]
    partial = _partial(cov, lang) if cov is not None and cov["partial"] else None
    span = _cov_span(cov["covered"], lang) if cov is not None and cov.get("covered") else None
    if r.get("whole_data"):
        notes.insert(
            0,
            "Sin periodo indicado: todas las lecturas."
            if lang == ES
            else "No period named: all the readings.",
        )
    kind = r["kind"]
    names = PERIOD_LABELS[lang]
    if kind in ("move_energy", "move_hours"):
        seasons = r["seasons"]
        where = ""
        if plan.arguments.get("season"):
            where = (" en " if lang == ES else " in ") + SEASON_LABELS[lang][plan.arguments["season"]]
            if span:
                where += f" ({span})"
        elif span:
            where = f" {span}" if lang == ES else f" over {span}"
        moved = kwh(r["energy_kwh"], lang)
        if lang == ES:
            verb = "ahorra" if r["saving_krw"] >= 0 else "cuesta"
            head = (
                f"Mover {moved} del periodo {names[r['from_period']]} al {names[r['to_period']]}{where} {verb} "
                f"{krw(abs(r['saving_krw']), lang)}"
            )
        else:
            verb = "saves" if r["saving_krw"] >= 0 else "costs an extra"
            head = (
                f"Moving {moved} from the {names[r['from_period']]} period to the {names[r['to_period']]} period{where} "
                f"{verb} {krw(abs(r['saving_krw']), lang)}"
            )
        if len(seasons) == 1:
            s = seasons[0]
            head += (
                f", a {price(s['from_price_krw_per_kwh'], lang)} frente a {price(s['to_price_krw_per_kwh'], lang)} "
                f"({SEASON_LABELS[lang][s['season']]})."
                if lang == ES
                else f", at {price(s['from_price_krw_per_kwh'], lang)} instead of {price(s['to_price_krw_per_kwh'], lang)} "
                f"({SEASON_LABELS[lang][s['season']]})."
            )
            lines = [head]
        else:
            head += "."
            lines = [head]
            for s in seasons:
                lines.append(
                    f"- {SEASON_LABELS[lang][s['season']]}: {pct(s['share_pct'], lang)} ({kwh(s['energy_kwh'], lang)}) "
                    f"a {price(s['from_price_krw_per_kwh'], lang)} → {price(s['to_price_krw_per_kwh'], lang)}: "
                    f"{krw(s['saving_krw'], lang)}"
                    if lang == ES
                    else f"- {SEASON_LABELS[lang][s['season']]}: {pct(s['share_pct'], lang)} ({kwh(s['energy_kwh'], lang)}) "
                    f"at {price(s['from_price_krw_per_kwh'], lang)} -> {price(s['to_price_krw_per_kwh'], lang)}: "
                    f"{krw(s['saving_krw'], lang)}"
                )
            notes.append(
                "La energía se reparte entre estaciones según la energía del periodo de origen en cada una."
                if lang == ES
                else "The energy is split between seasons by the source period's energy in each."
            )
        if kind == "move_hours":
            each = r.get("days_with_period") if plan.arguments.get("each_day") else None
            if lang == ES:
                lines.append(
                    f"Energía movida = {fmt(r['hours'], 2, lang)} horas x {kwh(r['kwh_per_hour'], lang)} por hora del periodo "
                    f"{names[r['from_period']]}" + (f" x {each} días con ese periodo" if each else "") + "."
                )
            else:
                lines.append(
                    f"Energy moved = {fmt(r['hours'], 2, lang)} hours x {kwh(r['kwh_per_hour'], lang)} per {names[r['from_period']]}-period "
                    "hour" + (f" x {each} days with that period" if each else "") + "."
                )
        lines.append(
            "El consumo (kWh) y el CO2 no cambian: solo cambia el precio de la energía movida."
            if lang == ES
            else "Active energy (kWh) and CO2 do not change: only the price of the moved energy does."
        )
        if partial:
            lines.insert(0, partial)
        return "\n".join(lines) + _assumptions(notes, lang)
    if kind == "cut_energy":
        basis = r.get("price_basis", {})
        if basis.get("average_of_span"):
            how = (
                f"al precio medio {span} ({price(r['price_krw_per_kwh'], lang)})"
                if lang == ES
                else f"at the average price over {span} ({price(r['price_krw_per_kwh'], lang)})"
            )
        elif "season" in basis:
            how = (
                f"al precio del periodo {names[basis['period']]} en {SEASON_LABELS[lang][basis['season']]} ({price(r['price_krw_per_kwh'], lang)})"
                if lang == ES
                else f"at the {names[basis['period']]} price in {SEASON_LABELS[lang][basis['season']]} ({price(r['price_krw_per_kwh'], lang)})"
            )
        else:
            how = (
                f"al precio del periodo {names[basis['period']]} {span} ({price(r['price_krw_per_kwh'], lang)})"
                if lang == ES
                else f"at the {names[basis['period']]} price over {span} ({price(r['price_krw_per_kwh'], lang)})"
            )
        if lang == ES:
            text = (
                f"Dejar de consumir {kwh(r['energy_kwh'], lang)} ahorra {krw(r['saving_krw'], lang)} {how} y "
                f"{tco2(r['saving_co2_t'], lang)} de CO2."
            )
        else:
            text = (
                f"Cutting {kwh(r['energy_kwh'], lang)} saves {krw(r['saving_krw'], lang)} {how} and "
                f"{tco2(r['saving_co2_t'], lang)} of CO2."
            )
        return ((partial + "\n") if partial else "") + text + _assumptions(notes, lang)
    # power factor over a span
    change = r["reactive_change_kvarh"]
    side = {"lagging": ("inductivo", "lagging"), "leading": ("capacitivo", "leading")}[r["side"]]
    if lang == ES:
        text = (
            f"Subir el factor de potencia {side[0]} al {pct(r['target_pf_pct'], lang)} {span} cambia la energía reactiva en "
            f"{kvarh(abs(change), lang)} ({'menos' if change <= 0 else 'más'}): de {kvarh(r['reactive_before_kvarh'], lang)} a "
            f"{kvarh(r['reactive_after_kvarh'], lang)}; la aparente cambia en {kvah(abs(r['apparent_change_kvah']), lang)} "
            f"(de {kvah(r['apparent_before_kvah'], lang)} a {kvah(r['apparent_after_kvah'], lang)}). "
            f"La energía activa no cambia (0 kWh de ahorro), ni el coste ni el CO2: no hay recargo por factor de potencia configurado."
        )
    else:
        text = (
            f"Raising the {side[1]} power factor to {pct(r['target_pf_pct'], lang)} over {span} changes reactive energy by "
            f"{kvarh(abs(change), lang)} ({'down' if change <= 0 else 'up'}): from {kvarh(r['reactive_before_kvarh'], lang)} to "
            f"{kvarh(r['reactive_after_kvarh'], lang)}; apparent energy changes by {kvah(abs(r['apparent_change_kvah']), lang)} "
            f"(from {kvah(r['apparent_before_kvah'], lang)} to {kvah(r['apparent_after_kvah'], lang)}). "
            "Active energy does not change (0 kWh saved), nor do cost and CO2: no power-factor surcharge is configured."
        )
    if r.get("surcharge_configured"):
        text = text.replace(
            "no hay recargo por factor de potencia configurado", "el recargo configurado se calcula aparte"
        ).replace("no power-factor surcharge is configured", "the configured surcharge is priced separately")
    notes.append(
        f"{r['intervals_improved']} de {r['intervals']} intervalos estaban por debajo del objetivo: Q' = P · tan(acos(FP))."
        if lang == ES
        else f"{r['intervals_improved']} of {r['intervals']} intervals were below the target: Q' = P x tan(acos(PF))."
    )
    return ((partial + "\n") if partial else "") + text + _assumptions(notes, lang)


def _recommend(plan: Plan, r: dict[str, Any], lang: str) -> str:
    cov = r.get("coverage")
    if r.get("no_data"):
        return _no_data(cov["requested"], cov["available"], lang)
    notes = [_tariff_line(r, lang)]
    if cov is None:
        span = _span(r["forecast_day"], r["forecast_day"], lang)
        notes.insert(
            0,
            (
                f"Línea base: {r['baseline_source']} (aún no hay lecturas)."
                if lang == ES
                else f"Baseline: {r['baseline_source']} (no readings yet)."
            ),
        )
    else:
        span = _cov_span(cov["covered"], lang)
    if r.get("default_day"):
        notes.insert(
            0,
            "Sin día indicado: el último día de las lecturas."
            if lang == ES
            else "No day named: the last day of the readings.",
        )
    lines = []
    if lang == ES:
        lines.append(f"Recomendaciones {span}:")
        if r["maximum_kwh"] > 0:
            lines.append(
                f"- Mover la energía del periodo máximo (punta), {kwh(r['maximum_kwh'], lang)}, al periodo ligero (valle) "
                f"ahorraría {krw(r['shift_saving_krw'], lang)} (precio máximo menos ligero de cada estación)."
            )
        else:
            lines.append(
                f"- No hay energía en periodo máximo (punta) que mover ({kwh(r['maximum_kwh'], lang)}, ahorro "
                f"{krw(r['shift_saving_krw'], lang)}): todo el periodo es ligero o medio."
            )
        if r.get("lagging_pf") is not None:
            lines.append(
                f"- El factor de potencia inductivo ponderado es {pct(r['lagging_pf'], lang)}: mejorarlo reduce la energía "
                "reactiva (kVArh), no los kWh; solo ahorra si la tarifa tiene recargo por factor de potencia."
            )
    else:
        lines.append(f"Recommendations for {span}:")
        if r["maximum_kwh"] > 0:
            lines.append(
                f"- Moving the maximum-period (peak) energy, {kwh(r['maximum_kwh'], lang)}, to the light (off-peak) period "
                f"would save {krw(r['shift_saving_krw'], lang)} (each season's maximum minus light price)."
            )
        else:
            lines.append(
                f"- There is no maximum-period (peak) energy to move ({kwh(r['maximum_kwh'], lang)}, saving "
                f"{krw(r['shift_saving_krw'], lang)}): the span is all light or medium."
            )
        if r.get("lagging_pf") is not None:
            lines.append(
                f"- The energy-weighted lagging power factor is {pct(r['lagging_pf'], lang)}: improving it lowers "
                "reactive energy (kVArh), not kWh; it saves money only under a power-factor surcharge."
            )
    if cov is not None and cov["partial"]:
        lines.insert(0, _partial(cov, lang))
    return "\n".join(lines) + _assumptions(notes, lang)


# --- forecast ------------------------------------------------------------------------------------------
def _forecast(plan: Plan, r: dict[str, Any], lang: str) -> str:
    origin, end = r["origin_label"], r["end_label"]
    rng = ""
    if "total_q10_kwh" in r:
        rng = (
            f" (rango 10-90 % de los cuantiles sumados: {kwh(r['total_q10_kwh'], lang)} a {kwh(r['total_q90_kwh'], lang)})"
            if lang == ES
            else f" (10-90 % range of the summed quantiles: {kwh(r['total_q10_kwh'], lang)} to {kwh(r['total_q90_kwh'], lang)})"
        )
    if lang == ES:
        text = (
            f"Pronóstico del {origin} al {end}: {kwh(r['total_kwh'], lang)} en total{rng}; pico de 15 minutos "
            f"{kwh(r['peak_kwh'], lang)} en el intervalo {r['peak_interval']}; coste {krw(r['cost_krw'], lang)} y "
            f"{tco2(r['co2_t'], lang)}. Modelo {r['model_version']}."
        )
        if r.get("backtest"):
            text += (
                f" Ese periodo está dentro de las lecturas: es un backtest desde el {origin} con solo las lecturas "
                "anteriores."
            )
    else:
        text = (
            f"Forecast from {origin} to {end}: {kwh(r['total_kwh'], lang)} in total{rng}; peak 15-minute "
            f"{kwh(r['peak_kwh'], lang)} in the interval {r['peak_interval']}; cost {krw(r['cost_krw'], lang)} and "
            f"{tco2(r['co2_t'], lang)}. Model {r['model_version']}."
        )
        if r.get("backtest"):
            text += f" That span lies inside the readings: this is a backtest from {origin} using only earlier readings."
    if r.get("model_origin") != r.get("origin"):
        start = r["model_origin"][:16].replace("T", " ")
        text += (
            f" (El modelo pronostica desde el final de las lecturas, {start}; la respuesta cubre solo ese día.)"
            if lang == ES
            else f" (The model forecasts from the end of the readings, {start}; the answer covers that day only.)"
        )
    return text + _assumptions([_tariff_line(r, lang)], lang)


# --- v1 day-level what-ifs ------------------------------------------------------------------------------
def _shift(r: dict[str, Any], lang: str) -> tuple[str, list[str]]:
    d = r["details"]
    names = PERIOD_LABELS[lang]
    saving, base = r["saving_krw"], r["baseline"]
    if lang == ES:
        verb = "ahorraría" if saving >= 0 else "costaría"
        text = (
            f"Mover {kwh(r['moved_kwh'], lang)} de {d['from_window']} (periodo {names[r['from_period']]}) a "
            f"{d['to_window']} (periodo {names[r['to_period']]}) {verb} {krw(abs(saving), lang)} "
            f"({pct(abs(r['saving_pct']), lang)} del coste de esos intervalos, de {krw(base['cost_krw'], lang)} a "
            f"{krw(r['scenario']['cost_krw'], lang)}). El consumo total no cambia ({kwh(r['delta']['energy_kwh'], lang)} "
            f"de diferencia) ni el CO2 ({tco2(r['delta']['co2_t'], lang)}); la energía movida emite "
            f"{tco2(r['moved_co2_t'], lang)} a cualquier hora."
        )
        notes = [
            f"La energía sale de la ventana origen en proporción al consumo de cada intervalo y llega repartida "
            f"por igual ({kwh(d['kwh_added_per_interval'], lang)} por intervalo).",
            "Mismo día; ventanas que empiezan en la hora indicada (por defecto: el primer bloque de punta y la madrugada).",
        ]
    else:
        verb = "save" if saving >= 0 else "cost an extra"
        text = (
            f"Moving {kwh(r['moved_kwh'], lang)} from {d['from_window']} ({names[r['from_period']]} period) to "
            f"{d['to_window']} ({names[r['to_period']]} period) would {verb} {krw(abs(saving), lang)} "
            f"({pct(abs(r['saving_pct']), lang)} of those intervals' cost, from {krw(base['cost_krw'], lang)} to "
            f"{krw(r['scenario']['cost_krw'], lang)}). Total consumption does not change "
            f"({kwh(r['delta']['energy_kwh'], lang)} difference) nor does CO2 ({tco2(r['delta']['co2_t'], lang)}); "
            f"the moved energy emits {tco2(r['moved_co2_t'], lang)} at any hour."
        )
        notes = [
            f"Energy leaves the source window in proportion to each interval's usage and arrives spread evenly "
            f"({kwh(d['kwh_added_per_interval'], lang)} per interval).",
            "Same day; windows start at the hour named (default: the first maximum block and the early night).",
        ]
    return text, notes


def _change(r: dict[str, Any], lang: str) -> tuple[str, list[str]]:
    d, names = r["details"], PERIOD_LABELS[lang]
    saving = r["saving_krw"]
    if lang == ES:
        verb = "ahorraría" if saving >= 0 else "costaría"
        text = (
            f"Facturar {d['window']} al precio del periodo {names[r['to_period']]} {verb} {krw(abs(saving), lang)} "
            f"({pct(abs(r['saving_pct']), lang)}): de {krw(r['baseline']['cost_krw'], lang)} a "
            f"{krw(r['scenario']['cost_krw'], lang)} por {kwh(r['baseline']['energy_kwh'], lang)}, que no cambian, "
            f"igual que el CO2 ({tco2(r['baseline']['co2_t'], lang)})."
        )
        notes = ["Solo cambia el precio por kWh; supone que cambia el propio periodo de facturación."]
    else:
        verb = "save" if saving >= 0 else "cost an extra"
        text = (
            f"Billing {d['window']} at the {names[r['to_period']]} period's price would {verb} "
            f"{krw(abs(saving), lang)} ({pct(abs(r['saving_pct']), lang)}): from {krw(r['baseline']['cost_krw'], lang)} "
            f"to {krw(r['scenario']['cost_krw'], lang)} for {kwh(r['baseline']['energy_kwh'], lang)}, which do not "
            f"change, nor does CO2 ({tco2(r['baseline']['co2_t'], lang)})."
        )
        notes = ["Only the price per kWh changes; this assumes the billing period itself changes."]
    return text, notes


def _power_factor_day(r: dict[str, Any], lang: str) -> tuple[str, list[str]]:
    d, base, scen = r["details"], r["baseline"], r["scenario"]
    change = scen["reactive_kvarh"] - base["reactive_kvarh"]
    apparent = scen["apparent_kvah"] - base["apparent_kvah"]
    if lang == ES:
        side = "inductivo" if d["side"] == "lagging" else "capacitivo"
        text = (
            f"Subir el factor de potencia {side} al {pct(r['target_pf_pct'], lang)} en {d['window']} cambia la energía "
            f"reactiva en {kvarh(abs(change), lang)} ({'menos' if change <= 0 else 'más'}): de "
            f"{kvarh(base['reactive_kvarh'], lang)} a {kvarh(scen['reactive_kvarh'], lang)}; la aparente cambia en "
            f"{kvah(abs(apparent), lang)} (de {kvah(base['apparent_kvah'], lang)} a {kvah(scen['apparent_kvah'], lang)}), "
            f"en {d['intervals_improved']} de {r['intervals']} intervalos. La energía activa no cambia "
            f"({kwh(base['energy_kwh'], lang)}, 0 kWh de ahorro) ni el CO2 ({tco2(base['co2_t'], lang)}); ahorro en la "
            f"factura: {krw(r['saving_krw'], lang)}."
        )
        notes = [
            "El ahorro en KRW solo existe si el fichero de tarifa configura un recargo por factor de potencia."
        ]
    else:
        text = (
            f"Raising the {d['side']} power factor to {pct(r['target_pf_pct'], lang)} over {d['window']} changes reactive "
            f"energy by {kvarh(abs(change), lang)} ({'down' if change <= 0 else 'up'}): from {kvarh(base['reactive_kvarh'], lang)} "
            f"to {kvarh(scen['reactive_kvarh'], lang)}; apparent energy changes by {kvah(abs(apparent), lang)} (from "
            f"{kvah(base['apparent_kvah'], lang)} to {kvah(scen['apparent_kvah'], lang)}), in {d['intervals_improved']} of "
            f"{r['intervals']} intervals. Active energy does not change ({kwh(base['energy_kwh'], lang)}, 0 kWh saved) nor "
            f"does CO2 ({tco2(base['co2_t'], lang)}); bill saving: {krw(r['saving_krw'], lang)}."
        )
        notes = ["A KRW saving exists only if the tariff file configures a power-factor surcharge."]
    return text, notes


def _what_if(plan: Plan, r: dict[str, Any], lang: str) -> str:
    kind = r["kind"]
    if kind == "shift_load":
        text, notes = _shift(r, lang)
    elif kind == "change_load_type":
        text, notes = _change(r, lang)
    else:
        text, notes = _power_factor_day(r, lang)
    source = r.get("baseline_source", "readings")
    if source != "readings":
        notes.insert(
            0,
            f"Línea base: {source} (aún no hay lecturas de ese día)."
            if lang == ES
            else f"Baseline: {source} (no readings yet).",
        )
    if any(n.startswith("No day named") for n in r["assumptions"]):
        notes.insert(
            0,
            f"Sin día indicado: {r['date']} (último día de las lecturas)."
            if lang == ES
            else f"No day named: {r['date']} (the last day of the readings).",
        )
    text = _WINDOW.sub(lambda m: _window(m, lang), text)
    return text + _assumptions([*notes, _tariff_line(r, lang)], lang)


_WINDOW = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) to (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})")


def _window(match: re.Match[str], lang: str) -> str:
    """Engine window labels read naturally: "10:00-12:00 del 2018-12-31" / "10:00-12:00 on 2018-12-31"."""
    day, start, end_day, end = match.groups()
    if end_day == day:
        return f"{start}-{end} {'del' if lang == ES else 'on'} {day}"
    if start == end == "00:00":
        return f"{'todo el' if lang == ES else 'all of'} {day}"
    return f"{day} {start} {'a' if lang == ES else 'to'} {end_day} {end}"


def _explain(plan: Plan, r: dict[str, Any], lang: str) -> str:
    top = r["top_contributions"][0]
    names = PERIOD_LABELS[lang]
    if lang == ES:
        text = (
            f"El pico del {r['date']} fue el intervalo {r['date']} {r['peak_interval']}: {kwh(r['usage_kwh'], lang)}, "
            f"{fmt(r['peak_ratio'], 1, lang)} veces la media del día ({kwh(r['day_mean_kwh'], lang)} por intervalo; total "
            f"{kwh(r['day_total_kwh'], lang)}). Carga planificada {r['load_type']}, periodo {names[r['tariff_period']]} a "
            f"{price(r['price_krw_per_kwh'], lang)} ({krw(r['cost_krw'], lang)} ese intervalo), "
            f"{tco2(r['co2_tco2'], lang)} medidos. Factor de potencia {pct(r['lagging_power_factor'], lang)} inductivo y "
            f"{pct(r['leading_power_factor'], lang)} capacitivo. El estimador lo sitúa en {kwh(r['estimate_kwh'], lang)} "
            f"frente a {kwh(r['base_value_kwh'], lang)} de un intervalo medio; {top['feature']} es lo que más lo mueve "
            f"({kwh(top['contribution_kwh'], lang)}, SHAP)."
        )
        notes = [
            f"Lecturas: {str(r['readings_source']).split(' (')[0]}.",
            "Contribuciones SHAP por permutación del estimador campeón.",
        ]
    else:
        text = (
            f"The peak of {r['date']} was the interval {r['date']} {r['peak_interval']}: {kwh(r['usage_kwh'], lang)}, "
            f"{fmt(r['peak_ratio'], 1, lang)} times the day's mean ({kwh(r['day_mean_kwh'], lang)} per interval; total "
            f"{kwh(r['day_total_kwh'], lang)}). Planned load {r['load_type']}, {names[r['tariff_period']]} period at "
            f"{price(r['price_krw_per_kwh'], lang)} ({krw(r['cost_krw'], lang)} for that interval), "
            f"{tco2(r['co2_tco2'], lang)} measured. Power factor {pct(r['lagging_power_factor'], lang)} lagging and "
            f"{pct(r['leading_power_factor'], lang)} leading. The estimator puts it at {kwh(r['estimate_kwh'], lang)} "
            f"against {kwh(r['base_value_kwh'], lang)} for an average interval; {top['feature']} moves it most "
            f"({kwh(top['contribution_kwh'], lang)}, SHAP)."
        )
        notes = [
            f"Readings: {str(r['readings_source']).split(' (')[0]}.",
            "Permutation SHAP contributions of the champion estimator.",
        ]
    return text + _assumptions(notes, lang)


# --- clarifications and declines ------------------------------------------------------------------------
CAN_ANSWER = {
    ES: (
        "Puedo responder sobre el consumo, el coste, el CO2, la energía reactiva y el factor de potencia de la planta "
        "en días, semanas, meses, trimestres o rangos de fechas (totales, medias, picos, rankings, porcentajes, "
        "comparaciones y recuentos), pronósticos, por qué hubo un pico, escenarios (mover o recortar energía, "
        "desplazar horas, mejorar el factor de potencia) y recomendaciones. Por ejemplo: «¿Cuánto consumimos en "
        "abril?», «¿Qué mes fue el más caro?», «Pronóstico para mañana»."
    ),
    EN: (
        "I can answer about the plant's consumption, cost, CO2, reactive energy and power factor over days, weeks, "
        "months, quarters or date ranges (totals, averages, peaks, rankings, shares, comparisons and counts), "
        "forecasts, why a day peaked, what-ifs (moving or cutting energy, shifting hours, improving the power "
        "factor) and recommendations. For example: 'How much did we consume in April?', 'Which month was the most "
        "expensive?', 'Forecast for tomorrow'."
    ),
}


def _clarify(plan: Plan, lang: str, available: tuple[str, str] | None) -> str:
    reason = plan.clarify or OUT_OF_SCOPE
    if reason in (NOT_UNDERSTOOD, OUT_OF_SCOPE) and plan.meta.get("language_unsure"):
        # no word marks the question's language (gibberish, a bare code): decline in both
        other = EN if lang == ES else ES
        return _decline(plan, lang, reason) + "\n" + _decline(plan, other, reason)
    return (
        _decline(plan, lang, reason)
        if reason in (NOT_UNDERSTOOD, OUT_OF_SCOPE)
        else _other(plan, lang, reason, available)
    )


def _other(plan: Plan, lang: str, reason: str, available: tuple[str, str] | None) -> str:
    if reason == EMPTY:
        return (
            "¿En qué puedo ayudarte? " + CAN_ANSWER[ES] if lang == ES else "How can I help? " + CAN_ANSWER[EN]
        )
    if reason == NEED_DATE:
        return (
            "¿De qué día o periodo? Por ejemplo «ayer», «en marzo» o «la semana pasada»."
            if lang == ES
            else "For which day or period? For example 'yesterday', 'in March' or 'last week'."
        )
    if reason == "no_forecast":
        req = plan.meta.get("requested", ("", ""))
        avail = _span(*available, lang) if available else ""
        return (
            f"No puedo responder a eso: no puedo pronosticar {_span(req[0], req[1], lang)}: los pronósticos llegan como mucho a una semana después "
            f"de las lecturas, que van {avail}, y no hay lecturas de ese periodo."
            if lang == ES
            else f"I can't answer that: I can't forecast {_span(req[0], req[1], lang)}: forecasts reach at most a week after the readings, "
            f"which cover {avail}, and there are no readings for it."
        )
    return _decline(plan, lang, reason)


def _decline(plan: Plan, lang: str, reason: str) -> str:
    if reason == NOT_UNDERSTOOD:
        unknown = plan.meta.get("unknown") or []
        said = (
            f" («{', '.join(unknown[:3])}»)"
            if lang == ES and unknown
            else (f" ('{', '.join(unknown[:3])}')" if unknown else "")
        )
        return (
            f"No entendí la pregunta{said}, así que no doy una cifra que podría ser de otra pregunta. "
            + CAN_ANSWER[ES]
            if lang == ES
            else f"I did not understand the question{said}, so I give no figure that could answer another one. "
            + CAN_ANSWER[EN]
        )
    return (
        "No puedo responder a eso: está fuera de lo que sé (las lecturas eléctricas de la planta). "
        + CAN_ANSWER[ES]
        if lang == ES
        else "I can't answer that: it is outside what I know (the plant's electricity readings). "
        + CAN_ANSWER[EN]
    )


def render(plan: Plan, result: dict[str, Any] | None, available: tuple[str, str] | None = None) -> str:
    """The answer for a plan and its tool result (``None`` when the plan asks for clarification)."""
    lang = ES if plan.language == ES else EN
    if plan.clarify is not None or plan.tool is None:
        return _clarify(plan, lang, available)
    assert result is not None
    if "error" in result:
        avail = (
            (
                f" Las lecturas van {_span(*available, lang)}."
                if lang == ES
                else f" The readings cover {_span(*available, lang)}."
            )
            if available
            else ""
        )
        # a refusal shows no figure that could pass for an answer: its amounts name their units in words
        error = _UNIT_IN_ERROR.sub(
            lambda m: f"{m.group(1)} {_UNIT_WORDS[lang][m.group(2).lower()]}", result["error"]
        )
        return (
            f"No puedo responder a eso con los datos disponibles: {error}.{avail}"
            if lang == ES
            else f"I cannot answer that with the data available: {error}.{avail}"
        )
    renderer = {
        "query": _query,
        "scenario": _scenario,
        "recommend": _recommend,
        "forecast": _forecast,
        "what_if": _what_if,
        "explain_peak": _explain,
    }[plan.tool]
    return renderer(plan, result, lang)
