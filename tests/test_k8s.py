"""deploy/k8s/ is checked against the code and against the Kubernetes API schemas.

There is no cluster and no kustomize binary here: ``_build`` does what the kustomization
asks (its resources, its labels on every object's metadata, its image override) and the
objects are validated, strictly, against the Kubernetes JSON schemas that
kubernetes-validate bundles (offline). KEDA's kinds are not in those schemas: their
structure is checked below against the fields of KEDA's CRDs and its redis-streams scaler.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from vestnik.cli import main as cli
from vestnik.settings import Settings

from .conftest import ROOT

K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATION: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
FIELDS = {f"VESTNIK_{name.upper()}": name for name in Settings.model_fields}
# VESTNIK_METRICS_PORT: the port of the workers' /healthz, /readyz and /metrics. Named here
# before Settings may have it; once it is a field it is held to the same rules as the rest.
METRICS_PORT = "VESTNIK_METRICS_PORT"
WORKERS = {"cleaner": ("events_stream", "cleaner_group"),
           "indexer": ("articles_stream", "indexer_group")}
STAGES = [*WORKERS, "api"]
# The oldest Kubernetes the manifests are meant for (PDB unhealthyPodEvictionPolicy is
# on by default since 1.27) and the newest whose schemas kubernetes-validate carries.
K8S_VERSIONS = ["1.29", kubernetes_validate.utils.latest_version()]
MB = 1_000_000
MIB = 1024 * 1024


@cache
def _build() -> tuple[dict[str, Any], ...]:
    """The objects `kustomize build deploy/k8s` makes of this kustomization."""
    assert set(KUSTOMIZATION) <= {"apiVersion", "kind", "resources", "labels", "images"}, (
        "the kustomization uses something this emulation does not do")
    images = {i["name"]: f"{i.get('newName', i['name'])}:{i['newTag']}"
              for i in KUSTOMIZATION.get("images", [])}
    labels: dict[str, str] = {}
    for entry in KUSTOMIZATION.get("labels", []):
        assert not entry.get("includeSelectors") and not entry.get("includeTemplates")
        labels |= entry["pairs"]
    objects = []
    for name in KUSTOMIZATION["resources"]:
        for obj in yaml.safe_load_all((K8S / name).read_text()):
            if obj is None:
                continue
            obj["metadata"]["labels"] = obj["metadata"].get("labels", {}) | labels
            for container in _pod(obj)["containers"] if obj["kind"] == "Deployment" else []:
                image = container["image"].split("@")[0]
                if ":" in image.rsplit("/", 1)[-1]:
                    image = image.rsplit(":", 1)[0]  # the name without its tag
                container["image"] = images.get(image, container["image"])
            objects.append(obj)
    return tuple(objects)


def _objects(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in _build() if o["kind"] == kind}


def _one(kind: str, name: str) -> dict[str, Any]:
    return _objects(kind)[name]


def _pod(deployment: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def _container(stage: str) -> dict[str, Any]:
    (container,) = _pod(_one("Deployment", f"vestnik-{stage}"))["containers"]
    return container


def _config() -> dict[str, str]:
    data: dict[str, str] = _one("ConfigMap", "vestnik-settings")["data"]
    return data


def _secret() -> dict[str, str]:
    data: dict[str, str] = _one("Secret", "vestnik-secrets")["stringData"]
    return data


def _env(stage: str) -> dict[str, str]:
    """The VESTNIK_* environment of a stage's container, Secret references resolved."""
    container = _container(stage)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env |= _objects("ConfigMap")[source["configMapRef"]["name"]]["data"]
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        else:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = _objects("Secret")[ref["name"]]["stringData"][ref["key"]]
    return env


def _settings(stage: str) -> Settings:
    return Settings(**{FIELDS[k]: v for k, v in _env(stage).items() if k in FIELDS})


def _port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(number)


# --- the kustomization and the Kubernetes schemas ---------------------------------------

def test_kustomization_lists_every_manifest_in_the_folder_and_nothing_else() -> None:
    files = {p.name for p in K8S.iterdir()} - {"kustomization.yaml"}
    assert sorted(files) == sorted(KUSTOMIZATION["resources"])
    assert len(set(KUSTOMIZATION["resources"])) == len(KUSTOMIZATION["resources"])


def test_every_object_has_a_unique_kind_and_name() -> None:
    keys = [(o["kind"], o["metadata"]["name"]) for o in _build()]
    assert len(keys) == len(set(keys)), keys
    assert all("namespace" not in o["metadata"] for o in _build()), "kubectl -n or an overlay"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_objects_are_valid_against_the_api_schemas_strictly(version: str) -> None:
    checked = set()
    for obj in _build():
        if obj["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: not in the bundled schemas (see the KEDA tests)
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {where}: {exc.message}")
        checked.add(obj["kind"])
    assert checked == {"ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"}


# --- settings, commands, image ----------------------------------------------------------

@pytest.mark.parametrize("stage", STAGES)
def test_environment_names_only_real_settings_with_valid_values(stage: str) -> None:
    names = set(_env(stage))
    unknown = names - set(FIELDS)
    if "metrics_port" not in Settings.model_fields:
        unknown -= {METRICS_PORT}  # being added to Settings
    assert not unknown, f"not settings: {unknown}"
    _settings(stage)  # a bad value raises


def test_metrics_port_is_in_the_config_map_and_a_valid_setting() -> None:
    port = _config()[METRICS_PORT]
    assert 0 < int(port) < 65536
    if "metrics_port" in Settings.model_fields:
        assert Settings(metrics_port=port).metrics_port == int(port)  # type: ignore[call-arg,attr-defined]


@pytest.mark.parametrize("stage", STAGES)
def test_command_is_the_vestnik_command_of_the_stage(stage: str) -> None:
    container = _container(stage)
    assert "command" not in container, "the image's entrypoint is vestnik"
    assert container["args"] == [stage]
    assert stage in cli.commands  # type: ignore[attr-defined]


def test_every_stage_runs_the_one_image_the_kustomization_names() -> None:
    images = {_container(stage)["image"] for stage in STAGES}
    (entry,) = KUSTOMIZATION["images"]
    assert images == {f"{entry['newName']}:{entry['newTag']}"}


@pytest.mark.parametrize("stage", WORKERS)
def test_workers_talk_to_redis_from_the_secret(stage: str) -> None:
    ref = next(v for v in _container(stage)["env"] if v["name"] == "VESTNIK_REDIS_URL")
    assert ref["valueFrom"]["secretKeyRef"] == {"name": "vestnik-secrets", "key": "redis-url"}
    assert _settings(stage).redis_url  # set: never the localhost default
    assert "VESTNIK_REDIS_URL" not in _config() and "VESTNIK_INDEX_URL" not in _config()


@pytest.mark.parametrize("stage", ["indexer", "api"])
def test_index_is_postgresql_from_the_secret(stage: str) -> None:
    assert urlsplit(_settings(stage).index_url).scheme == "postgresql"


@pytest.mark.parametrize("stage", WORKERS)
def test_worker_streams_and_groups_are_the_code_defaults(stage: str) -> None:
    defaults = Settings()
    for key, value in _config().items():
        field = FIELDS.get(key, "")
        if field.endswith(("_stream", "_group")):
            assert value == getattr(defaults, field), key


def test_secret_gives_keda_the_redis_the_workers_use() -> None:
    secret = _secret()
    url = urlsplit(secret["redis-url"])
    assert f"{url.hostname}:{url.port or 6379}" == secret["redis-address"]
    assert secret["redis-username"] and secret["redis-password"]  # KEDA's own user


# --- probes and ports -------------------------------------------------------------------

@pytest.mark.parametrize("stage", WORKERS)
def test_worker_probes_hit_the_health_paths_on_the_metrics_port(stage: str) -> None:
    container = _container(stage)
    port = int(_config()[METRICS_PORT])
    paths = {}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        assert _port(container, get["port"]) == port, probe
        paths[probe] = get["path"]
    assert paths == {"startupProbe": "/healthz", "livenessProbe": "/healthz",
                     "readinessProbe": "/readyz"}


@pytest.mark.parametrize("stage", WORKERS)
def test_worker_pods_are_scraped_on_the_metrics_port(stage: str) -> None:
    annotations = _one("Deployment", f"vestnik-{stage}")["spec"]["template"]["metadata"][
        "annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == _config()[METRICS_PORT]
    assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("stage", WORKERS)
def test_startup_probe_outlasts_the_workers_start_against_an_unreachable_redis(
        stage: str) -> None:
    probe = _container(stage)["startupProbe"]
    window = probe["periodSeconds"] * probe["failureThreshold"]
    assert window > _settings(stage).startup_timeout_s


def test_api_listens_everywhere_on_the_port_its_probes_and_service_use() -> None:
    container = _container("api")
    settings = _settings("api")
    ctx = cli.commands["api"].make_context("api", container["args"][1:])  # type: ignore[attr-defined]
    host = ctx.params["host"] if ctx.params["host"] is not None else settings.api_host
    port = ctx.params["port"] if ctx.params["port"] is not None else settings.api_port
    assert host == "0.0.0.0"
    assert [p["containerPort"] for p in container["ports"]] == [port]
    for probe, path in [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz")]:
        assert container[probe]["httpGet"]["path"] == path
        assert _port(container, container[probe]["httpGet"]["port"]) == port
    (service_port,) = _one("Service", "vestnik-api")["spec"]["ports"]
    assert _port(container, service_port["targetPort"]) == port


def test_api_service_selects_the_api_pods() -> None:
    selector = _one("Service", "vestnik-api")["spec"]["selector"]
    labels = _one("Deployment", "vestnik-api")["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


# --- termination, disruption, resources, security ---------------------------------------

def _pre_stop_seconds(container: dict[str, Any]) -> float:
    hook = container.get("lifecycle", {}).get("preStop")
    if hook is None:
        return 0
    command = hook["exec"]["command"]
    assert command[0] == "sleep", "a preStop hook the test can time"
    return float(command[1])


@pytest.mark.parametrize("stage", STAGES)
def test_termination_grace_outlasts_the_graceful_timeout_with_margin(stage: str) -> None:
    grace = _pod(_one("Deployment", f"vestnik-{stage}"))["terminationGracePeriodSeconds"]
    needed = _pre_stop_seconds(_container(stage)) + _settings(stage).graceful_timeout_s
    assert grace >= needed + 10, (grace, needed)


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_a_disruption_budget_over_its_pods(stage: str) -> None:
    budget = _one("PodDisruptionBudget", f"vestnik-{stage}")["spec"]
    deployment = _one("Deployment", f"vestnik-{stage}")
    assert budget["selector"] == deployment["spec"]["selector"]
    if stage in WORKERS:  # a single KEDA replica must not block a node's drain
        assert budget["maxUnavailable"] == 1 and "minAvailable" not in budget


@pytest.mark.parametrize("stage", STAGES)
def test_every_container_requests_resources_and_limits_memory(stage: str) -> None:
    resources = _container(stage)["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]
    assert "cpu" not in resources["limits"], "throttling pushes pages past their budget"
    assert _bytes(resources["limits"]["memory"]) >= _bytes(resources["requests"]["memory"])


def _bytes(quantity: str) -> int:
    units = {"Ki": 1024, "Mi": MIB, "Gi": 1024 * MIB, "K": 1000, "M": MB, "G": 1000 * MB}
    for unit, scale in units.items():
        if quantity.endswith(unit):
            return int(quantity[: -len(unit)]) * scale
    return int(quantity)


def test_cleaner_memory_limit_covers_its_bounded_reads_and_extraction_processes() -> None:
    # The worker peaks under 170 MB + 5 x (read budget + one entry) for each batch it
    # holds (the hostile-entries fault scenario's bound; it works on one batch per
    # extraction process); the fork server and each extraction process, holding a batch
    # while it cleans it, are given 128 MiB.
    settings = _settings("cleaner")
    worker = 170 * MB + 5 * settings.extract_workers * (settings.read_max_bytes
                                                        + settings.max_body_bytes)
    needed = worker + (1 + settings.extract_workers) * 128 * MIB
    limit = _bytes(_container("cleaner")["resources"]["limits"]["memory"])
    assert limit >= needed, f"{limit // MIB} MiB < {math.ceil(needed / MIB)} MiB"


@pytest.mark.parametrize("stage", STAGES)
def test_pods_run_as_the_images_user_read_only_without_privileges(stage: str) -> None:
    pod = _pod(_one("Deployment", f"vestnik-{stage}"))
    uid = (ROOT / "Dockerfile").read_text().split("useradd")[1].split("--uid ")[1].split()[0]
    assert pod["securityContext"]["runAsUser"] == int(uid)
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = _container(stage)["securityContext"]
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"]["drop"] == ["ALL"]
    # the only writable place: /tmp (the cleaner's fork server puts its socket there)
    mounts = {m["mountPath"]: m["name"] for m in _container(stage)["volumeMounts"]}
    assert list(mounts) == ["/tmp"]
    (volume,) = pod["volumes"]
    assert volume["name"] == mounts["/tmp"] and "emptyDir" in volume


@pytest.mark.parametrize("stage", STAGES)
def test_no_service_link_variables_among_the_settings(stage: str) -> None:
    # a Service named vestnik-api would give every pod VESTNIK_API_PORT=tcp://…
    pod = _pod(_one("Deployment", f"vestnik-{stage}"))
    assert pod["enableServiceLinks"] is False
    assert pod["automountServiceAccountToken"] is False


# --- KEDA -------------------------------------------------------------------------------
# Field names from KEDA's CRDs (keda.sh/v1alpha1) and its redis-streams scaler's metadata.
SCALED_OBJECT_SPEC = {"advanced", "cooldownPeriod", "fallback", "idleReplicaCount",
                      "initialCooldownPeriod", "maxReplicaCount", "minReplicaCount",
                      "pollingInterval", "scaleTargetRef", "triggers"}
TRIGGER = {"authenticationRef", "metadata", "metricType", "name", "type", "useCachedMetrics"}
REDIS_STREAMS_METADATA = {"address", "host", "port", "usernameFromEnv", "passwordFromEnv",
                          "stream", "consumerGroup", "pendingEntriesCount", "streamLength",
                          "lagCount", "activationLagCount", "databaseIndex", "enableTLS",
                          "unsafeSsl"}
REDIS_AUTH_PARAMETERS = {"address", "host", "port", "username", "password", "tls", "ca",
                         "cert", "key", "keyPassword"}


@pytest.mark.parametrize("stage", WORKERS)
def test_scaled_object_targets_the_stage_deployment_which_leaves_replicas_to_it(
        stage: str) -> None:
    scaled = _one("ScaledObject", f"vestnik-{stage}")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaled["spec"]
    assert set(spec) <= SCALED_OBJECT_SPEC
    target = spec["scaleTargetRef"]
    assert set(target) <= {"apiVersion", "kind", "name", "envSourceContainerName"}
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
    deployment = _one("Deployment", target["name"])
    assert deployment["metadata"]["labels"]["app.kubernetes.io/component"] == stage
    assert "replicas" not in deployment["spec"], "kubectl apply would undo KEDA's scaling"
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    assert set(spec.get("advanced", {})) <= {"horizontalPodAutoscalerConfig",
                                              "restoreToOriginalReplicaCount",
                                              "scalingModifiers"}


@pytest.mark.parametrize("stage", WORKERS)
def test_redis_streams_trigger_reads_the_lag_of_the_stage_group(stage: str) -> None:
    (trigger,) = _one("ScaledObject", f"vestnik-{stage}")["spec"]["triggers"]
    assert set(trigger) <= TRIGGER and trigger["type"] == "redis-streams"
    metadata = trigger["metadata"]
    assert set(metadata) <= REDIS_STREAMS_METADATA
    assert all(isinstance(v, str) for v in metadata.values()), "CRD metadata is strings"
    stream_field, group_field = WORKERS[stage]
    settings = _settings(stage)  # the ConfigMap's values, else the code's defaults
    assert metadata["stream"] == getattr(settings, stream_field)
    assert metadata["consumerGroup"] == getattr(settings, group_field)
    # lag, not pending: a replica holds at most a batch pending, whatever the backlog
    assert "pendingEntriesCount" not in metadata
    assert int(metadata["lagCount"]) > settings.batch_size
    assert "address" not in metadata and "host" not in metadata, "from the Secret"
    assert trigger["authenticationRef"] == {"name": "vestnik-redis"}


def test_trigger_authentication_takes_address_and_password_from_the_secret() -> None:
    auth = _one("TriggerAuthentication", "vestnik-redis")
    assert auth["apiVersion"] == "keda.sh/v1alpha1"
    refs = auth["spec"]["secretTargetRef"]
    assert all(set(ref) == {"parameter", "name", "key"} for ref in refs)
    assert {r["parameter"] for r in refs} == {"address", "username", "password"}
    assert {r["parameter"] for r in refs} <= REDIS_AUTH_PARAMETERS
    for ref in refs:
        assert ref["key"] in _objects("Secret")[ref["name"]]["stringData"]
