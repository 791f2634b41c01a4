"""The evaluation protocol: disjoint seed splits and bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helixdesk.cli.baseline import DEFAULT_SEEDS
from helixdesk.protocol import SPLITS, TABLE_SEEDS, TEST_SEEDS, TRAIN_SEEDS, mean_ci, split_seeds


def test_splits__are_disjoint_and_hold_a_table() -> None:
    assert not set(TRAIN_SEEDS) & set(TEST_SEEDS)
    assert set(SPLITS) == {"train", "test"}
    assert len(TEST_SEEDS) >= TABLE_SEEDS >= 30


def test_splits__the_seed_tables_seeds_are_not_test_seeds() -> None:
    assert not set(DEFAULT_SEEDS) & set(TEST_SEEDS)


def test_split_seeds__are_the_splits_first_seeds() -> None:
    assert split_seeds("test", 3) == [TEST_SEEDS[0], TEST_SEEDS[1], TEST_SEEDS[2]]
    assert split_seeds("train", 1) == [TRAIN_SEEDS[0]]


@pytest.mark.parametrize(("split", "n"), [("validation", 3), ("test", 0), ("test", 10**6)])
def test_split_seeds__refuses_unknown_splits_and_sizes(split: str, n: int) -> None:
    with pytest.raises(ValueError, match=split if split == "validation" else "seeds"):
        split_seeds(split, n)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=40))
def test_mean_ci__contains_the_mean(values: list[float]) -> None:
    ci = mean_ci(values)
    assert ci.mean == pytest.approx(np.mean(values))
    assert ci.low <= ci.mean <= ci.high


def test_mean_ci__is_reproducible_and_narrows_with_more_seeds() -> None:
    rng = np.random.default_rng(7)
    few, many = rng.normal(size=10), rng.normal(size=1000)
    assert mean_ci(few) == mean_ci(few.copy())
    assert (mean_ci(many).high - mean_ci(many).low) < (mean_ci(few).high - mean_ci(few).low)
