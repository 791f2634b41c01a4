"""``HelixDeskVectorEnv``: a native batched Gymnasium ``VectorEnv``.

All ``num_envs`` episodes live in one :class:`~helixdesk.simulator.batch.BatchSimulator` and
advance in one compiled call per step (spread over the CPU cores from 64 envs on). Each
sub-env owns a generator seeded exactly as a single :class:`~helixdesk.env.HelixDeskEnv`
would seed it, so sub-env ``i`` of ``make_vec(id, n).reset(seed=s)`` replays the single env
reset with ``seed=s + i`` step for step, across autoresets.

Autoreset is ``NEXT_STEP`` (Gymnasium's default): the step after an episode is truncated
resets that sub-env, ignores its action and returns reward 0 with both flags false.

Info is stacked the Gymnasium way (every key also has a ``_key`` boolean mask):
``reward_components`` (dict of 12 arrays), ``reward_raw``, ``action_mask`` (``(n, sum(nvec))``),
``applied_action`` (``(n, 4)``, -1 for sub-envs that were reset this step) and, for sub-envs
whose episode ended this step, ``episode`` with ``r`` (return), ``l`` (length) and ``t``
(simulated hours).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from helixdesk.config import HelixConfig, load_config
from helixdesk.rewards import COMPONENTS
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.jit import BoundKernel
from helixdesk.simulator.state import SC_TIME
from helixdesk.simulator.step_results import gather_results
from helixdesk.simulator.views import StepResults
from helixdesk.spaces import action_nvec, action_space, check_actions, observation_space


class HelixDeskVectorEnv(VectorEnv):
    """``num_envs`` HelixDesk episodes stepped together (see the module docstring)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int,
        config: HelixConfig | str | Path | Mapping[str, Any] | None = None,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.config = load_config(config)
        self.num_envs = num_envs
        self.single_observation_space = observation_space(self.config)
        self.single_action_space = action_space(self.config)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._nvec = action_nvec(self.config)
        self._sim = BatchSimulator(self.config, num_envs)
        self._values = self._sim.model.values
        self._gather_results = BoundKernel(gather_results)
        self._rngs: list[np.random.Generator] = []
        self._needs_reset = np.zeros(num_envs, dtype=np.bool_)
        self._returns = np.zeros(num_envs)
        self._lengths = np.zeros(num_envs, dtype=np.int64)

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-env; an int ``seed`` gives sub-env ``i`` the seed ``seed + i``."""
        seeds = self._seeds(seed)
        self._rngs = [seeding.np_random(s)[0] for s in seeds]
        everyone = np.arange(self.num_envs)
        self._sim.reset(everyone, self._rngs)
        self._needs_reset[:] = False
        self._returns[:] = 0.0
        self._lengths[:] = 0
        components = np.zeros((len(COMPONENTS), self.num_envs))
        applied = np.full((self.num_envs, 4), -1, dtype=np.int64)
        raw = np.zeros(self.num_envs)
        return self._sim.out.obs.copy(), self._info(components, raw, applied, ended=None)

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._rngs:
            raise gym.error.ResetNeeded("call reset() before step()")
        actions = check_actions(actions, self._nvec, self.config)
        if actions.shape != (self.num_envs, 4):
            raise ValueError(f"actions must have shape ({self.num_envs}, 4), got {actions.shape}")
        resetting = np.flatnonzero(self._needs_reset)
        if len(resetting):
            self._sim.reset(resetting, [self._rngs[i] for i in resetting])
            self._returns[resetting] = 0.0
            self._lengths[resetting] = 0
        active = ~self._needs_reset
        self._sim.step(actions, active)
        return self._outputs(active)

    def reset_envs(self, indices: np.ndarray) -> np.ndarray:
        """Start new episodes in the given sub-envs now (each continues its own generator);
        return the whole batch's observations. For adapters that reset in the same step."""
        indices = np.asarray(indices, dtype=np.int64)
        self._sim.reset(indices, [self._rngs[i] for i in indices])
        self._needs_reset[indices] = False
        self._returns[indices] = 0.0
        self._lengths[indices] = 0
        return self._sim.out.obs.copy()

    def action_masks(self) -> np.ndarray:
        """``(num_envs, sum(nvec))`` bool masks for the current emails (MaskablePPO's hook)."""
        return self._sim.out.masks.copy()

    def _outputs(
        self, active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        n, sim = self.num_envs, self._sim
        # Fresh arrays every step: callers may keep what an earlier step returned.
        results = StepResults(
            rewards=np.empty(n),
            raw_rewards=np.empty(n),
            truncated=np.empty(n, dtype=np.bool_),
            components=np.empty((len(COMPONENTS), n)),
            applied=np.empty((n, 4), dtype=np.int64),
        )
        self._gather_results(
            active,
            sim.out,
            sim.state.counts,
            self._values,
            sim.state.scalars,
            float(self.config.env.episode_emails),
            self._returns,
            self._lengths,
            results,
        )
        truncated = results.truncated
        self._needs_reset[:] = truncated
        ended = truncated if truncated.any() else None
        info = self._info(results.components, results.raw_rewards, results.applied, ended)
        terminated = np.zeros(n, dtype=np.bool_)
        return sim.out.obs.copy(), results.rewards, terminated, truncated, info

    def _info(
        self,
        components: np.ndarray,
        raw: np.ndarray,
        applied: np.ndarray,
        ended: np.ndarray | None,
    ) -> dict[str, Any]:
        """The stacked info; ``ended`` marks the sub-envs whose episode ended this step
        (``None`` when none did)."""
        everyone = np.ones(self.num_envs, dtype=np.bool_)
        info: dict[str, Any] = {
            "reward_components": dict(zip(COMPONENTS, components, strict=True)),
            "_reward_components": everyone,
            "reward_raw": raw,
            "_reward_raw": everyone,
            "action_mask": self._sim.out.masks.copy(),
            "_action_mask": everyone,
            "applied_action": applied,
            "_applied_action": everyone,
        }
        if ended is not None:
            hours = self._sim.state.scalars[:, SC_TIME]
            info["episode"] = {
                "r": np.where(ended, self._returns, 0.0),
                "l": np.where(ended, self._lengths, 0),
                "t": np.where(ended, hours, 0.0),
            }
            info["_episode"] = ended.copy()
        return info

    def _seeds(self, seed: int | list[int | None] | None) -> list[int | None]:
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, int):
            return [seed + i for i in range(self.num_envs)]
        if len(seed) != self.num_envs:
            raise ValueError(f"seed list must have {self.num_envs} entries, got {len(seed)}")
        return list(seed)
