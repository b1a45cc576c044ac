"""The code location: one ``Definitions``, loaded from the ``defs/`` folder.

``dagster dev -m energy_assets.definitions`` (or ``make serve``) opens it in the UI.
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
