"""The code location: one ``Definitions``, loaded from the ``defs/`` folder, with project-wide policies.

``dagster dev -m energy_assets.definitions`` (or ``make serve``) opens it in the UI. The policies
(:mod:`energy_assets.policies`): every asset's code version is derived from the code it
runs, and every asset links to its source.
"""

from pathlib import Path

import dagster as dg

from energy_assets.policies import apply_policies


@dg.definitions
def defs() -> dg.Definitions:
    return apply_policies(dg.load_from_defs_folder(path_within_project=Path(__file__).parent))
