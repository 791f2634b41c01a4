"""The episode tape: everything random about one episode, drawn once at reset.

One generator call draws a block of uniforms (:mod:`helixdesk.simulator.generator.uniforms`);
the compiled :func:`build_tape` turns it into the surge table, the email table and the
shift (start hour, end time). Same generator state ⇒ same tape, on every face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import prange

from helixdesk.config import HelixConfig
from helixdesk.simulator.generator.clock import start_hour
from helixdesk.simulator.generator.email_gen import draw_emails
from helixdesk.simulator.generator.surges import draw_surges
from helixdesk.simulator.generator.uniforms import UNIFORMS_PER_EMAIL, EpisodeUniform, TapeParam
from helixdesk.simulator.jit import parallel_tape_builder, tape_builder
from helixdesk.simulator.schema import MAX_SURGES, Email, Shift, Surge, TapeTables


@dataclass(frozen=True)
class Tape:
    """One episode's tape (ground truth: for graders, tests and renderers, not agents)."""

    emails: np.ndarray  # (episode_emails, len(Email))
    surges: np.ndarray  # (MAX_SURGES, len(Surge))
    start_hour: float
    end_time: float


def allocate_tapes(config: HelixConfig, batch: int) -> TapeTables:
    """Zeroed tape tables for ``batch`` episodes."""
    return TapeTables(
        emails=np.zeros((batch, config.env.episode_emails, len(Email))),
        surges=np.zeros((batch, MAX_SURGES, len(Surge))),
        shift=np.zeros((batch, len(Shift))),
    )


@tape_builder
def build_tape(
    uniforms: np.ndarray,
    g: np.ndarray,
    params: np.ndarray,
    profile: np.ndarray,
    emails: np.ndarray,
    surges: np.ndarray,
    shift: np.ndarray,
) -> None:
    """Write one episode's surges, emails and shift from its uniforms (``params``: the
    :class:`TapeParam` vector; ``profile``: the arrival rate's multiplier by hour of week)."""
    draw_surges(g, params, surges)
    start = start_hour(g[EpisodeUniform.START], params)
    shift[Shift.START_HOUR] = start
    shift[Shift.END_TIME] = draw_emails(uniforms, surges, start, params, profile, emails)


@tape_builder
def _draw_one(block: np.ndarray, params: np.ndarray, profile: np.ndarray, tapes, b: int) -> None:
    n_rows = int(params[TapeParam.N_EMAILS]) + 1
    uniforms = block[: n_rows * UNIFORMS_PER_EMAIL].reshape((n_rows, UNIFORMS_PER_EMAIL))
    g = block[n_rows * UNIFORMS_PER_EMAIL :]
    build_tape(uniforms, g, params, profile, tapes.emails[b], tapes.surges[b], tapes.shift[b])


@tape_builder
def draw_tapes(params, profile, indices, blocks, tapes) -> None:
    """Draw the tape of every episode ``indices[j]`` of a batch from its block of uniforms
    ``blocks[j]`` into the batch's ``tapes``."""
    for j in range(indices.shape[0]):
        _draw_one(blocks[j], params, profile, tapes, indices[j])


@parallel_tape_builder
def draw_tapes_parallel(params, profile, indices, blocks, tapes) -> None:
    """:func:`draw_tapes` spread over the CPU cores."""
    for j in prange(indices.shape[0]):
        _draw_one(blocks[j], params, profile, tapes, indices[j])
