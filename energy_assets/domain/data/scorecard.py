"""Score a cleaned table against the clean reference, the way ``shared/tools/score_clean.py`` does.

The project's own scorecard must agree with that independent yardstick; a test checks it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema

EXACT_TOLERANCE = 1e-6
#: Readings have two decimals: within half a step is "at the data's precision".
PRECISION_TOLERANCE = 0.005 + 1e-9


@dataclass(frozen=True)
class Score:
    rows_recovered: int
    rows_expected: int
    invalid_rows: int
    exact_match_pct: float
    precision_match_pct: float
    mismatched_cells_by_column: dict[str, int]

    @property
    def passes(self) -> bool:
        """The data-platform issue's bar: >= 99.5 % at precision, >= 99 % exact, no invalid row."""
        return self.precision_match_pct >= 99.5 and self.exact_match_pct >= 99.0 and self.invalid_rows == 0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "passes": self.passes}


def score(cleaned: pd.DataFrame, reference: pd.DataFrame) -> Score:
    """Cell-by-cell comparison on the reference's timestamps (missing cells count as wrong)."""
    ref = reference.set_index(schema.TIMESTAMP)
    got = cleaned.drop_duplicates(schema.TIMESTAMP).set_index(schema.TIMESTAMP).reindex(ref.index)
    compared = [c for c in schema.CLEAN_COLUMNS if c != schema.TIMESTAMP]
    exact = precise = 0
    mismatched: dict[str, int] = {}
    for column in compared:
        if column in schema.CATEGORICAL_COLUMNS:
            hits = (got[column].astype(str) == ref[column].astype(str)).to_numpy()
            exact_hits = precise_hits = hits
        else:
            diff = np.abs(
                pd.to_numeric(got[column], errors="coerce").to_numpy(float) - ref[column].to_numpy(float)
            )
            exact_hits = diff <= EXACT_TOLERANCE
            precise_hits = diff <= PRECISION_TOLERANCE
        exact += int(exact_hits.sum())
        precise += int(precise_hits.sum())
        mismatched[column] = int((~exact_hits).sum())
    total = len(ref) * len(compared)
    invalid = 0
    for column in schema.MEASUREMENT_COLUMNS:
        rng = schema.RANGES[column]
        values = pd.to_numeric(cleaned[column], errors="coerce")
        invalid += int(((values < rng.low) | (values > rng.high)).sum())
    return Score(
        rows_recovered=int(got[schema.USAGE_KWH].notna().sum()),
        rows_expected=len(ref),
        invalid_rows=invalid,
        exact_match_pct=round(100 * exact / total, 3),
        precision_match_pct=round(100 * precise / total, 3),
        mismatched_cells_by_column=mismatched,
    )
