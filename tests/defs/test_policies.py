"""Every asset's code version is derived from the code it runs, and every asset links to its source."""

from __future__ import annotations

import json
import subprocess
import sys

import dagster as dg
import pytest

from energy_assets import policies
from energy_assets.definitions import defs
from energy_assets.defs.training import assets as training_assets

SCRIPT = (
    "import json\n"
    "import energy_assets.domain.models.forecast.foundation, energy_api.main\n"  # more imported: same versions
    "from energy_assets.definitions import defs\n"
    "g = defs().resolve_asset_graph()\n"
    "print(json.dumps({k.to_user_string(): g.get(k).code_version for k in g.get_all_asset_keys()}))\n"
)


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


def _versions(definitions: dg.Definitions) -> dict[str, str | None]:
    graph = definitions.resolve_asset_graph()
    return {key.to_user_string(): graph.get(key).code_version for key in graph.get_all_asset_keys()}


def test_every_asset_has_a_derived_code_version_that_another_process_reproduces(definitions) -> None:
    here = _versions(definitions)
    assert all(v and len(v) == 16 and v != "1" for v in here.values()), here
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == here


def test_a_version_covers_the_helpers_and_the_domain_modules_an_asset_runs(definitions) -> None:
    fn = training_assets.estimate_physics.op.compute_fn.decorated_fn
    sources, modules = policies.code_inputs(fn)
    assert any("def train_estimate(" in s for s in sources)  # the defs helper it calls
    assert any("def result_output(" in s for s in sources)  # and the helper's own helper
    assert "energy_assets.domain.training.estimate" in modules
    assert "energy_assets.domain.models.estimate.triangle" in modules  # reached through the imports
    assert "energy_assets.domain.calendar" in modules
    versions = _versions(definitions)
    assert versions["estimate_physics"] != versions["estimate_hybrid"]  # the family name is in the source
    # the three outputs of the one cleaning op share its version
    assert versions["cleaned_steel_readings"] == versions["steel_readings_quarantine"]


def test_every_asset_links_to_its_source_file(definitions) -> None:
    for spec in definitions.resolve_all_asset_specs():
        references = spec.metadata["dagster/code_references"].code_references
        assert references and references[0].file_path.endswith(".py"), spec.key
        assert "/energy_assets/defs/" in references[0].file_path, spec.key


def test_with_a_repository_url_the_links_point_at_it(monkeypatch) -> None:
    monkeypatch.setenv(policies.GIT_URL_ENV, "https://github.com/example/energy-copilot")
    spec = next(s for s in defs().resolve_all_asset_specs() if s.key == dg.AssetKey("estimate_physics"))
    [reference] = spec.metadata["dagster/code_references"].code_references
    assert reference.url.startswith("https://github.com/example/energy-copilot/tree/main/energy_assets/defs/")


def test_every_asset_has_owners_and_a_description(definitions) -> None:
    for spec in definitions.resolve_all_asset_specs():
        assert spec.owners and all(o.startswith("team:") for o in spec.owners), spec.key
        assert spec.description and len(spec.description) > 20, spec.key
