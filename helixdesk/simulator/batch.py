"""``BatchSimulator``: a batch of independent episodes driven by the shared kernels.

This is the one simulator behind every face. The single Gymnasium env uses a batch of one;
the vector env uses a batch of ``N``. Each episode's tape is drawn from the generator passed
to :meth:`BatchSimulator.reset`, so an episode depends only on its own seed.
"""

from __future__ import annotations

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.rewards import component_values
from helixdesk.simulator.email_gen import E_COLUMNS
from helixdesk.simulator.employee_sim import server_rates, skill_matrix
from helixdesk.simulator.engine import reset_episode, step_batch
from helixdesk.simulator.state import (
    SC_END_TIME,
    SC_START_HOUR,
    SG_ALERTED,
    SV_RATE,
    BatchState,
    kernel_params,
)
from helixdesk.simulator.tape import Tape, build_tape
from helixdesk.simulator.uniforms import draw_uniforms, tape_params
from helixdesk.simulator.views import Model
from helixdesk.spaces import CATEGORY_CODES, layout_for


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
    """``batch`` episodes advanced in lock-step by :meth:`step`."""

    def __init__(self, config: HelixConfig, batch: int, record_events: bool = False) -> None:
        self.config = config
        self.model = build_model(config)
        self.state = BatchState.allocate(config, batch, record_events)
        self.state.servers[:, :, SV_RATE] = server_rates(config)
        self.emails = np.zeros((batch, config.env.episode_emails, E_COLUMNS))
        self.obs = np.zeros((batch, layout_for(config).size), dtype=np.float32)
        self.rewards = np.zeros(batch)
        self.raw_rewards = np.zeros(batch)
        self._arrays = self.state.as_tuple()
        self._tape_params = tape_params(config)

    def reset(self, b: int, rng: np.random.Generator) -> None:
        """Draw a new tape for episode ``b`` from ``rng`` and start the episode."""
        uniforms, g = draw_uniforms(rng, self.config.env.episode_emails)
        state = self.state
        build_tape(
            uniforms, g, self._tape_params, self.emails[b], state.surges[b], state.scalars[b]
        )
        initial = self.config.knowledge_base.initial_entries_per_category
        reset_episode(self._arrays, self.emails, self.model, b, initial, self.obs)

    def tape(self, b: int) -> Tape:
        """A copy of episode ``b``'s tape."""
        scalars = self.state.scalars[b]
        return Tape(
            self.emails[b].copy(),
            self.state.surges[b, :, :SG_ALERTED].copy(),
            float(scalars[SC_START_HOUR]),
            float(scalars[SC_END_TIME]),
        )

    def step(self, actions: np.ndarray) -> None:
        """Triage one email in every episode; results land in ``obs``/``rewards``/``state``."""
        step_batch(
            self._arrays,
            self.emails,
            self.model,
            actions,
            self.obs,
            self.rewards,
            self.raw_rewards,
        )
