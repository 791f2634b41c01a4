"""The evaluation protocol: which seeds train, which seeds test, and how a table reports them.

* **Splits.** Integer seeds ``0 … 9 999`` are the *train* split: tune, fit and select on
  them (``bench/tune_heuristic.py`` fits the tuned agent on the first of them). Seeds
  ``10 000 … 10 999`` are the *test* split: report on them, never fit on them. The two
  ranges are disjoint. A table over ``n`` seeds of a split uses that split's first ``n``.
  (The seed README's three-seed table, seeds 42, 100 and 2026, is kept as published in
  :data:`SEED_README_TABLE`; it lies in the train range and is not a protocol table.)
* **Table size.** Every protocol table reports at least :data:`TABLE_SEEDS` (30) test seeds.
* **Uncertainty.** A cell is the mean over seeds with a 95 % bootstrap confidence interval
  of the mean (:func:`mean_ci`: SciPy's percentile bootstrap with a fixed resampling seed,
  so the same scores always give the same interval).

Training envs that seed themselves from generators (the vector env's ``seed`` argument) draw
episodes that are no integer seed's, so they do not touch the test split either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

TRAIN_SEEDS = range(0, 10_000)
TEST_SEEDS = range(10_000, 11_000)
SPLITS = {"train": TRAIN_SEEDS, "test": TEST_SEEDS}  # also the graded tasks' splits
# (helixdesk.tasks.splits: every task on each seed)
TABLE_SEEDS = 30
# The seed README's baseline table, kept as published: per task, the (random, rule) mean
# grade over its three seeds. Re-measured cells must stay within CALIBRATION_BAND of it.
SEED_README_SEEDS = (42, 100, 2026)
SEED_README_TABLE = {
    "easy": (0.040, 1.000),
    "medium": (0.354, 0.865),
    "hard": (0.455, 0.490),
    "expert": (0.210, 0.550),
}
CALIBRATION_BAND = 0.10
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 9_999
BOOTSTRAP_SEED = 0


def split_seeds(split: str, n: int) -> list[int]:
    """The first ``n`` seeds of ``split`` (``"train"`` or ``"test"``)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    seeds = SPLITS[split]
    if not 1 <= n <= len(seeds):
        raise ValueError(f"the {split} split holds {len(seeds)} seeds; asked for {n}")
    return list(seeds[:n])


@dataclass(frozen=True)
class MeanCI:
    """A mean and its 95 % bootstrap confidence interval ``[low, high]``."""

    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "ci_low": self.low, "ci_high": self.high}


def mean_ci(values: Sequence[float] | np.ndarray) -> MeanCI:
    """The mean of ``values`` with its 95 % percentile-bootstrap interval (a single value's
    interval is the value itself: there is nothing to resample)."""
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if len(data) < 2:
        return MeanCI(mean, mean, mean)
    result = stats.bootstrap(
        (data,),
        np.mean,
        confidence_level=CONFIDENCE,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(BOOTSTRAP_SEED),
    )
    interval = result.confidence_interval
    return MeanCI(mean, float(interval.low), float(interval.high))
