"""docker-compose.yml as Compose reads it when no variable is set: each ``${NAME:-default}``
is its default (``interpolated``), so the tests see the values a trial run gets."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .conftest import ROOT

TEXT = (ROOT / "docker-compose.yml").read_text()
_VARIABLE = re.compile(r"\$\{(\w+):-([^}]*)\}")


def interpolated(text: str, env: dict[str, str] | None = None) -> str:
    """``text`` with ``${NAME:-default}`` replaced by ``env[NAME]``, else the default."""
    env = env or {}
    return _VARIABLE.sub(lambda m: env.get(m[1], m[2]), text)


def load(env: dict[str, str] | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(interpolated(TEXT, env))
    return loaded


def variables(value: str) -> list[tuple[str, str]]:
    """The ``(NAME, default)`` of each ``${NAME:-default}`` in ``value``."""
    return [(m[1], m[2]) for m in _VARIABLE.finditer(value)]


def redis_users(command: list[str]) -> dict[str, list[str]]:
    """The ACL rules of each ``--user NAME RULE...`` in a redis-server command line."""
    users: dict[str, list[str]] = {}
    current: list[str] | None = None
    for arg in command:
        if arg == "--user":
            current = []
        elif arg.startswith("--"):
            current = None
        elif current is not None:
            if not current:
                users[arg] = current
            current.append(arg)
    return {name: rules[1:] for name, rules in users.items()}
