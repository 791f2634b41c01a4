"""Simulated time: the start of the shift and the arrival times of the inbox.

Time is measured in hours since the episode started. The episode starts at a random hour of
the week, so hour-of-day and day-of-week vary between episodes. Arrivals form a Poisson
process whose rate rises by ``extra_rate`` per active surge; they are sampled by inverting the
piecewise-linear cumulative intensity at the running sum of unit exponential gaps.
"""

from __future__ import annotations

import math

import numpy as np

from helixdesk.simulator.jit import tape_builder
from helixdesk.simulator.schema import Surge

HOURS_PER_WEEK = 168.0


@tape_builder
def start_hour(u: float) -> float:
    """Hour of the week (0 = Monday 00:00) at which the episode begins."""
    return u * HOURS_PER_WEEK


@tape_builder
def _active_surges(surges: np.ndarray, t: float) -> int:
    count = 0
    for s in range(surges.shape[0]):
        if surges[s, Surge.VALID] == 1.0 and surges[s, Surge.START] <= t < surges[s, Surge.END]:
            count += 1
    return count


@tape_builder
def _rate_edges(surges: np.ndarray) -> np.ndarray:
    """Sorted times at which the arrival rate can change (0 and every surge boundary)."""
    edges = [0.0]
    for s in range(surges.shape[0]):
        if surges[s, Surge.VALID] == 1.0:
            edges.append(surges[s, Surge.START])
            edges.append(surges[s, Surge.END])
    return np.sort(np.array(edges))


@tape_builder
def arrival_times(
    gap_uniforms: np.ndarray, surges: np.ndarray, base_rate: float, extra_rate: float
) -> np.ndarray:
    """Arrival times for unit-exponential gaps ``-log(1 - u)`` under the surge-driven rate."""
    edges = _rate_edges(surges)
    times = np.empty(gap_uniforms.shape[0])
    interval = 0
    interval_start, intensity_at_start = 0.0, 0.0
    rate = base_rate + extra_rate * _active_surges(surges, 0.0)
    operational = 0.0
    for i in range(gap_uniforms.shape[0]):
        operational -= math.log(1.0 - gap_uniforms[i])
        while interval + 1 < edges.shape[0]:
            boundary = edges[interval + 1]
            at_boundary = intensity_at_start + (boundary - interval_start) * rate
            if operational < at_boundary:
                break
            interval += 1
            interval_start, intensity_at_start = boundary, at_boundary
            rate = base_rate + extra_rate * _active_surges(surges, boundary)
        times[i] = interval_start + (operational - intensity_at_start) / rate
    return times
