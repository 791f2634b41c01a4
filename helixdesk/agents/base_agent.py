"""The agent interface shared by every baseline and trained policy."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import gymnasium as gym
import numpy as np


class BaseAgent(ABC):
    """Maps an observation (and the step's ``info``) to a ``MultiDiscrete`` action."""

    name: str = "agent"

    @abstractmethod
    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        """Return an int64 array of shape (4,): classification, priority, assignment, secondary."""

    def reset(self) -> None:  # noqa: B027 - optional hook, stateless agents need nothing
        """Called at the start of every episode."""


def action_nvec(env: gym.Env) -> np.ndarray:
    """The ``nvec`` of an env's ``MultiDiscrete`` action space (clear error otherwise)."""
    space = env.action_space
    if not isinstance(space, gym.spaces.MultiDiscrete):
        raise TypeError(f"HelixDesk agents need a MultiDiscrete action space, got {space}")
    return np.asarray(space.nvec, dtype=np.int64)
