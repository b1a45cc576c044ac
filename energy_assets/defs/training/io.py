"""The model store: training results kept as folders in each model's native format."""

from pathlib import Path

import dagster as dg

from energy_assets.domain import paths
from energy_assets.domain.training import result_store


class ModelStoreIOManager(dg.ConfigurableIOManager):
    """``<base_dir>/<asset key>/``: ``model/`` + ``result.json`` (+ backtests), never a pickle.

    ``base_dir``: ``ENERGY_MODEL_STORE`` (set in ``defs/resources.py``), else ``<data dir>/models``.
    """

    base_dir: str = ""

    def _folder(self, context: dg.OutputContext | dg.InputContext) -> Path:
        root = paths.resolve(self.base_dir) if self.base_dir else paths.data_dir() / "models"
        return root.joinpath(*context.asset_key.path)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        folder = result_store.save_result(obj, self._folder(context))
        context.add_output_metadata({"model_store_path": dg.MetadataValue.path(str(folder))})

    def load_input(self, context: dg.InputContext):
        return result_store.load_result(self._folder(context))
