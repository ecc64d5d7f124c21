"""docker-compose.yml and the Dockerfile are checked against the code (no Docker here)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from vestnik.cli import main as cli
from vestnik.settings import Settings

from . import compose_file
from .conftest import ROOT

COMPOSE: dict[str, Any] = compose_file.load()  # as a trial run sees it: no variables set
RAW: dict[str, Any] = yaml.safe_load(compose_file.TEXT)  # ${VARIABLES} as written
SERVICES: dict[str, Any] = COMPOSE["services"]
WORKERS = ["cleaner", "indexer"]
VESTNIK = [*WORKERS, "api"]  # the services that run the vestnik image
INDEX_USERS = ["indexer", "api"]
FIELDS = {f"VESTNIK_{name.upper()}": name for name in Settings.model_fields}


def test_compose_has_redis_postgres_both_workers_and_the_api() -> None:
    assert {"redis", "postgres", *VESTNIK} <= set(SERVICES)


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


def _settings(name: str) -> Settings:
    return Settings(**{FIELDS[k]: v for k, v in SERVICES[name]["environment"].items()})


@pytest.mark.parametrize("name", VESTNIK)
def test_environment_names_only_real_settings_with_valid_values(name: str) -> None:
    unknown = set(SERVICES[name]["environment"]) - set(FIELDS)
    assert not unknown, f"not settings: {unknown}"
    _settings(name)  # a bad value raises


REDIS_PASSWORD = "VESTNIK_REDIS_PASSWORD"


def _trial_password() -> str:
    """The documented default of VESTNIK_REDIS_PASSWORD, for trials."""
    (variable,) = set(compose_file.variables(RAW["services"]["redis"]["environment"][
        "REDISCLI_AUTH"]))
    assert variable[0] == REDIS_PASSWORD
    return variable[1]


@pytest.mark.parametrize("name", WORKERS)
def test_worker_talks_to_the_redis_service_as_the_acl_user_vestnik(name: str) -> None:
    url = urlsplit(_settings(name).redis_url)
    assert (url.scheme, url.hostname, url.port, url.path) == ("redis", "redis", 6379, "/0")
    assert (url.username, url.password) == ("vestnik", _trial_password())
    raw = RAW["services"][name]["environment"]["VESTNIK_REDIS_URL"]
    assert compose_file.variables(raw) == [(REDIS_PASSWORD, _trial_password())]


def test_redis_asks_for_a_password_default_user_off_vestnik_a_user_of_its_own() -> None:
    raw_users = compose_file.redis_users(RAW["services"]["redis"]["command"])
    assert set(raw_users) == {"default", "vestnik"}
    assert raw_users["default"] == ["off"]
    rules = raw_users["vestnik"]
    assert "on" in rules and "nopass" not in rules
    (password,) = [r for r in rules if r.startswith(">")]
    assert compose_file.variables(password) == [(REDIS_PASSWORD, _trial_password())]
    assert "~vestnik:*" in rules and "~*" not in rules and "allkeys" not in rules
    assert rules.index("-@dangerous") > rules.index("+@all")  # taken away after granting
    defaults = Settings()
    for key in (defaults.events_stream, defaults.articles_stream, defaults.rejected_stream,
                defaults.dead_letter_stream("cleaner")):
        assert key.startswith("vestnik:"), f"{key} is outside the ACL user's keys"


def test_redis_healthcheck_logs_in_as_vestnik_and_wants_pong() -> None:
    redis = SERVICES["redis"]
    test = redis["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert "redis-cli --user vestnik ping" in test[1] and "grep -qx PONG" in test[1]
    assert redis["environment"]["REDISCLI_AUTH"] == _trial_password()


def test_no_port_is_published_beyond_loopback() -> None:
    published = {name: service.get("ports", []) for name, service in SERVICES.items()}
    assert published["redis"] and published["api"]
    for name, ports in published.items():
        for mapping in ports:
            assert isinstance(mapping, str) and mapping.startswith("127.0.0.1:"), (name, mapping)
    assert not any(service.get("network_mode") == "host" for service in SERVICES.values())


# a patch release, not a tag that moves to the next one: Redis x.y.z, PostgreSQL x.y (its
# minor releases are its patch releases); a digest may follow
PINNED = {"redis": r"redis:\d+\.\d+\.\d+-alpine", "postgres": r"postgres:\d+\.\d+-alpine"}


@pytest.mark.parametrize("name", PINNED)
def test_service_images_are_pinned_to_a_patch_release(name: str) -> None:
    image = SERVICES[name]["image"]
    assert re.fullmatch(PINNED[name] + r"(@sha256:[0-9a-f]{64})?", image), image


@pytest.mark.parametrize("name", WORKERS)
def test_worker_streams_and_groups_match_the_code_defaults(name: str) -> None:
    defaults = Settings()
    for key, value in SERVICES[name]["environment"].items():
        field = FIELDS[key]
        if field.endswith(("_stream", "_group")):
            assert value == getattr(defaults, field), key


def test_postgres_keeps_its_data_on_a_volume_and_has_a_pg_isready_healthcheck() -> None:
    postgres = SERVICES["postgres"]
    assert postgres["image"].startswith("postgres:16")
    mounts = [v.split(":", 1)[1] for v in postgres["volumes"]]
    assert "/var/lib/postgresql/data" in mounts
    assert {v.split(":", 1)[0] for v in postgres["volumes"]} <= set(COMPOSE["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


@pytest.mark.parametrize("name", INDEX_USERS)
def test_index_is_the_postgres_service_with_its_credentials(name: str) -> None:
    url = urlsplit(_settings(name).index_url)
    env = SERVICES["postgres"]["environment"]
    assert url.scheme == "postgresql"
    assert (url.hostname, url.port or 5432) == ("postgres", 5432)
    assert (url.username, url.password, url.path.lstrip("/")) == (
        env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"])


@pytest.mark.parametrize("name", INDEX_USERS)
def test_index_users_start_only_when_postgres_is_healthy(name: str) -> None:
    assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_api_command_is_the_vestnik_api_command_listening_on_every_interface() -> None:
    assert SERVICES["api"]["image"] == SERVICES["cleaner"]["image"]  # the vestnik image
    command = SERVICES["api"]["command"]
    assert command[0] == "api" and "api" in cli.commands  # type: ignore[attr-defined]
    ctx = cli.commands["api"].make_context("api", list(command[1:]))  # type: ignore[attr-defined]
    assert ctx.params["host"] == "0.0.0.0"  # reachable through the published port


def _api_port() -> int:
    port = SERVICES["api"]["command"]
    given = port[port.index("--port") + 1] if "--port" in port else None
    return int(given) if given else _settings("api").api_port


def test_api_port_is_published_on_loopback_as_the_port_it_listens_on() -> None:
    (mapping,) = SERVICES["api"]["ports"]
    host_ip, host_port, container_port = mapping.split(":")
    assert host_ip == "127.0.0.1"
    assert int(container_port) == _api_port()
    assert int(host_port) == Settings().api_port  # where the README sends people


@pytest.mark.parametrize("name", VESTNIK)
def test_every_vestnik_service_has_the_healthcheck_module_as_its_healthcheck(name: str) -> None:
    check = SERVICES[name]["healthcheck"]
    assert check["test"] == ["CMD", "python", "-m", "vestnik.healthcheck"]
    module = ROOT / "services" / "vestnik" / "healthcheck.py"
    assert module.exists(), "the image has python and no curl: the module GETs /healthz"
    if name in WORKERS:  # the start may wait for Redis up to VESTNIK_STARTUP_TIMEOUT_S
        start = float(str(check["start_period"]).removesuffix("s"))
        assert start > Settings().startup_timeout_s


def test_image_serves_the_worker_probes_on_every_interface_and_checks_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    env = dict(re.findall(r"(VESTNIK_\w+)=(\S+)", final))
    assert env["VESTNIK_METRICS_HOST"] == "0.0.0.0"
    port = int(env["VESTNIK_METRICS_PORT"])
    assert Settings(metrics_port=port).metrics_port == port
    assert re.search(rf"^EXPOSE .*\b{port}\b", final, re.M)
    assert re.search(r'^HEALTHCHECK .*\n?.*CMD \["python", "-m", "vestnik.healthcheck"\]',
                     final, re.M)


def test_image_installs_the_driver_of_the_postgresql_index() -> None:
    """The image installs requirements/runtime.txt (tests/test_lock.py), locked with the
    postgres extra: psycopg, its binary build and its pool."""
    lock = (ROOT / "requirements" / "runtime.txt").read_text()
    assert "--extra postgres" in lock.split("\n\n")[0]
    for name in ("psycopg", "psycopg-binary", "psycopg-pool"):
        assert re.search(rf"^{name}==", lock, re.M), name


def test_dockerfile_entrypoint_is_the_vestnik_console_script() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \["vestnik"\]$', dockerfile, re.M)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'vestnik = "vestnik.cli:main"' in pyproject


def test_image_compiles_the_extractor_with_mypyc() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    build_stage = dockerfile.split("\nFROM ")[1]  # the first FROM opens the build stage
    assert "ENV VESTNIK_BUILD_COMPILED=1" in build_stage  # compiled, or the build fails
    assert re.search(r"apt-get install .*\bgcc\b", build_stage)
    assert re.search(r"^COPY .*\bhatch_build\.py\b", build_stage, re.M)
    pyproject = (ROOT / "pyproject.toml").read_text()
    hook = pyproject.split("[tool.hatch.build.targets.wheel.hooks.custom]")[1].split("\n[")[0]
    assert 'path = "hatch_build.py"' in hook
    assert 'include = ["/services/vestnik/extract"]' in hook
    # editable installs stay pure Python and quick: no build tool is always asked for
    assert "\ndependencies" not in hook and "require-runtime-dependencies" not in hook


def test_redis_service_keeps_streams_across_restarts() -> None:
    command = " ".join(SERVICES["redis"]["command"])
    assert "--appendonly yes" in command


def _docker_ignores(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out of the build context:
    the last pattern matching it or one of its parent folders decides (``!``: kept).
    Patterns as Docker reads them: ``*`` and ``?`` within a name, ``**`` across folders."""
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        body = pattern.lstrip("!").strip("/")
        regex = re.escape(body).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]").replace(r"\[", "[")
        regex = regex.replace(r"\]", "]")
        if any(re.fullmatch(regex, c) for c in candidates):
            ignored = not keep
    return ignored


DOCKERIGNORE = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("path", [
    ".git/HEAD", ".venv/bin/python", "dev/pages/site/page.html", "dev/bg/gold.json",
    "dev/make_devset.py", ".pytest_cache/v/cache/nodeids", ".hypothesis/examples/x",
    ".mypy_cache/3.11/x.json", ".ruff_cache/x", "mutants/services/vestnik/wire.py",
    "vestnik-index.sqlite3", "vestnik-demo.sqlite3-wal", "tests/test_cli.py",
    "services/vestnik/__pycache__/cli.cpython-311.pyc",
    "services/vestnik/extract/layout.cpython-311-x86_64-linux-gnu.so",
    "services/vestnik/index.sqlite3", "examples/producers/node/node_modules/x/index.js",
    "requirements/lock.sh",
])
def test_dockerignore_keeps_out_of_the_build_context(path: str) -> None:
    assert _docker_ignores(path, DOCKERIGNORE)


def test_dockerignore_keeps_everything_the_dockerfile_copies() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [src for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.M)
               for src in line.split()[:-1]]
    assert {"pyproject.toml", "services", "seeds", "requirements/runtime.txt"} <= set(sources)
    files = []
    for source in sources:
        path = ROOT / source
        files += [path] if path.is_file() else [
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and p.suffix not in {".so", ".pyc"}]
    assert len(files) > 50
    kept_out = [str(p.relative_to(ROOT)) for p in files
                if _docker_ignores(str(p.relative_to(ROOT)), DOCKERIGNORE)]
    assert not kept_out, f"the Dockerfile copies these, .dockerignore leaves them out: {kept_out}"
