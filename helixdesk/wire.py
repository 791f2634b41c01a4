"""The wire types of HelixDesk's OpenEnv face, shared by the server and its clients.

OpenEnv keeps an environment's wire types at the package root, apart from the server: the
typed client (:mod:`helixdesk.client`) imports them from here and nothing from
``helixdesk.server``. They are the action, the observation, the state, the grade and the
reset options; the server's HTTP request and reply bodies are in
:mod:`helixdesk.server.bodies`.

The action's four fields accept the seed's names or integer codes. Names and the codes of
classification, priority and secondary are normalised to names by
:class:`helixdesk.models.HelixAction`, so the server, the Gymnasium face and the LLM agent
share one definition of a valid action. An integer assignment is a code of the session's
``env.action_space``, read when the session steps: for a team of ``n`` employees, ``i < n``
is ``employee_i`` and ``n`` is ``no_assignment``, so ``action_space.sample()`` means on the
wire exactly what it means in the env, for any team size. The observation carries only
what an agent may see (the desk view of :mod:`helixdesk.text_view`, the observation vector
and the action mask); the episode's grade appears once the episode is over.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from helixdesk.models import (
    EMPLOYEE_INDEX_LIMIT,
    NO_ASSIGNMENT,
    Classification,
    HelixAction,
    Priority,
    Secondary,
    assignment_for_code,
)
from helixdesk.openenv_api import Action, Observation, State
from helixdesk.spaces import ACTION_DIMS, CLASSIFICATIONS, PRIORITIES, SECONDARY_ACTIONS
from helixdesk.tasks import TASK_IDS, team_size
from helixdesk.text_view import DeskView, QueueView

ASSIGNMENT = ACTION_DIMS[2]
# A valid action; one field at a time is swapped in to validate it through HelixAction.
_VALID_ACTION = dict(zip(ACTION_DIMS, ("query", "normal", NO_ASSIGNMENT, "none"), strict=True))
# The largest integer every JSON reader holds exactly (JavaScript's Number.MAX_SAFE_INTEGER).
MAX_SEED = 2**53 - 1
ViewMode = Literal["full", "vector"]
FULL_VIEW: ViewMode = "full"


def _name_or_code(names: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(names)},
                {"type": "integer", "minimum": 0, "maximum": len(names) - 1},
            ]
        }
    )


def _assignment_schema(schema: dict[str, Any]) -> None:
    """The assignment's JSON schema: the employees of the largest team by name, or a code
    (``0..n``, ``n`` being no_assignment for a team of ``n``).

    Built when a schema is asked for, not at import, as it reads the scenario configs.
    """
    team = team_size()
    names = [*(f"employee_{i}" for i in range(team)), NO_ASSIGNMENT]
    schema.pop("type", None)
    schema["anyOf"] = [
        {"type": "string", "enum": names},
        {"type": "integer", "minimum": 0, "maximum": team},
    ]


def _invalid(kind: str, reason: str) -> PydanticCustomError:
    """A validation error whose details stay JSON-serialisable (openenv sends them over /ws;
    a plain ValueError would put the exception object into them)."""
    return PydanticCustomError(kind, "{reason}", {"reason": reason})


def _whole(value: object) -> object:
    """A float with no fraction as the int it equals (``2.0`` → 2); anything else as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _normalised(field: str, value: object) -> str | int:
    """``value`` for ``field`` as HelixAction names it (an assignment code stays a code), or
    HelixAction's reason to refuse it.

    A whole float (``1.0``) counts as the integer code: JSON does not tell them apart, and
    the JSON schema of an integer code accepts it.
    """
    value = _whole(value)
    if field == ASSIGNMENT and type(value) is int:
        return _assignment_code(value)
    if type(value) in (str, int):
        return _normalised_choice(field, value)
    return _validated_choice(field, value)


def _assignment_code(code: int) -> int:
    """An assignment code, kept as it is until the session's team size gives it a meaning."""
    if not 0 <= code <= EMPLOYEE_INDEX_LIMIT:
        raise _invalid(
            "invalid_action_choice",
            f"assignment code must be in 0..n for a team of n employees (n is "
            f"{NO_ASSIGNMENT}), with n <= {EMPLOYEE_INDEX_LIMIT:_}; got {code}",
        )
    return code


def _assignment_name(code: int, n_employees: int) -> str:
    """The name of assignment code ``code`` in a team of ``n_employees`` (as the env reads it)."""
    if code > n_employees:
        raise ValueError(
            f"assignment code {code} is out of range for {n_employees} employees: "
            f"0..{n_employees - 1} are employee_0..employee_{n_employees - 1} and "
            f"{n_employees} is {NO_ASSIGNMENT}"
        )
    return assignment_for_code(code, n_employees)


@lru_cache(maxsize=1024)
def _normalised_choice(field: str, value: str | int) -> str:
    """``_validated_choice`` remembered for the few names and codes clients send.

    Validating builds a whole HelixAction, and four of them were most of the cost of
    parsing an action (parsing a step message went from ~54 to ~20 µs). Only plain str and
    int values are remembered (bool and float hash like ints). Refused values are not
    remembered, and valid ones are short (an employee index has at most 9 digits), so the
    cache stays small whatever clients send.
    """
    return _validated_choice(field, value)


def _validated_choice(field: str, value: object) -> str:
    try:
        action = HelixAction.model_validate({**_VALID_ACTION, field: value})
    except ValidationError as error:
        reasons = (e["msg"].removeprefix("Value error, ") for e in error.errors())
        raise _invalid("invalid_action_choice", "; ".join(reasons)) from None
    name: str = getattr(action, field)
    return name


class HelixDeskAction(Action):
    """One triage decision, by name or integer code (see the module docstring)."""

    classification: Annotated[Classification, _name_or_code(CLASSIFICATIONS)] = Field(
        description="query, complaint or flag_for_review (or code 0..2); flagging forces "
        "normal priority, no assignment and no secondary action"
    )
    priority: Annotated[Priority, _name_or_code(PRIORITIES)] = Field(
        description="critical, high, medium or normal (or code 0..3); orders complaints"
    )
    assignment: str | int = Field(
        description="employee_<i> or no_assignment by name (valid names are listed in the "
        "observation's desk.choices), or the env's integer code: i < n is employee_i and n "
        "is no_assignment, for the session's team of n employees",
        json_schema_extra=_assignment_schema,
    )
    secondary: Annotated[Secondary, _name_or_code(SECONDARY_ACTIONS)] = Field(
        description="auto_reply_from_kb, alert_gm or none (or code 0..2)"
    )

    @field_validator(*ACTION_DIMS, mode="before")
    @classmethod
    def _to_name(cls, value: object, info: ValidationInfo) -> str | int:
        assert info.field_name is not None
        return _normalised(info.field_name, value)

    def to_codes(self, n_employees: int) -> np.ndarray:
        """The ``int64[4]`` MultiDiscrete action for a team of ``n_employees`` (``ValueError``
        for an employee the team does not have)."""
        return self.named(n_employees).to_array(n_employees)

    def named(self, n_employees: int) -> HelixAction:
        """The same decision as :class:`helixdesk.models.HelixAction`, for a team of
        ``n_employees`` (which gives an assignment code its meaning)."""
        assignment = self.assignment
        if isinstance(assignment, int):
            assignment = _assignment_name(assignment, n_employees)
        return _named(self.classification, self.priority, assignment, self.secondary)

    @classmethod
    def from_codes(cls, codes: Any, n_employees: int) -> HelixDeskAction:
        """Name a MultiDiscrete action (as agents such as RuleAgent return it)."""
        return cls.model_validate(
            HelixAction.from_array(np.asarray(codes), n_employees).model_dump()
        )


@lru_cache(maxsize=1024)
def _named(classification: str, priority: str, assignment: str, secondary: str) -> HelixAction:
    """The frozen HelixAction of four normalised names, built once per distinct decision."""
    names = (classification, priority, assignment, secondary)
    return HelixAction.model_validate(dict(zip(ACTION_DIMS, names, strict=True)))


class Grade(BaseModel):
    """The grade of a finished episode, computed from its event log (ground truth)."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(description="Task id the episode was played under")
    score: float = Field(ge=0.0, le=1.0, description="The task's score in [0, 1]")
    parts: dict[str, float] = Field(description="The named sub-scores the score combines")


class HelixDeskObservation(Observation):
    """What the agent sees after ``reset`` or ``step`` (reward and done come with it)."""

    desk: DeskView | None = Field(
        description="The email to triage (text and signals), queue, team, SLA, trends and "
        "the valid choices for each action field (None in a view='vector' episode)"
    )
    text: str | None = Field(
        description="The desk view as plain text, ready for an LLM prompt (None in a "
        "view='vector' episode)"
    )
    vector: list[float] = Field(
        description="The Gymnasium observation vector (float32 values; 42 for the default "
        "config); GET /layout names each index"
    )
    action_mask: list[bool] = Field(
        description="Advisory mask over the flattened choices (employees at capacity, "
        "auto-reply without a KB article); every action stays legal. GET /layout says where "
        "each field's choices start"
    )
    reward_components: dict[str, float] = Field(
        description="This step's value of each of the twelve reward components"
    )
    reward_raw: float = Field(description="Sum of the components before clipping")
    reward_settlement: float = Field(
        default=0.0,
        description="Part of reward_raw that settled after the shift (last step only), added "
        "to the reward unclipped",
    )
    applied_action: HelixAction | None = Field(
        description="The action as applied after the flag-for-review rule (None at reset)"
    )
    task: str | None = Field(description="Task id of the episode; None for the default config")
    grade: Grade | None = Field(
        description="The episode's grade, on the final observation of a task episode"
    )


class HelixDeskState(State):
    """Episode bookkeeping (no ground truth)."""

    task: str | None = Field(default=None, description="Task id; None for the default config")
    seed: int | None = Field(default=None, description="Seed of the last reset, if any")
    done: bool = Field(default=False, description="The episode is over (truncated)")
    email_index: int = Field(default=0, description="Index of the email awaiting triage")
    emails_total: int = Field(default=0, description="Emails in the episode")
    sim_hours: float = Field(default=0.0, description="Simulated hours since the shift began")
    cumulative_reward: float = Field(default=0.0, description="Sum of the step rewards so far")
    queue: QueueView | None = Field(
        default=None, description="The queue as the latest observation shows it (None before reset)"
    )


def _known_task(task: str | None) -> str | None:
    if task is not None and task not in TASK_IDS:
        reason = f"unknown task {task!r}; choose from {', '.join(TASK_IDS)}"
        raise _invalid("unknown_task", reason)
    return task


# A task id, or None for the default config (reset's field, GET /layout's query).
TaskId = Annotated[
    str | None,
    WithJsonSchema({"anyOf": [{"type": "string", "enum": list(TASK_IDS)}, {"type": "null"}]}),
    AfterValidator(_known_task),
]


class ResetOptions(BaseModel):
    """Options of ``reset`` (HTTP body fields and WebSocket ``reset`` data alike)."""

    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED, strict=True, description="Seed of the episode's inbox"
    )
    task: TaskId = Field(
        default=None, description=f"Task scenario, one of {', '.join(TASK_IDS)}; default config"
    )
    episode_id: str | None = Field(
        default=None, max_length=255, description="Your id for the episode (default: random)"
    )
    view: ViewMode = Field(
        default=FULL_VIEW,
        description="'full': observations carry the desk view and its text (for LLM agents); "
        "'vector': only the Gymnasium vector, mask, rewards and grade, for RL clients that "
        "read nothing else (same episode, a fraction of the bytes and server time)",
    )

    @field_validator("seed", mode="before")
    @classmethod
    def _whole_float_seed(cls, seed: object) -> object:
        """``7.0`` is the seed 7 (JSON does not tell them apart); ``7.5`` and ``"7"`` are not."""
        return _whole(seed)
