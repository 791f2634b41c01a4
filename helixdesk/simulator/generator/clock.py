"""Simulated time: the start of the shift and the arrival times of the inbox.

Time is measured in hours since the episode started. The episode starts at an hour of the
week drawn from the scenario's window (``env.start_days``, ``env.start_hours``). Arrivals form
a Poisson process whose rate follows the clock: ``env.arrival_rate_per_hour`` times the hour's
multiplier in ``env.arrival_profile`` (times ``env.weekend_arrivals`` on Saturday and Sunday),
and a surge multiplies its category's share. The rate is constant between whole clock hours
and surge boundaries, so arrivals are sampled exactly by inverting the piecewise-linear
cumulative intensity at the running sum of unit-exponential gaps.
"""

from __future__ import annotations

import math

import numpy as np

from helixdesk.config import HOURS_PER_DAY, HOURS_PER_WEEK
from helixdesk.simulator.generator.uniforms import TapeParam
from helixdesk.simulator.jit import tape_builder
from helixdesk.simulator.schema import Surge


@tape_builder
def start_hour(u: float, params: np.ndarray) -> float:
    """Hour of the week (0 = Monday 00:00) at which the episode begins: a uniform day of the
    window ``[FIRST_DAY, END_DAY)`` and a uniform hour of it in ``[FIRST_HOUR, END_HOUR)``,
    both from the one uniform ``u``."""
    days = u * (params[TapeParam.END_DAY] - params[TapeParam.FIRST_DAY])
    day = math.floor(days)
    first, end = params[TapeParam.FIRST_HOUR], params[TapeParam.END_HOUR]
    return (
        (params[TapeParam.FIRST_DAY] + day) * HOURS_PER_DAY + first + (end - first) * (days - day)
    )


@tape_builder
def _active_surges(surges: np.ndarray, t: float) -> int:
    count = 0
    for s in range(surges.shape[0]):
        if surges[s, Surge.VALID] == 1.0 and surges[s, Surge.START] <= t < surges[s, Surge.END]:
            count += 1
    return count


@tape_builder
def _next_surge_edge(surges: np.ndarray, t: float) -> float:
    """The first surge start or end after ``t`` (inf when none is left)."""
    edge = np.inf
    for s in range(surges.shape[0]):
        if surges[s, Surge.VALID] == 1.0:
            for boundary in (surges[s, Surge.START], surges[s, Surge.END]):
                if t < boundary < edge:
                    edge = boundary
    return edge


@tape_builder
def arrival_times(
    gap_uniforms: np.ndarray,
    surges: np.ndarray,
    start: float,
    profile: np.ndarray,
    base_rate: float,
    extra_rate: float,
) -> np.ndarray:
    """Arrival times for unit-exponential gaps ``-log(1 - u)``: the rate at ``t`` hours is
    ``profile[hour of the week] * (base_rate + extra_rate * active surges)``."""
    times = np.empty(gap_uniforms.shape[0])
    hour = math.floor(start)  # the clock hour the current interval lies in
    t, intensity, operational = 0.0, 0.0, 0.0
    for i in range(gap_uniforms.shape[0]):
        operational -= math.log(1.0 - gap_uniforms[i])
        while True:
            hour_end = hour + 1.0 - start
            surge_edge = _next_surge_edge(surges, t)
            end = min(hour_end, surge_edge)
            rate = profile[hour % HOURS_PER_WEEK] * (
                base_rate + extra_rate * _active_surges(surges, t)
            )
            at_end = intensity + (end - t) * rate
            if operational < at_end:
                break
            if hour_end <= surge_edge:
                hour += 1
            t, intensity = end, at_end
        times[i] = t + (operational - intensity) / rate
    return times
