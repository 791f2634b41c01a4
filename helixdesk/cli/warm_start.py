"""``train.py --imitate AGENT``: behaviour cloning of a scripted agent before PPO.

PPO from a random policy learns the easy parts of the desk (keyword emails, auto-replies)
and then stalls below the tuned heuristic (``docs/training.md``). A warm start hands PPO the
heuristic's competence to improve on: the agent plays
``--imitate-episodes`` episodes of every ``--scenarios`` entry, on the *train* seeds
(:mod:`helixdesk.protocol`), and the policy is fitted to its decisions (the masked
log-likelihood of each action) while the value head is fitted to the discounted return that
followed (``--gamma``). PPO then starts from that policy.

The demonstrations are played on the configs PPO trains on, so a scenario listed twice is
demonstrated twice, as it is trained twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from rich.console import Console
from sb3_contrib import MaskablePPO

from helixdesk.agents import BaseAgent
from helixdesk.config import HelixConfig
from helixdesk.env import ACTION_MASK, HelixDeskEnv
from helixdesk.evaluation import StepRecord, make_agent, run_episode
from helixdesk.protocol import split_seeds

# 150 epochs of the shipped recipe's 40,000 steps: the clone takes the demonstrated action
# on about 90 % of them (10 epochs gave 39 %, 60 gave 73 %).
EPOCHS = 150
BATCH = 512
LEARNING_RATE = 1e-3
VALUE_WEIGHT = 0.5  # of the value head's squared error, beside the actions' log-likelihood


@dataclass(frozen=True)
class Demonstrations:
    """What the scripted agent saw and did, step by step, and the discounted return after."""

    observations: np.ndarray  # (N, obs_dim) float32
    actions: np.ndarray  # (N, 4) int64
    masks: np.ndarray  # (N, mask length) bool
    returns: np.ndarray  # (N,) float32

    def __len__(self) -> int:
        return len(self.actions)


def discounted(rewards: Sequence[float], gamma: float) -> list[float]:
    """Return-to-go of every step of one episode."""
    out, running = [], 0.0
    for reward in reversed(rewards):
        running = reward + gamma * running
        out.append(running)
    return out[::-1]


class _Recorder(BaseAgent):
    """Plays ``agent`` and keeps what it saw, chose and earned at every step (pass
    :meth:`earned` as ``run_episode``'s ``on_step``)."""

    def __init__(self, agent: BaseAgent) -> None:
        self.agent = agent
        self.observations: list[np.ndarray] = []
        self.actions: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []
        self.rewards: list[float] = []

    def reset(self) -> None:
        self.agent.reset()

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        action = np.asarray(self.agent.act(obs, info), dtype=np.int64)
        self.observations.append(obs)
        self.actions.append(action)
        self.masks.append(np.asarray(info[ACTION_MASK], dtype=bool))
        return action

    def earned(self, step: StepRecord) -> None:
        self.rewards.append(step.reward)


def demonstrate(
    agent_name: str, configs: Sequence[HelixConfig], episodes: int, gamma: float
) -> Demonstrations:
    """``agent_name`` plays ``episodes`` train-split episodes of every config."""
    observations, actions, masks, returns = [], [], [], []
    for config in configs:
        env = HelixDeskEnv(config=config)
        for seed in split_seeds("train", episodes):
            recorder = _Recorder(make_agent(agent_name, env, seed))
            run_episode(env, recorder, seed, on_step=recorder.earned)
            observations += recorder.observations
            actions += recorder.actions
            masks += recorder.masks
            returns += discounted(recorder.rewards, gamma)
    return Demonstrations(
        np.asarray(observations, dtype=np.float32),
        np.stack(actions),
        np.stack(masks),
        np.asarray(returns, dtype=np.float32),
    )


def clone(model: MaskablePPO, demos: Demonstrations, seed: int) -> tuple[float, float]:
    """Fit ``model``'s policy to ``demos`` (module docstring); return the last epoch's mean
    action log-likelihood and the share of demonstrated actions the policy now picks."""
    policy = model.policy
    optimizer = torch.optim.Adam(policy.parameters(), lr=LEARNING_RATE)
    generator = np.random.default_rng(seed)
    observations = torch.as_tensor(demos.observations)
    actions = torch.as_tensor(demos.actions)
    returns = torch.as_tensor(demos.returns)
    likelihood = 0.0
    policy.set_training_mode(True)
    for _ in range(EPOCHS):
        total = 0.0
        for batch in np.array_split(generator.permutation(len(demos)), len(demos) // BATCH or 1):
            distribution = policy.get_distribution(
                observations[batch], action_masks=demos.masks[batch]
            )
            log_likelihood = distribution.log_prob(actions[batch]).mean()
            value_error = policy.predict_values(observations[batch]).flatten() - returns[batch]
            loss = -log_likelihood + VALUE_WEIGHT * value_error.pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(log_likelihood.detach()) * len(batch)
        likelihood = total / len(demos)
    policy.set_training_mode(False)
    with torch.no_grad():
        chosen = policy.get_distribution(observations, action_masks=demos.masks).mode()
    agreement = float((chosen == actions).all(dim=1).float().mean())
    return likelihood, agreement


def warm_start(
    model: MaskablePPO,
    agent_name: str,
    configs: Sequence[HelixConfig],
    episodes: int,
    console: Console,
) -> None:
    """Demonstrate, then clone (module docstring), reporting both on ``console``."""
    demos = demonstrate(agent_name, configs, episodes, float(model.gamma))
    likelihood, agreement = clone(model, demos, int(model.seed or 0))
    console.print(
        f"warm start: cloned {agent_name} from {len(demos):,} steps of {episodes} train "
        f"episodes per scenario entry; log-likelihood {likelihood:.3f}, the policy takes "
        f"the demonstrated action on {agreement:.1%} of them",
        markup=False,
        highlight=False,
    )
