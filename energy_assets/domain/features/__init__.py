"""Features: the ``steel_features`` table, the splits, and one input specification per task.

- :mod:`.table`: ``build_features`` (calendar, tariff, power-triangle and lag columns of the cleaned
  readings; the warehouse table ``steel_features``) and the names of its columns;
- :mod:`.estimate`: ``ESTIMATE_FEATURES``, the columns every estimate family reads;
- :mod:`.forecast`: ``FORECAST_FEATURES``, the boosted forecasters' inputs, and the grid they are
  computed on; :mod:`.history`: the no-look-ahead slice of a history;
- :mod:`.splits`: the temporal 60/15/25 split and the paper's random 75/25 split.

The table's names and the two specifications are importable from the package itself
(``features.build_features``, ``features.ESTIMATE_FEATURES``, ``features.FORECAST_FEATURES``).
"""

from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.features.forecast import FORECAST_FEATURES
from energy_assets.domain.features.table import *  # noqa: F403 - the table's column names and builders
from energy_assets.domain.features.table import __all__ as _table_names

__all__ = ["ESTIMATE_FEATURES", "FORECAST_FEATURES", *_table_names]
