"""LLMAgent: prompt, lenient but principled parsing, bounded retries, failures reported.

Everything but the pure parser runs the real ``openai`` client against a fake
OpenAI-compatible server on loopback (``tests/fake_openai.py``).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helixdesk.agents import (
    LLMActionError,
    LLMAgent,
    LLMCallError,
    LLMConfigError,
    RuleAgent,
)
from helixdesk.agents.llm_agent import parse_action, resolve_llm_config
from helixdesk.env import HelixDeskEnv
from helixdesk.evaluation import make_agent, run_episode
from helixdesk.models import HelixAction
from helixdesk.tasks import TASKS, make_env
from tests.fake_openai import (
    KEY_VARIABLES,
    FakeOpenAI,
    Reply,
    action_json,
    constant,
    run_cli,
)

VALID = action_json("complaint", "critical", "employee_2", "none")
EXPECTED = np.array([1, 0, 2, 2], dtype=np.int64)

Desk = tuple[HelixDeskEnv, np.ndarray, dict[str, Any]]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def desk() -> Desk:
    env = make_env("easy")
    obs, info = env.reset(seed=42)
    return env, obs, info


def _agent(env: HelixDeskEnv, fake: FakeOpenAI, **kwargs: float) -> LLMAgent:
    options = {"timeout_s": 5.0, "max_retries": 0, **kwargs}
    return LLMAgent(env, model="fake-model", base_url=fake.url, api_key="test-key", **options)


# -- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        VALID,
        f"```json\n{VALID}\n```",
        f"Sure! Here is my decision:\n{VALID}\nLet me know if you need more.",
        '{"classification": 1, "priority": 0, "assignment": 2, "secondary": 2}',
        '{"classification": "1", "priority": "0", "assignment": "2", "secondary": "2"}',
        '{"Classification ": " COMPLAINT", "PRIORITY": "Critical ", '
        '"assignment": "Employee 2", "secondary": "None"}',
        '{"classification": "complaint", "priority": "critical", "assignment": "employee-2", '
        '"secondary": "none", "reason": "an angry customer"}',
        'I think {braces} help. {"classification": "complaint", "priority": "critical", '
        '"assignment": 2, "secondary": "none"} {"classification": "query"}',
    ],
    ids=["plain", "fenced", "prose", "ints", "digit-strings", "case-space", "extra-key", "junk"],
)
def test_parse_action__accepts_reasonable_variants(reply: str) -> None:
    action = parse_action(reply, n_employees=5)
    assert action.dtype == np.int64
    np.testing.assert_array_equal(action, EXPECTED)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (("flag", "normal", "none", "none"), [2, 3, 5, 2]),
        (("review", "normal", "unassigned", "none"), [2, 3, 5, 2]),
        (("query", "normal", "no_assignment", "auto_reply"), [0, 3, 5, 0]),
        (("query", "normal", "employee_4", "alert"), [0, 3, 4, 1]),
    ],
)
def test_parse_action__aliases(fields: tuple[str, ...], expected: list[int]) -> None:
    np.testing.assert_array_equal(parse_action(action_json(*fields), 5), expected)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("", "empty"),
        ("complaint, critical, employee_2, none", "no JSON object"),
        ('{"classification": "complaint", "priority": "critical", "assignment": 2}', "secondary"),
        (action_json("complaint", "urgent", "employee_2", "none"), "priority"),
        (action_json("complaint", "critical", "emp 2", "none"), "assignment"),
        (action_json("complaint", "critical", "employee_7", "none"), "out of range"),
        ('{"classification": 5, "priority": 0, "assignment": 0, "secondary": 0}', "0..2"),
        ('{"classification": true, "priority": 0, "assignment": 0, "secondary": 0}', "class"),
    ],
)
def test_parse_action__rejects_with_a_clear_message(reply: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_action(reply, n_employees=5)


# -- configuration -----------------------------------------------------------------------


def test_llm_agent__no_key_is_a_config_error(desk: Desk) -> None:
    with pytest.raises(LLMConfigError, match="API_KEY or HF_TOKEN"):
        LLMAgent(desk[0], base_url="http://127.0.0.1:9/v1")


def test_llm_agent__settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fake: FakeOpenAI, desk: Desk
) -> None:
    monkeypatch.setenv("API_BASE_URL", fake.url)
    monkeypatch.setenv("MODEL_NAME", "env-model")
    monkeypatch.setenv("HF_TOKEN", "hf-key")
    monkeypatch.setenv("OPENAI_API_KEY", "openai-key")
    env, obs, info = desk
    agent = LLMAgent(env)
    assert agent.model == "env-model"
    agent.act(obs, info)
    assert fake.requests[0]["model"] == "env-model"
    assert fake.headers[0]["authorization"] == "Bearer hf-key"
    monkeypatch.setenv("API_KEY", "api-key")
    assert resolve_llm_config().api_key == "api-key"
    assert resolve_llm_config(model="m", api_key="arg").api_key == "arg"


def test_llm_agent__default_model_is_gpt_4o(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEY", "k")
    assert resolve_llm_config().model == "gpt-4o"


# -- the agent against the fake server ---------------------------------------------------


def test_llm_agent__prompt_shows_the_email_and_the_rules(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply(VALID))
    action = _agent(env, fake).act(obs, info)
    np.testing.assert_array_equal(action, EXPECTED)
    request = fake.requests[0]
    system, user = (m["content"] for m in request["messages"])
    assert request["model"] == "fake-model"
    assert request["temperature"] == 0.0
    for text in ("flag_for_review", "auto_reply_from_kb", "employee_4", "escalation keyword"):
        assert text in system
    email = env.email_text()
    assert email.subject in user and email.body in user
    assert "Team: employee_0" in user and "Trending categories" in user


def test_llm_agent__corrective_retry_quotes_the_problem(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply("complaint please"), Reply(f"```{VALID}```"))
    agent = _agent(env, fake)
    np.testing.assert_array_equal(agent.act(obs, info), EXPECTED)
    assert (agent.calls, agent.failures, agent.last_error) == (2, 0, None)
    retry = fake.requests[1]["messages"]
    assert [m["role"] for m in retry] == ["system", "user", "assistant", "user"]
    assert retry[2]["content"] == "complaint please"
    assert "no JSON object" in retry[3]["content"]


def test_llm_agent__unusable_twice_is_an_action_error(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply(action_json("complaint", "urgent", "employee_0", "none")))
    agent = _agent(env, fake)
    with pytest.raises(LLMActionError, match="priority") as caught:
        agent.act(obs, info)
    assert "urgent" in str(caught.value)
    assert (agent.calls, agent.failures, len(fake.requests)) == (2, 1, 2)
    assert agent.last_error == str(caught.value)


def test_llm_agent__server_errors_are_retried_then_reported(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply(status=500))
    agent = _agent(env, fake, max_retries=1)
    with pytest.raises(LLMCallError, match="500"):
        agent.act(obs, info)
    assert len(fake.requests) == agent.calls == 2  # one request and one bounded retry
    assert agent.failures == 1
    assert agent.last_error is not None and "InternalServerError" in agent.last_error
    assert "after 2 attempt(s)" in agent.last_error


def test_llm_agent__client_errors_are_not_retried(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply(status=401))
    with pytest.raises(LLMCallError, match="AuthenticationError"):
        _agent(env, fake, max_retries=2).act(obs, info)
    assert len(fake.requests) == 1


def test_llm_agent__a_transient_error_is_retried(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply(status=503), Reply(VALID))
    agent = _agent(env, fake, max_retries=1)
    np.testing.assert_array_equal(agent.act(obs, info), EXPECTED)
    assert (len(fake.requests), agent.failures) == (2, 0)


def test_llm_agent__timeout_is_reported(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    fake.script = constant(Reply(VALID, delay_s=2.0))
    agent = _agent(env, fake, timeout_s=0.3)
    start = time.monotonic()
    with pytest.raises(LLMCallError, match="Timeout"):
        agent.act(obs, info)
    assert time.monotonic() - start < 1.5
    assert agent.failures == 1


def test_llm_agent__deadline_bounds_the_requests(fake: FakeOpenAI, desk: Desk) -> None:
    env, obs, info = desk
    agent = _agent(env, fake, max_retries=2, deadline=time.monotonic() - 1.0)
    with pytest.raises(LLMCallError, match="time budget"):
        agent.act(obs, info)
    assert fake.requests == []
    fake.script = constant(Reply(VALID, delay_s=2.0))
    agent.deadline = time.monotonic() + 0.4
    start = time.monotonic()
    with pytest.raises(LLMCallError, match=r"time budget exhausted.*Timeout"):
        agent.act(obs, info)  # a timed-out attempt, a back-off cut short, then no more
    assert time.monotonic() - start < 1.0


def test_llm_agent__refuses_an_observation_from_another_env(fake: FakeOpenAI, desk: Desk) -> None:
    env, _, info = desk
    other_obs, _ = make_env("easy").reset(seed=7)
    with pytest.raises(ValueError, match="current observation"):
        _agent(env, fake).act(other_obs, info)
    assert fake.requests == []


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEY", "test-key")


@pytest.mark.usefixtures("keyed")
def test_llm_agent__plays_and_grades_a_whole_task(fake: FakeOpenAI) -> None:
    env = make_env("easy")
    agent = make_agent("llm", env, model="fake-model", base_url=fake.url)
    assert isinstance(agent, LLMAgent)
    result = run_episode(env, agent, seed=42)
    assert result.steps == len(fake.requests) == agent.calls == 20
    assert TASKS["easy"].score_log(env.event_log) == 1.0  # keyword emails → critical complaint


@pytest.mark.usefixtures("keyed")
def test_llm_agent__actions_are_what_the_model_said(fake: FakeOpenAI) -> None:
    env = make_env("easy")
    agent = LLMAgent(env, base_url=fake.url, max_retries=0)
    obs, info = env.reset(seed=3)
    for _ in range(5):
        action = agent.act(obs, info)
        said = json.loads(fake.replies[-1].content or "")
        assert HelixAction.from_array(action, 5).model_dump() == said
        obs, _, _, _, info = env.step(action)


def test_make_agent__llm_without_a_key_raises_instead_of_falling_back(desk: Desk) -> None:
    env = desk[0]
    with pytest.raises(LLMConfigError):
        make_agent("llm", env)
    assert isinstance(make_agent("rule", env), RuleAgent)


# -- baseline.py --agents llm ------------------------------------------------------------


def _baseline(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return run_cli("baseline.py", *args, **variables)


def test_baseline__llm_without_a_key_is_skipped_with_a_note() -> None:
    run = _baseline("--agents", "rule", "llm", "--tasks", "easy", "--seeds", "1")
    assert run.returncode == 0
    assert "llm: skipped — " in run.stderr and "set API_KEY or HF_TOKEN" in run.stderr
    assert "Rule-based agent" in run.stdout and "LLM" not in run.stdout
    alone = _baseline("--agents", "llm")
    assert alone.returncode == 1
    assert "llm: skipped" in alone.stderr and "no agent left" in alone.stderr


def test_baseline__llm_with_a_key_runs_every_task_and_seed(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "llm.json"
    args = ["--agents", "llm", "--seeds", "1", "2", "--json", str(out), "--markdown"]
    run = _baseline(*args, "--model", "fake-model", "--base-url", fake.url, API_KEY="test-key")
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    assert data["llm_model"] == "fake-model"
    assert set(data["results"]["llm"]) == set(TASKS)
    episode_steps = sum(make_env(task).config.env.episode_emails for task in TASKS)
    assert len(fake.requests) == 2 * episode_steps
    assert {r["model"] for r in fake.requests} == {"fake-model"}
    assert "| LLM agent (n=2) |" in run.stdout
