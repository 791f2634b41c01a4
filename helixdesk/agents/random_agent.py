"""Uniformly random actions from a seeded generator."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent, action_nvec


class RandomAgent(BaseAgent):
    """Samples every action dimension uniformly, ignoring masks (the floor any policy beats)."""

    name = "random"

    def __init__(self, env: gym.Env, seed: int | None = None) -> None:
        self._nvec = action_nvec(env)
        self._rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        return (self._rng.random(len(self._nvec)) * self._nvec).astype(np.int64)
