"""Stable-Baselines3 adapter for the native vector env (needs ``pip install helixdesk[train]``).

SB3 does not accept Gymnasium ``VectorEnv`` objects; it has its own ``VecEnv`` interface, in
which a finished sub-env is reset within the same step (its last observation goes into
``info["terminal_observation"]``). :class:`HelixDeskSB3VecEnv` provides that on top of
:class:`~helixdesk.vector.HelixDeskVectorEnv`, with ``info["TimeLimit.truncated"]`` for the
horizon (so PPO bootstraps), ``info["episode"]`` for SB3's episode statistics, and
``env_method("action_masks")`` for sb3-contrib's MaskablePPO::

    from stable_baselines3 import PPO
    from helixdesk.sb3 import HelixDeskSB3VecEnv

    model = PPO("MlpPolicy", HelixDeskSB3VecEnv(num_envs=16), device="cpu")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn

from helixdesk.config import HelixConfig
from helixdesk.rewards import COMPONENTS
from helixdesk.vector import HelixDeskVectorEnv


class HelixDeskSB3VecEnv(VecEnv):
    """``num_envs`` HelixDesk episodes behind SB3's ``VecEnv`` interface."""

    def __init__(
        self,
        num_envs: int = 8,
        config: HelixConfig | str | Path | Mapping[str, Any] | None = None,
    ) -> None:
        self.venv = HelixDeskVectorEnv(num_envs, config=config)
        super().__init__(
            num_envs, self.venv.single_observation_space, self.venv.single_action_space
        )
        self._actions = np.zeros((num_envs, 4), dtype=np.int64)

    def reset(self) -> np.ndarray:
        seeds = [seed if seed is None else int(seed) for seed in self._seeds]
        obs, _ = self.venv.reset(seed=seeds if any(s is not None for s in seeds) else None)
        self._reset_seeds()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs, 4)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        dones = terminated | truncated
        infos = self._split_info(info, terminated, truncated)
        finished = np.flatnonzero(dones)
        if len(finished):
            for i in finished:
                infos[i]["terminal_observation"] = obs[i].copy()
            obs = self.venv.reset_envs(finished)
        return obs, rewards.astype(np.float32), dones, infos

    def _split_info(
        self, info: dict[str, Any], terminated: np.ndarray, truncated: np.ndarray
    ) -> list[dict[str, Any]]:
        components = info["reward_components"]
        infos: list[dict[str, Any]] = []
        for i in range(self.num_envs):
            item: dict[str, Any] = {
                "reward_components": {name: float(components[name][i]) for name in COMPONENTS},
                "reward_raw": float(info["reward_raw"][i]),
                "TimeLimit.truncated": bool(truncated[i] and not terminated[i]),
            }
            if info.get("_episode", np.zeros(0, dtype=bool)).any() and info["_episode"][i]:
                episode = info["episode"]
                item["episode"] = {
                    "r": float(episode["r"][i]),
                    "l": int(episode["l"][i]),
                    "t": float(episode["t"][i]),
                }
            infos.append(item)
        return infos

    def action_masks(self) -> np.ndarray:
        return self.venv.action_masks()

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self.venv, attr_name) for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise AttributeError("HelixDesk sub-envs share one simulator: attributes are read-only")

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **kwargs: Any
    ) -> list[Any]:
        if method_name != "action_masks":
            raise AttributeError(f"env_method supports 'action_masks' only, not {method_name!r}")
        masks = self.venv.action_masks()
        return [masks[i] for i in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def _indices(self, indices: VecEnvIndices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return list(indices) if isinstance(indices, Iterable) else [int(indices)]
