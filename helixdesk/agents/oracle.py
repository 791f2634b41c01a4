"""The oracle: a PRIVILEGED reference agent that reads the episode's ground truth.

It is the ceiling of every table, never a baseline to beat: it sees what no honest agent
can (:class:`~helixdesk.agents.privileged.PrivilegedView`: true type and severity, the work
each ticket takes, every queue's contents, the ground-truth surges, the future inbox) and
plans with it. Its rules, for the email awaiting triage:

* **classification** — the truth: a query, a complaint, or a review case flagged for review;
* **priority** — critical for a keyword email, else the email's true severity (complaints
  only: a query is worked at normal priority whatever it is given);
* **GM alert** — on the first email of a category whose ground-truth surge is under way and
  not yet alerted; put off to the category's next email when this one is an auto-reply and
  that next email arrives before the surge ends;
* **auto-reply** — exactly when it will succeed: a true query whose KB entry exists (the
  action mask's auto-reply bit);
* **assignment** — each employee with room is scored by simulating their queue in the order
  they will work it (priority, then arrival) with the true work, their skill in each ticket's
  category and the overload slowdown: the employee that adds the fewest missed deadlines wins,
  then the earliest finish of the new ticket. A ticket that would add a missed deadline even
  there — its own, or a queued ticket's that it delays — is left with nobody: one miss now
  either way, and the queues stay short for the tickets still to come (the admission rule
  of Moore and Hodgson's schedule for the fewest late jobs).

:class:`OracleRules` switches single rules off for ablations (how much each decision is
worth under the current dynamics): random priority on non-keyword emails, never auto-reply,
never alert the GM, never flag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.agents.privileged import EmailTruth, EmployeeQueue, PrivilegedView, QueuedTicket
from helixdesk.spaces import (
    ALERT_GM,
    AUTO_REPLY,
    COMPLAINT,
    CRITICAL,
    FLAG_FOR_REVIEW,
    NO_SECONDARY,
    NORMAL,
    PRIORITIES,
    QUERY,
    mask_offsets,
)


@dataclass(frozen=True)
class OracleRules:
    """Which of the oracle's rules are on (all by default); each off is one ablation."""

    severity_priority: bool = True  # off: a uniformly random priority on non-keyword emails
    auto_reply: bool = True  # off: never auto-reply
    alert_gm: bool = True  # off: never alert the GM
    flag_reviews: bool = True  # off: never flag; review cases are handled as complaints


@dataclass(frozen=True)
class Placement:
    """What putting the new ticket with one employee does: the missed deadlines it adds (its
    own included) and when it would be done."""

    employee: int
    added_misses: int
    finish: float

    @property
    def rank(self) -> tuple[int, float]:
        return self.added_misses, self.finish


class OracleAgent(BaseAgent):
    """PRIVILEGED: plans from the ground truth (module docstring). The ceiling, not a
    baseline: no honest agent can match it. ``seed`` seeds the random-priority ablation."""

    name = "oracle"

    def __init__(
        self, env: gym.Env, seed: int | None = None, rules: OracleRules | None = None
    ) -> None:
        self._view = PrivilegedView(env)
        self._rules = rules or OracleRules()
        unwrapped: Any = env.unwrapped
        config = unwrapped.config
        self._n_employees = config.env.n_employees
        self._sla_hours = config.sla.by_severity()
        self._masks = mask_offsets(self._n_employees)
        self._rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        truth, mask = self._view.email(), info["action_mask"]
        cls = truth.classification
        if cls == FLAG_FOR_REVIEW:
            if self._rules.flag_reviews:
                return np.array([FLAG_FOR_REVIEW, NORMAL, self._n_employees, NO_SECONDARY])
            cls = COMPLAINT
        priority = self._priority(truth, cls)
        secondary = self._secondary(truth, cls, mask)
        if secondary == AUTO_REPLY:
            return np.array([cls, priority, self._n_employees, AUTO_REPLY])
        return np.array([cls, priority, self._assignee(truth, cls, priority, mask), secondary])

    def _priority(self, truth: EmailTruth, cls: int) -> int:
        if truth.keyword:
            return CRITICAL
        if not self._rules.severity_priority:
            return int(self._rng.integers(len(PRIORITIES)))
        return truth.severity if cls == COMPLAINT else NORMAL

    def _secondary(self, truth: EmailTruth, cls: int, mask: np.ndarray) -> int:
        """Alert at a surge's first email unless a later one can carry the alert; else
        auto-reply when it will succeed."""
        replies = (
            self._rules.auto_reply and cls == QUERY and mask[self._masks["secondary"] + AUTO_REPLY]
        )
        surge_end = self._view.unalerted_surge(truth.category) if self._rules.alert_gm else None
        if surge_end is not None and not (
            replies and self._view.next_arrival(truth.category) < surge_end
        ):
            return ALERT_GM
        return AUTO_REPLY if replies else NO_SECONDARY

    def _assignee(self, truth: EmailTruth, cls: int, priority: int, mask: np.ndarray) -> int:
        """The employee whose queue the ticket harms least (module docstring); nobody when
        every placement adds a missed deadline or every employee is full."""
        now = self._view.now
        ticket = QueuedTicket(
            order=priority if cls == COMPLAINT else NORMAL,
            queued_at=now,
            deadline=now + self._sla_hours[truth.severity],
            work=truth.work,
            category=truth.category,
        )
        start = self._masks["assignment"]
        queues = self._view.employee_queues()
        options = [
            self._placement(e, queues[e], ticket)
            for e in range(self._n_employees)
            if mask[start + e]
        ]
        if not options:
            return self._n_employees
        best = min(options, key=lambda placement: placement.rank)
        return best.employee if best.added_misses == 0 else self._n_employees

    def _placement(self, employee: int, queue: EmployeeQueue, ticket: QueuedTicket) -> Placement:
        current = queue.in_service
        misses_before, _ = self._simulate(employee, queue.free_at, queue.waiting, None)
        if current is not None and ticket.order < current.order:  # it interrupts the current
            misses_after, finish = self._simulate(
                employee, self._view.now, (*queue.waiting, current, ticket), ticket
            )
            misses_before += queue.free_at > current.deadline
        else:
            misses_after, finish = self._simulate(
                employee, queue.free_at, (*queue.waiting, ticket), ticket
            )
        return Placement(
            employee=employee,
            added_misses=misses_after - misses_before,
            finish=finish,
        )

    def _simulate(
        self,
        employee: int,
        free_at: float,
        waiting: tuple[QueuedTicket, ...],
        tracked: QueuedTicket | None,
    ) -> tuple[int, float]:
        """Work ``waiting`` in the server's order from ``free_at``, with no further arrivals:
        (deadlines missed, when ``tracked`` is done)."""
        clock, misses, tracked_done = free_at, 0, math.inf
        ordered = sorted(waiting, key=lambda t: (t.order, t.queued_at))
        for k, ticket in enumerate(ordered):
            held = len(ordered) - k  # the queue when this one starts, itself included
            clock += self._view.service_hours(employee, ticket.work, ticket.category, held)
            misses += clock > ticket.deadline
            if ticket is tracked:
                tracked_done = clock
        return misses, tracked_done
