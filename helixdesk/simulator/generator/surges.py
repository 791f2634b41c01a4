"""Ground-truth category surges, drawn on the tape.

A surge multiplies one category's arrival rate for a few hours; the extra emails are mostly
complaints. Surges are placed well inside the expected episode span, so an episode cannot be
"surging" from start to end. The watchdog that tries to see them is
:mod:`helixdesk.simulator.dynamics.trend_watchdog`.
"""

from __future__ import annotations

import math

import numpy as np

from helixdesk.simulator.generator.uniforms import UNIFORMS_PER_SURGE, EpisodeUniform, TapeParam
from helixdesk.simulator.jit import tape_builder
from helixdesk.simulator.schema import MAX_SURGES, Surge


@tape_builder
def _poisson(u: float, mean: float, cap: int) -> int:
    """Inverse-CDF Poisson draw, capped at ``cap``."""
    k, p = 0, math.exp(-mean)
    cumulative = p
    while u >= cumulative and k < cap:
        k += 1
        p *= mean / k
        cumulative += p
    return k


@tape_builder
def draw_surges(g: np.ndarray, params: np.ndarray, surges: np.ndarray) -> None:
    """Fill the ``(MAX_SURGES, len(Surge))`` surge table from the episode uniforms ``g``.

    The count is Poisson(``email_gen.surges_per_episode``), at least ``email_gen.min_surges``
    and at most ``MAX_SURGES``; each surge hits a distinct category, lasts within
    ``email_gen.surge_hours`` and starts between 5 % and 80 % of the expected episode span.
    """
    n_categories = int(params[TapeParam.N_CATEGORIES])
    span = params[TapeParam.N_EMAILS] / params[TapeParam.RATE]
    drawn = max(
        _poisson(g[EpisodeUniform.SURGE_COUNT], params[TapeParam.SURGES_MEAN], MAX_SURGES),
        params[TapeParam.MIN_SURGES],
    )
    count = min(int(drawn), MAX_SURGES, n_categories)
    order = np.arange(n_categories)
    surges[:, :] = 0.0
    for s in range(count):
        u = g[
            EpisodeUniform.FIRST_SURGE + UNIFORMS_PER_SURGE * s : EpisodeUniform.FIRST_SURGE
            + UNIFORMS_PER_SURGE * (s + 1)
        ]
        pick = s + int(u[0] * (n_categories - s))  # partial Fisher-Yates: distinct categories
        order[s], order[pick] = order[pick], order[s]
        duration = (
            params[TapeParam.SURGE_LOW]
            + (params[TapeParam.SURGE_HIGH] - params[TapeParam.SURGE_LOW]) * u[1]
        )
        latest = max(0.05 * span, 0.8 * span - duration)
        start = 0.05 * span + (latest - 0.05 * span) * u[2]
        surges[s, Surge.VALID] = 1.0
        surges[s, Surge.CATEGORY] = order[s]
        surges[s, Surge.START] = start
        surges[s, Surge.END] = start + duration


@tape_builder
def surge_extra_rate(params: np.ndarray) -> float:
    """Extra emails per hour while one category surges."""
    return (
        params[TapeParam.RATE]
        / params[TapeParam.N_CATEGORIES]
        * (params[TapeParam.MULTIPLIER] - 1.0)
    )
