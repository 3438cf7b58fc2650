"""Compose files without a Docker engine: cross-references and the environment of a service.

`check-jsonschema` checks the shape of a compose file; `problems()` checks what a schema
cannot: that every name a service refers to exists and every path it reads is there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")

_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_]\w*))"
)


class ComposeError(ValueError):
    """The compose file cannot be read, or interpolation hit a `${VAR:?message}`."""


def find_compose_files(project: Path) -> list[Path]:
    return [project / name for name in COMPOSE_NAMES if (project / name).is_file()]


def load(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ComposeError(f"{path.name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ComposeError(f"{path.name} does not hold a mapping")
    return data


def _names(section: Any) -> set[str]:
    return {str(name) for name in section} if isinstance(section, dict) else set()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _service_refs(service: Mapping[str, Any], key: str) -> list[str]:
    """Names listed under `key` as a list or as a mapping's keys (depends_on, networks...)."""
    value = service.get(key)
    if isinstance(value, dict):
        return [str(name) for name in value]
    refs: list[str] = []
    for item in _as_list(value):
        if isinstance(item, dict) and "source" in item:
            refs.append(str(item["source"]))
        elif isinstance(item, str):
            refs.append(item)
    return refs


def _named_volume(entry: Any) -> str | None:
    """The named volume a service volume entry uses; None for binds, tmpfs and anonymous ones."""
    if isinstance(entry, dict):
        if entry.get("type", "volume") != "volume":
            return None
        source = entry.get("source")
        return str(source) if source else None
    if not isinstance(entry, str):
        return None
    parts = entry.split(":")
    if len(parts) < 2:
        return None  # anonymous volume: just a container path
    source = parts[0]
    if not source or source.startswith(("/", ".", "~", "$")):
        return None
    return source


def problems(path: Path) -> list[str]:
    """Everything a compose file refers to that does not exist. Empty means consistent."""
    try:
        data = load(path)
    except ComposeError as exc:
        return [str(exc)]
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        return [f"{path.name}: no services"]
    declared = {key: _names(data.get(key)) for key in ("volumes", "networks", "secrets", "configs")}
    found: list[str] = []
    for name, service in services.items():
        where = f"{path.name}: service {name!r}"
        if not isinstance(service, dict):
            found.append(f"{where} is not a mapping")
            continue
        found.extend(_dependency_problems(where, str(name), service, set(services)))
        found.extend(_declaration_problems(where, service, declared))
        found.extend(_env_file_problems(where, service, path.parent))
        found.extend(_build_problems(where, service.get("build"), path.parent))
        if "build" not in service and "image" not in service and "extends" not in service:
            found.append(f"{where} has neither build nor image")
    return found


def _dependency_problems(
    where: str, name: str, service: Mapping[str, Any], services: set[str]
) -> list[str]:
    found = []
    for target in _service_refs(service, "depends_on"):
        if target not in services:
            found.append(f"{where} depends on {target!r}, which is not a service")
        elif target == name:
            found.append(f"{where} depends on itself")
    return found


def _declaration_problems(
    where: str, service: Mapping[str, Any], declared: Mapping[str, set[str]]
) -> list[str]:
    """Named volumes, networks, secrets and configs must be declared at the top level."""
    found = []
    for entry in _as_list(service.get("volumes")):
        volume = _named_volume(entry)
        if volume is not None and volume not in declared["volumes"]:
            found.append(f"{where} uses volume {volume!r}, which is not declared")
    for key, noun in (("networks", "network"), ("secrets", "secret"), ("configs", "config")):
        for ref in _service_refs(service, key):
            if not (key == "networks" and ref == "default") and ref not in declared[key]:
                found.append(f"{where} uses {noun} {ref!r}, which is not declared")
    return found


def _env_file_problems(where: str, service: Mapping[str, Any], base: Path) -> list[str]:
    found = []
    for entry in _as_list(service.get("env_file")):
        required, file = True, entry
        if isinstance(entry, dict):
            required, file = bool(entry.get("required", True)), entry.get("path", "")
        if required and not (base / str(file)).is_file():
            found.append(f"{where} reads env_file {file!r}, which does not exist")
    return found


def _build_problems(where: str, build: Any, base: Path) -> list[str]:
    if build is None:
        return []
    context, dockerfile = build_paths(build, base)
    if context is None:
        return []  # a remote context (git URL): nothing to look at here
    if not context.is_dir():
        return [f"{where} builds from {context}, which is not a directory"]
    if dockerfile is not None and not dockerfile.is_file():
        return [f"{where} builds with {dockerfile.relative_to(base)}, which does not exist"]
    return []


def build_paths(build: Any, base: Path) -> tuple[Path | None, Path | None]:
    """(context dir, Dockerfile path) of a service's `build`; None parts for remote/inline."""
    if isinstance(build, str):
        context_text, dockerfile_text = build, "Dockerfile"
    elif isinstance(build, dict):
        context_text = str(build.get("context", "."))
        if "dockerfile_inline" in build:
            return _local(context_text, base), None
        dockerfile_text = str(build.get("dockerfile", "Dockerfile"))
    else:
        return None, None
    context = _local(context_text, base)
    if context is None:
        return None, None
    return context, (context / dockerfile_text)


def _local(text: str, base: Path) -> Path | None:
    if re.match(r"^[a-z][a-z0-9+.-]*://", text) or text.startswith("git@"):
        return None
    return (base / text).resolve()


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR:+alt}`."""

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("plain")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in variables
        current = variables.get(name, "")
        if op is None:
            return current
        empty_counts = op.startswith(":")
        unset = not present or (empty_counts and not current)
        kind = op[-1]
        if kind == "-":
            return interpolate(arg, variables) if unset else current
        if kind == "?":
            if unset:
                raise ComposeError(f"${{{name}}}: {arg or 'required variable is not set'}")
            return current
        return "" if unset else interpolate(arg, variables)  # "+"

    return _INTERPOLATION.sub(replace, value)


@dataclass(frozen=True)
class Service:
    name: str
    environment: dict[str, str]
    command: list[str] | str | None
    dockerfile: Path | None


def _env_item(entry: Any) -> tuple[str, str | None]:
    """`KEY=VALUE` -> (KEY, VALUE); a bare `KEY` takes its value from the environment."""
    key, sep, value = str(entry).partition("=")
    return key, (value if sep else None)


def services(path: Path, variables: Mapping[str, str]) -> list[Service]:
    """Each service with its environment interpolated from `variables`."""
    data = load(path)
    found: list[Service] = []
    for name, spec in (data.get("services") or {}).items():
        if not isinstance(spec, dict):
            continue
        env: dict[str, str] = {}
        raw = spec.get("environment") or {}
        items: list[tuple[Any, Any]] = (
            list(raw.items()) if isinstance(raw, dict) else [_env_item(e) for e in _as_list(raw)]
        )
        for key, value in items:
            if value is None:
                if key in variables:
                    env[str(key)] = variables[key]
                continue
            env[str(key)] = interpolate(str(value), variables)
        command = spec.get("command")
        if isinstance(command, list):
            command = [interpolate(str(part), variables) for part in command]
        elif command is not None:
            command = interpolate(str(command), variables)
        _, dockerfile = build_paths(spec.get("build"), path.parent)
        found.append(Service(str(name), env, command, dockerfile))
    return found
