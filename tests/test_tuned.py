"""The tuned heuristic: honest (observation and mask only), fitted per scenario, reproducible."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.agents import RuleAgent, TunedAgent, TunedParams
from helixdesk.agents.tuned import FITTED_PATH, load_fitted
from helixdesk.evaluation import make_agent
from helixdesk.protocol import TRAIN_SEEDS, split_seeds
from helixdesk.tasks import SCENARIOS, TASKS, make_env, make_scenario_env
from tests.conftest import SIX_EMPLOYEES

ROOT = Path(__file__).resolve().parents[1]
SEEDS = split_seeds("test", 4)


def _episode(scenario: str, seed: int) -> list[tuple[np.ndarray, dict[str, Any], np.ndarray]]:
    """(observation, info, action) of every step of a tuned episode."""
    env = make_scenario_env(scenario)
    agent, steps = make_agent("tuned", env), []
    obs, info = env.reset(seed=seed)
    done = False
    while not done:
        action = agent.act(obs, info)
        steps.append((obs, info, action))
        obs, _, terminated, truncated, info = env.step(action)
        done = terminated or truncated
    return steps


def test_tuned__is_deterministic_for_a_seed() -> None:
    first = [action.tolist() for *_, action in _episode("hard", SEEDS[0])]
    assert first == [action.tolist() for *_, action in _episode("hard", SEEDS[0])]


@pytest.mark.parametrize("scenario", ["default", "hard", "expert"])
def test_tuned__reads_only_the_observation_and_the_mask(scenario: str) -> None:
    """Replayed into an agent whose env was never reset (no tape, an empty simulator), the
    same observations and masks give the same actions."""
    blind_env = make_scenario_env(scenario)
    blind = make_agent("tuned", blind_env)
    for obs, info, action in _episode(scenario, SEEDS[1]):
        assert np.array_equal(blind.act(obs.copy(), {"action_mask": info["action_mask"]}), action)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tuned__plays_the_parameters_fitted_for_its_scenario(scenario: str) -> None:
    agent = TunedAgent(make_scenario_env(scenario))
    assert agent.params == load_fitted()[scenario]


def test_tuned__any_other_config_gets_the_rule_agents_thresholds() -> None:
    assert TunedAgent(HelixDeskEnv(SIX_EMPLOYEES)).params == TunedParams()


def test_tuned_json__records_its_command_and_train_seeds() -> None:
    fitted = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    assert fitted["command"].startswith("python bench/tune_heuristic.py")
    first, last = fitted["train_seeds"]
    assert first in TRAIN_SEEDS and last in TRAIN_SEEDS
    assert set(fitted["scenarios"]) == set(SCENARIOS)


@pytest.mark.parametrize("task_id", ["hard", "expert"])
def test_tuned__beats_the_rule_agent_on_test_seeds(task_id: str) -> None:
    task, env = TASKS[task_id], make_env(task_id)
    tuned = np.mean([task.grade(env, TunedAgent(env), seed) for seed in SEEDS])
    rule = np.mean([task.grade(env, RuleAgent(env), seed) for seed in SEEDS])
    assert tuned > rule + 0.05


def test_tune_heuristic__fits_and_writes_a_scenario(tmp_path: Path) -> None:
    out = tmp_path / "tuned.json"
    command = [sys.executable, str(ROOT / "bench" / "tune_heuristic.py"), "--out", str(out)]
    subprocess.run(
        [*command, "--scenarios", "easy", "--seeds", "2", "--sweeps", "1"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    written = load_fitted(out)
    assert set(written) == {"easy"}
    assert isinstance(written["easy"], TunedParams)
