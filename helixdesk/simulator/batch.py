"""``BatchSimulator``: a batch of independent episodes driven by the shared kernels.

This is the one simulator behind every face. The single Gymnasium env uses a batch of one;
the vector env uses a batch of ``N``. Each episode's tape is drawn from the generator passed
to :meth:`BatchSimulator.reset`, so an episode depends only on its own seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.rewards import component_values
from helixdesk.simulator.email_gen import E_COLUMNS
from helixdesk.simulator.employee_sim import server_rates, skill_matrix
from helixdesk.simulator.engine import (
    start_episodes,
    start_episodes_parallel,
    step_batch,
    step_batch_parallel,
)
from helixdesk.simulator.jit import BoundKernel, FasterKernel, check_threads
from helixdesk.simulator.state import (
    SC_END_TIME,
    SC_START_HOUR,
    SG_ALERTED,
    SV_RATE,
    BatchState,
    kernel_params,
)
from helixdesk.simulator.tape import Tape, draw_tapes, draw_tapes_parallel
from helixdesk.simulator.uniforms import block_size, tape_params
from helixdesk.simulator.views import Model, Outputs
from helixdesk.spaces import CATEGORY_CODES, action_nvec, layout_for


def build_model(config: HelixConfig) -> Model:
    groups = layout_for(config).groups
    offsets = np.array([group.start for group in groups.values()], dtype=np.int64)
    return Model(
        params=kernel_params(config),
        sla=np.array(config.sla.by_severity()),
        skills=skill_matrix(config),
        values=component_values(config),
        codes=CATEGORY_CODES,
        offsets=offsets,
        clip=float(config.env.reward_clip),
    )


class BatchSimulator:
    """``batch`` episodes advanced in lock-step by :meth:`step`.

    After every :meth:`reset` / :meth:`step` the per-episode results are in ``out``
    (observation, clipped and raw reward, the next email's action mask, the applied action)
    and the step's component counts in ``state.counts``. From ``PARALLEL_FROM`` episodes on,
    a step runs on ``threads`` threads (``None``: numba's count, ``NUMBA_NUM_THREADS``, by
    default one per core; 1: the serial kernel at any size) or on one, whichever has been
    faster lately (:class:`~helixdesk.simulator.jit.FasterKernel`: threads lose beside
    another busy process, and at small batches). Below ``PARALLEL_FROM`` one thread always
    wins.
    """

    PARALLEL_FROM = 64

    def __init__(
        self,
        config: HelixConfig,
        batch: int,
        record_events: bool = False,
        threads: int | None = None,
    ) -> None:
        self.config = config
        self.model = build_model(config)
        self.state = BatchState.allocate(config, batch, record_events)
        self.state.servers[:, :, SV_RATE] = server_rates(config)
        self.emails = np.zeros((batch, config.env.episode_emails, E_COLUMNS))
        nvec = action_nvec(config)
        self.out = Outputs(
            obs=np.zeros((batch, layout_for(config).size), dtype=np.float32),
            rewards=np.zeros(batch),
            raw_rewards=np.zeros(batch),
            masks=np.ones((batch, int(nvec.sum())), dtype=np.bool_),
            applied=np.zeros((batch, len(nvec)), dtype=np.int64),
        )
        self._arrays = self.state.as_tuple()
        self._tape_params = tape_params(config)
        self._parallel_from = self.PARALLEL_FROM if check_threads(threads) != 1 else batch + 1
        self._step: BoundKernel | FasterKernel = BoundKernel(step_batch)
        if batch >= self._parallel_from:
            self._step = FasterKernel(self._step, BoundKernel(step_batch_parallel, threads))
        # Resets of many episodes go parallel too, so a batch may use both kinds.
        self._draw = {
            False: BoundKernel(draw_tapes),
            True: BoundKernel(draw_tapes_parallel, threads),
        }
        self._start = {
            False: BoundKernel(start_episodes),
            True: BoundKernel(start_episodes_parallel, threads),
        }
        self._all = np.ones(batch, dtype=np.bool_)
        self._blocks = np.empty((batch, block_size(config.env.episode_emails)))

    def reset(
        self, indices: Sequence[int] | np.ndarray, rngs: Sequence[np.random.Generator]
    ) -> None:
        """Start a new episode in each slot ``indices[j]``, its tape drawn from ``rngs[j]``."""
        indices = np.ascontiguousarray(indices, dtype=np.int64)  # the bound kernels' type
        blocks = self._blocks[: len(indices)]
        for block, rng in zip(blocks, rngs, strict=True):
            rng.random(out=block)
        parallel = len(indices) >= self._parallel_from
        state = self.state
        self._draw[parallel](
            self._tape_params, indices, blocks, self.emails, state.surges, state.scalars
        )
        self._start[parallel](self._arrays, self.emails, self.model, indices, self.out)

    def tape(self, b: int) -> Tape:
        """A copy of episode ``b``'s tape."""
        scalars = self.state.scalars[b]
        return Tape(
            self.emails[b].copy(),
            self.state.surges[b, :, :SG_ALERTED].copy(),
            float(scalars[SC_START_HOUR]),
            float(scalars[SC_END_TIME]),
        )

    def step(self, actions: np.ndarray, active: np.ndarray | None = None) -> None:
        """Triage one email in every episode where ``active`` (default: all).

        ``actions`` is ``(batch, 4)`` integers; rows of inactive episodes are ignored.
        """
        actions = np.ascontiguousarray(actions, dtype=np.int64)  # the bound kernel's types
        active = self._all if active is None else np.ascontiguousarray(active, dtype=np.bool_)
        self._step(self._arrays, self.emails, self.model, actions, active, self.out)

    def bind_step(self, actions: np.ndarray) -> Callable[[], None]:
        """A no-argument step over the fixed buffer ``actions`` (all episodes active).

        Like :meth:`step` it skips numba's dispatcher (:class:`BoundKernel`), and it also
        skips the argument checks. Write the next actions into ``actions`` (int64,
        C-contiguous) in place.
        """
        if actions.dtype != np.int64 or not actions.flags.c_contiguous:
            raise TypeError("bind_step needs a C-contiguous int64 actions buffer")
        args = (self._arrays, self.emails, self.model, actions, self._all, self.out)
        step = self._step
        return lambda: step(*args)
