"""A small Dockerfile reader: enough to run an image's own command on the host.

It understands line continuations, comments, parser directives, multi-stage builds (the
last stage is the image that runs), `ENV` in both forms, `CMD`/`ENTRYPOINT` in exec and
shell form, `HEALTHCHECK CMD ...`, `EXPOSE` and the sources of `COPY`/`ADD`.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

_URL = re.compile(r"https?://[^\s'\"\\]+")
_HEALTHCHECK = re.compile(r"^(?:--\S+\s+)*CMD\s+(.*)$", re.IGNORECASE | re.DOTALL)
_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class DockerfileError(ValueError):
    """The Dockerfile cannot be read the way the smoke checks need."""


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    args: str  # the rest of the logical line, continuations joined
    line: int  # 1-based line where it starts


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    shell_form: bool


@dataclass(frozen=True)
class Image:
    """What the final stage says about running the image."""

    env: dict[str, str]
    cmd: Command | None
    entrypoint: Command | None
    healthcheck: Command | None
    health_url: str | None
    expose: tuple[int, ...]
    workdir: str | None
    copy_sources: tuple[tuple[int, str], ...]  # (line, source) for COPY/ADD without --from

    @property
    def argv(self) -> tuple[str, ...]:
        """The process the image starts: ENTRYPOINT then CMD, as Docker combines them."""
        if self.entrypoint is not None:
            if self.entrypoint.shell_form:
                return self.entrypoint.argv  # shell-form ENTRYPOINT ignores CMD
            return self.entrypoint.argv + (self.cmd.argv if self.cmd else ())
        return self.cmd.argv if self.cmd else ()


def logical_lines(text: str) -> list[Instruction]:
    """Instructions with `\\` continuations joined; comments and blank lines dropped."""
    instructions: list[Instruction] = []
    escape = "\\"
    buffer: list[str] = []
    start = 0
    seen_instruction = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not seen_instruction and not buffer:
            directive = re.match(r"#\s*escape\s*=\s*(\S)", stripped, re.IGNORECASE)
            if directive:
                escape = directive.group(1)
                continue
        if stripped.startswith("#"):
            continue  # comments, also inside a continued instruction
        if not stripped and not buffer:
            continue
        if not buffer:
            start = number
        if stripped.endswith(escape):
            buffer.append(stripped[: -len(escape)].rstrip())
            continue
        buffer.append(stripped)
        joined = " ".join(part for part in buffer if part)
        buffer = []
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        seen_instruction = True
    if buffer:
        joined = " ".join(part for part in buffer if part)
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    return instructions


def stages(text: str) -> list[Stage]:
    found: list[Stage] = []
    for instruction in logical_lines(text):
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            if not words:
                raise DockerfileError(f"line {instruction.line}: FROM without an image")
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            found.append(Stage(words[0], name))
        elif instruction.keyword in ("ARG",) and not found:
            continue  # ARG before the first FROM
        elif not found:
            raise DockerfileError(
                f"line {instruction.line}: {instruction.keyword} before the first FROM"
            )
        else:
            found[-1].instructions.append(instruction)
    if not found:
        raise DockerfileError("no FROM instruction")
    return found


def parse_command(args: str) -> Command:
    """`["a", "b"]` (exec form) or `a b` (shell form, run with /bin/sh -c)."""
    text = args.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return Command(tuple(value), shell_form=False)
        # Docker runs a malformed JSON array as a shell command; so do we.
    return Command(("/bin/sh", "-c", text), shell_form=True)


def parse_env(args: str, known: dict[str, str]) -> dict[str, str]:
    """`ENV K=V K2="v 2"` or the legacy `ENV K some value`; `$VAR` expands from `known`."""
    text = args.strip()
    first = text.split(None, 1)[0] if text else ""
    pairs: dict[str, str] = {}
    if "=" not in first:
        key, _, value = text.partition(" ")
        pairs[key] = _expand(value.strip(), {**known, **pairs})
        return pairs
    for word in shlex.split(text, posix=True):
        key, sep, value = word.partition("=")
        if not sep:
            raise DockerfileError(f"ENV {text!r}: {word!r} is not KEY=VALUE")
        pairs[key] = _expand(value, {**known, **pairs})
    return pairs


def _expand(value: str, known: dict[str, str]) -> str:
    return _VAR.sub(lambda m: known.get(m.group(1) or m.group(2), m.group(0)), value)


def parse_healthcheck(args: str) -> Command | None:
    """The command of `HEALTHCHECK [OPTIONS] CMD ...`; None for `HEALTHCHECK NONE`."""
    text = args.strip()
    if text.upper() == "NONE":
        return None
    match = _HEALTHCHECK.match(text)
    if match is None:
        raise DockerfileError(f"HEALTHCHECK {args!r}: expected [OPTIONS] CMD command")
    return parse_command(match.group(1))


def health_url(command: Command | None) -> str | None:
    """The first http(s) URL the health check command asks."""
    if command is None:
        return None
    for part in command.argv:
        match = _URL.search(part)
        if match:
            return match.group(0).rstrip(").,;")
    return None


@dataclass
class _RunState:
    """What the instructions of the final stage's chain say about running the image."""

    env: dict[str, str] = field(default_factory=dict)
    cmd: Command | None = None
    entrypoint: Command | None = None
    healthcheck: Command | None = None
    expose: list[int] = field(default_factory=list)
    workdir: str | None = None

    def apply(self, instruction: Instruction) -> None:
        keyword, args = instruction.keyword, instruction.args
        if keyword == "ENV":
            self.env.update(parse_env(args, self.env))
        elif keyword == "CMD":
            self.cmd = parse_command(args)
        elif keyword == "ENTRYPOINT":
            self.entrypoint = parse_command(args)
            self.cmd = None  # Docker resets CMD when ENTRYPOINT is set
        elif keyword == "HEALTHCHECK":
            self.healthcheck = parse_healthcheck(args)
        elif keyword == "EXPOSE":
            ports = (word.split("/")[0] for word in args.split())
            self.expose.extend(int(port) for port in ports if port.isdigit())
        elif keyword == "WORKDIR":
            self.workdir = args.strip()


def read_image(text: str) -> Image:
    """Parse a Dockerfile's text and describe the image its last stage builds."""
    all_stages = stages(text)
    final = all_stages[-1]
    # A stage built FROM an earlier stage inherits its ENV, CMD and HEALTHCHECK.
    chain = [final]
    names = {stage.name: stage for stage in all_stages if stage.name}
    while chain[-1].base in names and names[chain[-1].base] not in chain:
        chain.append(names[chain[-1].base])
    state = _RunState()
    for stage in reversed(chain):
        for instruction in stage.instructions:
            state.apply(instruction)
    copies: list[tuple[int, str]] = []
    for stage in all_stages:
        for instruction in stage.instructions:
            if instruction.keyword in ("COPY", "ADD"):
                copies.extend((instruction.line, src) for src in copy_sources(instruction.args))
    return Image(
        env=state.env,
        cmd=state.cmd,
        entrypoint=state.entrypoint,
        healthcheck=state.healthcheck,
        health_url=health_url(state.healthcheck),
        expose=tuple(state.expose),
        workdir=state.workdir,
        copy_sources=tuple(copies),
    )


def copy_sources(args: str) -> list[str]:
    """Build-context paths a COPY/ADD reads; none when it copies from a stage or image."""
    text = args.strip()
    if text.startswith("<<"):
        return []  # heredoc
    words = text.split()
    flags = [w for w in words if w.startswith("--")]
    if any(flag.startswith("--from") for flag in flags):
        return []
    rest = text
    while rest.startswith("--"):
        rest = rest.split(None, 1)[1] if " " in rest else ""
    if rest.startswith("["):
        try:
            paths = json.loads(rest)
        except ValueError:
            return []
        sources = [str(p) for p in paths[:-1]]
    else:
        sources = rest.split()[:-1]
    return [s for s in sources if not re.match(r"^[a-z]+://", s)]


def read_image_file(path: Path) -> Image:
    return read_image(path.read_text(encoding="utf-8"))
