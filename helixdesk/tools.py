"""The agent's tools: one definition, served over MCP and to TRL.

:class:`DeskTools` holds the six tools an LLM agent plays an episode with. The server
registers them as MCP tools on ``/mcp`` (:mod:`helixdesk.server.mcp`), and
:class:`helixdesk.trl.HelixDeskToolEnv` inherits them as its tool methods, so both faces
offer the same names, arguments, descriptions and behaviour. Each tool's docstring is its
spec: the first line is its one-line description, ``Args:`` describes its arguments.

* Five read what any agent may see (:func:`helixdesk.text_view.build_view`: the email text,
  the observation, the action mask) and change nothing: ``read_email``, ``read_queue``,
  ``read_sla``, ``read_trends`` and ``search_kb``, which returns the knowledge-base article
  on the current email's topic or nothing (an empty string).
* ``triage`` decides the current email (the four action fields, by name) and steps the
  episode exactly as ``/step`` does with the same action; it returns what was applied and
  the next email, or the end of the episode.

Every tool returns plain text. A call that cannot be served (no episode yet, triage after
the last email, a name that is not a valid choice) raises :class:`ToolCallError` with a
message for the model. Every call of an episode, failed ones included, is journaled
(:class:`ToolCall`) at its place in the episode's event log: :func:`episode_log` merges the
two into one record stream.
"""

from __future__ import annotations

import functools
import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from helixdesk.env import HelixDeskEnv
from helixdesk.models import Classification, HelixAction, Priority, Secondary
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.simulator.generator.email_text import topic_title
from helixdesk.simulator.schema import Email
from helixdesk.text_view import (
    TREND_ALERT,
    DeskView,
    build_view,
    email_text,
    queue_text,
    team_text,
    trending_text,
)

TOOL_CALL = "tool_call"  # the kind of a journaled call in the merged episode log
MIN_QUERY_WORD = 3  # shorter query words ("a", "my", "to") match nothing

Tool = TypeVar("Tool", bound=Callable[..., str])


class ToolCallError(ValueError):
    """A tool call that cannot be served; the message tells the model why."""


@dataclass(frozen=True)
class Triaged:
    """What a triage did: the action as applied (after the flag-for-review rule), whether the
    episode is over, and the grade of a finished task episode (else None)."""

    applied: HelixAction
    done: bool
    score: float | None


@dataclass(frozen=True)
class ToolCall:
    """One journaled call: the tool, its arguments, the email awaiting triage and the
    simulated time when it was called, how many event-log records preceded it, and the
    error it raised (None if it succeeded)."""

    tool: str
    arguments: dict[str, Any]
    email: int
    time: float
    events_before: int
    error: str | None

    def as_record(self) -> dict[str, Any]:
        """The call as a record of the merged episode log (kind ``tool_call``)."""
        return {
            "kind": TOOL_CALL,
            "time": self.time,
            "email": self.email,
            "tool": self.tool,
            "arguments": self.arguments,
            "error": self.error,
        }


def episode_log(events: EventLog, calls: list[ToolCall]) -> list[dict[str, Any]]:
    """The event log's records with the tool calls in their place: each call comes after the
    records made before it and before those it caused (a triage's ``triaged`` record)."""
    records = list(events)
    merged: list[dict[str, Any]] = []
    done = 0
    for call in calls:
        merged += records[done : call.events_before]
        merged.append(call.as_record())
        done = max(done, call.events_before)
    return merged + records[done:]


def _journaled(tool: Tool) -> Tool:
    """Run ``tool`` under the owner's lock and journal the call (arguments as the tool took
    them, defaults included)."""
    signature = inspect.signature(tool)

    @functools.wraps(tool)
    def call(self: DeskTools, *args: Any, **kwargs: Any) -> str:
        with self._exclusive():
            env = self._simulator()
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = {name: value for name, value in bound.arguments.items() if name != "self"}
            where = (env.email_index, env.sim_hours, len(env.event_log))
            try:
                result = tool(self, *args, **kwargs)
            except Exception as error:
                self._journal.append(ToolCall(tool.__name__, arguments, *where, str(error)))
                raise
            self._journal.append(ToolCall(tool.__name__, arguments, *where, None))
            return result

    return cast(Tool, call)


class DeskTools(ABC):
    """The tools over one live episode; owners supply the episode (see the module docstring).

    An owner implements :meth:`_simulator` (the live env, or :class:`ToolCallError` before
    the first episode) and :meth:`_play` (step the episode with an action), may give a lock
    in :meth:`_exclusive`, and calls :meth:`_begin_journal` when an episode starts.
    """

    def __init__(self) -> None:
        self._journal: list[ToolCall] = []

    # -- the tools ---------------------------------------------------------------------

    @_journaled
    def read_email(self) -> str:
        """Read the email awaiting triage: sender, tier, category, subject, body and signals."""
        return email_text(self._view())

    @_journaled
    def read_queue(self) -> str:
        """Read the open tickets by priority, the review queue and each employee's load."""
        view = self._view()
        return f"{queue_text(view)}\n{team_text(view)}"

    @_journaled
    def read_sla(self) -> str:
        """Read the SLA pressure: overdue and near-deadline shares and the deadlines."""
        return _sla_text(self._view(), self._simulator())

    @_journaled
    def read_trends(self) -> str:
        """Read each category's growth in volume and which categories are trending."""
        view = self._view()
        growth = ", ".join(f"{name} {value:+.2f}" for name, value in view.trends.items())
        return (
            f"Growth per category (-1..1; above {TREND_ALERT} is trending): {growth}\n"
            f"{trending_text(view)}"
        )

    @_journaled
    def search_kb(self, query: str) -> str:
        """Search the knowledge base for the article answering the current email.

        Args:
            query: Words about the customer's question, e.g. "reset password".
        """
        return _article(self._simulator(), query)

    @_journaled
    def triage(
        self,
        classification: Classification,
        priority: Priority,
        assignment: str,
        secondary: Secondary = "none",
    ) -> str:
        """Triage the current email; returns what was applied and the next email.

        Args:
            classification: query, complaint or flag_for_review (a supervisor decides the rest).
            priority: critical, high, medium or normal; the order the assignee works in.
            assignment: employee_0, employee_1, ... (see read_queue) or no_assignment.
            secondary: auto_reply_from_kb, alert_gm or none.
        """
        env = self._simulator()
        action = _action(classification, priority, assignment, secondary)
        try:
            action.to_array(env.config.env.n_employees)
        except ValueError as error:
            raise ToolCallError(str(error)) from None
        triaged = self._play(action)
        return _triaged_text(triaged, self._view())

    # -- for owners --------------------------------------------------------------------

    @property
    def tool_calls(self) -> list[ToolCall]:
        """This episode's journal, oldest first."""
        return list(self._journal)

    @abstractmethod
    def _simulator(self) -> HelixDeskEnv:
        """The live episode's env; :class:`ToolCallError` when there is none yet."""

    @abstractmethod
    def _play(self, action: HelixAction) -> Triaged:
        """Step the episode with ``action`` (``ToolCallError`` after its last email)."""

    def _exclusive(self) -> AbstractContextManager[object]:
        """Held while a tool runs (no lock by default)."""
        return nullcontext()

    def _begin_journal(self) -> None:
        self._journal = []

    def _view(self) -> DeskView:
        return build_view(self._simulator())


# The tools, in the order they are declared above (what MCP lists and TRL offers).
TOOL_NAMES = tuple(name for name, tool in vars(DeskTools).items() if hasattr(tool, "__wrapped__"))


def _action(classification: str, priority: str, assignment: str, secondary: str) -> HelixAction:
    try:
        return HelixAction.model_validate(
            {
                "classification": classification,
                "priority": priority,
                "assignment": assignment,
                "secondary": secondary,
            }
        )
    except ValidationError as error:
        reasons = (
            f"{e['loc'][0]}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
        )
        raise ToolCallError("; ".join(reasons)) from None


def _sla_text(view: DeskView, env: HelixDeskEnv) -> str:
    queue, sla = view.queue, env.config.sla
    deadlines = ", ".join(
        f"{name.removesuffix('_hours')} {hours:g} h" for name, hours in sla.model_dump().items()
    )
    return (
        f"SLA: {queue.overdue_share:.0%} of open tickets are overdue and "
        f"{queue.near_deadline_share:.0%} near their deadline; on average "
        f"{queue.sla_pressure:.0%} of the SLA time is used; a critical ticket is overdue: "
        f"{'yes' if queue.critical_overdue else 'no'}.\n"
        f"Deadlines from arrival, by the customer's real urgency: {deadlines}."
    )


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if len(word) >= MIN_QUERY_WORD}


def _matches(query: set[str], words: set[str]) -> bool:
    """A query word names a word of the article when one starts the other ("refund" and
    "refunds"), so plurals and stems find it."""
    return any(q.startswith(w) or w.startswith(q) for q in query for w in words)


def _article(env: HelixDeskEnv, query: str) -> str:
    """The KB article on the current email's topic, if the KB holds one and ``query`` names
    it (by its title or category); else an empty string.

    The topic comes from the episode's tape: it is what the email asks about (a query's text
    names it), not ground truth the grader scores. Whether the KB holds it is the action
    mask's auto-reply bit.
    """
    view = build_view(env)
    if view.email is None or not view.email.kb_has_answer:
        return ""
    category = view.email.category
    title = topic_title(category, int(env.tape.emails[env.email_index, Email.TOPIC]))
    if not _matches(_words(query), _words(f"{title} {category}")):
        return ""
    return (
        f"KB article ({category}): {title}\n"
        f"The standard answer to a customer asking about {title.lower()}, with the steps "
        f"to follow. auto_reply_from_kb sends it and closes a query about this topic; it "
        f"does not settle a complaint (the customer rates it 1 or 2)."
    )


def _triaged_text(triaged: Triaged, view: DeskView) -> str:
    applied = triaged.applied
    lines = [
        f"Triaged email {view.email_index} of {view.emails_total}: {applied.classification}, "
        f"{applied.priority}, {applied.assignment}, {applied.secondary}."
    ]
    if not triaged.done:
        return "\n".join([*lines, "", email_text(view)])
    lines.append("That was the last email: the episode is over.")
    if triaged.score is not None:
        lines.append(f"Grade: {triaged.score:.3f} (in [0, 1]).")
    return "\n".join(lines)
