"""The privileged oracle: deterministic, confined to the privileged view, above the rule agent,
and never below its one-email rule when it looks ahead."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.agents import OracleAgent, OracleRules, RuleAgent
from helixdesk.evaluation import make_agent, run_episode
from helixdesk.protocol import split_seeds
from helixdesk.spaces import ALERT_GM, AUTO_REPLY, FLAG_FOR_REVIEW
from helixdesk.tasks import TASKS, make_env, make_scenario_env
from tests.conftest import play

AGENTS_DIR = Path(__file__).resolve().parents[1] / "helixdesk" / "agents"
PRIVILEGED_MODULE = "privileged.py"
HONEST_MODULES = ("random_agent.py", "rule_agent.py", "tuned.py", "llm_agent.py")
SIMULATOR_READS = ("_sim", "tape", "event_log")
LEAD_SEEDS = split_seeds("test", 4)


def _actions(env: HelixDeskEnv, agent: OracleAgent, seed: int) -> list[list[int]]:
    actions: list[list[int]] = []
    play(env, agent, seed, lambda action, *_: actions.append(list(action)))
    return actions


def _source(name: str) -> ast.Module:
    return ast.parse((AGENTS_DIR / name).read_text(encoding="utf-8"))


def _attributes(tree: ast.Module) -> set[str]:
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def _imported_modules(tree: ast.Module) -> set[str]:
    names = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    return names | {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_oracle__is_deterministic_for_a_seed() -> None:
    env = make_env("hard")
    rules = OracleRules(severity_priority=False)  # the random-priority ablation too
    first = _actions(env, OracleAgent(env, seed=3, rules=rules), 5)
    assert first == _actions(env, OracleAgent(env, seed=3, rules=rules), 5)
    assert _actions(env, OracleAgent(env), 5) == _actions(env, OracleAgent(env), 5)


def test_oracle__reads_the_simulator_only_through_the_privileged_view() -> None:
    tree = _source("oracle.py")
    assert not {m for m in _imported_modules(tree) if m.startswith("helixdesk.simulator")}
    assert not _attributes(tree) & set(SIMULATOR_READS)
    assert "helixdesk.agents.privileged" in _imported_modules(tree)


@pytest.mark.parametrize("module", HONEST_MODULES)
def test_honest_agents__never_touch_the_privileged_view_or_the_tape(module: str) -> None:
    tree = _source(module)
    assert "helixdesk.agents.privileged" not in _imported_modules(tree)
    assert not _attributes(tree) & set(SIMULATOR_READS)


def test_privileged_view__is_the_only_agent_module_reading_simulator_state() -> None:
    readers = {
        path.name
        for path in AGENTS_DIR.glob("*.py")
        if "_sim" in _attributes(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert readers == {PRIVILEGED_MODULE}


@pytest.mark.parametrize("task_id", ["medium", "hard", "expert"])
def test_oracle__beats_the_rule_agent(task_id: str) -> None:
    task, env = TASKS[task_id], make_env(task_id)
    oracle = np.mean([task.grade(env, OracleAgent(env), seed) for seed in LEAD_SEEDS])
    rule = np.mean([task.grade(env, RuleAgent(env), seed) for seed in LEAD_SEEDS])
    assert oracle > rule + 0.05


def test_oracle__classifies_every_email_truthfully() -> None:
    env = make_env("expert")
    assert TASKS["expert"].grade(env, make_agent("oracle", env), LEAD_SEEDS[0]) == 1.0


@pytest.mark.parametrize(
    ("rules", "forbidden"),
    [
        (OracleRules(auto_reply=False), (3, AUTO_REPLY)),
        (OracleRules(alert_gm=False), (3, ALERT_GM)),
        (OracleRules(flag_reviews=False), (0, FLAG_FOR_REVIEW)),
    ],
)
def test_oracle_ablations__never_take_the_switched_off_action(
    rules: OracleRules, forbidden: tuple[int, int]
) -> None:
    env = make_env("hard")
    dim, code = forbidden
    actions = np.array(_actions(env, OracleAgent(env, rules=rules), LEAD_SEEDS[0]))
    full = np.array(_actions(env, OracleAgent(env), LEAD_SEEDS[0]))
    assert (full[:, dim] == code).any()  # the full oracle does take it
    assert not (actions[:, dim] == code).any()


def test_oracle__leaves_tickets_that_would_add_a_missed_deadline_with_nobody() -> None:
    env, one_email = make_env("hard"), OracleRules(lookahead=False)
    actions = np.concatenate(
        [_actions(env, OracleAgent(env, rules=one_email), seed) for seed in LEAD_SEEDS]
    )
    nobody = env.config.env.n_employees
    left = (
        (actions[:, 2] == nobody)
        & (actions[:, 3] != AUTO_REPLY)
        & (actions[:, 0] != FLAG_FOR_REVIEW)
    )
    assert 0 < left.sum() < len(actions) / 4


def test_oracle_lookahead__never_scores_below_the_one_email_rule_on_an_episode() -> None:
    """The one-email choice is always among those tried, and its play-out is the episode the
    one-email oracle goes on to play: each decision can only raise the episode's score."""
    task, env = TASKS["hard"], make_env("hard")
    one_email = OracleRules(lookahead=False)
    ahead = [task.grade(env, OracleAgent(env), seed) for seed in LEAD_SEEDS]
    alone = [task.grade(env, OracleAgent(env, rules=one_email), seed) for seed in LEAD_SEEDS]
    assert all(a >= b for a, b in zip(ahead, alone, strict=True))
    assert np.mean(ahead) > np.mean(alone)
    default = make_scenario_env("default", record_events=False)  # scored on return alone
    for seed in LEAD_SEEDS[:2]:
        ahead_return = run_episode(default, OracleAgent(default), seed).episode_return
        alone_return = run_episode(default, OracleAgent(default, rules=one_email), seed)
        assert ahead_return >= alone_return.episode_return - 1e-9  # sums in another order


def test_oracle_lookahead__on_a_task_without_an_event_log_says_what_to_do() -> None:
    env = make_env("hard", record_events=False)
    with pytest.raises(ValueError, match="record_events=True, or pass OracleRules"):
        OracleAgent(env)
    OracleAgent(env, rules=OracleRules(lookahead=False))  # the one-email rule needs no log
