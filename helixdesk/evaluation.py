"""Running agents through whole episodes: the loop every command and grader shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helixdesk.agents import BaseAgent, LLMAgent, OracleAgent, RandomAgent, RuleAgent, TunedAgent
from helixdesk.agents.llm_agent import DEFAULT_TEMPERATURE
from helixdesk.env import REWARD_RAW, HelixDeskEnv
from helixdesk.metrics import episode_metrics
from helixdesk.simulator.dynamics.events import EventLog

# Offline agents. "oracle" is PRIVILEGED (it reads the episode's ground truth): the ceiling
# of every table, never a baseline to beat.
AGENT_NAMES = ("rule", "random", "tuned", "oracle")
LLM_AGENT = "llm"  # offline agents above; this one needs an API key (see LLMAgent)
POLICY_AGENTS = ("sb3", "ppo")  # a trained SB3 policy: ``model`` is the saved zip (train extra)

StepCallback = Callable[["StepRecord"], None]


@dataclass(frozen=True)
class StepRecord:
    """What one step did, as handed to loggers and dashboards."""

    episode: int
    step: int
    action: np.ndarray
    reward: float
    info: dict[str, Any]
    episode_return: float


@dataclass
class EpisodeResult:
    """Outcome of one episode: its return and the metrics of :mod:`helixdesk.metrics`."""

    seed: int | None
    episode_return: float
    steps: int
    clipped_steps: int
    metrics: dict[str, Any]
    event_log: EventLog = field(repr=False)

    @property
    def clipped_fraction(self) -> float:
        return self.clipped_steps / self.steps if self.steps else 0.0


def make_agent(
    name: str,
    env: HelixDeskEnv,
    seed: int | None = None,
    *,
    model: str | None = None,
    base_url: str | None = None,
    temperature: float | None = None,
) -> BaseAgent:
    """An agent by name: ``rule``, ``random`` (seeded with ``seed``), ``tuned`` (fitted for
    ``env``'s scenario), ``oracle`` (PRIVILEGED: reads the ground truth), ``llm`` (``model``,
    ``base_url`` and ``temperature`` as in :class:`LLMAgent`, ``seed`` its sampling seed) or
    ``sb3`` / ``ppo`` (``model``: a saved SB3 zip)."""
    if name == "rule":
        return RuleAgent(env)
    if name == "random":
        return RandomAgent(env, seed=seed)
    if name == "tuned":
        return TunedAgent(env)
    if name == "oracle":
        return OracleAgent(env, seed=seed)
    if name == LLM_AGENT:
        temperature = DEFAULT_TEMPERATURE if temperature is None else temperature
        return LLMAgent(env, model=model, base_url=base_url, seed=seed, temperature=temperature)
    if name in POLICY_AGENTS:
        if model is None:
            raise ValueError(f"agent {name!r} needs model=<path to a saved SB3 model zip>")
        from helixdesk.agents.policy_agent import PolicyAgent, cached_model

        return PolicyAgent(env, cached_model(model))
    known = ", ".join((*AGENT_NAMES, LLM_AGENT, *POLICY_AGENTS))
    raise ValueError(f"unknown agent {name!r}; choose from {known}")


def run_episode(
    env: HelixDeskEnv,
    agent: BaseAgent,
    seed: int | None,
    on_step: StepCallback | None = None,
    episode: int = 0,
) -> EpisodeResult:
    """Play one episode from ``reset(seed=seed)`` to truncation."""
    obs, info = env.reset(seed=seed)
    agent.reset()
    total, steps, clipped, done = 0.0, 0, 0, False
    clip = env.config.env.reward_clip
    while not done:
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        steps += 1
        clipped += abs(info[REWARD_RAW]) > clip
        done = terminated or truncated
        if on_step is not None:
            on_step(StepRecord(episode, steps, np.asarray(action), reward, info, total))
    metrics = episode_metrics(env.event_log)
    return EpisodeResult(seed, total, steps, clipped, metrics, env.event_log)
