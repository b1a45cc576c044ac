"""Deployment files agree with the code: ports, env var names, GPU tags, CI commands, hardening."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from energy_assets.defs.monitoring.sensors import GPU_TAGS
from energy_assets.domain import paths

ROOT = paths.PROJECT_ROOT
DEPLOY = ROOT / "deploy"
DOCKER = DEPLOY / "docker"
API_PORT, UI_PORT, GRPC_PORT = 8000, 8501, 4000
GPU_TAG_KEY, GPU_TAG_VALUE = "energy/accelerator", GPU_TAGS["energy/accelerator"]
#: Names the project does not own (Dagster, MLflow, Ollama, Streamlit, Cloud Run, the runtime).
FOREIGN_PREFIXES = ("DAGSTER_", "MLFLOW_", "OLLAMA_", "STREAMLIT_", "POSTGRES_", "PYTHON", "PIP_", "OMP_")


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _source_text() -> str:
    return "\n".join(
        p.read_text()
        for pkg in ("energy_assets", "energy_api", "energy_ui")
        for p in (ROOT / pkg).rglob("*.py")
    )


def _compose() -> dict:
    return _yaml(DEPLOY / "compose.yaml")


def _cloudrun(name: str) -> dict:
    return _yaml(DEPLOY / "cloudrun" / f"{name}.service.yaml")


def test_every_yaml_file_parses() -> None:
    files = [*DEPLOY.rglob("*.yaml"), *(ROOT / ".github" / "workflows").glob("*.yml")]
    files.append(ROOT / ".pre-commit-config.yaml")
    assert len(files) >= 9
    for path in files:
        assert isinstance(_yaml(path), dict), path


def test_dockerfiles_are_multistage_non_root_with_healthcheck() -> None:
    expected_port = {"api": API_PORT, "ui": UI_PORT, "dagster": GRPC_PORT}
    for name, port in expected_port.items():
        text = (DOCKER / f"Dockerfile.{name}").read_text()
        assert len(re.findall(r"^FROM ", text, re.M)) >= 2, name
        users = re.findall(r"^USER (\S+)", text, re.M)
        assert users and users[-1] not in {"root", "0"}, name
        assert "HEALTHCHECK" in text, name
        assert re.search(rf"^EXPOSE .*\b{port}\b", text, re.M), name
        assert "slim" in text, name


def test_dockerignore_keeps_data_and_caches_out() -> None:
    lines = set((ROOT / ".dockerignore").read_text().split())
    assert {"data", ".venv", ".git", "**/__pycache__", ".env", "tests"} <= lines


def test_compose_services_healthchecks_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "code",
        "dagster-webserver",
        "dagster-daemon",
        "mlflow",
        "api",
        "ui",
        "ollama",
    }
    for name, service in services.items():
        assert "test" in service["healthcheck"], name
    named = set(compose["volumes"])
    for service in services.values():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert source in named, mount  # named volumes only, no host paths
    assert services["api"]["ports"] == [f"127.0.0.1:{API_PORT}:{API_PORT}"]
    assert services["ui"]["ports"] == [f"127.0.0.1:{UI_PORT}:{UI_PORT}"]
    assert services["ui"]["environment"]["ENERGY_API_URL"] == f"http://api:{API_PORT}"
    assert str(GRPC_PORT) in services["code"]["healthcheck"]["test"]


def test_compose_workspace_and_instance_point_at_the_code_location() -> None:
    workspace = _yaml(DEPLOY / "dagster" / "workspace.yaml")
    server = workspace["load_from"][0]["grpc_server"]
    assert (server["host"], server["port"]) == ("code", GRPC_PORT)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert server["location_name"] == pyproject["tool"]["dagster"]["code_location_name"]
    assert f'"{GRPC_PORT}"' in (DOCKER / "Dockerfile.dagster").read_text()


def test_one_code_location_name_everywhere() -> None:
    """workspace.yaml, both pyproject tables and the launcher name the same location (a mismatch
    with [tool.dg.project] makes Dagster warn on every load; with the launcher, runs lose their job)."""
    from energy_assets.launcher import LOCATION_NAME

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    root_workspace = _yaml(ROOT / "workspace.yaml")["load_from"][0]["python_module"]
    names = {
        root_workspace["location_name"],
        pyproject["tool"]["dagster"]["code_location_name"],
        pyproject["tool"]["dg"]["project"]["code_location_name"],
        LOCATION_NAME,
    }
    assert names == {"energy_copilot"}


def test_postgres_instance_config_is_valid_dagster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster._core.instance.config import dagster_instance_config

    shutil.copy(DEPLOY / "dagster" / "dagster.yaml", tmp_path / "dagster.yaml")
    for name in ("HOSTNAME", "USER", "PASSWORD", "DB"):
        monkeypatch.setenv(f"DAGSTER_POSTGRES_{name}", "x")
    monkeypatch.setenv("ENERGY_DAGSTER_STORAGE", str(tmp_path / "storage"))
    config, _ = dagster_instance_config(str(tmp_path))
    assert "postgres" in config["storage"]
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": GPU_TAG_KEY, "value": GPU_TAG_VALUE, "limit": 1} in limits


def _compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin) if it answers, else the standalone ``docker-compose``, else None."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=20)
        if probe.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_compose_config_validates_with_the_docker_cli(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    config = [*command, "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "DAGSTER_POSTGRES_PASSWORD": "t"}
    result = subprocess.run(config, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    del env["DAGSTER_POSTGRES_PASSWORD"]
    missing = subprocess.run(config, capture_output=True, text=True, timeout=60, env=env)
    assert missing.returncode != 0  # the password has no default: no secret in the file
    assert "DAGSTER_POSTGRES_PASSWORD" in missing.stderr


def _env_names() -> set[str]:
    names: set[str] = set()
    for service in _compose()["services"].values():
        env = service.get("environment", {})
        names |= set(env) if isinstance(env, dict) else {e.split("=")[0] for e in env}
    for name in ("api", "ui"):
        for container in _cloudrun(name)["spec"]["template"]["spec"]["containers"]:
            names |= {e["name"] for e in container["env"]}
    for deployment in _yaml(DEPLOY / "k8s" / "values.yaml")["dagster-user-deployments"]["deployments"]:
        names |= {e["name"] for e in deployment["env"]}
    for name in ("api", "ui", "dagster"):
        text = (DOCKER / f"Dockerfile.{name}").read_text()
        names |= set(re.findall(r"\b(ENERGY_[A-Z_]+)=", text))
    return names


def test_every_energy_env_var_in_the_manifests_is_read_by_the_code() -> None:
    names = _env_names()
    ours = {n for n in names if n.startswith("ENERGY_")}
    assert {"ENERGY_CHAMPION_DIR", "ENERGY_API_KEY", "ENERGY_CORS_ORIGINS", "ENERGY_MAX_BODY_BYTES"} <= ours
    source = _source_text()
    unread = sorted(n for n in ours if f'"{n}"' not in source)
    assert unread == []
    unknown = sorted(n for n in names - ours if not n.startswith(FOREIGN_PREFIXES) and n != "PORT")
    assert unknown == []


def test_env_vars_are_documented_in_the_deploy_readme() -> None:
    readme = (DEPLOY / "README.md").read_text()
    undocumented = sorted(n for n in _env_names() if n.startswith("ENERGY_") and f"`{n}`" not in readme)
    assert undocumented == []


def test_cloud_run_services_match_the_budget_and_the_ports() -> None:
    for name, port in (("api", API_PORT), ("ui", UI_PORT)):
        template = _cloudrun(name)["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["autoscaling.knative.dev/minScale"] == "0"
        assert annotations["autoscaling.knative.dev/maxScale"] == "2"
        assert template["spec"]["containerConcurrency"] == 80
        (container,) = template["spec"]["containers"]
        assert container["resources"]["limits"] == {"cpu": "1", "memory": "2Gi"}
        assert container["ports"][0]["containerPort"] == port
        assert container["startupProbe"]["httpGet"]["port"] == port


def test_cloud_run_api_reads_the_champion_from_the_mounted_bucket() -> None:
    template = _cloudrun("api")["spec"]["template"]["spec"]
    (container,) = template["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    (mount,) = container["volumeMounts"]
    assert env["ENERGY_CHAMPION_DIR"] == mount["mountPath"]
    assert mount["readOnly"] is True
    (volume,) = template["volumes"]
    assert volume["csi"]["driver"] == "gcsfuse.run.googleapis.com"
    options = volume["csi"]["volumeAttributes"]["mountOptions"].split(",")
    assert "only-dir=${ARTIFACTS_PREFIX}/champion" in options
    # Uploads write objects only (no folder placeholders): gcsfuse must infer the bundle's folders.
    assert "implicit-dirs" in options
    secret = next(e for e in container["env"] if e["name"] == "ENERGY_API_KEY")
    assert "secretKeyRef" in secret["valueFrom"]  # the key is never a literal value


def test_k8s_values_match_the_sensor_gpu_tags() -> None:
    values = _yaml(DEPLOY / "k8s" / "values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    limits = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"][
        "tagConcurrencyLimits"
    ]
    assert {"key": GPU_TAG_KEY, "value": GPU_TAG_VALUE, "limit": 1} in limits
    # The GPU comes only from the retrain run's tag, never from the defaults every run gets.
    defaults = values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]
    assert "nvidia.com/gpu" not in json.dumps(defaults)
    requested = json.loads(GPU_TAGS["dagster-k8s/config"])["container_config"]["resources"]
    assert requested == {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}
    note = (DEPLOY / "k8s" / "gpu-nodepool.md").read_text()
    assert '{"nvidia.com/gpu": "1"}' in note and f"{GPU_TAG_KEY}: {GPU_TAG_VALUE}" in note
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["port"] == GRPC_PORT
    assert "energy_assets.definitions" in deployment["dagsterApiGrpcArgs"]


def test_ci_runs_make_test_and_deploy_reuses_ci() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:", makefile, re.M)
    ci = _yaml(ROOT / ".github" / "workflows" / "ci.yml")
    commands = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert "make test" in commands
    assert any("--fail-under" in c for c in commands)
    assert any("pip-audit" in c for c in commands)
    assert any("docker compose -f deploy/compose.yaml config" in c for c in commands)
    deploy = _yaml(ROOT / ".github" / "workflows" / "deploy.yml")
    assert deploy["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert deploy[True]["push"]["branches"] == ["main"]  # PyYAML reads the key `on` as True
    assert "workflow_call" in ci[True]
    replaced = [s.get("run", "") for s in deploy["jobs"]["deploy"]["steps"]]
    assert any("deploy/cloudrun/api.service.yaml" in r for r in replaced)
    assert any("deploy/cloudrun/ui.service.yaml" in r for r in replaced)


def test_pre_commit_uses_the_pinned_ruff() -> None:
    config = _yaml(ROOT / ".pre-commit-config.yaml")
    ruff_repo = next(r for r in config["repos"] if "ruff-pre-commit" in r["repo"])
    pin = re.search(r'"ruff==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert ruff_repo["rev"] == f"v{pin}"
    assert {h["id"] for h in ruff_repo["hooks"]} == {"ruff", "ruff-format"}


def test_no_secret_literals_in_deploy_files() -> None:
    texts = [p.read_text() for p in DEPLOY.rglob("*") if p.is_file()]
    texts += [p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml")]
    for text in texts:
        assert "BEGIN PRIVATE KEY" not in text
        assert not re.search(r"(?i)(password|api_key|secret)\s*[:=]\s*['\"]?[A-Za-z0-9]{12,}", text)
