"""pass^k: how reliably an agent does a task, from repeated independent trials.

τ-bench's measure: an agent *passes a task instance at k* when all of k independent trials
of it succeed. With ``n >= k`` trials of an instance of which ``c`` succeeded, the unbiased
estimate of that probability is ``C(c, k) / C(n, k)``; pass^k of a task is its mean over the
task's instances (here: seeds). pass^1 is the plain success rate, and pass^k falls with k
unless the agent is consistent: a deterministic agent has pass^k = pass^1.

What counts as a success is the task's own threshold (:meth:`helixdesk.tasks.Task.succeeded`).
Confidence intervals are the evaluation protocol's bootstrap intervals over the instances
(:func:`helixdesk.protocol.mean_ci`); with a single instance there is no interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

import numpy as np

from helixdesk.protocol import mean_ci


@dataclass(frozen=True)
class PassAtK:
    """pass^k of one task: the mean over instances and its bootstrap interval (None with
    fewer than two instances)."""

    k: int
    mean: float
    low: float | None
    high: float | None


def pass_hat(successes: int, trials: int, k: int) -> float:
    """The chance that k trials drawn from ``trials`` (of which ``successes`` succeeded)
    all succeed: ``C(successes, k) / C(trials, k)``."""
    if not 1 <= k <= trials:
        raise ValueError(f"k must be in 1..{trials} (the trials per instance), got {k}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be in 0..{trials}, got {successes}")
    return comb(successes, k) / comb(trials, k)


def pass_at_k(outcomes: Sequence[Sequence[bool]], k: int) -> PassAtK:
    """pass^k over instances; ``outcomes[i]`` holds the success of each trial of instance i
    (every instance the same number of trials)."""
    trials = {len(trial) for trial in outcomes}
    if len(trials) != 1:
        raise ValueError(f"every instance needs the same number of trials, got {sorted(trials)}")
    n = trials.pop()
    values = np.array([pass_hat(sum(trial), n, k) for trial in outcomes])
    if len(values) < 2:
        return PassAtK(k=k, mean=float(values.mean()), low=None, high=None)
    interval = mean_ci(values)
    return PassAtK(k=k, mean=interval.mean, low=interval.low, high=interval.high)


def pass_curve(outcomes: Sequence[Sequence[bool]]) -> list[PassAtK]:
    """pass^1 … pass^n, n being the trials per instance."""
    return [pass_at_k(outcomes, k) for k in range(1, len(outcomes[0]) + 1)]
