"""The interactive questions, driven through prompt_toolkit's pipe input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput

from scaffold.advisor import Answers, Architecture, Recommendation, Serves, TeamKnows, Workload
from scaffold.errors import InteractiveSessionRequired
from scaffold.new import NewRequest, choose_architecture
from scaffold.prompts import QuestionaryPrompter, ask_advisor_questions, can_prompt

DOWN, ENTER = "\x1b[B", "\r"


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as keys:
        yield keys


def prompter(keys: PipeInput) -> QuestionaryPrompter:
    return QuestionaryPrompter(input=keys, output=DummyOutput())


def test_every_advisor_question_is_asked_with_arrow_keys(pipe: PipeInput) -> None:
    pipe.send_text(
        DOWN + DOWN + ENTER  # serves: both
        + "y"  # admin panel: yes
        + DOWN + ENTER  # workload: io-bound
        + "\x7f" + "25" + ENTER  # team size: replace the default 3 with 25
        + DOWN + DOWN + ENTER  # team knows: both
    )  # fmt: skip
    answers = ask_advisor_questions(Answers(), prompter(pipe))
    assert answers == Answers(
        serves=Serves.both,
        admin=True,
        workload=Workload.io_bound,
        team_size=25,
        team_knows=TeamKnows.both,
    )


def test_only_the_unanswered_questions_are_asked(pipe: PipeInput) -> None:
    pipe.send_text(DOWN + DOWN + DOWN + ENTER)  # team knows: neither
    given = Answers(serves=Serves.api, admin=False, workload=Workload.ml, team_size=4)
    answers = ask_advisor_questions(given, prompter(pipe))
    assert answers == given.model_copy(update={"team_knows": TeamKnows.neither})


def test_team_size_rejects_what_is_not_a_positive_number(pipe: PipeInput) -> None:
    pipe.send_text("\x7f" + "0" + ENTER + "\x7f" + "7" + ENTER)
    size = prompter(pipe).text(
        "How many?", "3", lambda v: None if v.isdigit() and int(v) > 0 else "no"
    )
    assert size == "7"


def test_the_user_can_pick_other_than_the_recommendation(pipe: PipeInput) -> None:
    shown: list[Recommendation] = []
    pipe.send_text(DOWN + ENTER)  # the list starts at the recommendation; take the next one
    request = NewRequest(
        advisor_answers=Answers(
            serves=Serves.pages,
            admin=True,
            workload=Workload.crud,
            team_size=3,
            team_knows=TeamKnows.django,
        )
    )
    architecture, advice = choose_architecture(request, prompter(pipe), shown.append)
    assert advice is not None
    assert advice.architecture == Architecture.django
    assert shown == [advice]
    assert architecture == Architecture.fastapi


def test_accepting_takes_the_recommendation(pipe: PipeInput) -> None:
    pipe.send_text(ENTER)
    request = NewRequest(
        advisor_answers=Answers(
            serves=Serves.api,
            admin=False,
            workload=Workload.ml,
            team_size=4,
            team_knows=TeamKnows.fastapi,
        )
    )
    architecture, _ = choose_architecture(request, prompter(pipe), lambda _: None)
    assert architecture == Architecture.fastapi


def test_ctrl_c_at_a_prompt_propagates(pipe: PipeInput) -> None:
    pipe.send_text("\x03")
    with pytest.raises(KeyboardInterrupt):
        ask_advisor_questions(Answers(), prompter(pipe))


def test_no_prompter_and_no_yes_is_an_error_naming_the_flags() -> None:
    with pytest.raises(InteractiveSessionRequired) as caught:
        choose_architecture(NewRequest(), None, lambda _: None)
    assert caught.value.hint is not None
    assert "--architecture" in caught.value.hint
    assert "--yes" in caught.value.hint


def test_ci_or_a_pipe_never_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setenv("CI", "true")
    assert can_prompt() is False
    monkeypatch.delenv("CI")
    assert can_prompt() is True
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert can_prompt() is False


def test_stdout_sent_to_a_file_still_prompts_on_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `scaffold recommend > choice.txt`: prompts are drawn on stderr, the verdict is data.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert can_prompt() is True


def test_a_refused_answer_is_explained_in_full_and_asked_again(pipe: PipeInput) -> None:
    shown: list[str] = []
    long_reason = "no: " + "this explanation is longer than any terminal is wide " * 3
    asker = QuestionaryPrompter(show_problem=shown.append, input=pipe, output=DummyOutput())
    pipe.send_text("\x7f" + "0" + ENTER + "\x7f" + "7" + ENTER)
    size = asker.text("How many?", "3", lambda v: None if v != "0" else long_reason)
    assert size == "7"
    assert shown == [long_reason]


def test_the_template_questions_are_asked_in_order_with_copiers_rules(pipe: PipeInput) -> None:
    from scaffold.template_questions import ask_template_questions

    questions = {
        "architecture": {"type": "str", "choices": {"Django": "django", "FastAPI": "fastapi"}},
        "project_name": {"type": "str", "help": "Project name"},
        "project_slug": {
            "type": "str",
            "default": "{{ project_name | lower | regex_replace('[^a-z0-9]+', '-') }}",
            "validator": "{% if not (project_slug | regex_search('^[a-z][a-z0-9-]*$')) %}"
            "project_slug '{{ project_slug }}' is not\n  a valid name{% endif %}",
        },
        "python_version": {"type": "str", "choices": ["3.12", "3.13"], "default": "3.12"},
        "admin_path": {
            "type": "str",
            "default": "backoffice",
            "when": "{{ architecture == 'django' }}",
        },
        "workers": {"type": "int", "default": 2},
    }
    shown: list[str] = []
    asker = QuestionaryPrompter(show_problem=shown.append, input=pipe, output=DummyOutput())
    pipe.send_text(
        "\x15" + "9shop" + ENTER  # slug: refused (starts with a digit)
        + "\x15" + "shop" + ENTER  # slug again: accepted
        + DOWN + ENTER  # python 3.13
        + ENTER  # workers: the default 2
    )  # fmt: skip
    answers = ask_template_questions(
        questions, {"architecture": "fastapi", "project_name": "Shop"}, {}, asker
    )
    assert answers == {
        "architecture": "fastapi",
        "project_name": "Shop",
        "project_slug": "shop",
        "python_version": "3.13",
        "workers": 2,
    }  # admin_path is not asked: its `when` is false for fastapi
    assert shown == ["project_slug '9shop' is not a valid name"]
