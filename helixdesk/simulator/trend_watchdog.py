"""Ground-truth category surges, and the watchdog that tries to see them.

A surge multiplies one category's arrival rate for a few hours; the extra emails are mostly
complaints. Surges are drawn on the tape and placed well inside the expected episode span,
so an episode cannot be "surging" from start to end.

The watchdog keeps two time-decayed arrival counts per category (a fast and a slow window).
Its growth signal ``(fast_rate - slow_rate) / (fast_rate + slow_rate)`` lies in [-1, 1] and is
what the observation shows. When the agent alerts the general manager about a category, the
GM acknowledges the trend: the slow baseline is re-set to the fast one, so the signal drops
to zero and a memoryless policy is not invited to alert again about the same wave.

The GM's patience is finite: every unwarranted alert adds one to a doubt count that decays
with ``trend_watchdog.gm_memory_hours``; while it is at least ``gm_patience`` the GM ignores
alerts (they catch no surge, acknowledge nothing, and still cost an unnecessary escalation).
Spamming alerts therefore does not catch surges.
"""

from __future__ import annotations

import math

import numpy as np

from helixdesk.simulator.jit import step_kernel, tape_builder
from helixdesk.simulator.state import (
    MAX_SURGES,
    P_BASE_RATE_PER_CATEGORY,
    P_GM_MEMORY,
    P_GM_PATIENCE,
    P_TAU_FAST,
    P_TAU_SLOW,
    SC_GM_DOUBT,
    SC_GM_T,
    SC_TREND_T,
    SG_ALERTED,
    SG_CATEGORY,
    SG_END,
    SG_START,
    SG_VALID,
    TR_FAST,
    TR_SLOW,
)
from helixdesk.simulator.uniforms import (
    G_PER_SURGE,
    G_SURGE_COUNT,
    G_SURGES,
    TP_MIN_SURGES,
    TP_MULTIPLIER,
    TP_N_CATEGORIES,
    TP_N_EMAILS,
    TP_RATE,
    TP_SURGE_HIGH,
    TP_SURGE_LOW,
    TP_SURGES_MEAN,
)


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
def draw_surges(g: np.ndarray, tape: np.ndarray, surges: np.ndarray) -> None:
    """Fill the ``(MAX_SURGES, SG_COLUMNS)`` surge table from the episode uniforms ``g``.

    The count is Poisson(``email_gen.surges_per_episode``), at least ``email_gen.min_surges``
    and at most ``MAX_SURGES``; each surge hits a distinct category, lasts within
    ``email_gen.surge_hours`` and starts between 5 % and 80 % of the expected episode span.
    """
    n_categories = int(tape[TP_N_CATEGORIES])
    span = tape[TP_N_EMAILS] / tape[TP_RATE]
    drawn = max(_poisson(g[G_SURGE_COUNT], tape[TP_SURGES_MEAN], MAX_SURGES), tape[TP_MIN_SURGES])
    count = min(int(drawn), MAX_SURGES, n_categories)
    order = np.arange(n_categories)
    surges[:, :] = 0.0
    for s in range(count):
        u = g[G_SURGES + G_PER_SURGE * s : G_SURGES + G_PER_SURGE * (s + 1)]
        pick = s + int(u[0] * (n_categories - s))  # partial Fisher-Yates: distinct categories
        order[s], order[pick] = order[pick], order[s]
        duration = tape[TP_SURGE_LOW] + (tape[TP_SURGE_HIGH] - tape[TP_SURGE_LOW]) * u[1]
        latest = max(0.05 * span, 0.8 * span - duration)
        start = 0.05 * span + (latest - 0.05 * span) * u[2]
        surges[s, SG_VALID] = 1.0
        surges[s, SG_CATEGORY] = order[s]
        surges[s, SG_START] = start
        surges[s, SG_END] = start + duration


@tape_builder
def surge_extra_rate(tape: np.ndarray) -> float:
    """Extra emails per hour while one category surges."""
    return tape[TP_RATE] / tape[TP_N_CATEGORIES] * (tape[TP_MULTIPLIER] - 1.0)


@step_kernel
def reset_watchdog(ep, model, now: float) -> None:
    """Start every category at its expected steady-state counts (no cold-start spike)."""
    rate = model.params[P_BASE_RATE_PER_CATEGORY]
    for c in range(ep.trend.shape[0]):
        ep.trend[c, TR_FAST] = rate * model.params[P_TAU_FAST]
        ep.trend[c, TR_SLOW] = rate * model.params[P_TAU_SLOW]
    ep.scalars[SC_TREND_T] = now


@step_kernel
def _decay_to(ep, model, now: float) -> None:
    dt = now - ep.scalars[SC_TREND_T]
    if dt <= 0.0:
        return
    fast = math.exp(-dt / model.params[P_TAU_FAST])
    slow = math.exp(-dt / model.params[P_TAU_SLOW])
    for c in range(ep.trend.shape[0]):
        ep.trend[c, TR_FAST] *= fast
        ep.trend[c, TR_SLOW] *= slow
    ep.scalars[SC_TREND_T] = now


@step_kernel
def observe_arrival(ep, model, category: int, now: float) -> None:
    _decay_to(ep, model, now)
    ep.trend[category, TR_FAST] += 1.0
    ep.trend[category, TR_SLOW] += 1.0


@step_kernel
def growth(ep, model, category: int) -> float:
    """Recent-vs-baseline growth of a category's volume, in [-1, 1]."""
    fast = ep.trend[category, TR_FAST] / model.params[P_TAU_FAST]
    slow = ep.trend[category, TR_SLOW] / model.params[P_TAU_SLOW]
    return (fast - slow) / (fast + slow + 1e-9)


@step_kernel
def acknowledge(ep, model, category: int) -> None:
    """The GM has seen this category's trend: re-baseline so its growth reads zero."""
    params = model.params
    ep.trend[category, TR_SLOW] = (
        ep.trend[category, TR_FAST] * params[P_TAU_SLOW] / params[P_TAU_FAST]
    )


@step_kernel
def gm_listens(ep, model, now: float) -> bool:
    """Decay the GM's doubt to ``now``; True while it is below the GM's patience."""
    ep.scalars[SC_GM_DOUBT] *= math.exp(-(now - ep.scalars[SC_GM_T]) / model.params[P_GM_MEMORY])
    ep.scalars[SC_GM_T] = now
    return ep.scalars[SC_GM_DOUBT] < model.params[P_GM_PATIENCE]


@step_kernel
def claim_surge(surges: np.ndarray, category: int, now: float) -> int:
    """Index of an active, not yet alerted surge of ``category`` (now marked alerted), or -1."""
    for s in range(surges.shape[0]):
        if (
            surges[s, SG_VALID] == 1.0
            and int(surges[s, SG_CATEGORY]) == category
            and surges[s, SG_START] <= now < surges[s, SG_END]
            and surges[s, SG_ALERTED] == 0.0
        ):
            surges[s, SG_ALERTED] = 1.0
            return s
    return -1
