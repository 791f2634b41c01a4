"""Repeated independent trials of the graded tasks: what pass^k is counted from.

A trial plays one task instance (task, seed) once and grades it; the inbox is the seed's,
the same in every trial. What differs between trials is the agent's own randomness: trial
``t`` builds the agent with the sampling seed :func:`trial_seed` (the random agent's
generator, the LLM agent's ``seed`` request parameter), so trials are independent draws of
a stochastic agent and identical runs of a deterministic one. Trial 0 uses the episode seed
itself, as single-trial runs always have. A trial succeeds when the task's threshold is met
(:meth:`helixdesk.tasks.Task.succeeded`); :mod:`helixdesk.passk` turns the outcomes into
pass^1 … pass^k with confidence intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helixdesk.evaluation import make_agent
from helixdesk.passk import PassAtK, pass_curve
from helixdesk.tasks import get_task


def trial_seed(seed: int, trial: int) -> int:
    """The agent's sampling seed in trial ``trial`` of the instance played from ``seed``:
    ``seed`` for trial 0, a 32-bit number drawn from ``(seed, trial)`` for the others."""
    if trial == 0:
        return seed
    return int(np.random.SeedSequence((seed, trial)).generate_state(1)[0])


@dataclass(frozen=True)
class TaskTrials:
    """Every trial of one agent on one task: ``scores[i][t]`` is trial t on ``seeds[i]``."""

    agent: str
    task: str
    seeds: tuple[int, ...]
    scores: tuple[tuple[float, ...], ...]

    @property
    def outcomes(self) -> list[list[bool]]:
        succeeded = get_task(self.task).succeeded
        return [[succeeded(score) for score in trials] for trials in self.scores]

    def curve(self) -> list[PassAtK]:
        """pass^1 … pass^k, k being the trials per seed."""
        return pass_curve(self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        """The trials as plain JSON values: threshold, scores, successes and the curve."""
        return {
            "success_threshold": get_task(self.task).success_threshold,
            "seeds": list(self.seeds),
            "scores": [list(trials) for trials in self.scores],
            "successes": self.outcomes,
            "pass": {
                f"pass^{point.k}": {"mean": point.mean, "ci": [point.low, point.high]}
                for point in self.curve()
            },
        }


def run_task_trials(
    agent: str, task: str, seeds: Sequence[int], trials: int, **options: Any
) -> TaskTrials:
    """``trials`` trials of ``agent`` on ``task`` from every seed; ``options`` go to
    :func:`helixdesk.evaluation.make_agent` (model, base_url, temperature)."""
    graded = get_task(task)
    env = graded.make_env()
    scores = tuple(
        tuple(
            graded.grade(env, make_agent(agent, env, trial_seed(seed, t), **options), seed)
            for t in range(trials)
        )
        for seed in seeds
    )
    return TaskTrials(agent=agent, task=task, seeds=tuple(seeds), scores=scores)
