"""The reward cannot be farmed, every component can fire, the clip rarely binds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.agents import RandomAgent, RuleAgent
from helixdesk.protocol import mean_ci
from helixdesk.rewards import COMPONENTS, components_from_info
from tests.conftest import ConstantAgent, events, play

SEEDS = range(20)


@pytest.fixture(scope="module")
def returns() -> dict[str, np.ndarray]:
    env = HelixDeskEnv()
    rule = RuleAgent(env)
    random = RandomAgent(env, seed=0)
    return {
        "rule": np.array([play(env, rule, seed) for seed in SEEDS]),
        "random": np.array([play(env, random, seed) for seed in SEEDS]),
    }


def test_rule__beats_every_constant_action(returns: dict[str, np.ndarray]) -> None:
    env = HelixDeskEnv(record_events=False)
    rule_mean = returns["rule"].mean()
    best_constant, best_action = -np.inf, None
    for action in itertools.product(*(range(n) for n in env.action_space.nvec)):
        agent = ConstantAgent(action)
        mean = np.mean([play(env, agent, seed) for seed in SEEDS])
        if mean > best_constant:
            best_constant, best_action = mean, action
    assert rule_mean > best_constant, f"constant {best_action} earns {best_constant:.2f}"
    # Not a photo finish: the rule agent is well clear of the best constant policy.
    assert rule_mean - best_constant > 0.25 * abs(rule_mean)


def test_rule__far_above_random(returns: dict[str, np.ndarray]) -> None:
    rule, random = returns["rule"], returns["random"]
    assert rule.mean() > 2.0 * random.mean()
    # Every one of rule's episodes beats random's mean, and the intervals are far apart.
    assert rule.min() > random.mean()
    assert mean_ci(rule).low - mean_ci(random).high > 0.5 * rule.mean()


def test_every_component__fires_under_random_and_rule_play() -> None:
    env = HelixDeskEnv()
    fired = dict.fromkeys(COMPONENTS, 0)

    def count(action: np.ndarray, obs: np.ndarray, reward: float, info: dict) -> None:
        for name, value in components_from_info(info).items():
            fired[name] += value != 0.0

    for seed in range(10):
        play(env, RuleAgent(env), seed, count)
        play(env, RandomAgent(env, seed=seed), seed, count)
    assert all(fired.values()), f"silent components: {[k for k, v in fired.items() if not v]}"


def test_clip__binds_on_under_10_percent_of_rule_steps() -> None:
    env = HelixDeskEnv()
    raw: list[float] = []
    for seed in SEEDS:
        play(env, RuleAgent(env), seed, lambda a, o, r, info: raw.append(info["reward_raw"]))
    clipped = np.mean(np.abs(raw) > env.config.env.reward_clip)
    assert clipped < 0.10


def test_reward_components__scale_with_config_weights() -> None:
    doubled = HelixDeskEnv(config={"rewards": {"correct_classification": 1.0}})
    base = HelixDeskEnv()
    for env in (doubled, base):
        env.reset(seed=0)
    (arrived,) = events(base, "arrived")  # the first email, which arrives at reset
    action = np.array([arrived["true_class"], 3, 0, 2])  # its true class is the right label
    value_doubled = doubled.step(action)[4]["reward_correct_classification"]
    value_base = base.step(action)[4]["reward_correct_classification"]
    assert value_base > 0
    assert value_doubled == pytest.approx(2 * value_base)
