"""inference.py: the hackathon contract line by line, scores from the traced episode, errors.

LLM runs use the real ``openai`` client in a subprocess against a fake OpenAI-compatible
server on loopback (``tests/fake_openai.py``). Every printed trace is replayed in-test on
``make_env(task)`` with the same seed: the rewards and the score must be those of the replay.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from helixdesk.agents import BaseAgent, RuleAgent
from helixdesk.cli.inference import (
    Runner,
    format_error,
    format_reward,
    format_score,
    run_task,
)
from helixdesk.models import HelixAction
from helixdesk.spaces import ACTION_DIMS
from helixdesk.tasks import TASK_IDS, TASKS, make_env
from tests.fake_openai import FakeOpenAI, Reply, run_cli, triage_reply

REWARD = r"-?\d+\.\d{2}"
START = re.compile(r"\[START\] task=(?P<task>\S+) env=helixdesk model=(?P<model>\S+)")
STEP = re.compile(
    r"\[STEP\] step=(?P<step>\d+) action=(?P<action>\S+) "
    rf"reward=(?P<reward>{REWARD}) done=(?P<done>true|false) error=(?P<error>\S.*)"
)
END = re.compile(
    r"\[END\] success=(?P<success>true|false) steps=(?P<steps>\d+) "
    rf"score=(?P<score>0\.\d{{3}}) rewards=(?P<rewards>(?:{REWARD}(?:,{REWARD})*)?)"
)
ACTION = re.compile(
    r"(query|complaint|flag_for_review),(critical|high|medium|normal),"
    r"(employee_\d+|no_assignment),(auto_reply_from_kb|alert_gm|none)"
)


@dataclass
class Block:
    """One task's [START] … [END] lines, parsed."""

    task: str
    model: str
    steps: list[re.Match[str]]
    end: re.Match[str]


def parse_trace(stdout: str) -> list[Block]:
    """Every stdout line must belong to a [START], [STEP]*, [END] block."""
    lines, blocks, i = stdout.splitlines(), [], 0
    while i < len(lines):
        start = START.fullmatch(lines[i])
        assert start, f"expected [START], got {lines[i]!r}"
        i += 1
        steps = []
        while i < len(lines) and (step := STEP.fullmatch(lines[i])):
            steps.append(step)
            i += 1
        assert i < len(lines), "missing [END]"
        end = END.fullmatch(lines[i])
        assert end, f"expected [STEP] or [END], got {lines[i]!r}"
        i += 1
        blocks.append(Block(start["task"], start["model"], steps, end))
    return blocks


def check_block(block: Block) -> None:
    """The block's lines agree with each other."""
    steps = block.steps
    assert [int(s["step"]) for s in steps] == list(range(1, len(steps) + 1))
    assert [s["done"] for s in steps] == ["false"] * (len(steps) - 1) + ["true"]
    assert int(block.end["steps"]) == len(steps)
    assert block.end["rewards"].split(",") == [s["reward"] for s in steps]
    errors = [s["error"] != "null" for s in steps]
    assert not any(errors[:-1]), "only the last step may carry an error"
    assert block.end["success"] == ("false" if errors[-1] else "true")
    for step in steps:
        failed = step["error"] != "null"
        assert (step["action"] == "null") == failed
        assert failed or ACTION.fullmatch(step["action"])
        assert not failed or step["reward"] == "0.00"


def expected_score(score: float) -> str:
    return f"{min(0.999, max(0.001, score)):.3f}"


def replay(block: Block, seed: int) -> None:
    """Play the printed actions from the same seed: same rewards, same done, same score.

    An episode that failed scores the floor 0.001, whatever its partial grade.
    """
    task = TASKS[block.task]
    env = task.make_env()
    env.reset(seed=seed)
    n_employees = env.config.env.n_employees
    for step in block.steps:
        if step["action"] == "null":
            break
        fields = dict(zip(ACTION_DIMS, step["action"].split(","), strict=True))
        action = HelixAction.model_validate(fields).to_array(n_employees)
        _, reward, _, truncated, _ = env.step(action)
        assert f"{round(reward, 2) + 0.0:.2f}" == step["reward"]
        assert truncated == (step["done"] == "true")
    failed = block.end["success"] == "false"
    assert block.end["score"] == expected_score(0.0 if failed else task.score_log(env.event_log))


def check_trace(stdout: str, model: str, seed: int = 42) -> list[Block]:
    blocks = parse_trace(stdout)
    assert [b.task for b in blocks] == list(TASK_IDS)
    for block in blocks:
        assert block.model == model
        check_block(block)
        replay(block, seed)
    return blocks


def run_inference(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return run_cli("inference.py", *args, cleared=("HELIXDESK_AGENT",), **variables)


def llm_variables(fake: FakeOpenAI) -> dict[str, str]:
    return {"API_BASE_URL": fake.url, "MODEL_NAME": "fake-model", "API_KEY": "test-key"}


# -- full runs ---------------------------------------------------------------------------


def test_inference__llm_run_follows_the_contract(fake: FakeOpenAI) -> None:
    run = run_inference(**llm_variables(fake))
    assert run.returncode == 0, run.stderr
    blocks = check_trace(run.stdout, model="fake-model")
    assert all(b.end["success"] == "true" for b in blocks)
    episode_steps = [make_env(task).config.env.episode_emails for task in TASK_IDS]
    assert [len(b.steps) for b in blocks] == episode_steps
    assert len(fake.requests) == sum(episode_steps)  # every step asked the model once
    assert {h["authorization"] for h in fake.headers} == {"Bearer test-key"}


def test_inference__hf_token_is_the_second_key(fake: FakeOpenAI) -> None:
    variables = {**llm_variables(fake), "HF_TOKEN": "hf-key"}
    del variables["API_KEY"]
    fake.script = lambda request, number: Reply(status=401)
    run = run_inference("--max-retries", "0", **variables)
    assert {h["authorization"] for h in fake.headers} == {"Bearer hf-key"}
    assert run.returncode == 1


def test_inference__rule_agent_scores_equal_the_task_grades() -> None:
    run = run_inference("--agent", "rule", "--seed", "7")
    assert run.returncode == 0, run.stderr
    blocks = check_trace(run.stdout, model="rule-agent", seed=7)
    for block in blocks:
        env = make_env(block.task)
        grade = TASKS[block.task].grade(env, RuleAgent(env), seed=7)
        assert block.end["score"] == expected_score(grade)


def test_inference__rule_agent_by_environment_variable() -> None:
    by_flag = run_inference("--agent", "rule")
    by_variable = run_inference(HELIXDESK_AGENT="rule")
    assert by_variable.returncode == 0
    assert by_variable.stdout == by_flag.stdout
    check_trace(by_variable.stdout, model="rule-agent")


# -- failures are reported ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "error_text"),
    [
        (Reply(status=500), "InternalServerError"),
        (Reply("I would rather not say."), "LLMActionError: unusable reply"),
        (Reply(html="<html><body>Welcome</body></html>"), "not a chat completion"),
    ],
    ids=["server-error", "junk-reply", "html-page"],
)
def test_inference__llm_error_mid_episode_is_on_the_step_line(
    fake: FakeOpenAI, failure: Reply, error_text: str
) -> None:
    fake.script = lambda request, number: triage_reply(request, number) if number < 4 else failure
    run = run_inference("--max-retries", "0", "--timeout-s", "5", **llm_variables(fake))
    assert run.returncode == 1
    blocks = check_trace(run.stdout, model="fake-model")
    easy, *others = blocks
    assert len(easy.steps) == 5 and easy.steps[-1]["action"] == "null"
    assert error_text in easy.steps[-1]["error"]
    assert easy.end["success"] == "false" and easy.end["steps"] == "5"
    for block in others:  # the model keeps failing: each task stops at its first step
        assert len(block.steps) == 1 and error_text in block.steps[0]["error"]
        assert block.end["success"] == "false"


def test_inference__time_budget_ends_every_remaining_task() -> None:
    run = run_inference("--agent", "rule", "--time-budget-s", "0")
    assert run.returncode == 1
    for block in check_trace(run.stdout, model="rule-agent"):
        assert len(block.steps) == 1
        assert block.steps[0]["error"].startswith("TimeBudgetExhausted")
        assert block.end["rewards"] == "0.00" and block.end["score"] == "0.001"


def test_inference__time_budget_bounds_slow_llm_calls(fake: FakeOpenAI) -> None:
    fake.script = lambda request, number: Reply(triage_reply(request, number).content, delay_s=0.2)
    start = time.monotonic()
    run = run_inference("--time-budget-s", "1.5", **llm_variables(fake))
    assert time.monotonic() - start < 1.5 + 8.0  # interpreter start-up and imports
    assert run.returncode == 1
    blocks = check_trace(run.stdout, model="fake-model")
    assert blocks[0].end["success"] == "false"
    assert all(re.search("budget|Timeout", b.steps[-1]["error"]) for b in blocks)


def test_inference__no_key_fails_clearly() -> None:
    run = run_inference()
    assert run.returncode == 2
    assert run.stdout == ""
    assert "set API_KEY or HF_TOKEN" in run.stderr and "--agent rule" in run.stderr


def test_inference__unknown_agent_variable_fails_clearly() -> None:
    run = run_inference(HELIXDESK_AGENT="gpt")
    assert run.returncode == 2
    assert "HELIXDESK_AGENT" in run.stderr and run.stdout == ""


# -- in process --------------------------------------------------------------------------


class _Interrupted(BaseAgent):
    """Acts like the rule agent, then the user presses Ctrl-C at the third step."""

    def __init__(self, env: Any) -> None:
        self.rule, self.steps = RuleAgent(env), 0

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        self.steps += 1
        if self.steps == 3:
            raise KeyboardInterrupt
        return self.rule.act(obs, info)


def test_run_task__end_is_printed_even_when_interrupted(capsys: pytest.CaptureFixture) -> None:
    runner = Runner("interrupted", lambda env, deadline: _Interrupted(env))
    with pytest.raises(KeyboardInterrupt):
        run_task("easy", runner, seed=42, deadline=time.monotonic() + 60)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["[START]", "[STEP]", "[STEP]", "[END]"]
    assert END.fullmatch(lines[-1]) and "success=false steps=2" in lines[-1]


def test_formatting__rewards_scores_and_errors() -> None:
    assert format_reward(-0.001) == "0.00"
    assert format_reward(-0.3) == "-0.30"
    assert [format_score(s) for s in (0.0, 1.0, 0.9996, 0.0004, 0.5)] == [
        "0.001",
        "0.999",
        "0.999",
        "0.001",
        "0.500",
    ]
    error = format_error(RuntimeError("first line\nsecond\r\n  third"))
    assert error == "RuntimeError: first line second third"
    assert len(format_error(ValueError("x" * 5000))) <= 500
