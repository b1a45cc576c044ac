"""The two tasks, the two evaluation protocols and the score keys every result, the leaderboard,
the bundles and the API share.

- *estimate*: usage_kwh of an interval from the same interval's readings, scored on the temporal
  split (``validation``/``test``) and on the paper's random 75/25 split (``paper_test``);
- *forecast*: the 96 intervals after an origin, with quantiles, scored by rolling-origin backtests
  over the validation and test windows.
"""

from __future__ import annotations

from energy_assets.domain.features import splits

ESTIMATE = "estimate"
FORECAST = "forecast"
TASKS: tuple[str, ...] = (ESTIMATE, FORECAST)

TEMPORAL = "temporal"
PAPER = "paper"
PROTOCOLS: tuple[str, ...] = (TEMPORAL, PAPER)

#: Metric keys per split (what the leaderboard, MLflow and the bundles read).
VALIDATION = splits.VALIDATION
TEST = splits.TEST
PAPER_TEST = "paper_test"
