"""How high can an agent that reads only the observation score on expert?

Usage: ``python bench/experiments/expert_ceiling.py [--fit-seeds 300] [--seeds 30]``.

Issue 21 asks the shipped policy to beat the tuned heuristic on expert with 95 % confidence
intervals apart. Expert's grade scores triage alone (keyword handling, classification
accuracy, review discipline), and in its inbox every email without a keyword is either an
ambiguous query or a review case: the whole task is telling those two apart. The
observation carries three signals of an email's type — its tone (``sentiment``), the
classifier's ``agent_confidence`` and the customer tier — and the email text, which only a
text-reading agent sees, carries the truth.

This notebook measures the best any observation-only agent can do:

* it plays the first ``--fit-seeds`` train seeds and, for every email without a keyword,
  counts how often an email of each (tone, confidence, tier) cell was a review case: the
  posterior probability of a review case given everything the observation says about the
  email (``BINS`` × ``BINS`` cells per tier, add-half smoothing);
* the *posterior* agent is the tuned heuristic with one change: it flags an email without a
  keyword exactly when that posterior exceeds a threshold (picked from ``THRESHOLDS`` on the
  same train seeds, by the real grader), and handles the rest as tuned does;
* both, and the privileged oracle, play the first ``--seeds`` test seeds.

An agent whose flags follow the posterior is, up to the cells' width, the Bayes decision for
the observation: no learner that sees only the observation can classify better on this
inbox, and expert's other parts (keyword handling) tuned already scores in full. The
finding is in ``docs/evaluation.md`` ("What an observation can score on expert").
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from multiprocessing import Pool
from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk import spaces
from helixdesk.agents import OracleAgent
from helixdesk.agents.privileged import PrivilegedView
from helixdesk.agents.tuned import TunedAgent, fitted_params
from helixdesk.evaluation import run_episode
from helixdesk.protocol import mean_ci, split_seeds
from helixdesk.tasks import get_task, make_scenario_env

TASK = "expert"
BINS = 25  # cells per axis of (tone, confidence); tone spans [-1, 1], confidence [0, 1]
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
TIERS = len(spaces.TIERS)


def cell(features: dict[str, np.float32]) -> int:
    """The (tone, confidence, tier) cell of an email's observed features."""
    tone = min(BINS - 1, max(0, int((features["sentiment"] + 1.0) / 2.0 * BINS)))
    confidence = min(BINS - 1, max(0, int(features["agent_confidence"] * BINS)))
    tier = int(np.argmax([features[f"tier_{t}"] for t in spaces.TIERS]))
    return (tone * BINS + confidence) * TIERS + tier


class _Labeller(TunedAgent):
    """Tuned, noting for every email without a keyword its cell and whether it was a review
    case (the label a supervised learner would be trained on)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._view = PrivilegedView(env)
        self.rows: list[tuple[int, bool]] = []

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        features = self._layout.decode(obs)
        if features["keyword_flag"] <= 0.5:
            is_review = self._view.email().classification == spaces.FLAG_FOR_REVIEW
            self.rows.append((cell(features), is_review))
        return super().act(obs, info)


def _cells_and_truths(seed: int) -> list[tuple[int, bool]]:
    """The labelled cells of one tuned episode (:class:`_Labeller`)."""
    env = make_scenario_env(TASK)
    labeller = _Labeller(env)
    run_episode(env, labeller, seed)
    return labeller.rows


def fit_posterior(pool: Any, seeds: list[int]) -> np.ndarray:
    """P(review case | cell), from the emails of ``seeds``."""
    size = BINS * BINS * TIERS
    reviews, emails = np.full(size, 0.5), np.full(size, 1.0)
    for rows in pool.map(_cells_and_truths, seeds):
        for index, is_review in rows:
            reviews[index] += is_review
            emails[index] += 1.0
    return reviews / emails


class PosteriorAgent(TunedAgent):
    """Tuned, flagging an email without a keyword exactly when P(review | cell) exceeds
    ``threshold`` (its own confidence threshold switched off); every other decision is
    tuned's."""

    name = "posterior"

    def __init__(self, env: gym.Env, posterior: np.ndarray, threshold: float) -> None:
        unwrapped: Any = env.unwrapped
        super().__init__(env, replace(fitted_params(unwrapped.config), review_below=0.0))
        self._posterior, self._threshold = posterior, threshold

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        features = self._layout.decode(obs)
        if features["keyword_flag"] <= 0.5 and self._posterior[cell(features)] > self._threshold:
            return np.array(
                [spaces.FLAG_FOR_REVIEW, spaces.NORMAL, self._n_employees, spaces.NO_SECONDARY]
            )
        return super().act(obs, info)


def _grade(job: tuple[str, int, np.ndarray | None, float]) -> float:
    name, seed, posterior, threshold = job
    env = make_scenario_env(TASK, record_events=True)
    agent: TunedAgent | OracleAgent
    if name == "oracle":
        agent = OracleAgent(env, seed)
    elif name == "tuned":
        agent = TunedAgent(env)
    else:
        assert posterior is not None
        agent = PosteriorAgent(env, posterior, threshold)
    run_episode(env, agent, seed)
    return get_task(TASK).score_log(env.event_log)


def grades(
    pool: Any, name: str, seeds: list[int], posterior: np.ndarray | None = None, t: float = 0.0
) -> list[float]:
    return pool.map(_grade, [(name, seed, posterior, t) for seed in seeds])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-seeds", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args()
    train, test = split_seeds("train", args.fit_seeds), split_seeds("test", args.seeds)
    with Pool(2) as pool:
        posterior = fit_posterior(pool, train)
        fitted = {t: np.mean(grades(pool, "posterior", train, posterior, t)) for t in THRESHOLDS}
        threshold = max(fitted, key=lambda t: fitted[t])
        print(
            f"threshold {threshold} (train-seed grades: "
            + ", ".join(f"{t}: {g:.3f}" for t, g in fitted.items())
            + ")\n"
        )
        rows = {
            "tuned": grades(pool, "tuned", test),
            "posterior (observation-only ceiling)": grades(
                pool, "posterior", test, posterior, threshold
            ),
            "oracle (privileged)": grades(pool, "oracle", test),
        }
    print(f"| agent | expert, {args.seeds} test seeds |\n|---|---|")
    for name, values in rows.items():
        ci = mean_ci(values)
        print(f"| {name} | {ci.mean:.3f} [{ci.low:.3f}, {ci.high:.3f}] |")


if __name__ == "__main__":
    main()
