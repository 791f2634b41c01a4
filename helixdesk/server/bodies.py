"""The bodies of the server's own HTTP routes: requests and replies.

The wire types they carry (action, observation, state, grade, reset options) are shared with
clients in :mod:`helixdesk.wire`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from helixdesk.wire import HelixDeskAction, ResetOptions


class ResetRequest(ResetOptions):
    """``POST /reset`` body: the reset options, optionally reusing an open session."""

    session_id: str | None = Field(
        default=None, description="Reset this open session instead of opening a new one"
    )


class SessionRequest(BaseModel):
    """A body naming one session."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(description="The id returned by POST /reset")


class SessionClosed(BaseModel):
    """Reply of ``POST /close``."""

    session_id: str = Field(description="The session that was closed; its id is now unknown")
    closed: bool = Field(default=True, description="Always true")


class StepRequest(SessionRequest):
    """``POST /step`` body."""

    action: HelixDeskAction = Field(description="The triage decision for the current email")


class EpisodeResponse(BaseModel):
    """Reply of ``POST /reset`` and ``POST /step``; the same data as a WebSocket reply."""

    session_id: str = Field(description="Pass it to /step, /state and /grader")
    observation: dict[str, Any] = Field(
        description="HelixDeskObservation fields except reward and done (see GET /schema)"
    )
    reward: float | None = Field(description="Reward of the step (None after reset)")
    done: bool = Field(description="The episode is over; /grader can grade it")


class Readiness(BaseModel):
    """``GET /ready``: whether a new session starts at once."""

    ready: bool = Field(description="The simulator's kernels are compiled")
    detail: str = Field(description="What the server is doing")


class TaskInfo(BaseModel):
    """One graded task."""

    id: str = Field(description="Task id, the value of reset's task")
    difficulty: str = Field(description="easy, medium, hard or expert")
    description: str = Field(description="What is played and how it is scored")
    emails: int = Field(description="Emails (steps) per episode")
    choices: dict[str, list[str]] = Field(description="Valid names for each action field")


class TasksResponse(BaseModel):
    """``GET /tasks``: the tasks and how to act in them."""

    tasks: list[TaskInfo] = Field(description="The graded tasks")
    action_schema: dict[str, Any] = Field(description="JSON schema of the action")


class Layout(BaseModel):
    """``GET /layout``: where each named value sits in an observation's ``vector`` and
    ``action_mask``, for one scenario (the names of :mod:`helixdesk.spaces`)."""

    task: str | None = Field(description="The task whose scenario this is; None: default config")
    features: dict[str, int] = Field(
        description="Index of each feature in the observation's vector, by feature name"
    )
    choices: dict[str, list[str]] = Field(
        description="Each action field's choices by name, in code order; the fields in the "
        "action's order"
    )
    mask_offsets: dict[str, int] = Field(
        description="Index in the observation's action_mask of each action field's first "
        "choice: choice i of field f (choices[f][i]) is at mask_offsets[f] + i"
    )
