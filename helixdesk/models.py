"""Typed, validated views of HelixDesk's actions, observations and rewards.

The environment speaks numpy: an ``int64[4]`` action, a ``float32`` observation vector and a
float reward with a dict of components in ``info``. These pydantic models give the same data
names and checks, and convert both ways:

* :class:`HelixAction` ↔ ``env.action_space`` arrays (``to_array`` / ``from_array``); names or
  integer codes are accepted for every field.
* :class:`HelixObservation` ↔ observation vectors (``to_vector`` / ``from_vector``); the round
  trip is bit-exact, because every float is kept as the Python float of its float32.
* :class:`HelixReward` from a step's reward and ``info`` (``from_step``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeGuard, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from helixdesk.env import REWARD_RAW, REWARD_SETTLEMENT
from helixdesk.rewards import COMPONENTS, components_from_info
from helixdesk.spaces import (
    ACTION_DIMS,
    CATEGORY_CODE_SLOTS,
    CATEGORY_CODES,
    CLASSIFICATIONS,
    PRIORITIES,
    SECONDARY_ACTIONS,
    TIERS,
    ObservationLayout,
    choice_counts,
)

Classification = Literal["query", "complaint", "flag_for_review"]
Priority = Literal["critical", "high", "medium", "normal"]
Secondary = Literal["auto_reply_from_kb", "alert_gm", "none"]
Tier = Literal["free", "pro", "enterprise"]
assert get_args(Classification) == CLASSIFICATIONS
assert get_args(Priority) == PRIORITIES
assert get_args(Secondary) == SECONDARY_ACTIONS
assert get_args(Tier) == TIERS

NO_ASSIGNMENT = "no_assignment"
# An employee index has at most 9 digits: no team comes near, and the bound lets absurd input
# (``employee_`` and thousands of digits) be refused as such, cheaply.
EMPLOYEE_INDEX_LIMIT = 10**9
_EMPLOYEE = re.compile(r"employee_(0|[1-9][0-9]{0,8})")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _is_int(value: object) -> TypeGuard[int | np.integer]:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _code_to_name(value: object, field: str, names: tuple[str, ...]) -> object:
    """Map an integer code to its name; leave anything else for the Literal check."""
    if not _is_int(value):
        return value
    code = int(value)
    if not 0 <= code < len(names):
        raise ValueError(
            f"{field} code must be in 0..{len(names) - 1} ({', '.join(names)}), got {code}"
        )
    return names[code]


def _assignment_name(value: object) -> str:
    """Normalise an assignment (``employee_<i>``, ``no_assignment`` or an int ``i``)."""
    allowed = (
        f"'employee_<i>' or an integer i, with 0 <= i < {EMPLOYEE_INDEX_LIMIT:_}, "
        f"or '{NO_ASSIGNMENT}'"
    )
    if _is_int(value) and 0 <= value < EMPLOYEE_INDEX_LIMIT:
        return f"employee_{int(value)}"
    if isinstance(value, str) and (value == NO_ASSIGNMENT or _EMPLOYEE.fullmatch(value)):
        return value
    raise ValueError(f"assignment must be {allowed}, got {value!r}")


def assignment_for_code(code: int, n_employees: int) -> str:
    """The assignment that action code ``code`` (0..n, checked by the caller) means for a
    team of ``n_employees``: ``employee_<code>``, or ``no_assignment`` for ``n_employees``."""
    return NO_ASSIGNMENT if code == n_employees else f"employee_{code}"


class HelixAction(_Frozen):
    """One triage decision: the four dimensions of the ``MultiDiscrete`` action, by name."""

    classification: Classification = Field(
        description="How the email is handled: query, complaint or flag_for_review (code 0..2)."
    )
    priority: Priority = Field(
        description="Priority for ordering complaints: critical, high, medium, normal (0..3)."
    )
    assignment: str = Field(
        description="Assignee: 'employee_<i>' (or the int i), or 'no_assignment'."
    )
    secondary: Secondary = Field(
        description="Extra step: auto_reply_from_kb, alert_gm or none (code 0..2)."
    )

    @field_validator("classification", mode="before")
    @classmethod
    def _classification_code(cls, value: object) -> object:
        return _code_to_name(value, "classification", CLASSIFICATIONS)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority_code(cls, value: object) -> object:
        return _code_to_name(value, "priority", PRIORITIES)

    @field_validator("secondary", mode="before")
    @classmethod
    def _secondary_code(cls, value: object) -> object:
        return _code_to_name(value, "secondary", SECONDARY_ACTIONS)

    @field_validator("assignment", mode="before")
    @classmethod
    def _assignment(cls, value: object) -> str:
        return _assignment_name(value)

    @property
    def employee(self) -> int | None:
        """Index of the assigned employee, or ``None`` for ``no_assignment``."""
        if self.assignment == NO_ASSIGNMENT:
            return None
        return int(self.assignment.removeprefix("employee_"))

    def to_array(self, n_employees: int) -> np.ndarray:
        """The ``int64[4]`` action for a team of ``n_employees``."""
        employee = self.employee
        if employee is not None and employee >= n_employees:
            raise ValueError(
                f"assignment {self.assignment!r} is out of range for {n_employees} employees "
                f"(employee_0..employee_{n_employees - 1} or {NO_ASSIGNMENT})"
            )
        codes = (
            CLASSIFICATIONS.index(self.classification),
            PRIORITIES.index(self.priority),
            n_employees if employee is None else employee,
            SECONDARY_ACTIONS.index(self.secondary),
        )
        return np.array(codes, dtype=np.int64)

    @classmethod
    def from_array(cls, action: Any, n_employees: int) -> HelixAction:
        """Name the codes of an action array; out-of-range codes raise ``ValueError``."""
        values = np.asarray(action)
        if values.shape != (4,) or values.dtype.kind not in "iu":
            raise ValueError(
                f"action must be 4 integers {ACTION_DIMS}, got {values.dtype} {values.shape}"
            )
        nvec = choice_counts(n_employees)
        for dim, (code, size) in enumerate(zip(values.tolist(), nvec, strict=True)):
            if not 0 <= code < size:
                raise ValueError(
                    f"action[{dim}] ({ACTION_DIMS[dim]}) must be in 0..{size - 1}, got {code}"
                )
        fields = dict(zip(ACTION_DIMS, values.tolist(), strict=True))
        fields["assignment"] = assignment_for_code(fields["assignment"], n_employees)
        return cls.model_validate(fields)


# -- observation -------------------------------------------------------------------------


def _flag(value: float, name: str) -> bool:
    if value not in (0.0, 1.0):
        raise ValueError(f"{name} must be 0 or 1, got {value}")
    return value == 1.0


def _tier(slots: list[float]) -> Tier | None:
    names: tuple[Tier, ...] = get_args(Tier)
    if not any(slots):
        return None
    if sorted(slots) != [0.0, 0.0, 1.0]:
        raise ValueError(f"tier slots must be one-hot or all zero, got {slots}")
    return names[slots.index(1.0)]


def _category(slots: list[float], categories: tuple[str, ...]) -> str | None:
    if not any(slots):
        return None
    for name, code in zip(categories, CATEGORY_CODES.tolist(), strict=False):
        if code == slots:
            return name
    raise ValueError(f"category code {slots} matches none of the categories {categories}")


def _category_code(category: str | None, categories: tuple[str, ...]) -> list[float]:
    if category is None:
        return [0.0] * CATEGORY_CODE_SLOTS
    if category not in categories:
        raise ValueError(f"category {category!r} is not one of the layout's {categories}")
    return CATEGORY_CODES[categories.index(category)].tolist()


class CurrentEmail(_Frozen):
    """The email awaiting triage (all empty after the episode's last email)."""

    sentiment: float = Field(ge=-1.0, le=1.0, description="Noisy tone, -1 angry .. 1 happy.")
    keyword_flag: bool = Field(description="The email carries an escalation keyword.")
    tier: Tier | None = Field(description="Customer tier; None when no email is waiting.")
    category: str | None = Field(description="Category name; None when no email is waiting.")
    agent_confidence: float = Field(
        ge=0.0, le=1.0, description="Upstream classifier's confidence for this email."
    )


class QueueState(_Frozen):
    """Open tickets by assigned priority over team capacity, and the review queue's share."""

    critical: float = Field(ge=0.0, le=1.0, description="Open critical tickets / team capacity.")
    high: float = Field(ge=0.0, le=1.0, description="Open high tickets / team capacity.")
    medium: float = Field(ge=0.0, le=1.0, description="Open medium tickets / team capacity.")
    normal: float = Field(ge=0.0, le=1.0, description="Open normal tickets / team capacity.")
    pending_review: float = Field(
        ge=0.0, le=1.0, description="Tickets in the review queue / review capacity."
    )


class EmployeeState(_Frozen):
    """One employee's workload."""

    load: float = Field(ge=0.0, le=1.0, description="Queue length / employee capacity.")
    avg_resolve: float = Field(
        ge=0.0, le=1.0, description="Average service hours / sla.normal_hours."
    )


class SlaState(_Frozen):
    """Deadline health of the open tickets."""

    overdue: float = Field(ge=0.0, le=1.0, description="Share of open tickets past deadline.")
    near_deadline: float = Field(
        ge=0.0, le=1.0, description="Share of open tickets close to their deadline."
    )
    sla_pressure: float = Field(
        ge=0.0, le=1.0, description="Mean share of SLA time used by open tickets."
    )
    critical_overdue: bool = Field(description="Some critical ticket is past its deadline.")


class TimeState(_Frozen):
    """The simulated clock."""

    hour_of_day: float = Field(ge=0.0, le=1.0, description="Hour of day / 24.")
    day_of_week: float = Field(ge=0.0, le=1.0, description="Day of week / 7.")


class EpisodeProgress(_Frozen):
    """How far the episode has run and how well."""

    steps_remaining: float = Field(ge=0.0, le=1.0, description="Emails remaining / total.")
    episode_reward: float = Field(ge=-1.0, le=1.0, description="Mean reward per email so far.")


class HelixObservation(_Frozen):
    """The observation vector, group by group, with names instead of indices."""

    current_email: CurrentEmail = Field(description="The email awaiting triage.")
    queue: QueueState = Field(description="Open tickets by priority and the review queue.")
    team: list[EmployeeState] = Field(description="Per-employee workload, employee_0 first.")
    sla: SlaState = Field(description="Deadline health of the open tickets.")
    trends: dict[str, float] = Field(
        description="Per category: watchdog growth of its volume, in [-1, 1]."
    )
    time: TimeState = Field(description="The simulated clock.")
    progress: EpisodeProgress = Field(description="Episode progress and reward so far.")

    @field_validator("trends")
    @classmethod
    def _trends_in_range(cls, trends: dict[str, float]) -> dict[str, float]:
        outside = {name: value for name, value in trends.items() if not -1.0 <= value <= 1.0}
        if outside:
            raise ValueError(f"trends must lie in [-1, 1], got {outside}")
        return trends

    @classmethod
    def from_vector(cls, vector: Any, layout: ObservationLayout) -> HelixObservation:
        """Read an observation vector laid out as ``layout``."""
        values = np.asarray(vector)
        if values.shape != (layout.size,):
            raise ValueError(
                f"observation must have shape ({layout.size},) for this layout, got {values.shape}"
            )
        features = {name: float(value) for name, value in layout.decode(values).items()}
        return cls(
            current_email=_email(features, layout.categories),
            queue=QueueState(
                **{p: features[f"queue_{p}"] for p in PRIORITIES},
                pending_review=features["pending_review"],
            ),
            team=[
                EmployeeState(
                    load=features[f"employee_{e}_load"],
                    avg_resolve=features[f"employee_{e}_avg_resolve"],
                )
                for e in range(layout.n_employees)
            ],
            sla=SlaState(
                overdue=features["overdue"],
                near_deadline=features["near_deadline"],
                sla_pressure=features["sla_pressure"],
                critical_overdue=_flag(features["critical_overdue"], "critical_overdue"),
            ),
            trends={c: features[f"trend_{c}"] for c in layout.categories},
            time=TimeState(
                hour_of_day=features["hour_of_day"], day_of_week=features["day_of_week"]
            ),
            progress=EpisodeProgress(
                steps_remaining=features["steps_remaining"],
                episode_reward=features["episode_reward"],
            ),
        )

    def to_vector(self, layout: ObservationLayout) -> np.ndarray:
        """The ``float32`` observation vector laid out as ``layout``."""
        self._check_fits(layout)
        email, sla, time = self.current_email, self.sla, self.time
        code = _category_code(email.category, layout.categories)
        features = {
            "sentiment": email.sentiment,
            "keyword_flag": float(email.keyword_flag),
            **{f"tier_{name}": float(email.tier == name) for name in TIERS},
            **{f"category_code_{i}": bit for i, bit in enumerate(code)},
            **{f"queue_{p}": getattr(self.queue, p) for p in PRIORITIES},
            "pending_review": self.queue.pending_review,
            "overdue": sla.overdue,
            "near_deadline": sla.near_deadline,
            "sla_pressure": sla.sla_pressure,
            "critical_overdue": float(sla.critical_overdue),
            **{f"trend_{name}": self.trends[name] for name in layout.categories},
            "hour_of_day": time.hour_of_day,
            "day_of_week": time.day_of_week,
            "steps_remaining": self.progress.steps_remaining,
            "episode_reward": self.progress.episode_reward,
            "agent_confidence": email.agent_confidence,
        }
        for e, employee in enumerate(self.team):
            features[f"employee_{e}_load"] = employee.load
            features[f"employee_{e}_avg_resolve"] = employee.avg_resolve
        return np.array([features[name] for name in layout.feature_names], dtype=np.float32)

    def _check_fits(self, layout: ObservationLayout) -> None:
        if len(self.team) != layout.n_employees:
            raise ValueError(
                f"team has {len(self.team)} employees, the layout {layout.n_employees}"
            )
        if set(self.trends) != set(layout.categories):
            raise ValueError(
                f"trends must name exactly the layout's categories {layout.categories}, "
                f"got {tuple(self.trends)}"
            )


def _email(features: dict[str, float], categories: tuple[str, ...]) -> CurrentEmail:
    return CurrentEmail(
        sentiment=features["sentiment"],
        keyword_flag=_flag(features["keyword_flag"], "keyword_flag"),
        tier=_tier([features[f"tier_{name}"] for name in TIERS]),
        category=_category(
            [features[f"category_code_{i}"] for i in range(CATEGORY_CODE_SLOTS)], categories
        ),
        agent_confidence=features["agent_confidence"],
    )


# -- reward ------------------------------------------------------------------------------


class HelixReward(_Frozen):
    """One step's reward: the total, the raw sum and its twelve named components."""

    total: float = Field(
        description="The reward returned by step(): raw less the settlement, clipped to the "
        "limit, plus the settlement."
    )
    raw: float = Field(description="The unclipped sum of the components (info['reward_raw']).")
    settlement: float = Field(
        default=0.0,
        description="The part of raw that settled after the shift, added unclipped (the last "
        "step only; info['reward_settlement']).",
    )
    components: dict[str, float] = Field(
        description="Each of the twelve reward components' value this step, in COMPONENTS order."
    )

    @field_validator("components")
    @classmethod
    def _all_components(cls, components: dict[str, float]) -> dict[str, float]:
        missing = [name for name in COMPONENTS if name not in components]
        unknown = [name for name in components if name not in COMPONENTS]
        if missing or unknown:
            raise ValueError(
                f"components must name exactly {COMPONENTS}; missing {missing}, unknown {unknown}"
            )
        return {name: components[name] for name in COMPONENTS}

    @classmethod
    def from_step(cls, reward: float, info: Mapping[str, Any]) -> HelixReward:
        """Build from ``step()``'s reward and its ``info`` dict."""
        return cls.model_validate(
            {
                "total": reward,
                "raw": info[REWARD_RAW],
                "settlement": info[REWARD_SETTLEMENT],
                "components": components_from_info(info),
            }
        )
