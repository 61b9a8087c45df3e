"""docker-compose.yml and the README's configuration table agree with the settings the service reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from moderation.config import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def setting_variables() -> set[str]:
    return {PREFIX + spec.name.upper() for spec in fields(Settings)}


def compose_environment() -> dict[str, dict[str, str]]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    return {name: service.get("environment") or {} for name, service in services.items()}


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(MODERATION_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert setting_variables() - documented == set()
    assert documented - setting_variables() == set()


def test_compose_runs_the_four_parts_on_postgres_and_redis_with_real_settings() -> None:
    environment = compose_environment()
    assert {"postgres", "redis", "api", "worker"} <= set(environment)
    for service in ("api", "worker", "migrate"):
        variables = {name for name in environment[service] if name.startswith(PREFIX)}
        assert variables <= setting_variables(), service
        assert environment[service]["MODERATION_DATABASE_URL"].startswith("postgresql://")
        assert environment[service]["MODERATION_REDIS_URL"].startswith("redis://")


def test_the_compose_client_accepts_the_file() -> None:
    command = compose_client()
    if command is None:
        pytest.skip("no docker compose client on this machine")
    required = {name: "x" for name in re.findall(r"\$\{(\w+):\?", COMPOSE.read_text())}
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "--quiet"], env=os.environ | required, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def compose_client() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None
