"""Ask the template's own questions (copier.yml) with scaffold's prompts.

Copier would ask them in a style of its own, on stdout, with validation messages cut at
the terminal's width. Here each question is asked like the advisor's, on the same
terminal, and its `default`, `when` and `validator` are rendered the way Copier renders
them (Jinja with the same filters), so the answers Copier then receives pass its checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, partial
from typing import Any

from scaffold.prompts import Prompter

_FALSE = {"", "false", "no", "n", "off", "0", "none", "null"}


@cache
def _environment() -> Any:
    from jinja2.sandbox import SandboxedEnvironment

    # Copier's own default extensions give templates filters such as regex_search.
    return SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])


def _render(value: Any, answers: Mapping[str, Any]) -> Any:
    if not isinstance(value, str) or "{" not in value:
        return value
    return _environment().from_string(value).render(**answers)


def _choices(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs from a mapping of label to value, or a list of values."""
    given = spec.get("choices")
    if isinstance(given, Mapping):
        return [(str(value), str(label)) for label, value in given.items()]
    if isinstance(given, list):
        return [(str(value), str(value)) for value in given]
    return []


def _cast(kind: str, text: str) -> Any:
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text


def ask_template_questions(
    questions: Mapping[str, Mapping[str, Any]],
    given: Mapping[str, Any],
    defaults: Mapping[str, Any],
    prompter: Prompter,
) -> dict[str, Any]:
    """Every answer: `given` as it is, the rest asked in copier.yml's order.

    `defaults` (e.g. the author from git config) replace the template's own defaults.
    Questions whose `when` renders false are skipped, as Copier skips them.
    """
    answers = dict(given)
    for name, spec in questions.items():
        if name in answers:
            continue
        when = _render(spec.get("when", True), answers)
        if str(when).strip().lower() in _FALSE:
            continue
        default = defaults.get(name, _render(spec.get("default", ""), answers))
        message = str(spec.get("help") or name)
        kind = str(spec.get("type", "str"))
        choices = _choices(spec)
        if choices:
            shown = str(default) if str(default) in dict(choices) else None
            answers[name] = prompter.select(message, choices, default=shown)
        elif kind == "bool":
            answers[name] = prompter.confirm(message, bool(default))
        else:
            check = partial(_problem, name, spec, dict(answers))
            answers[name] = _cast(kind, prompter.text(message, str(default), check))
    return answers


def _problem(
    name: str, spec: Mapping[str, Any], answers: Mapping[str, Any], value: str
) -> str | None:
    """What is wrong with `value` as the answer to `name`, as the template says; None if fine."""
    kind = str(spec.get("type", "str"))
    if kind in ("int", "float"):
        try:
            _cast(kind, value)
        except ValueError:
            return f"{name} must be a number"
    found = str(_render(spec.get("validator", ""), {**answers, name: value}))
    return " ".join(found.split()) or None
