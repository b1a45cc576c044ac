"""The semantic layer over the served readings: queries, span-level what-ifs and recommendations."""

from __future__ import annotations

from typing import Any

from energy_assets.domain import query as semantic
from energy_assets.domain.query import scenarios


def run_query(service: Any, query: semantic.Query) -> dict[str, Any]:
    """``query`` over every reading the service holds, with the coverage of the answer."""
    table, _ = service.readings_table()
    return semantic.run(table, query)


def run_scenario(service: Any, spec: scenarios.ScenarioSpec) -> dict[str, Any]:
    """A what-if without a clock window (energy or hours moved between periods, energy cut, power factor)."""
    table, _ = service.readings_table()
    return scenarios.run(table, spec)


def recommend(service: Any, span: semantic.Span) -> dict[str, Any]:
    table, _ = service.readings_table()
    return scenarios.recommend(table, span)
