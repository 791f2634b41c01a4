"""Fit the tuned agent's thresholds on training seeds: writes ``helixdesk/agents/tuned.json``.

Usage: ``python bench/tune_heuristic.py [--seeds N] [--sweeps K] [--scenarios …] [--out F]``.

For every scenario (the packaged default and the four tasks) a coordinate search starts from
the rule agent's thresholds (:class:`~helixdesk.agents.tuned.TunedParams`' defaults) and, for
up to ``--sweeps`` rounds, tries every value of :data:`GRID` for one parameter at a time,
keeping a value only when it raises the objective. The objective is the mean task grade over
the first ``--seeds`` seeds of the train split (:mod:`helixdesk.protocol`), or the mean
return on the default scenario. Test seeds are never used. Every candidate plays the same
seeds (common random numbers), so a comparison is between agents, not inboxes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from helixdesk.agents.tuned import FITTED_PATH, TunedAgent, TunedParams
from helixdesk.env import HelixDeskEnv
from helixdesk.evaluation import run_episode
from helixdesk.protocol import split_seeds
from helixdesk.tasks import DEFAULT_SCENARIO, SCENARIOS, get_task, make_scenario_env

GRID: dict[str, tuple[float, ...]] = {
    "review_below": (0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55),
    "invert_below": (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 1.0),
    "complaint_sentiment": (-0.5, -0.3, -0.2, -0.1, 0.0, 0.1),
    "high_sentiment": (-1.0, -0.8, -0.6, -0.4, -0.2),
    "critical_sentiment": (-1.0, -0.9, -0.8, -0.7, -0.6),
    "alert_growth": (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 1.0),
    "skill_weight": (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0),
    "max_queue": (1, 2, 3, 4, 6, TunedParams().max_queue),
    "reply_confidence": (0.0, 0.5, 0.6, 0.7, 0.8, 1.1),
}
DEFAULT_FIT_SEEDS = 60
DEFAULT_SWEEPS = 3


def objective(scenario: str, env: HelixDeskEnv, params: TunedParams, seeds: list[int]) -> float:
    """Mean grade of the task (mean return on the default scenario) over ``seeds``."""
    agent = TunedAgent(env, params)
    scores = []
    for seed in seeds:
        result = run_episode(env, agent, seed)
        graded = scenario != DEFAULT_SCENARIO
        scores.append(
            get_task(scenario).score_log(env.event_log) if graded else result.episode_return
        )
    return float(np.mean(scores))


def fit(scenario: str, seeds: list[int], sweeps: int) -> tuple[TunedParams, float]:
    """Coordinate search over :data:`GRID` (module docstring); the best parameters and score."""
    env = make_scenario_env(scenario)
    best = TunedParams()
    best_score = objective(scenario, env, best, seeds)
    for _ in range(sweeps):
        improved = False
        for name, values in GRID.items():
            for value in values:
                candidate = replace(best, **{name: value})
                score = objective(scenario, env, candidate, seeds)
                if score > best_score:
                    best, best_score, improved = candidate, score, True
        if not improved:
            break
    return best, best_score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=DEFAULT_FIT_SEEDS)
    parser.add_argument("--sweeps", type=int, default=DEFAULT_SWEEPS)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--out", type=Path, default=FITTED_PATH)
    args = parser.parse_args(argv)
    seeds = split_seeds("train", args.seeds)
    fitted, scores = {}, {}
    for scenario in args.scenarios:
        started = time.perf_counter()
        params, score = fit(scenario, seeds, args.sweeps)
        fitted[scenario], scores[scenario] = params.as_dict(), score
        elapsed = time.perf_counter() - started
        print(f"{scenario}: {score:.4f} in {elapsed:.0f} s: {params}", file=sys.stderr)
    document = {
        "command": " ".join(["python bench/tune_heuristic.py", *(argv or sys.argv[1:])]),
        "train_seeds": [seeds[0], seeds[-1]],
        "objective": "mean task grade; mean return on the default scenario",
        "train_scores": scores,
        "scenarios": fitted,
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
