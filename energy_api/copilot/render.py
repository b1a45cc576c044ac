"""Answers written from tool results by templates, in Spanish or English, with units and assumptions.

Rule: a template prints only numbers read from the tool result of the same turn (formatted and
rounded), never a number of its own; the eval and the guarantee tests check it.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from energy_api.copilot.language import ES, fmt, fmt_auto
from energy_api.copilot.planner import EMPTY, NEED_DATE, OUT_OF_SCOPE, Plan

PERIOD_NAMES = {
    ES: {"light": "ligero o valle", "medium": "medio", "maximum": "máximo o punta"},
    "en": {"light": "light/off-peak", "medium": "medium", "maximum": "maximum/peak"},
}
METRIC_NAMES = {
    ES: {
        "energy_kwh": "consumo",
        "mean_kwh": "consumo medio por intervalo",
        "peak_kwh": "pico de un intervalo",
        "cost_krw": "coste de energía",
        "co2_t": "emisiones de CO2",
        "power_factor_pct": "factor de potencia",
    },
    "en": {
        "energy_kwh": "consumption",
        "mean_kwh": "mean consumption per interval",
        "peak_kwh": "single-interval peak",
        "cost_krw": "energy cost",
        "co2_t": "CO2 emissions",
        "power_factor_pct": "power factor",
    },
}


def _n(value: float, lang: str) -> str:
    return fmt_auto(float(value), lang)


def kwh(value: float, lang: str) -> str:
    return f"{_n(value, lang)} kWh"


def krw(value: float, lang: str) -> str:
    return f"{fmt(float(value), 0, lang)} KRW"


def tco2(value: float, lang: str) -> str:
    return f"{_n(value, lang)} tCO2"


def pct(value: float, lang: str) -> str:
    return f"{fmt(float(value), 1, lang)} %"


def _metric_value(metric: str, value: float, lang: str) -> str:
    if metric in ("energy_kwh", "mean_kwh", "peak_kwh"):
        return kwh(value, lang)
    if metric == "cost_krw":
        return krw(value, lang)
    if metric == "co2_t":
        return tco2(value, lang)
    return pct(value, lang)


def _assumptions(lines: list[str], lang: str) -> str:
    head = "Supuestos" if lang == ES else "Assumptions"
    return f"\n{head}:\n" + "\n".join(f"- {line}" for line in lines)


def _tariff_line(result: dict[str, Any], lang: str) -> str:
    ef = fmt(result["emission_factor_tco2_per_mwh"], 4, lang)
    if lang == ES:
        return (
            f"Tarifa {result['tariff']} ({result['tariff_source']}; precios ilustrativos, configurables); factor de emisión "
            f"{ef} tCO2/MWh; el periodo se decide por el inicio de cada intervalo."
        )
    return (
        f"Tariff {result['tariff']} ({result['tariff_source']}; illustrative, configurable); emission factor "
        f"{ef} tCO2/MWh; the billing period is set by each interval's start."
    )


# --- per tool -------------------------------------------------------------------------------------
def _forecast(r: dict[str, Any], lang: str) -> str:
    if lang == ES:
        text = (
            f"Pronóstico de {r['horizon_hours']} h desde {r['origin']} hasta {r['end']}: {kwh(r['total_kwh'], lang)} "
            f"en total, {kwh(r['mean_kwh'], lang)} de media por intervalo y un pico de {kwh(r['peak_kwh'], lang)} "
            f"en el intervalo que termina a las {r['peak_interval_end']}. Coste estimado {krw(r['cost_krw'], lang)} "
            f"({kwh(r['maximum_period_kwh'], lang)} en periodo máximo) y {tco2(r['co2_t'], lang)}."
        )
        notes = [
            f"Modelo campeón {r['model_version']}, {r['intervals']} intervalos de {r['interval_minutes']} minutos.",
            _tariff_line(r, lang),
        ]
    else:
        text = (
            f"Forecast for {r['horizon_hours']} h from {r['origin']} to {r['end']}: {kwh(r['total_kwh'], lang)} in "
            f"total, {kwh(r['mean_kwh'], lang)} mean per interval and a peak of {kwh(r['peak_kwh'], lang)} in the "
            f"interval ending {r['peak_interval_end']}. Estimated cost {krw(r['cost_krw'], lang)} "
            f"({kwh(r['maximum_period_kwh'], lang)} in the maximum period) and {tco2(r['co2_t'], lang)}."
        )
        notes = [
            f"Champion model {r['model_version']}, {r['intervals']} intervals of {r['interval_minutes']} minutes.",
            _tariff_line(r, lang),
        ]
    return text + _assumptions(notes, lang)


def _shift(r: dict[str, Any], lang: str) -> tuple[str, list[str]]:
    d = r["details"]
    names = PERIOD_NAMES[lang]
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
    d, names = r["details"], PERIOD_NAMES[lang]
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


def _power_factor(r: dict[str, Any], lang: str) -> tuple[str, list[str]]:
    d, base, scen = r["details"], r["baseline"], r["scenario"]
    if lang == ES:
        text = (
            f"Subir el factor de potencia {d['side']} al {pct(r['target_pf_pct'], lang)} en {d['window']} afecta a "
            f"{d['intervals_improved']} de {r['intervals']} intervalos: la energía reactiva baja de "
            f"{_n(base['reactive_kvarh'], lang)} a {_n(scen['reactive_kvarh'], lang)} kVarh y la aparente de "
            f"{_n(base['apparent_kvah'], lang)} a {_n(scen['apparent_kvah'], lang)} kVAh. Los kWh "
            f"({kwh(base['energy_kwh'], lang)}) y el CO2 ({tco2(base['co2_t'], lang)}) no cambian; ahorro en la "
            f"factura: {krw(r['saving_krw'], lang)}."
        )
        notes = [
            "El ahorro en KRW solo existe si el fichero de tarifa configura un recargo por factor de potencia."
        ]
    else:
        text = (
            f"Raising the {d['side']} power factor to {pct(r['target_pf_pct'], lang)} over {d['window']} affects "
            f"{d['intervals_improved']} of {r['intervals']} intervals: reactive energy falls from "
            f"{_n(base['reactive_kvarh'], lang)} to {_n(scen['reactive_kvarh'], lang)} kVarh and apparent energy from "
            f"{_n(base['apparent_kvah'], lang)} to {_n(scen['apparent_kvah'], lang)} kVAh. kWh "
            f"({kwh(base['energy_kwh'], lang)}) and CO2 ({tco2(base['co2_t'], lang)}) do not change; bill saving: "
            f"{krw(r['saving_krw'], lang)}."
        )
        notes = ["A KRW saving exists only if the tariff file configures a power-factor surcharge."]
    return text, notes


def _baseline_note(r: dict[str, Any], notes: list[str], lang: str) -> None:
    source = r.get("baseline_source", "readings")
    if source != "readings":
        label = source.removeprefix("Baseline: ").removesuffix(" (no readings yet).")
        notes.insert(0, f"Línea base: {label} (aún no hay lecturas de ese día)." if lang == ES else source)


def _what_if(r: dict[str, Any], lang: str) -> str:
    text, notes = {"shift_load": _shift, "change_load_type": _change}.get(r["kind"], _power_factor)(r, lang)
    _baseline_note(r, notes, lang)
    day_note = [n for n in r["assumptions"] if n.startswith("No day named")]
    if day_note:
        notes.insert(
            0, f"Sin día indicado: {r['date']} (último día de las lecturas)." if lang == ES else day_note[0]
        )
    return text + _assumptions([*notes, _tariff_line(r, lang)], lang)


def _explain(r: dict[str, Any], lang: str) -> str:
    top = r["top_contributions"][0]
    names = PERIOD_NAMES[lang]
    if lang == ES:
        text = (
            f"El pico del {r['date']} fue el intervalo {r['peak_interval']}: {kwh(r['usage_kwh'], lang)}, "
            f"{fmt(r['peak_ratio'], 1, lang)} veces la media del día ({kwh(r['day_mean_kwh'], lang)}; total "
            f"{kwh(r['day_total_kwh'], lang)}). Carga planificada {r['load_type']}, periodo {names[r['tariff_period']]} a "
            f"{fmt(r['price_krw_per_kwh'], 2, lang)} KRW/kWh ({krw(r['cost_krw'], lang)} ese intervalo), "
            f"{tco2(r['co2_tco2'], lang)} medidos. Factor de potencia {pct(r['lagging_power_factor'], lang)} inductivo y "
            f"{pct(r['leading_power_factor'], lang)} capacitivo. El estimador lo sitúa en {kwh(r['estimate_kwh'], lang)} "
            f"frente a {kwh(r['base_value_kwh'], lang)} de un intervalo medio; {top['feature']} es lo que más lo mueve "
            f"({_n(top['contribution_kwh'], lang)} kWh, SHAP)."
        )
        notes = [
            f"Lecturas: {r['readings_source']}.",
            "Contribuciones SHAP por permutación del estimador campeón.",
        ]
    else:
        text = (
            f"The peak of {r['date']} was the interval {r['peak_interval']}: {kwh(r['usage_kwh'], lang)}, "
            f"{fmt(r['peak_ratio'], 1, lang)} times the day's mean ({kwh(r['day_mean_kwh'], lang)}; total "
            f"{kwh(r['day_total_kwh'], lang)}). Planned load {r['load_type']}, {names[r['tariff_period']]} period at "
            f"{fmt(r['price_krw_per_kwh'], 2, lang)} KRW/kWh ({krw(r['cost_krw'], lang)} for that interval), "
            f"{tco2(r['co2_tco2'], lang)} measured. Power factor {pct(r['lagging_power_factor'], lang)} lagging and "
            f"{pct(r['leading_power_factor'], lang)} leading. The estimator puts it at {kwh(r['estimate_kwh'], lang)} "
            f"against {kwh(r['base_value_kwh'], lang)} for an average interval; {top['feature']} moves it most "
            f"({_n(top['contribution_kwh'], lang)} kWh, SHAP)."
        )
        notes = [
            f"Readings: {r['readings_source']}.",
            "Permutation SHAP contributions of the champion estimator.",
        ]
    return text + _assumptions(notes, lang)


def _figures_line(g: dict[str, Any], lang: str) -> str:
    if lang == ES:
        return (
            f"{kwh(g['energy_kwh'], lang)}, coste {krw(g['cost_krw'], lang)}, {tco2(g['co2_t'], lang)}, media "
            f"{kwh(g['mean_kwh'], lang)}/intervalo, pico {kwh(g['peak_kwh'], lang)} ({g['peak_interval_end']}), "
            f"factor de potencia {pct(g['power_factor_pct'], lang)}"
        )
    return (
        f"{kwh(g['energy_kwh'], lang)}, cost {krw(g['cost_krw'], lang)}, {tco2(g['co2_t'], lang)}, mean "
        f"{kwh(g['mean_kwh'], lang)}/interval, peak {kwh(g['peak_kwh'], lang)} ({g['peak_interval_end']}), "
        f"power factor {pct(g['power_factor_pct'], lang)}"
    )


def _summary(r: dict[str, Any], lang: str, focus: str | None) -> str:
    metric = r["metric"]
    label = METRIC_NAMES[lang][metric]
    label = label[0].upper() + label[1:]
    span = (
        r["start"]
        if r["start"] == r["end"]
        else (f"{r['start']} a {r['end']}" if lang == ES else f"{r['start']} to {r['end']}")
    )
    chosen = next((g for g in r["groups"] if g["group"] == focus), None) if focus else None
    if chosen is not None:
        head = (
            f"{label} en {chosen['group']}, {span}: {_metric_value(metric, chosen[metric], lang)}."
            if lang == ES
            else f"{label} in {chosen['group']}, {span}: {_metric_value(metric, chosen[metric], lang)}."
        )
        lines = [f"{chosen['group']}: {_figures_line(chosen, lang)}."]
    else:
        total = r["total"]
        head = (
            f"{label} de {span}: {_metric_value(metric, total[metric], lang)}."
            if lang == ES
            else f"{label} for {span}: {_metric_value(metric, total[metric], lang)}."
        )
        lines = ["Total: " + _figures_line(total, lang) + "."]
        lines += [f"{g['group']}: {_metric_value(metric, g[metric], lang)}" for g in r["groups"]]
        if len(r["groups"]) > 1:
            hi = next(g for g in r["groups"] if g["group"] == r["highest_group"])
            lo = next(g for g in r["groups"] if g["group"] == r["lowest_group"])
            words = ("Más alto", "más bajo") if lang == ES else ("Highest", "lowest")
            lines.append(
                f"{words[0]}: {hi['group']} ({_metric_value(metric, hi[metric], lang)}); "
                f"{words[1]}: {lo['group']} ({_metric_value(metric, lo[metric], lang)})."
            )
    notes = {
        ES: [
            f"{r['days']} día(s), {r['total']['intervals']} intervalos de {r['interval_minutes']} minutos; días según el inicio del intervalo.",
            "Factor de potencia global = kWh / √(kWh² + kVarh inductivos²).",
        ],
        "en": [
            f"{r['days']} day(s), {r['total']['intervals']} intervals of {r['interval_minutes']} minutes; days by interval start.",
            "Overall power factor = kWh / √(kWh² + lagging kVarh²).",
        ],
    }[lang if lang == ES else "en"]
    return head + "\n" + "\n".join(lines) + _assumptions([*notes, _tariff_line(r, lang)], lang)


def _recommend(r: dict[str, Any], lang: str) -> str:
    if not r["actions"]:
        return (
            f"El {r['date']} no tiene horas de periodo máximo (día ligero todo el día) y no hay lecturas de "
            "factor de potencia que corregir: no hay acciones que recomendar."
            if lang == ES
            else f"{r['date']} has no maximum-period hours (light all day) and no power-factor readings to "
            "correct: there is nothing to recommend."
        )
    lines = []
    for a in r["actions"]:
        if a["action"] == "shift_load":
            lines.append(
                f"{a['rank']}. "
                + (
                    f"Mover {kwh(a['moved_kwh'], lang)} de {a['details']['from_window']} a {a['details']['to_window']}: "
                    f"ahorro {krw(a['saving_krw'], lang)} ({pct(a['saving_pct'], lang)})."
                    if lang == ES
                    else f"Move {kwh(a['moved_kwh'], lang)} from {a['details']['from_window']} to "
                    f"{a['details']['to_window']}: saves {krw(a['saving_krw'], lang)} ({pct(a['saving_pct'], lang)})."
                )
            )
        else:
            lines.append(
                f"{a['rank']}. "
                + (
                    f"Corregir el factor de potencia al {pct(a['target_pf_pct'], lang)}: reactiva de "
                    f"{_n(a['baseline']['reactive_kvarh'], lang)} a {_n(a['scenario']['reactive_kvarh'], lang)} kVarh, "
                    f"ahorro {krw(a['saving_krw'], lang)} con la tarifa actual."
                    if lang == ES
                    else f"Correct the power factor to {pct(a['target_pf_pct'], lang)}: reactive energy from "
                    f"{_n(a['baseline']['reactive_kvarh'], lang)} to {_n(a['scenario']['reactive_kvarh'], lang)} kVarh, "
                    f"saving {krw(a['saving_krw'], lang)} under the current tariff."
                )
            )
    head = (
        f"Recomendaciones para el {r['date']}, ordenadas por ahorro (desplazar {kwh(r['total_shift_kwh'], lang)} ahorra "
        f"{krw(r['total_shift_saving_krw'], lang)} en total):"
        if lang == ES
        else f"Recommendations for {r['date']}, ranked by saving (shifting {kwh(r['total_shift_kwh'], lang)} saves "
        f"{krw(r['total_shift_saving_krw'], lang)} in total):"
    )
    notes = (
        [
            "Cada bloque de punta se mueve a una franja nocturna igual de larga (periodo ligero); "
            "los ahorros los calcula el motor what_if.",
            "El factor de potencia no cambia los kWh; solo ahorra si la tarifa tiene recargo.",
        ]
        if lang == ES
        else [
            "Each maximum-period block moves to an equally long night slot (light period); savings are "
            "computed by the what_if engine.",
            "Power factor never changes kWh; it saves money only under a tariff surcharge.",
        ]
    )
    for action in r["actions"][:1]:
        _baseline_note(action, notes, lang)
    return head + "\n" + "\n".join(lines) + _assumptions([*notes, _tariff_line(r, lang)], lang)


CLARIFY = {
    OUT_OF_SCOPE: {
        ES: "No estoy seguro de qué necesitas. Puedo: pronosticar el consumo (p. ej. «pronóstico para mañana»), "
        "calcular escenarios («¿cuánto ahorraría si muevo la producción de carga máxima a la madrugada?»), explicar un "
        "pico («¿por qué hubo un pico ayer?»), resumir consumo, coste, CO2 o factor de potencia («consumo "
        "de la semana pasada por día») y recomendar acciones. ¿Qué quieres saber?",
        "en": "I'm not sure what you need. I can forecast consumption (e.g. 'forecast for tomorrow'), price "
        "what-if scenarios ('how much would I save moving peak load to the night?'), explain a peak "
        "('why was there a peak yesterday?'), summarise consumption, cost, CO2 or power factor ('consumption "
        "last week by day') and recommend actions. What would you like to know?",
    },
    NEED_DATE: {
        ES: "¿De qué día o periodo? Por ejemplo «ayer», «el lunes» o «la semana pasada».",
        "en": "For which day or period? For example 'yesterday', 'on Monday' or 'last week'.",
    },
    EMPTY: {ES: "¿En qué puedo ayudarte?", "en": "How can I help?"},
}


def render(plan: Plan, result: dict[str, Any] | None) -> str:
    """The answer for a plan and its tool result (``None`` when the plan asks for clarification)."""
    lang = plan.language if plan.language == ES else "en"
    if plan.clarify is not None or plan.tool is None:
        return CLARIFY[plan.clarify or OUT_OF_SCOPE][lang]
    assert result is not None
    text = _WINDOW.sub(lambda m: _window(m, lang), _render_tool(plan, result, lang))
    return text.replace(" to ", " a ") if lang == ES else text


_WINDOW = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) to (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})")


def _window(match: re.Match[str], lang: str) -> str:
    """Engine window labels read naturally: "10:00-12:00 del 2018-12-31" / "10:00-12:00 on 2018-12-31"."""
    day, start, end_day, end = match.groups()
    if end_day == day:
        return f"{start}-{end} {'del' if lang == ES else 'on'} {day}"
    if start == end == "00:00" and (pd.Timestamp(end_day) - pd.Timestamp(day)).days == 1:
        return f"{'todo el' if lang == ES else 'all of'} {day}"
    return match.group(0)


def _render_tool(plan: Plan, result: dict[str, Any], lang: str) -> str:
    if "error" in result:
        return (
            f"No puedo responder a eso con los datos disponibles: {result['error']}"
            if lang == ES
            else f"I cannot answer that with the data available: {result['error']}"
        )
    if plan.tool == "forecast":
        return _forecast(result, lang)
    if plan.tool == "what_if":
        return _what_if(result, lang)
    if plan.tool == "explain_peak":
        return _explain(result, lang)
    if plan.tool == "energy_summary":
        return _summary(result, lang, plan.focus)
    return _recommend(result, lang)
