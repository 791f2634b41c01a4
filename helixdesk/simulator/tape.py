"""The episode tape: everything random about one episode, drawn once at reset.

One generator call draws a block of uniforms (:mod:`helixdesk.simulator.uniforms`); the
compiled :func:`build_tape` turns it into the surge table, the email table, the start hour
and the end of the shift. Same generator state ⇒ same tape, on every face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import prange

from helixdesk.simulator.clock import start_hour
from helixdesk.simulator.email_gen import draw_emails
from helixdesk.simulator.jit import parallel_tape_builder, tape_builder
from helixdesk.simulator.state import SC_END_TIME, SC_START_HOUR
from helixdesk.simulator.trend_watchdog import draw_surges
from helixdesk.simulator.uniforms import (
    G_START,
    TP_N_EMAILS,
    U_COLUMNS,
)


@dataclass(frozen=True)
class Tape:
    """One episode's tape (ground truth: for graders, tests and renderers, not agents)."""

    emails: np.ndarray
    surges: np.ndarray
    start_hour: float
    end_time: float


@tape_builder
def build_tape(
    uniforms: np.ndarray,
    g: np.ndarray,
    tape: np.ndarray,
    emails: np.ndarray,
    surges: np.ndarray,
    scalars: np.ndarray,
) -> None:
    """Write one episode's surges, emails, start hour and end time from its uniforms."""
    draw_surges(g, tape, surges)
    scalars[SC_END_TIME] = draw_emails(uniforms, surges, tape, emails)
    scalars[SC_START_HOUR] = start_hour(g[G_START])


@tape_builder
def _draw_one(block: np.ndarray, tape: np.ndarray, emails, surges, scalars) -> None:
    n_rows = int(tape[TP_N_EMAILS]) + 1
    uniforms = block[: n_rows * U_COLUMNS].reshape((n_rows, U_COLUMNS))
    build_tape(uniforms, block[n_rows * U_COLUMNS :], tape, emails, surges, scalars)


@tape_builder
def draw_tapes(tape, indices, blocks, emails, surges, scalars) -> None:
    """Draw the tape of every episode ``indices[j]`` of a batch from its block of uniforms
    ``blocks[j]`` into the batch's ``emails``, ``surges`` and ``scalars`` arrays."""
    for j in range(indices.shape[0]):
        b = indices[j]
        _draw_one(blocks[j], tape, emails[b], surges[b], scalars[b])


@parallel_tape_builder
def draw_tapes_parallel(tape, indices, blocks, emails, surges, scalars) -> None:
    """:func:`draw_tapes` spread over the CPU cores."""
    for j in prange(indices.shape[0]):
        b = indices[j]
        _draw_one(blocks[j], tape, emails[b], surges[b], scalars[b])
