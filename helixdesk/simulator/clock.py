"""Simulated time: arrival times of the inbox and calendar features.

Time is measured in hours since the episode started. The episode starts at a random hour of
the week (drawn on the tape), so hour-of-day and day-of-week vary between episodes.
Arrivals form a Poisson process whose rate rises while a category surges; it is sampled by
inverting the piecewise-linear cumulative intensity, which needs no loop over emails.
"""

from __future__ import annotations

import numpy as np

HOURS_PER_WEEK = 168.0


def draw_start_hour(rng: np.random.Generator) -> float:
    """Hour of the week (0 = Monday 00:00) at which the episode begins."""
    return float(rng.uniform(0.0, HOURS_PER_WEEK))


def arrival_rate_breakpoints(
    base_rate: float, surge_windows: np.ndarray, surge_extra_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times where the arrival rate changes, and the rate on each following interval.

    ``surge_windows`` is ``(n, 2)`` of [start, end) hours; each active surge adds
    ``surge_extra_rate`` emails per hour.
    """
    edges = np.unique(np.concatenate(([0.0], surge_windows.ravel())))
    mids = edges + 1e-9
    active = (surge_windows[:, :1] <= mids) & (mids < surge_windows[:, 1:2])
    rates = base_rate + surge_extra_rate * active.sum(axis=0)
    return edges, rates


def draw_arrivals(
    rng: np.random.Generator,
    n: int,
    base_rate: float,
    surge_windows: np.ndarray,
    surge_extra_rate: float,
) -> np.ndarray:
    """``n`` sorted arrival times of a Poisson process with surge-dependent rate."""
    edges, rates = arrival_rate_breakpoints(base_rate, surge_windows, surge_extra_rate)
    operational = np.cumsum(rng.exponential(1.0, size=n))
    cumulative = np.concatenate(([0.0], np.cumsum(np.diff(edges) * rates[:-1])))
    # Extend past the last breakpoint at the final (constant) rate.
    horizon = edges[-1] + max(0.0, operational[-1] - cumulative[-1]) / rates[-1] + 1.0
    edges = np.append(edges, horizon)
    cumulative = np.append(cumulative, cumulative[-1] + (horizon - edges[-2]) * rates[-1])
    return np.interp(operational, cumulative, edges)
