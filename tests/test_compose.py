"""docker-compose.yml and the Dockerfile are checked against the code (no Docker here)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from vestnik.cli import main as cli
from vestnik.settings import Settings

from .conftest import ROOT

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
WORKERS = ["cleaner", "indexer"]
FIELDS = {f"VESTNIK_{name.upper()}": name for name in Settings.model_fields}


def test_compose_has_redis_and_both_workers() -> None:
    assert {"redis", *WORKERS} <= set(SERVICES)


def test_redis_has_a_healthcheck_that_pings() -> None:
    check = SERVICES["redis"]["healthcheck"]
    assert "ping" in " ".join(check["test"])


@pytest.mark.parametrize("name", WORKERS)
def test_worker_starts_only_when_redis_is_healthy(name: str) -> None:
    assert SERVICES[name]["depends_on"]["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", WORKERS)
def test_worker_command_is_a_vestnik_command_of_the_same_name(name: str) -> None:
    assert SERVICES[name]["command"] == [name]
    assert name in cli.commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", WORKERS)
def test_worker_environment_names_only_real_settings_with_valid_values(name: str) -> None:
    env = SERVICES[name]["environment"]
    unknown = set(env) - set(FIELDS)
    assert not unknown, f"not settings: {unknown}"
    parsed = Settings(**{FIELDS[k]: v for k, v in env.items()})
    assert parsed.redis_url == "redis://redis:6379/0"  # the compose service, not localhost


@pytest.mark.parametrize("name", WORKERS)
def test_worker_streams_and_groups_match_the_code_defaults(name: str) -> None:
    defaults = Settings()
    for key, value in SERVICES[name]["environment"].items():
        field = FIELDS[key]
        if field.endswith(("_stream", "_group")):
            assert value == getattr(defaults, field), key


def test_indexer_keeps_its_sqlite_index_on_a_volume() -> None:
    indexer = SERVICES["indexer"]
    url = indexer["environment"]["VESTNIK_INDEX_URL"]
    path = url.removeprefix("sqlite:///")
    mounts = [v.split(":", 1)[1] for v in indexer["volumes"]]
    assert any(path.startswith(m.rstrip("/") + "/") for m in mounts), (path, mounts)


def test_dockerfile_entrypoint_is_the_vestnik_console_script() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \["vestnik"\]$', dockerfile, re.M)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'vestnik = "vestnik.cli:main"' in pyproject


def test_image_compiles_the_extractor_with_mypyc() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    build_stage = dockerfile.split("\nFROM ")[1]  # the first FROM opens the build stage
    assert "ENV HATCH_BUILD_HOOK_ENABLE_MYPYC=true" in build_stage
    assert re.search(r"apt-get install .*\bgcc\b", build_stage)
    pyproject = (ROOT / "pyproject.toml").read_text()
    hook = pyproject.split("[tool.hatch.build.targets.wheel.hooks.mypyc]")[1].split("\n[")[0]
    assert 'include = ["/services/vestnik/extract"]' in hook
    assert "enable-by-default = false" in hook  # editable installs stay pure Python


def test_redis_service_keeps_streams_across_restarts() -> None:
    command = " ".join(SERVICES["redis"]["command"])
    assert "--appendonly yes" in command
