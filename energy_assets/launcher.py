"""Run a job of the code location the way the Dagster UI would, without a webserver or daemon.

``execute_in_process`` runs carry no code-location origin: the UI lists them under Runs but not on
the Overview timeline nor in the job's history. Here the job is loaded as a code location named like
the one in ``workspace.yaml`` (``energy_copilot``), the run is created with that location's job origin
(so it carries the ``.dagster/repository`` label the UI filters on), and it is executed in this
process through the instance, as the run worker that ``dagster job launch`` would start does (the
jobs declare the in-process executor: one process, one MLflow parent run, one DuckDB writer).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from energy_assets.domain import paths

#: The code location as ``workspace.yaml`` names it (a test keeps the two equal).
LOCATION_NAME = "energy_copilot"
MODULE_NAME = "energy_assets.definitions"
ATTRIBUTE = "defs"


def launch_job(
    instance: dg.DagsterInstance,
    job_name: str = "materialize_all",
    run_config: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    asset_selection: Sequence[dg.AssetKey] | None = None,
):
    """Create ``job_name``'s run with the code location's origin, execute it here, return its result
    (``.success``, ``.run_id``, the events); the run is in ``instance``'s run storage either way.

    ``asset_selection`` runs only those assets of the job (as "Materialize selected" does in the UI).
    """
    from dagster._core.definitions.selector import JobSubsetSelector
    from dagster._core.execution.api import execute_run
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._utils.hosted_user_process import recon_job_from_origin

    origin = InProcessCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(
            executable_path=sys.executable,
            module_name=MODULE_NAME,
            attribute=ATTRIBUTE,
            working_directory=str(paths.PROJECT_ROOT),
        ),
        location_name=LOCATION_NAME,
    )
    config = dict(run_config or {})
    with origin.create_location(instance) as location:
        (repo_name,) = location.get_repositories()
        repo = location.get_repository(repo_name)
        selector = JobSubsetSelector(
            location_name=LOCATION_NAME,
            repository_name=repo_name,
            job_name=job_name,
            op_selection=None,
            asset_selection=asset_selection,
        )
        remote_job = location.get_job(selector)
        plan = location.get_execution_plan(
            remote_job, config, step_keys_to_execute=None, known_state=None, instance=instance
        )
        run = instance.create_run(
            job_name=job_name,
            run_id=None,
            run_config=config,
            resolved_op_selection=None,
            step_keys_to_execute=plan.execution_plan_snapshot.step_keys_to_execute,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags={**remote_job.tags, **dict(tags or {})},
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=frozenset(asset_selection) if asset_selection else None,
            asset_check_selection=None,
            asset_graph=repo.asset_graph,
        )
    return execute_run(recon_job_from_origin(run.job_code_origin), run, instance)


def resolve_selection(
    names: Sequence[str], definitions: dg.Definitions
) -> tuple[list[dg.AssetKey], list[str]]:
    """The asset keys of ``names`` for ``--select``, and the names added to them.

    An asset that one step materializes with others (``cleaned_steel_readings`` writes the quarantine,
    the repair log and the quality report too) cannot run alone: the rest of its step is added, and
    returned so the caller can say so. An unknown name is a ``ValueError`` naming it and the closest
    real ones, instead of Dagster's subset error.
    """
    import difflib

    graph = definitions.resolve_asset_graph()
    known = sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    keys: list[dg.AssetKey] = []
    for name in names:
        key = dg.AssetKey.from_user_string(name)
        if not graph.has(key):
            close = difflib.get_close_matches(name, known, n=3)
            hint = (
                f"; did you mean {', '.join(close)}?"
                if close
                else f" (the Dagster UI's asset catalog lists all {len(known)})"
            )
            raise ValueError(f"--select {name!r}: no asset of that name{hint}")
        # Dagster's own rule for what one step must materialize together
        together = graph.get_execution_set_asset_and_check_keys(key)
        step = sorted((k for k in together if isinstance(k, dg.AssetKey)), key=lambda k: k.to_user_string())
        keys.extend(k for k in step if k not in keys)
    added = [key.to_user_string() for key in keys if key.to_user_string() not in names]
    return keys, added
