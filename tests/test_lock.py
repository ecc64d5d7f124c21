"""The image's locks (requirements/*.txt) are in step with pyproject.toml, and the Dockerfile
installs from them: every dependency the image runs is pinned within pyproject's range, with
hashes, down to the last transitive dependency that can be seen from here."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
BUILD_LOCK = ROOT / "requirements" / "build.txt"
IMAGE_EXTRAS = ("embedded", "postgres")  # what the image holds besides the dependencies
DOCKERFILE = (ROOT / "Dockerfile").read_text()
RELOCK = "the lock is behind pyproject.toml: run requirements/lock.sh (pip install uv)"
# the image's Python: CPython 3.11 on Linux, whatever the machine running the tests
IMAGE_ENV: dict[str, str] = {
    **{k: str(v) for k, v in default_environment().items()},
    "python_version": "3.11", "python_full_version": "3.11.14",
    "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
    "implementation_name": "cpython", "platform_python_implementation": "CPython",
}


def _pins(lock: Path) -> dict[NormalizedName, tuple[Requirement, list[str]]]:
    """name -> (the pinned requirement with its marker, its hashes), for the image's Python."""
    text = lock.read_text().replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        spec, *hashes = line.split("--hash=")
        req = Requirement(spec.strip())
        if req.marker is not None and not req.marker.evaluate(IMAGE_ENV):
            continue  # e.g. colorama on Windows
        pins[canonicalize_name(req.name)] = (req, [h.strip() for h in hashes])
    return pins


RUNTIME = _pins(RUNTIME_LOCK)
BUILD = _pins(BUILD_LOCK)


def _version(pins: dict[NormalizedName, tuple[Requirement, list[str]]], name: str) -> Version:
    (spec,) = pins[canonicalize_name(name)][0].specifier
    assert spec.operator == "==", spec
    return Version(spec.version)


def _image_requirements() -> list[Requirement]:
    extras = PROJECT["optional-dependencies"]
    return [Requirement(r) for r in [*PROJECT["dependencies"],
                                     *(r for extra in IMAGE_EXTRAS for r in extras[extra])]]


def _build_requirements() -> list[Requirement]:
    hook = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["custom"]
    return [Requirement(r) for r in [*PYPROJECT["build-system"]["requires"],
                                     *hook["compile-dependencies"]]]


def _requirements_of(name: str, extras: set[str]) -> list[Requirement] | None:
    """What ``name`` (as installed here) requires with ``extras`` on the image's Python;
    None when it is not installed here at the locked version (its metadata may differ)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if Version(dist.version) != _version(RUNTIME, name):
        return None
    wanted = []
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({**IMAGE_ENV, "extra": extra})
                                     for extra in ["", *extras]):
            wanted.append(req)
    return wanted


def test_every_pin_is_exact_and_has_hashes() -> None:
    for lock, pins in [(RUNTIME_LOCK, RUNTIME), (BUILD_LOCK, BUILD)]:
        assert pins, f"{lock.name} pins nothing"
        for name, (_, hashes) in pins.items():
            _version(pins, name)
            assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), \
                f"{lock.name}: {name} has no sha256 hashes"


@pytest.mark.parametrize("requirement", _image_requirements(), ids=str)
def test_each_runtime_dependency_and_image_extra_is_locked_within_its_range(
        requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in RUNTIME, f"{requirement} is not in {RUNTIME_LOCK.name}; {RELOCK}"
    pinned = _version(RUNTIME, name)
    assert requirement.specifier.contains(pinned, prereleases=True), \
        f"{RUNTIME_LOCK.name} pins {name} {pinned}, outside {requirement}; {RELOCK}"


def test_faststreams_cli_is_a_runtime_dependency() -> None:
    """`faststream run` works in the image (the README's command)."""
    (faststream,) = [r for r in _image_requirements() if r.name == "faststream"]
    assert {"redis", "cli"} <= faststream.extras
    assert "typer" in RUNTIME  # what faststream[cli] brings


def test_the_lock_is_closed_under_what_its_packages_require() -> None:
    """Walked from pyproject's requirements through every locked package installed here at
    its locked version: each requirement on the image's Python is pinned, within range."""
    missing: list[str] = []
    queue = [(canonicalize_name(r.name), set(r.extras)) for r in _image_requirements()]
    seen: set[tuple[str, frozenset[str]]] = set()
    walked = 0
    while queue:
        name, extras = queue.pop()
        if (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        requirements = _requirements_of(name, extras)
        if requirements is None:
            continue
        walked += 1
        for req in requirements:
            dep = canonicalize_name(req.name)
            if dep not in RUNTIME:
                missing.append(f"{req} (for {name})")
            elif not req.specifier.contains(_version(RUNTIME, dep), prereleases=True):
                missing.append(f"{req} (for {name}; locked {_version(RUNTIME, dep)})")
            else:
                queue.append((dep, set(req.extras)))
    if not walked:  # the installed versions have all moved past the lock
        pytest.skip("no locked package is installed here at its locked version")
    assert not missing, f"required but not locked: {missing}; {RELOCK}"


def test_the_runtime_lock_is_made_with_the_images_extras_for_python_311() -> None:
    header = RUNTIME_LOCK.read_text().split("\n\n")[0][:1000]
    for extra in IMAGE_EXTRAS:
        assert f"--extra {extra}" in header
    assert "--python-version 3.11" in header and "--generate-hashes" in header
    assert DOCKERFILE.count("FROM python:3.11") == 2


@pytest.mark.parametrize("requirement", _build_requirements(), ids=str)
def test_each_build_requirement_is_locked_within_its_range(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in BUILD, f"{requirement} is not in {BUILD_LOCK.name}; {RELOCK}"
    assert requirement.specifier.contains(_version(BUILD, name), prereleases=True), RELOCK


def test_build_lock_agrees_with_the_runtime_lock() -> None:
    """The build stage installs both locks into one Python: a package in both is one version."""
    both = set(RUNTIME) & set(BUILD)
    differ = {n: (_version(RUNTIME, n), _version(BUILD, n)) for n in both
              if _version(RUNTIME, n) != _version(BUILD, n)}
    assert not differ, f"runtime vs build versions: {differ}; {RELOCK}"


def _run_lines(stage: str) -> list[str]:
    """The stage's RUN instructions, continuation lines joined."""
    joined = stage.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.startswith("RUN ")]


def test_dockerfile_installs_the_locks_with_hashes_then_vestnik_without_dependencies() -> None:
    build_stage = DOCKERFILE.split("\nFROM ")[1]
    pip = [cmd.strip() for line in _run_lines(build_stage) for cmd in line.split("&&")
           if "pip install" in cmd]
    locked = [cmd for cmd in pip if "-r requirements/" in cmd]
    assert locked and all("--require-hashes" in cmd for cmd in locked), locked
    assert any("-r requirements/runtime.txt" in cmd and "--prefix=/install" in cmd
               for cmd in locked), "the image's packages come from the runtime lock"
    assert any("-r requirements/build.txt" in cmd for cmd in locked)
    unlocked = [cmd for cmd in pip if cmd not in locked]
    assert unlocked, "vestnik itself is installed"
    for cmd in unlocked:  # vestnik itself: nothing from outside the locks
        assert cmd.endswith(" .") and "--no-deps" in cmd and "--no-build-isolation" in cmd, cmd
    assert "COPY requirements/runtime.txt requirements/build.txt" in build_stage
    final_stage = DOCKERFILE.split("\nFROM ")[2]
    assert "pip install" not in final_stage, "the final stage gets /install only"


def test_base_images_are_pinned_to_a_patch_release_or_a_digest() -> None:
    images = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert len(images) == 2
    for image in images:
        assert "@sha256:" in image or re.fullmatch(r"python:3\.11\.\d+-slim-\w+", image), image
