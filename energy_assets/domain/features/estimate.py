"""The estimate task's inputs: the columns of ``steel_features`` every estimate family reads.

What the estimate families were measured with (benchmarks/models.py, the published study's inputs):
the same-interval readings (the four triangle columns + CO2), seconds since midnight and the UCI
calendar columns as integer codes (``is_weekend`` = WeekStatus). Training cuts X with exactly this
list, and the documents and the EDA's feature ranking read it, so what they describe is what the
models see. (The physics and hybrid families then keep the columns they use: the triangle and CO2.)
"""

from __future__ import annotations

from energy_assets.domain.data import schema
from energy_assets.domain.features import table

ESTIMATE_FEATURES: tuple[str, ...] = (
    *table.READING_FEATURES,
    schema.NSM,
    table.IS_WEEKEND,
    table.DAY_OF_WEEK_NUM,
    table.LOAD_TYPE_CODE,
)
