"""Observation and action layouts, and how they follow the config."""

from __future__ import annotations

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.config import MAX_CATEGORIES
from helixdesk.spaces import (
    ASSIGNMENT_MASK_START,
    CATEGORY_CODES,
    N_SECONDARY,
    ObservationLayout,
    mask_offsets,
)
from tests.conftest import NINE_CATEGORIES, SIX_EMPLOYEES

SEED_GROUPS = {
    "current_email": (0, 10),
    "queue_state": (10, 15),
    "team_state": (15, 25),
    "sla_state": (25, 29),
    "trend_state": (29, 37),
    "time_state": (37, 39),
    "episode_progress": (39, 42),
}


def test_default_spaces__match_the_seed_tables(env: HelixDeskEnv) -> None:
    assert env.observation_space.shape == (42,)
    assert env.observation_space.dtype == np.float32
    assert float(env.observation_space.low.min()) == -1.0
    assert float(env.observation_space.high.max()) == 1.0
    assert env.action_space.nvec.tolist() == [3, 4, 6, 3]
    groups = {name: (s.start, s.stop) for name, s in env.layout.groups.items()}
    assert groups == SEED_GROUPS
    assert len(env.layout.feature_names) == 42


def test_six_employees__grow_team_block_and_assignment_dim() -> None:
    env = HelixDeskEnv(config=SIX_EMPLOYEES)
    assert env.observation_space.shape == (44,)
    assert env.action_space.nvec.tolist() == [3, 4, 7, 3]
    assert env.layout.groups["team_state"] == slice(15, 27)


def test_ninth_category__grows_only_the_trend_block() -> None:
    env = HelixDeskEnv(config=NINE_CATEGORIES)
    assert env.observation_space.shape == (43,)
    assert env.layout.groups["current_email"] == slice(0, 10)
    assert env.layout.groups["trend_state"] == slice(29, 38)


def test_category_code__is_injective_for_31_categories_and_uses_all_slots_for_8() -> None:
    codes = {tuple(code) for code in CATEGORY_CODES}
    assert len(codes) == MAX_CATEGORIES == 31
    assert all(any(code) for code in codes)
    assert CATEGORY_CODES[:8].max(axis=0).tolist() == [1, 1, 1, 1, 1]
    assert CATEGORY_CODES[:5].tolist() == np.eye(5).tolist()


@pytest.mark.parametrize("n_employees", [3, 5, 6])
def test_vocabulary__decode_and_mask_offsets_name_every_position(n_employees: int) -> None:
    layout = ObservationLayout(n_employees, ("billing", "shipping", "returns"))
    obs = np.arange(layout.size, dtype=np.float32) / 100
    features = layout.decode(obs)
    assert list(features) == list(layout.feature_names)
    for name, position in layout.index.items():
        assert features[name] == obs[position]
    assert layout.index["sentiment"] == layout.groups["current_email"].start
    assert layout.index["agent_confidence"] == layout.size - 1
    offsets = mask_offsets(n_employees)
    sizes = [3, 4, n_employees + 1, 3]
    assert list(offsets.values()) == [sum(sizes[:i]) for i in range(4)]
    assert offsets["assignment"] == ASSIGNMENT_MASK_START
    assert offsets["secondary"] + N_SECONDARY == sum(sizes)
