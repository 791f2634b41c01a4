"""Stable-Baselines3 adapter for the native vector env (needs ``pip install helixdesk[train]``).

SB3 does not accept Gymnasium ``VectorEnv`` objects; it has its own ``VecEnv`` interface, in
which a finished sub-env is reset within the same step (its last observation goes into
``info["terminal_observation"]``). :class:`HelixDeskSB3VecEnv` provides that on top of
:class:`~helixdesk.vector.HelixDeskVectorEnv` in ``SAME_STEP`` autoreset mode, with
``info["TimeLimit.truncated"]`` for the horizon (so PPO bootstraps), ``info["episode"]``
(``r`` return, ``l`` length, ``t`` wall-clock seconds since the env was made, as SB3's
``Monitor`` writes it) for SB3's episode statistics, and ``env_method("action_masks")`` for
sb3-contrib's MaskablePPO. (``make_vec_env("helixdesk/HelixDesk-v0")`` works too, with one
single env per sub-env: slower.)::

    from stable_baselines3 import PPO
    from helixdesk.sb3 import HelixDeskSB3VecEnv

    model = PPO("MlpPolicy", HelixDeskSB3VecEnv(num_envs=16), device="cpu")

:class:`ScenarioMixVecEnv` puts several configs (say, the four task scenarios) side by side
in one ``VecEnv``, so a single policy trains on all of them at once. :class:`DeskFeatures` is
a features extractor for SB3 policies that adds a few features read off the observation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn

from helixdesk.config import HelixConfig, specialist_of
from helixdesk.env import REWARD_RAW
from helixdesk.rewards import COMPONENT_INFO_KEYS
from helixdesk.spaces import CATEGORY_CODE_SLOTS, CATEGORY_CODES, ObservationLayout, blocks
from helixdesk.vector import HelixDeskVectorEnv

# What each sub-env's info carries over from the vector env's (SB3 wants a dict per sub-env).
REPORTED_INFO_KEYS = (REWARD_RAW, *COMPONENT_INFO_KEYS)


class _HelixDeskVecEnvBase(VecEnv):
    """What the HelixDesk ``VecEnv`` classes share: read-only attributes, ``action_masks``
    as the only ``env_method`` (for MaskablePPO), and no wrappers."""

    def action_masks(self) -> np.ndarray:
        raise NotImplementedError

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise AttributeError("HelixDesk sub-envs share one simulator: attributes are read-only")

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **kwargs: Any
    ) -> list[Any]:
        if method_name != "action_masks":
            raise AttributeError(f"env_method supports 'action_masks' only, not {method_name!r}")
        masks = self.action_masks()
        return [masks[i] for i in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def _indices(self, indices: VecEnvIndices) -> Sequence[int]:
        return sub_env_indices(indices, self.num_envs)


class HelixDeskSB3VecEnv(_HelixDeskVecEnvBase):
    """``num_envs`` HelixDesk episodes behind SB3's ``VecEnv`` interface."""

    def __init__(
        self,
        num_envs: int = 8,
        config: HelixConfig | str | Path | Mapping[str, Any] | None = None,
    ) -> None:
        self.venv = HelixDeskVectorEnv(
            num_envs, config=config, autoreset_mode=AutoresetMode.SAME_STEP
        )
        super().__init__(
            num_envs, self.venv.single_observation_space, self.venv.single_action_space
        )
        self._actions = np.zeros((num_envs, 4), dtype=np.int64)
        self._returns = np.zeros(num_envs)
        self._lengths = np.zeros(num_envs, dtype=np.int64)
        self._start = time.time()

    def reset(self) -> np.ndarray:
        seeds = [seed if seed is None else int(seed) for seed in self._seeds]
        obs, _ = self.venv.reset(seed=seeds if any(s is not None for s in seeds) else None)
        self._reset_seeds()
        self._returns[:] = 0.0
        self._lengths[:] = 0
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs, 4)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        self._returns += rewards
        self._lengths += 1
        dones = terminated | truncated
        # A finished sub-env's own step info is in final_info (its top level is the new episode's).
        step_info = info["final_info"] if dones.any() else info
        infos: list[dict[str, Any]] = []
        for i in range(self.num_envs):
            source = step_info if dones[i] else info
            item: dict[str, Any] = {key: source[key][i] for key in REPORTED_INFO_KEYS}
            item["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
            if dones[i]:
                item["terminal_observation"] = info["final_obs"][i]
                item["episode"] = self._episode(i)
            infos.append(item)
        return obs, rewards.astype(np.float32), dones, infos

    def _episode(self, i: int) -> dict[str, float | int]:
        """Sub-env ``i``'s finished episode, in SB3 ``Monitor``'s form; starts the next."""
        episode = {
            "r": float(self._returns[i]),
            "l": int(self._lengths[i]),
            "t": round(time.time() - self._start, 6),
        }
        self._returns[i] = 0.0
        self._lengths[i] = 0
        return episode

    def action_masks(self) -> np.ndarray:
        return self.venv.action_masks()

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self.venv, attr_name) for _ in self._indices(indices)]


class ScenarioMixVecEnv(_HelixDeskVecEnvBase):
    """Several :class:`HelixDeskSB3VecEnv` blocks, one per config, behind one ``VecEnv``.

    Sub-envs ``0 .. n_0-1`` run the first config, the next ``n_1`` the second, and so on:
    ``num_envs`` is split as evenly as possible, earlier configs taking the remainder. Every
    config must give the same observation and action spaces (the same team and categories);
    only the dynamics differ. ``seed(s)`` seeds sub-env ``i`` with ``s + i`` across blocks,
    exactly as one block of ``num_envs`` would be seeded.
    """

    def __init__(
        self,
        num_envs: int,
        configs: Sequence[HelixConfig | str | Path | Mapping[str, Any] | None],
    ) -> None:
        if not configs:
            raise ValueError("ScenarioMixVecEnv needs at least one config")
        if num_envs < len(configs):
            raise ValueError(
                f"num_envs={num_envs} cannot give each of the {len(configs)} configs a sub-env"
            )
        sizes = [len(block) for block in np.array_split(np.arange(num_envs), len(configs))]
        self.blocks = [
            HelixDeskSB3VecEnv(size, config) for size, config in zip(sizes, configs, strict=True)
        ]
        first = self.blocks[0]
        for index, block in enumerate(self.blocks[1:], start=1):
            if (
                block.observation_space != first.observation_space
                or block.action_space != first.action_space
            ):
                raise ValueError(
                    f"config {index} gives spaces {block.observation_space}, "
                    f"{block.action_space}; config 0 gives {first.observation_space}, "
                    f"{first.action_space}: mixed configs must share team size and categories"
                )
        self._starts = np.cumsum([0, *sizes])
        super().__init__(num_envs, first.observation_space, first.action_space)

    def reset(self) -> np.ndarray:
        for block, start in zip(self.blocks, self._starts, strict=False):
            block._seeds = self._seeds[start : start + block.num_envs]
        self._reset_seeds()
        return np.concatenate([block.reset() for block in self.blocks])

    def step_async(self, actions: np.ndarray) -> None:
        actions = np.asarray(actions).reshape(self.num_envs, -1)
        for block, start in zip(self.blocks, self._starts, strict=False):
            block.step_async(actions[start : start + block.num_envs])

    def step_wait(self) -> VecEnvStepReturn:
        results = [block.step_wait() for block in self.blocks]
        obs, rewards, dones, infos = zip(*results, strict=True)
        return (
            np.concatenate(obs),
            np.concatenate(rewards),
            np.concatenate(dones),
            [info for block_infos in infos for info in block_infos],
        )

    def action_masks(self) -> np.ndarray:
        return np.concatenate([block.action_masks() for block in self.blocks])

    def close(self) -> None:
        for block in self.blocks:
            block.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self._block_of(i).venv, attr_name) for i in self._indices(indices)]

    def _block_of(self, index: int) -> HelixDeskSB3VecEnv:
        return self.blocks[int(np.searchsorted(self._starts, index, side="right")) - 1]


def sub_env_indices(indices: VecEnvIndices, num_envs: int) -> Sequence[int]:
    """SB3's ``indices`` argument (None = all, an int, or an iterable) as a list of ints."""
    if indices is None:
        return range(num_envs)
    if isinstance(indices, int):
        return [indices]
    return list(indices) if isinstance(indices, Iterable) else [int(indices)]


class DeskFeatures(BaseFeaturesExtractor):
    """The observation plus three features an MLP finds hard to work out from it.

    * the email's category, one-hot (decoded from the observation's 5-slot category code);
    * the trend watchdog's growth for that category (the trend entry the code points to);
    * the employee who specialises in that category, one-hot (category ``i`` belongs to
      employee ``i mod n_employees``, as the desk view's ``specialties`` say).

    All three are functions of the observation alone, so a policy with these features sees
    nothing a plain MLP could not. Spotting a surge needs "the growth of *this* email's
    category", a lookup that a small MLP learns slowly from rare rewards. The output is the
    observation followed by the three, at the slices ``blocks`` names (``observation``,
    ``category``, ``growth``, ``specialist``). Use it with
    ``policy_kwargs={"features_extractor_class": DeskFeatures, "features_extractor_kwargs":
    {"n_employees": 5, "n_categories": 8}}``.
    """

    codes: torch.Tensor
    specialist: torch.Tensor

    def __init__(self, observation_space: gym.spaces.Box, n_employees: int, n_categories: int):
        layout = ObservationLayout(n_employees, tuple(f"c{i}" for i in range(n_categories)))
        if observation_space.shape != (layout.size,):
            raise ValueError(
                f"observation shape {observation_space.shape} does not fit {n_employees} "
                f"employees and {n_categories} categories (expected ({layout.size},))"
            )
        sizes = {
            "observation": layout.size,
            "category": n_categories,
            "growth": 1,
            "specialist": n_employees,
        }
        super().__init__(observation_space, sum(sizes.values()))
        self.blocks = blocks(sizes)
        code_start = layout.index["category_code_0"]
        self.code = slice(code_start, code_start + CATEGORY_CODE_SLOTS)
        self.trend = layout.groups["trend_state"]
        specialist = np.eye(n_employees, dtype=np.float32)[
            specialist_of(np.arange(n_categories), n_employees)
        ]
        self.register_buffer("codes", torch.as_tensor(CATEGORY_CODES[:n_categories]))
        self.register_buffer("specialist", torch.as_tensor(specialist))

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        code = observations[:, self.code]
        category = torch.eq(code.unsqueeze(1), self.codes).all(dim=-1).float()
        growth = (category * observations[:, self.trend]).sum(dim=-1, keepdim=True)
        return torch.cat([observations, category, growth, category @ self.specialist], dim=1)
