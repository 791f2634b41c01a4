"""Observation and action spaces, derived from the config.

The observation is the seed's seven groups in the seed's order. Group sizes follow the config:
the team block holds two floats per employee and the trend block one per category, so
``n_employees: 6`` gives 44 floats and a ninth category gives 43. Everything else is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import chain, combinations

import numpy as np
from gymnasium import spaces

from helixdesk.config import MAX_CATEGORIES, HelixConfig

ACTION_DIMS = ("classification", "priority", "assignment", "secondary")
CLASSIFICATIONS = ("query", "complaint", "flag_for_review")
PRIORITIES = ("critical", "high", "medium", "normal")
SECONDARY_ACTIONS = ("auto_reply_from_kb", "alert_gm", "none")
TIERS = ("free", "pro", "enterprise")

QUERY, COMPLAINT, FLAG_FOR_REVIEW = 0, 1, 2
CRITICAL, HIGH, MEDIUM, NORMAL = 0, 1, 2, 3
AUTO_REPLY, ALERT_GM, NO_SECONDARY = 0, 1, 2
# An email's true type (ground truth on the tape and in the event log) is the code of the
# classification it deserves: QUERY, COMPLAINT, or FLAG_FOR_REVIEW for a review case.

CATEGORY_CODE_SLOTS = 5


def assignment_names(n_employees: int) -> tuple[str, ...]:
    """Names of action dim 2: ``employee_0`` … ``employee_{n-1}``, then ``no_assignment``."""
    return (*tuple(f"employee_{i}" for i in range(n_employees)), "no_assignment")


def _overflow_codes() -> list[tuple[int, ...]]:
    """All non-zero 5-bit codes, one-hot first, then two-hot, and so on.

    The first five categories are plain one-hot; later ones "overflow" into codes with more
    bits set. With eight categories every slot is used, and the code stays injective up to
    31 categories.
    """
    codes = []
    for bits_set in range(1, CATEGORY_CODE_SLOTS + 1):
        for positions in combinations(range(CATEGORY_CODE_SLOTS), bits_set):
            codes.append(tuple(1 if slot in positions else 0 for slot in range(5)))
    return codes


CATEGORY_CODES = np.array(_overflow_codes(), dtype=np.float32)
assert len(CATEGORY_CODES) == MAX_CATEGORIES


def blocks(sizes: Mapping[str, int]) -> dict[str, slice]:
    """Consecutive slices of the given sizes, by name, the first starting at 0."""
    out, start = {}, 0
    for name, size in sizes.items():
        out[name] = slice(start, start + size)
        start += size
    return out


@dataclass(frozen=True)
class ObservationLayout:
    """Named slices of the observation vector for a given team size and category list."""

    n_employees: int
    categories: tuple[str, ...]

    @cached_property
    def group_features(self) -> dict[str, tuple[str, ...]]:
        """Each group's feature names, the groups in the vector's order."""
        employees = range(self.n_employees)
        return {
            "current_email": (
                "sentiment",
                "keyword_flag",
                *(f"tier_{t}" for t in TIERS),
                *(f"category_code_{i}" for i in range(CATEGORY_CODE_SLOTS)),
            ),
            "queue_state": (*(f"queue_{p}" for p in PRIORITIES), "pending_review"),
            "team_state": tuple(
                f"employee_{i}_{stat}" for i in employees for stat in ("load", "avg_resolve")
            ),
            "sla_state": ("overdue", "near_deadline", "sla_pressure", "critical_overdue"),
            "trend_state": tuple(f"trend_{c}" for c in self.categories),
            "time_state": ("hour_of_day", "day_of_week"),
            "episode_progress": ("steps_remaining", "episode_reward", "agent_confidence"),
        }

    @cached_property
    def groups(self) -> dict[str, slice]:
        """Each group's slice of the vector."""
        return blocks({group: len(names) for group, names in self.group_features.items()})

    @cached_property
    def size(self) -> int:
        return len(self.feature_names)

    @cached_property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(chain.from_iterable(self.group_features.values()))

    @cached_property
    def index(self) -> dict[str, int]:
        """Each feature's position in the vector, by its name in :attr:`feature_names`."""
        return {name: i for i, name in enumerate(self.feature_names)}

    def decode(self, obs: np.ndarray) -> dict[str, np.float32]:
        """The observation's features by name (:attr:`feature_names`), as the vector holds
        them (float32 scalars, so a threshold compares exactly as on the vector)."""
        return dict(zip(self.feature_names, np.asarray(obs, dtype=np.float32), strict=True))


# The action mask is the four dimensions' choices, flattened in ``ACTION_DIMS`` order: the
# assignment block starts after classification and priority, the secondary block is last.
ASSIGNMENT_MASK_START = len(CLASSIFICATIONS) + len(PRIORITIES)
N_SECONDARY = len(SECONDARY_ACTIONS)


def choice_counts(n_employees: int) -> tuple[int, ...]:
    """How many choices each action dimension has (``ACTION_DIMS`` order): the ``nvec``."""
    return (len(CLASSIFICATIONS), len(PRIORITIES), n_employees + 1, len(SECONDARY_ACTIONS))


def mask_offsets(n_employees: int) -> dict[str, int]:
    """Where each action dimension's choices start in the flat action mask: choice ``i`` of
    dimension ``dim`` is at ``mask_offsets(n)[dim] + i``."""
    sizes = dict(zip(ACTION_DIMS, choice_counts(n_employees), strict=True))
    return {dim: block.start for dim, block in blocks(sizes).items()}


def layout_for(config: HelixConfig) -> ObservationLayout:
    """The layout of ``config``'s observations (one per team size and category list, so its
    names and index are worked out once)."""
    return _layout(config.env.n_employees, config.email_gen.categories)


@cache
def _layout(n_employees: int, categories: tuple[str, ...]) -> ObservationLayout:
    return ObservationLayout(n_employees, categories)


def observation_space(config: HelixConfig) -> spaces.Box:
    size = layout_for(config).size
    return spaces.Box(low=-1.0, high=1.0, shape=(size,), dtype=np.float32)


def action_nvec(config: HelixConfig) -> np.ndarray:
    return np.array(choice_counts(config.env.n_employees), dtype=np.int64)


def action_space(config: HelixConfig) -> spaces.MultiDiscrete:
    return spaces.MultiDiscrete(action_nvec(config))


def action_choices(config: HelixConfig) -> dict[str, tuple[str, ...]]:
    """Each action dimension's choice names in code order, by dimension (``ACTION_DIMS``
    order)."""
    n_employees = config.env.n_employees
    names = (CLASSIFICATIONS, PRIORITIES, assignment_names(n_employees), SECONDARY_ACTIONS)
    return dict(zip(ACTION_DIMS, names, strict=True))


def action_names(codes: np.ndarray, config: HelixConfig) -> dict[str, str]:
    """The choice name of each code of a valid action (``int64[4]``), by dimension."""
    choices = action_choices(config).items()
    return {dim: names[int(code)] for (dim, names), code in zip(choices, codes, strict=True)}


def check_actions(actions: np.ndarray, nvec: np.ndarray, config: HelixConfig) -> np.ndarray:
    """Validate one action ``(4,)`` or a batch ``(n, 4)``; return it as int64.

    Raises ``ValueError`` naming the first offending dimension, its range and its choices.
    """
    values = np.asarray(actions)
    if values.ndim == 0 or values.shape[-1] != len(ACTION_DIMS):
        raise ValueError(f"action must have shape (4,) = {ACTION_DIMS}, got shape {values.shape}")
    if values.dtype.kind not in "iub" and not (
        values.dtype.kind == "f" and bool(np.all(np.mod(values, 1) == 0))
    ):
        raise ValueError(f"action must hold integers, got {values.tolist()}")
    values = np.ascontiguousarray(values, dtype=np.int64)  # copies only when it must
    bad = (values < 0) | (values >= nvec)
    if bad.any():
        where = np.argwhere(bad)[0]
        dim = int(where[-1])
        names = action_choices(config)[ACTION_DIMS[dim]]
        raise ValueError(
            f"action[{dim}] ({ACTION_DIMS[dim]}) must be in 0..{nvec[dim] - 1} "
            f"({', '.join(names)}), got {values[tuple(where)]}"
        )
    return values
