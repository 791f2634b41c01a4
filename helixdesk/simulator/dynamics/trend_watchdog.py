"""The trend watchdog, which tries to see the tape's surges
(:mod:`helixdesk.simulator.generator.surges`), and the general manager it alerts.

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

from helixdesk.simulator.jit import step_kernel
from helixdesk.simulator.schema import Param, Scalar, Surge, Trend


@step_kernel
def reset_watchdog(ep, model, now: float) -> None:
    """Start every category at its expected steady-state counts (no cold-start spike)."""
    rate = model.params[Param.BASE_RATE_PER_CATEGORY]
    for c in range(ep.trend.shape[0]):
        ep.trend[c, Trend.FAST] = rate * model.params[Param.TAU_FAST]
        ep.trend[c, Trend.SLOW] = rate * model.params[Param.TAU_SLOW]
    ep.scalars[Scalar.TREND_T] = now


@step_kernel
def _decay_to(ep, model, now: float) -> None:
    dt = now - ep.scalars[Scalar.TREND_T]
    if dt <= 0.0:
        return
    fast = math.exp(-dt / model.params[Param.TAU_FAST])
    slow = math.exp(-dt / model.params[Param.TAU_SLOW])
    for c in range(ep.trend.shape[0]):
        ep.trend[c, Trend.FAST] *= fast
        ep.trend[c, Trend.SLOW] *= slow
    ep.scalars[Scalar.TREND_T] = now


@step_kernel
def observe_arrival(ep, model, category: int, now: float) -> None:
    _decay_to(ep, model, now)
    ep.trend[category, Trend.FAST] += 1.0
    ep.trend[category, Trend.SLOW] += 1.0


@step_kernel
def growth(ep, model, category: int) -> float:
    """Recent-vs-baseline growth of a category's volume, in [-1, 1]."""
    fast = ep.trend[category, Trend.FAST] / model.params[Param.TAU_FAST]
    slow = ep.trend[category, Trend.SLOW] / model.params[Param.TAU_SLOW]
    return (fast - slow) / (fast + slow + 1e-9)


@step_kernel
def acknowledge(ep, model, category: int) -> None:
    """The GM has seen this category's trend: re-baseline so its growth reads zero."""
    params = model.params
    ep.trend[category, Trend.SLOW] = (
        ep.trend[category, Trend.FAST] * params[Param.TAU_SLOW] / params[Param.TAU_FAST]
    )


@step_kernel
def gm_listens(ep, model, now: float) -> bool:
    """Decay the GM's doubt to ``now``; True while it is below the GM's patience."""
    ep.scalars[Scalar.GM_DOUBT] *= math.exp(
        -(now - ep.scalars[Scalar.GM_T]) / model.params[Param.GM_MEMORY]
    )
    ep.scalars[Scalar.GM_T] = now
    return ep.scalars[Scalar.GM_DOUBT] < model.params[Param.GM_PATIENCE]


@step_kernel
def claim_surge(ep, category: int, now: float) -> int:
    """Index of an active, not yet alerted surge of ``category`` (now marked alerted), or -1."""
    surges = ep.surges
    for s in range(surges.shape[0]):
        if (
            surges[s, Surge.VALID] == 1.0
            and int(surges[s, Surge.CATEGORY]) == category
            and surges[s, Surge.START] <= now < surges[s, Surge.END]
            and ep.alerted[s] == 0.0
        ):
            ep.alerted[s] = 1.0
            return s
    return -1
