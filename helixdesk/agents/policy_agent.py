"""A trained Stable-Baselines3 policy (PPO or sb3-contrib's MaskablePPO) behind ``act(obs, info)``.

Needs the ``train`` extra (``pip install -e .[train]``): torch and SB3 are imported when a
:class:`PolicyAgent` is built, not when :mod:`helixdesk.agents` is imported.
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent, action_nvec
from helixdesk.env import ACTION_MASK

if TYPE_CHECKING:
    from stable_baselines3.common.base_class import BaseAlgorithm

MASKABLE_MODULE = "sb3_contrib"


def is_maskable_zip(path: str | Path) -> bool:
    """Whether an SB3 model zip was saved by sb3-contrib's MaskablePPO."""
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data").decode("utf-8"))
    policy_class = data.get("policy_class", {})
    module = policy_class.get("__module__", "") if isinstance(policy_class, dict) else ""
    return str(module).startswith(MASKABLE_MODULE)


def load_model(path: str | Path) -> BaseAlgorithm:
    """Load a PPO or MaskablePPO zip on the CPU, choosing the class from the zip itself."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no SB3 model at {path}")
    if is_maskable_zip(path):
        from sb3_contrib import MaskablePPO

        return MaskablePPO.load(path, device="cpu")
    from stable_baselines3 import PPO

    return PPO.load(path, device="cpu")


@functools.lru_cache(maxsize=4)
def cached_model(path: str) -> BaseAlgorithm:
    """:func:`load_model`, loaded once per path (the commands build one agent per episode)."""
    return load_model(path)


class PolicyAgent(BaseAgent):
    """Acts with a saved SB3 ``PPO`` / ``MaskablePPO`` model (a path, or a model object).

    A MaskablePPO policy is given ``info["action_mask"]``; plain PPO ignores the mask (the
    env applies its own rules to any action).
    """

    name = "sb3"

    def __init__(
        self, env: gym.Env, model: str | Path | BaseAlgorithm, deterministic: bool = True
    ) -> None:
        self.model = load_model(model) if isinstance(model, str | Path) else model
        self.deterministic = deterministic
        self.maskable = type(self.model).__module__.startswith(MASKABLE_MODULE)
        expected = self.model.observation_space.shape
        if expected != env.observation_space.shape:
            raise ValueError(
                f"the model expects observations of shape {expected}, the env gives "
                f"{env.observation_space.shape}: train and evaluate on the same team size"
            )
        model_nvec = np.asarray(getattr(self.model.action_space, "nvec", []), dtype=np.int64)
        if not np.array_equal(model_nvec, action_nvec(env)):
            raise ValueError(
                f"the model's action space {self.model.action_space} does not match the env's "
                f"{env.action_space}"
            )

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        if self.maskable:
            action, _ = self.model.predict(  # type: ignore[call-arg]
                obs, deterministic=self.deterministic, action_masks=info[ACTION_MASK]
            )
        else:
            action, _ = self.model.predict(obs, deterministic=self.deterministic)
        return np.asarray(action, dtype=np.int64).reshape(4)
