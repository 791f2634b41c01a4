"""pass^k: the estimator, its intervals, and what success means per task."""

from __future__ import annotations

from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helixdesk.passk import pass_at_k, pass_curve, pass_hat
from helixdesk.tasks import TASKS

OUTCOMES = st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=12)


def test_pass_hat__is_the_chance_that_k_drawn_trials_all_succeed() -> None:
    assert pass_hat(3, 3, 3) == 1.0
    assert pass_hat(2, 3, 3) == 0.0
    assert pass_hat(2, 4, 2) == comb(2, 2) / comb(4, 2)
    with pytest.raises(ValueError, match="k must be"):
        pass_hat(1, 3, 4)


@given(OUTCOMES)
@settings(deadline=None, max_examples=50)  # scipy's first import takes seconds
def test_pass_curve__falls_with_k_and_pass1_is_the_success_rate(outcomes: list[list[bool]]) -> None:
    curve = pass_curve(outcomes)
    means = [point.mean for point in curve]
    assert means == sorted(means, reverse=True)
    flat = [trial for trials in outcomes for trial in trials]
    assert means[0] == pytest.approx(sum(flat) / len(flat))
    for point in curve:
        assert 0.0 <= point.mean <= 1.0
        if len(outcomes) > 1:
            assert point.low is not None and point.high is not None
            assert point.low <= point.mean <= point.high or point.low == point.high


def test_pass_curve__a_consistent_agent_keeps_pass1() -> None:
    outcomes = [[True] * 3, [False] * 3, [True] * 3, [True] * 3]
    assert {point.mean for point in pass_curve(outcomes)} == {0.75}


def test_pass_at_k__one_instance_has_no_interval_and_ragged_trials_are_refused() -> None:
    single = pass_at_k([[True, False]], 1)
    assert (single.mean, single.low, single.high) == (0.5, None, None)
    with pytest.raises(ValueError, match="same number of trials"):
        pass_at_k([[True], [True, False]], 1)


def test_success__every_task_declares_a_threshold_in_the_score_range() -> None:
    for task in TASKS.values():
        assert 0.0 < task.success_threshold <= 1.0
        assert task.succeeded(task.success_threshold)
        assert not task.succeeded(task.success_threshold - 1e-9)
