"""Decisions have delayed consequences; the state stays bounded; observations carry signal."""

from __future__ import annotations

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.agents import RandomAgent, RuleAgent
from helixdesk.config import load_config
from helixdesk.metrics import episode_metrics
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.dynamics.state import ticket_slots
from helixdesk.simulator.schema import Email, KbEntry, Scalar
from helixdesk.spaces import ACTION_DIMS, COMPLAINT, FLAG_FOR_REVIEW, action_nvec
from tests.conftest import events, play

SEEDS = range(10)
CLASSIFICATION, ASSIGNMENT = ACTION_DIMS.index("classification"), ACTION_DIMS.index("assignment")


class RedirectComplaints(RuleAgent):
    """The rule agent, except that every complaint goes to one fixed assignee."""

    def __init__(self, env: HelixDeskEnv, assignee: int) -> None:
        super().__init__(env)
        self.assignee = assignee

    def act(self, obs: np.ndarray, info: dict) -> np.ndarray:
        action = super().act(obs, info)
        if action[CLASSIFICATION] == COMPLAINT:
            action[ASSIGNMENT] = self.assignee
        return action


def _mean_metrics(env: HelixDeskEnv, agent: RuleAgent) -> dict[str, float]:
    rows = []
    for seed in SEEDS:
        play(env, agent, seed)
        rows.append(episode_metrics(env.event_log))
    keys = ("missed_deadlines", "mean_csat", "sla_compliance")
    return {key: float(np.mean([row[key] for row in rows])) for key in keys}


@pytest.mark.parametrize(("assignee", "label"), [(0, "employee_0"), (5, "nobody")])
def test_dumping_complaints__misses_deadlines_and_lowers_csat(assignee: int, label: str) -> None:
    env = HelixDeskEnv()
    rule = _mean_metrics(env, RuleAgent(env))
    dumped = _mean_metrics(env, RedirectComplaints(env, assignee))
    assert rule["sla_compliance"] > 0.8, "the rule agent keeps most tickets within SLA"
    assert dumped["missed_deadlines"] > 2.5 * rule["missed_deadlines"], label
    assert dumped["mean_csat"] < rule["mean_csat"] - 0.5, label


def test_auto_replying_a_complaint__earns_bad_autoreply() -> None:
    env = HelixDeskEnv()
    env.reset(seed=3)
    while env.tape.emails[env.email_index, Email.TRUE_CLASS] != COMPLAINT:
        env.step(np.array([0, 3, 5, 2]))
    *_, info = env.step(np.array([1, 1, 0, 0]))
    assert info["reward_bad_autoreply"] < 0
    reply = events(env, "auto_replied")[-1]
    assert reply["success"] == 0 and reply["csat"] <= 2  # failed, rated 1 or 2


def test_unassigned_tickets__are_abandoned_at_their_deadline() -> None:
    env = HelixDeskEnv()
    env.reset(seed=0)
    done = False
    while not done:
        *_, done, _ = env.step(np.array([1, 3, 5, 2]))
    abandoned = events(env, "abandoned")
    missed = {event["email"] for event in events(env, "missed_deadline")}
    assert len(abandoned) > 50
    assert {event["email"] for event in abandoned} <= missed


def test_observation__no_dimension_is_constant_across_episodes() -> None:
    env = HelixDeskEnv()
    observations: list[np.ndarray] = []
    for seed in range(6):
        for agent in (RuleAgent(env), RandomAgent(env, seed=seed)):
            play(env, agent, seed, lambda a, obs, r, i: observations.append(obs))
    spread = np.ptp(np.array(observations), axis=0)
    constant = [name for name, s in zip(env.layout.feature_names, spread, strict=True) if s == 0]
    assert not constant


def test_agent_confidence__is_a_noisy_signal_of_review_cases() -> None:
    env = HelixDeskEnv()
    env.reset(seed=0)
    emails = np.concatenate([env.reset(seed=s) and env.tape.emails for s in range(10)])
    review = emails[:, Email.TRUE_CLASS] == FLAG_FOR_REVIEW
    confidence = emails[:, Email.CONFIDENCE]
    assert confidence[review].mean() < confidence[~review].mean() - 0.2
    assert confidence[review].max() > confidence[~review].min()  # overlapping: noisy


def test_long_episode__state_stays_bounded() -> None:
    config = load_config({"env": {"episode_emails": 20_000}})
    sim = BatchSimulator(config, batch=1)
    sizes = [array.shape for array in sim.state]
    sim.reset([0], [np.random.default_rng(0)])
    rng, nvec = np.random.default_rng(0), action_nvec(config)
    peak_open = 0.0
    for _ in range(config.env.episode_emails):
        sim.step(rng.integers(0, nvec)[None, :])
        scalars = sim.state.scalars[0]
        peak_open = max(peak_open, scalars[Scalar.POOL] + scalars[Scalar.PENDING])
    assert [array.shape for array in sim.state] == sizes
    assert peak_open <= ticket_slots(config)
    entries = sim.state.kb[0, :, :, KbEntry.PRESENT].sum(axis=1)
    assert entries.max() <= config.knowledge_base.capacity_per_category
