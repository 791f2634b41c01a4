"""``HelixDeskVectorEnv``: a native batched Gymnasium ``VectorEnv``.

All ``num_envs`` episodes live in one :class:`~helixdesk.simulator.batch.BatchSimulator` and
advance in one compiled call per step (spread over the CPU cores from 256 envs on). Each
sub-env owns a generator seeded exactly as a single :class:`~helixdesk.env.HelixDeskEnv`
would seed it, so sub-env ``i`` of ``make_vec(id, n).reset(seed=s)`` replays the single env
reset with ``seed=s + i`` step for step, across autoresets: the native env returns what
Gymnasium's ``sync`` mode returns over the same seeds and actions, in every autoreset mode
(``tests/test_vector.py``).

## Autoreset

``autoreset_mode`` (``gym.make_vec(..., autoreset_mode=...)``, also ``metadata`` and the
``autoreset_mode`` attribute), Gymnasium's three modes:

* ``NEXT_STEP`` (default): the step after an episode ends resets that sub-env, ignores its
  action and returns reward 0, both flags false and the reset's info.
* ``SAME_STEP``: the step that ends an episode returns its reward and flags with the next
  episode's first observation and info; the last observation is in ``info["final_obs"]``
  (object array) and that step's info in ``info["final_info"]`` (masked to those sub-envs).
* ``DISABLED``: a sub-env whose episode ended waits for
  ``reset(options={"reset_mask": mask})``, which resets only the masked sub-envs (the
  others keep their observation; their info entries read 0 with ``_key`` False). Stepping
  it before is an error.

## Information

The single env's keys (:data:`helixdesk.env.INFO_KEYS`, in that order), stacked:
``reward_<component>`` and ``reward_raw`` (float64 ``(n,)``), ``action_mask`` (bool
``(n, sum(nvec))``), ``applied_action`` (int64 ``(n, 4)``, -1 for sub-envs reset this step),
``email_index`` (int64 ``(n,)``), ``sim_hours`` (float64 ``(n,)``), each with its ``_key``
bool mask, exactly as ``sync`` mode stacks them; the masks are one shared read-only array.
Episode statistics come from ``gymnasium.wrappers.vector.RecordEpisodeStatistics``.

## Arguments

``HelixDeskVectorEnv(num_envs, config=None, autoreset_mode="NextStep", render_mode=None,
max_episode_steps=None, threads=None)``: ``config`` as for the single env;
``render_mode="rgb_array"`` makes ``render()`` return every sub-env's frame, as ``sync`` mode
does; ``max_episode_steps`` truncates episodes after that many steps if it comes before
``env.episode_emails`` (as ``gym.make``'s ``TimeLimit`` does in ``sync`` mode);
``threads`` is how many threads step a batch of 256 or more (``None``: numba's count,
``NUMBA_NUM_THREADS``, one per core by default; 1: one thread, the serial kernels).
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
from helixdesk.env import APPLIED_ACTION, INFO_KEYS, REWARD_RAW, REWARD_SETTLEMENT
from helixdesk.rewards import COMPONENT_INFO_KEYS, COMPONENTS
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.dynamics.step_results import gather_results
from helixdesk.simulator.jit import BoundKernel
from helixdesk.simulator.schema import Scalar, StepResults
from helixdesk.spaces import action_nvec, action_space, check_actions, observation_space

RESET_MASK = "reset_mask"  # the reset option that names the sub-envs to reset
INFO_MASK_KEYS = tuple(f"_{key}" for key in INFO_KEYS)  # whether each sub-env reports the key


class HelixDeskVectorEnv(VectorEnv):
    """``num_envs`` HelixDesk episodes stepped together (see the module docstring)."""

    metadata = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": ["rgb_array"],
        "render_fps": 4,
    }

    def __init__(
        self,
        num_envs: int,
        config: HelixConfig | str | Path | Mapping[str, Any] | None = None,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        threads: int | None = None,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None")
        self.config = load_config(config)
        self.num_envs = num_envs
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = render_mode
        self.single_observation_space = observation_space(self.config)
        self.single_action_space = action_space(self.config)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._nvec = action_nvec(self.config)
        self._horizon = _horizon(self.config.env.episode_emails, max_episode_steps)
        self._sim = BatchSimulator(self.config, num_envs, threads=threads)
        self._values = self._sim.model.values
        self._gather_results = BoundKernel(gather_results)
        self._rngs: list[np.random.Generator | None] = [None] * num_envs
        self._started = False
        self._ended = np.zeros(num_envs, dtype=np.bool_)
        self._everyone = np.ones(num_envs, dtype=np.bool_)
        self._everyone.flags.writeable = False

    # -- Gymnasium API -------------------------------------------------------------------

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-env, or those of ``options["reset_mask"]``; an int ``seed`` gives
        sub-env ``i`` the seed ``seed + i``. A sub-env reset without a seed continues its
        own generator (a fresh one at the first reset)."""
        seeds = self._seeds(seed)
        mask = _reset_mask(options, self.num_envs)
        indices = np.flatnonzero(mask) if mask is not None else np.arange(self.num_envs)
        for i in indices:
            if seeds[i] is not None or self._rngs[i] is None:
                self._rngs[i] = seeding.np_random(seeds[i])[0]
        self._restart(indices)
        self._started = True
        n = self.num_envs
        components = np.zeros((len(COMPONENTS), n))
        applied = np.full((n, 4), -1, dtype=np.int64)
        info = self._info(components, np.zeros(n), np.zeros(n), applied, present=mask)
        return self._sim.out.obs.copy(), info

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._started:
            raise gym.error.ResetNeeded("call reset() before step()")
        actions = check_actions(actions, self._nvec, self.config)
        if actions.shape != (self.num_envs, 4):
            raise ValueError(f"actions must have shape ({self.num_envs}, 4), got {actions.shape}")
        active = self._everyone
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            active = ~self._ended
            self._restart(np.flatnonzero(self._ended))
        elif self.autoreset_mode == AutoresetMode.DISABLED and self._ended.any():
            raise gym.error.ResetNeeded(
                f"sub-envs {np.flatnonzero(self._ended).tolist()} ended and autoreset is "
                f"disabled: reset them with reset(options={{'{RESET_MASK}': mask}})"
            )
        self._sim.step(actions, active)
        obs, rewards, truncated, info = self._outputs(active)
        if self.autoreset_mode == AutoresetMode.SAME_STEP and truncated.any():
            obs, info = self._reset_ended(obs, info, truncated)
        terminated = np.zeros(self.num_envs, dtype=np.bool_)
        return obs, rewards, terminated, truncated, info

    def render(self) -> tuple[np.ndarray, ...] | None:
        """Each sub-env's ``(400, 800, 3)`` uint8 frame (``render_mode="rgb_array"``)."""
        if self.render_mode is None:
            return None
        if not self._started:
            raise gym.error.ResetNeeded("call reset() before render()")
        from helixdesk.render import desk, render_rgb  # Pillow loads on the first frame

        return tuple(render_rgb(desk(self._sim, b)) for b in range(self.num_envs))

    def action_masks(self) -> np.ndarray:
        """``(num_envs, sum(nvec))`` bool masks for the current emails (MaskablePPO's hook)."""
        return self._sim.out.masks.copy()

    # -- helpers -------------------------------------------------------------------------

    def _restart(self, indices: np.ndarray) -> None:
        """Start new episodes in the given sub-envs, each from its own generator."""
        if len(indices):
            self._sim.reset(indices, [self._rngs[i] for i in indices])
            self._ended[indices] = False

    def _outputs(
        self, active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Observations, rewards, truncation flags and info of the step just taken."""
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
            active, sim.out, sim.state.counts, self._values, sim.state.scalars,
            self._horizon, results,
        )  # fmt: skip
        self._ended[:] = results.truncated
        settlement = np.where(active, sim.out.settlements, 0.0)
        info = self._info(results.components, results.raw_rewards, settlement, results.applied)
        return sim.out.obs.copy(), results.rewards, results.truncated, info

    def _reset_ended(
        self, obs: np.ndarray, info: dict[str, Any], ended: np.ndarray
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """SAME_STEP: restart the ended sub-envs now; their last observation and info move to
        ``final_obs`` and ``final_info``, and they report the new episode's first ones."""
        indices = np.flatnonzero(ended)
        final_obs = np.full(self.num_envs, None, dtype=object)
        for i in indices:
            final_obs[i] = obs[i].copy()
        final_info = _masked(info, ended)
        self._restart(indices)
        obs[indices] = self._sim.out.obs[indices]
        components = np.stack([info[key] for key in COMPONENT_INFO_KEYS])
        components[:, indices] = 0.0
        raw, settlement = info[REWARD_RAW], info[REWARD_SETTLEMENT]
        applied = info[APPLIED_ACTION]
        raw[indices] = settlement[indices] = 0.0
        applied[indices] = -1
        info = self._info(components, raw, settlement, applied)
        info.update(final_obs=final_obs, _final_obs=ended.copy())
        info.update(final_info=final_info, _final_info=ended.copy())
        return obs, info

    def _info(
        self,
        components: np.ndarray,
        raw: np.ndarray,
        settlement: np.ndarray,
        applied: np.ndarray,
        present: np.ndarray | None = None,
    ) -> dict[str, Any]:
        """The stacked info (module docstring) from this step's ``(n_components, n)``
        components, raw rewards, settlements and applied actions; only the sub-envs in
        ``present`` (all by default) report, the others read 0."""
        scalars = self._sim.state.scalars
        values = [  # in INFO_KEYS order
            *components,
            raw,
            settlement,
            self._sim.out.masks.copy(),
            applied,
            scalars[:, Scalar.EMAIL].astype(np.int64),
            scalars[:, Scalar.TIME].copy(),
        ]
        if present is None:
            present = self._everyone
        else:
            for value in values:
                value[~present] = 0
        info = dict(zip(INFO_KEYS, values, strict=True))
        info.update(dict.fromkeys(INFO_MASK_KEYS, present))
        return info

    def _seeds(self, seed: int | list[int | None] | None) -> list[int | None]:
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, int):
            return [seed + i for i in range(self.num_envs)]
        if len(seed) != self.num_envs:
            raise ValueError(f"seed list must have {self.num_envs} entries, got {len(seed)}")
        return list(seed)


def _horizon(episode_emails: int, max_episode_steps: int | None) -> float:
    """Steps after which an episode is truncated (a step triages one email)."""
    if max_episode_steps is None:
        return float(episode_emails)
    if max_episode_steps < 1:
        raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps}")
    return float(min(episode_emails, max_episode_steps))


def _reset_mask(options: dict[str, Any] | None, num_envs: int) -> np.ndarray | None:
    """``options["reset_mask"]``, checked as Gymnasium's ``sync`` mode checks it."""
    if not options or RESET_MASK not in options:
        return None
    mask = options[RESET_MASK]
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        raise TypeError(f"options['{RESET_MASK}'] must be a numpy bool array, got {mask!r}")
    if mask.shape != (num_envs,):
        raise ValueError(f"options['{RESET_MASK}'] must have shape ({num_envs},), got {mask.shape}")
    if not mask.any():
        raise ValueError(f"options['{RESET_MASK}'] must select at least one sub-env")
    return mask.copy()


def _masked(info: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """``info`` reported by the sub-envs in ``mask`` only (the others read 0), as ``sync``
    mode gathers ``final_info``."""
    masked: dict[str, Any] = {}
    for key, value in info.items():
        if not key.startswith("_"):
            kept = np.zeros_like(value)
            kept[mask] = value[mask]
            masked[key] = kept
            masked[f"_{key}"] = mask.copy()
    return masked
