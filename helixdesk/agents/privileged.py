"""PRIVILEGED: the episode's ground truth and the simulator's hidden state, for the oracle.

Nothing here is visible to an honest agent. This module is the only code outside
``helixdesk/simulator`` that reads the simulator's arrays, their column constants or the
episode tape on an agent's behalf, so a change of the simulator's layout touches this file
alone. :class:`PrivilegedView` wraps one :class:`~helixdesk.env.HelixDeskEnv` and answers,
at the email now awaiting triage:

* :meth:`~PrivilegedView.email` — its truth: category, true type, severity, keyword flag,
  the work it will take;
* :meth:`~PrivilegedView.employee_queues` — every employee's queue: when the ticket in
  service will be done, and each waiting ticket's queue order, deadline, work and category;
* :meth:`~PrivilegedView.service_hours` — how long an employee takes over a ticket (the
  simulator's service model: skill, rate, overload);
* :meth:`~PrivilegedView.unalerted_surge` — the end of a ground-truth surge of a category
  under way now that the GM has not yet been told about;
* :meth:`~PrivilegedView.next_arrival` — when the next email of a category arrives (the
  future inbox on the tape);
* :meth:`~PrivilegedView.play_out` — how the episode ends if an action is taken now and a
  given agent plays the rest: the very future, played on a copy of the env.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.simulator.schema import Email, Held, Scalar, Server, Surge
from helixdesk.simulator.schema import Ticket as SimTicket


@dataclass(frozen=True)
class EmailTruth:
    """The ground truth of one email.

    ``classification`` is the code it deserves (query, complaint or flag_for_review for a
    review case); ``severity`` is the priority code it deserves (0 critical … 3 normal),
    which also fixes its SLA deadline (``config.sla.by_severity()``).
    """

    index: int
    category: int
    classification: int
    severity: int
    keyword: bool
    work: float


@dataclass(frozen=True)
class QueuedTicket:
    """A ticket as its server will work it: by ``order`` (the assigned priority), then by
    ``queued_at``; it misses its SLA if finished after ``deadline``."""

    order: int
    queued_at: float
    deadline: float
    work: float
    category: int


@dataclass(frozen=True)
class EmployeeQueue:
    """One employee's queue: the ticket in service (``None`` when idle; its ``work`` is what
    is left of it) is done at ``free_at`` (``now`` when idle); ``waiting`` are the tickets
    not yet started, in no particular order."""

    free_at: float
    in_service: QueuedTicket | None
    waiting: tuple[QueuedTicket, ...]


@dataclass(frozen=True)
class Outcome:
    """How an episode played on from now ends: the reward collected from now on and the
    finished episode's event log (``None`` when the env keeps none)."""

    reward: float
    log: EventLog | None


class PrivilegedView:
    """PRIVILEGED read access to one env's tape and simulator state (see the module doc).

    Every answer is about the env as it is now: call after ``reset`` or ``step``.
    """

    def __init__(self, env: gym.Env) -> None:
        unwrapped = env.unwrapped
        if not isinstance(unwrapped, HelixDeskEnv):
            raise TypeError(f"the privileged view reads a HelixDeskEnv, not {type(unwrapped)}")
        self._env = unwrapped
        self._sim = unwrapped._sim
        config = unwrapped.config
        self._n_employees = config.env.n_employees
        self._overload_threshold = config.employee_sim.overload_threshold
        self._overload_slowdown = config.employee_sim.overload_slowdown

    @property
    def now(self) -> float:
        """Simulated hours since the shift began."""
        return float(self._sim.state.scalars[0, Scalar.TIME])

    def email(self) -> EmailTruth:
        """The truth of the email awaiting triage."""
        index = self._env.email_index
        row = self._env.tape.emails[index]
        return EmailTruth(
            index=index,
            category=int(row[Email.CATEGORY]),
            classification=int(row[Email.TRUE_CLASS]),  # the code it deserves
            severity=int(row[Email.SEVERITY]),
            keyword=bool(row[Email.KEYWORD] == 1.0),
            work=float(row[Email.WORK]),
        )

    def employee_queues(self) -> list[EmployeeQueue]:
        """Every employee's queue, employee 0 first."""
        return [self._queue(e) for e in range(self._n_employees)]

    def _queue(self, employee: int) -> EmployeeQueue:
        state = self._sim.state
        server = state.servers[0, employee]
        current = int(server[Server.CURRENT])
        waiting, in_service = [], None
        for i in range(int(server[Server.QLEN])):
            slot = int(state.queues[0, employee, i])
            ticket = self._ticket(state.held[0, employee, i], slot)
            if slot != current:
                waiting.append(ticket)
                continue
            tickets = state.tickets[0]
            started, done = tickets[slot, SimTicket.STARTED_AT], float(server[Server.DONE_AT])
            left = ticket.work * (done - self.now) / (done - started) if done > started else 0.0
            in_service = dataclasses.replace(ticket, work=left)
        free_at = float(server[Server.DONE_AT]) if current >= 0 else self.now
        return EmployeeQueue(free_at, in_service, tuple(waiting))

    def _ticket(self, held: np.ndarray, slot: int) -> QueuedTicket:
        ticket, emails = self._sim.state.tickets[0, slot], self._sim.tapes.emails[0]
        return QueuedTicket(
            order=int(held[Held.PRIORITY]),
            queued_at=float(held[Held.QUEUED_AT]),
            deadline=float(held[Held.DEADLINE]),
            work=float(ticket[SimTicket.WORK]),
            category=int(emails[int(ticket[SimTicket.EMAIL]), Email.CATEGORY]),
        )

    def service_hours(self, employee: int, work: float, category: int, queue_length: int) -> float:
        """Hours ``employee`` takes over ``work`` of ``category`` when it starts the ticket
        holding ``queue_length`` tickets (that one included): ``work / (rate × skill)``,
        stretched by the overload slowdown for every ticket above the overload threshold."""
        state, model = self._sim.state, self._sim.model
        rate = state.servers[0, employee, Server.RATE] * model.skills[employee, category]
        overload = max(0, queue_length - self._overload_threshold)
        return float(work / rate * (1.0 + self._overload_slowdown * overload))

    def unalerted_surge(self, category: int) -> float | None:
        """End time of a surge of ``category`` under way now that no GM alert has caught
        yet, or None."""
        now = self.now
        alerted = self._sim.state.alerted[0]
        for surge, told in zip(self._sim.tapes.surges[0], alerted, strict=True):
            if (
                surge[Surge.VALID] == 1.0
                and int(surge[Surge.CATEGORY]) == category
                and surge[Surge.START] <= now < surge[Surge.END]
                and told == 0.0
            ):
                return float(surge[Surge.END])
        return None

    def next_arrival(self, category: int) -> float:
        """Arrival time of the next email of ``category`` after the one awaiting triage
        (infinity when none is left in the episode)."""
        later = self._env.tape.emails[self._env.email_index + 1 :]
        found = np.flatnonzero(later[:, Email.CATEGORY] == category)
        return float(later[found[0], Email.ARRIVAL]) if len(found) else math.inf

    def play_out(self, action: np.ndarray, planner: Callable[[gym.Env], BaseAgent]) -> Outcome:
        """Take ``action`` on a copy of the env and let ``planner(copy)`` play the rest of the
        episode. The copy holds the same tape, so it meets the same future inbox and the same
        random draws: the outcome is exactly what would follow in the env itself."""
        twin = copy.deepcopy(self._env)
        agent = planner(twin)
        obs, reward, terminated, truncated, info = twin.step(action)
        total = float(reward)
        while not (terminated or truncated):
            obs, reward, terminated, truncated, info = twin.step(agent.act(obs, info))
            total += float(reward)
        return Outcome(total, twin.event_log if twin.records_events else None)
