"""``BatchSimulator``: a batch of independent episodes driven by the shared kernels.

This is the one simulator behind every face. The single Gymnasium env uses a batch of one;
the vector env uses a batch of ``N``. Each episode's tape is drawn from the generator passed
to :meth:`BatchSimulator.reset`, so an episode depends only on its own seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.simulator.dynamics.employee_sim import server_rates
from helixdesk.simulator.dynamics.engine import (
    start_episodes,
    start_episodes_parallel,
    step_batch,
    step_batch_parallel,
)
from helixdesk.simulator.dynamics.state import allocate_state, build_model
from helixdesk.simulator.generator.tape import Tape, allocate_tapes, draw_tapes, draw_tapes_parallel
from helixdesk.simulator.generator.uniforms import arrival_profile, block_size, tape_params
from helixdesk.simulator.jit import BoundKernel, FasterKernel, check_threads
from helixdesk.simulator.schema import Outputs, Server, Shift
from helixdesk.spaces import action_nvec, layout_for


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
        self.state = allocate_state(config, batch, record_events)
        self.state.servers[:, :, Server.RATE] = server_rates(config)
        self.tapes = allocate_tapes(config, batch)
        nvec = action_nvec(config)
        self.out = Outputs(
            obs=np.zeros((batch, layout_for(config).size), dtype=np.float32),
            rewards=np.zeros(batch),
            raw_rewards=np.zeros(batch),
            settlements=np.zeros(batch),
            masks=np.ones((batch, int(nvec.sum())), dtype=np.bool_),
            applied=np.zeros((batch, len(nvec)), dtype=np.int64),
        )
        self._tape_params = tape_params(config)
        self._profile = arrival_profile(config)
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
        self._draw[parallel](self._tape_params, self._profile, indices, blocks, self.tapes)
        self._start[parallel](self.state, self.tapes, self.model, indices, self.out)

    def tape(self, b: int) -> Tape:
        """A copy of episode ``b``'s tape."""
        tapes = self.tapes
        return Tape(
            emails=tapes.emails[b].copy(),
            surges=tapes.surges[b].copy(),
            start_hour=float(tapes.shift[b, Shift.START_HOUR]),
            end_time=float(tapes.shift[b, Shift.END_TIME]),
        )

    def step(self, actions: np.ndarray, active: np.ndarray | None = None) -> None:
        """Triage one email in every episode where ``active`` (default: all).

        ``actions`` is ``(batch, 4)`` integers; rows of inactive episodes are ignored.
        """
        actions = np.ascontiguousarray(actions, dtype=np.int64)  # the bound kernel's types
        active = self._all if active is None else np.ascontiguousarray(active, dtype=np.bool_)
        self._step(self.state, self.tapes, self.model, actions, active, self.out)

    def bind_step(self, actions: np.ndarray) -> Callable[[], None]:
        """A no-argument step over the fixed buffer ``actions`` (all episodes active).

        Like :meth:`step` it skips numba's dispatcher (:class:`BoundKernel`), and it also
        skips the argument checks. Write the next actions into ``actions`` (int64,
        C-contiguous) in place.
        """
        if actions.dtype != np.int64 or not actions.flags.c_contiguous:
            raise TypeError("bind_step needs a C-contiguous int64 actions buffer")
        args = (self.state, self.tapes, self.model, actions, self._all, self.out)
        step = self._step
        return lambda: step(*args)
