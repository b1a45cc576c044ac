"""Project-wide policies on every asset: a code version derived from the code it runs, a link
from each asset to its source, and the team that owns it (by pipeline stage).

``code_version`` is a hash of the asset function's source, of the ``energy_assets.defs`` helpers and
config classes it calls, and of every ``energy_assets.domain`` module those reach (their imports
followed transitively), so Dagster marks an asset stale exactly when code it runs has changed. The
hash reads files and source text only, sorted: the same tree gives the same versions in any process.

Source links: ``dg.with_source_code_references`` points each asset at its file and line; with
``ENERGY_GIT_URL`` set (e.g. ``https://github.com/org/energy-copilot``, branch ``ENERGY_GIT_BRANCH``,
default ``main``) ``dg.link_code_references_to_git`` turns those into repository links.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import inspect
import os
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import dagster as dg

PACKAGE = "energy_assets"
DOMAIN = f"{PACKAGE}.domain"
DEFS = f"{PACKAGE}.defs"
GIT_URL_ENV = "ENERGY_GIT_URL"
GIT_BRANCH_ENV = "ENERGY_GIT_BRANCH"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _names(code: types.CodeType) -> set[str]:
    """Every global or attribute name a code object (and the functions nested in it) mentions."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _module_of(obj: Any) -> str | None:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    module = getattr(obj, "__module__", None)
    return module if isinstance(module, str) else None


@functools.cache
def _module_file(name: str) -> Path | None:
    """The source file of module ``name`` (found, not imported), None when ``name`` is no module."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


@functools.cache
def _imported_modules(module: str) -> frozenset[str]:
    """The energy_assets.domain modules ``module``'s source imports (and the packages around them),
    read from the file alone: the answer does not depend on what the process has imported so far."""
    path = _module_file(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base]).strip(".")
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in candidates:
            if name.startswith(DOMAIN) and _module_file(name) is not None:
                parts = name.split(".")
                found |= {".".join(parts[:i]) for i in range(3, len(parts) + 1)}
    return frozenset(found)


def _domain_closure(modules: Iterable[str]) -> set[str]:
    """The domain modules given and every domain module they import, transitively."""
    todo, seen = list(modules), set()
    while todo:
        name = todo.pop()
        if name in seen or _module_file(name) is None:
            continue
        seen.add(name)
        todo.extend(_imported_modules(name) - seen)
    return seen


def code_inputs(fn: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """(sources of the defs-level functions and classes ``fn`` runs, domain modules they reach)."""
    sources: dict[str, str] = {}
    domain: set[str] = set()
    todo: list[Any] = [fn]
    while todo:
        obj = todo.pop()
        key = f"{obj.__module__}.{obj.__qualname__}"
        if key in sources:
            continue
        sources[key] = source = inspect.getsource(obj)
        scope = vars(sys.modules[obj.__module__])
        names = _names(compile(textwrap.dedent(source), key, "exec"))  # body, decorators, defaults
        for name in sorted(names):
            value = scope.get(name)
            module = _module_of(value)
            if module is None:
                continue
            if module.startswith(DOMAIN):
                domain.add(module)
            elif module.startswith(DEFS) and (inspect.isfunction(value) or inspect.isclass(value)):
                todo.append(value)
    return [sources[k] for k in sorted(sources)], sorted(_domain_closure(domain))


@functools.cache
def code_version(fn: Callable[..., Any]) -> str:
    """16 hex digits of sha256 over the code ``fn`` runs (see the module docstring); computed once per
    process (the files it reads are the code the process runs)."""
    sources, modules = code_inputs(fn)
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.encode())
    for name in modules:
        digest.update(name.encode())
        digest.update(_module_file(name).read_bytes())
    return digest.hexdigest()[:16]


def _versioned(assets_def: Any) -> Any:
    if not isinstance(assets_def, dg.AssetsDefinition) or not assets_def.is_executable:
        return assets_def
    version = code_version(assets_def.op.compute_fn.decorated_fn)
    return assets_def.map_asset_specs(lambda spec: spec.replace_attributes(code_version=version))


#: Who answers for each stage's assets (shown as the asset's owners in the Dagster UI).
OWNERS_BY_GROUP: dict[str, tuple[str, ...]] = {
    "ingest": ("team:energy-data",),
    "cleaning": ("team:energy-data",),
    "features": ("team:energy-data",),
    "delivery": ("team:energy-data",),
    "training": ("team:energy-ml",),
    "analysis": ("team:energy-ml",),
    "monitoring": ("team:energy-ops",),
    "serving": ("team:energy-ops",),
}


DEFAULT_OWNERS = ("team:energy-platform",)


def _owned(assets_def: Any) -> Any:
    if not isinstance(assets_def, dg.AssetsDefinition):
        return assets_def

    def owners(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.owners:
            return spec
        return spec.replace_attributes(
            owners=list(OWNERS_BY_GROUP.get(spec.group_name or "", DEFAULT_OWNERS))
        )

    return assets_def.map_asset_specs(owners)


def apply_policies(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with every asset code-versioned, owned, and linked to its source (and repository)."""
    # source-code references are a beta API we chose on purpose (dagster is pinned): their BetaWarning,
    # printed once per asset and per process, buried `make run`'s output under 270 lines of it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = dg.with_source_code_references([_owned(_versioned(a)) for a in defs.assets or []])
    git_url = os.environ.get(GIT_URL_ENV)
    if git_url:
        assets = dg.link_code_references_to_git(
            assets,
            git_url=git_url,
            git_branch=os.environ.get(GIT_BRANCH_ENV) or "main",
            file_path_mapping=dg.AnchorBasedFilePathMapping(
                local_file_anchor=PROJECT_ROOT / "pyproject.toml",
                file_anchor_path_in_repository="pyproject.toml",
            ),
        )
    return dg.Definitions(
        assets=assets,
        asset_checks=defs.asset_checks,
        schedules=defs.schedules,
        sensors=defs.sensors,
        jobs=defs.jobs,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
        metadata=defs.metadata,
        component_tree=defs.component_tree,
    )
