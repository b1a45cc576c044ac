"""The semantic layer over the readings: one typed query (metric, aggregation, filters, grouping,
ranking, share, comparison, coverage) and span-level what-if arithmetic, shared by the copilot and
``POST /query``. Plain polars over :class:`ReadingsTable`; no dagster, fastapi or SQL text."""

from energy_assets.domain.query.engine import QueryError, coverage, run
from energy_assets.domain.query.scenarios import ScenarioSpec, recommend
from energy_assets.domain.query.scenarios import run as run_scenario
from energy_assets.domain.query.spec import Condition, Filters, Hours, Query, Span
from energy_assets.domain.query.table import Coverage, ReadingsTable, coverage_of

__all__ = [
    "Condition",
    "Coverage",
    "Filters",
    "Hours",
    "Query",
    "QueryError",
    "ReadingsTable",
    "ScenarioSpec",
    "Span",
    "coverage",
    "coverage_of",
    "recommend",
    "run",
    "run_scenario",
]
