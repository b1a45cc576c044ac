"""Turn a plant export (text cells, any corruption) into the cleaned table, losing nothing.

:func:`clean` (in :mod:`.cleaner`) runs the whole cleaner; the steps live beside it:
:mod:`.parsing` (text cells), :mod:`.timestamps` (missing dates from the row order),
:mod:`.triangle` (the power triangle as evidence), :mod:`.repairs` (duplicates, CO2, gaps,
calendar), :mod:`.log` (reason codes, repair methods, the repair log and quarantine rows).
"""

from energy_assets.domain.data.cleaning.cleaner import CleaningConfig, CleaningResult, clean
from energy_assets.domain.data.cleaning.log import (
    IMPUTED_METHODS,
    M_CANONICAL,
    M_DUPLICATE,
    M_EMISSION,
    M_FROM_TIMESTAMP,
    M_INTERPOLATED,
    M_NEIGHBOURS,
    M_TIMESTAMP_POSITION,
    M_TRIANGLE,
    QUARANTINE_COLUMNS,
    REASON_DUPLICATE,
    REASON_MERGED,
    REASON_TRUNCATED,
    REASON_UNPLACEABLE,
    REPAIR_COLUMNS,
    ROW_PROBLEM,
)
from energy_assets.domain.data.cleaning.parsing import (
    CANONICALISERS,
    DAY_FIRST,
    MONTH_FIRST,
    AmbiguousDateOrder,
    canonical_day_of_week,
    canonical_load_type,
    canonical_week_status,
    decide_date_order,
    parse_numbers,
    parse_timestamps,
)
from energy_assets.domain.data.cleaning.repairs import fit_emission_factor
from energy_assets.domain.data.cleaning.timestamps import infer_missing_timestamps
from energy_assets.domain.data.cleaning.triangle import TRIANGLE

__all__ = [
    "CANONICALISERS",
    "DAY_FIRST",
    "IMPUTED_METHODS",
    "MONTH_FIRST",
    "M_CANONICAL",
    "M_DUPLICATE",
    "M_EMISSION",
    "M_FROM_TIMESTAMP",
    "M_INTERPOLATED",
    "M_NEIGHBOURS",
    "M_TIMESTAMP_POSITION",
    "M_TRIANGLE",
    "QUARANTINE_COLUMNS",
    "REASON_DUPLICATE",
    "REASON_MERGED",
    "REASON_TRUNCATED",
    "REASON_UNPLACEABLE",
    "REPAIR_COLUMNS",
    "ROW_PROBLEM",
    "TRIANGLE",
    "AmbiguousDateOrder",
    "CleaningConfig",
    "CleaningResult",
    "canonical_day_of_week",
    "canonical_load_type",
    "canonical_week_status",
    "clean",
    "decide_date_order",
    "fit_emission_factor",
    "infer_missing_timestamps",
    "parse_numbers",
    "parse_timestamps",
]
