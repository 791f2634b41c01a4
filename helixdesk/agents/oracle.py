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
* **assignment, one email at a time** — each employee with room is scored by simulating
  their queue in the order they will work it (priority, then arrival) with the true work,
  their skill in each ticket's category and the overload slowdown: the employee that adds the
  fewest missed deadlines wins, then the earliest finish of the new ticket. A ticket that
  would add a missed deadline even there — its own, or a queued ticket's that it delays — is
  left with nobody: one miss now either way, and the queues stay short for the tickets still
  to come (the admission rule of Moore and Hodgson's schedule for the fewest late jobs);
* **assignment, looking ahead** — the one-email rule's best ``LOOKAHEAD_PLACEMENTS``
  employees and nobody are each tried on a copy of the env, whose rest of the episode the
  one-email oracle plays (:meth:`~PrivilegedView.play_out`: the true future, every later
  email and random draw included); the choice whose episode scores best wins, the one-email
  rule's own on a tie. The score is what the env's scenario is scored on: its task's grade,
  then the return; the return alone on any other config. The one-email rule's choice is
  always among those tried, and its play-out is exactly the episode the one-email oracle
  would go on to play, so looking ahead never scores below it on an episode.

:class:`OracleRules` switches single rules off for ablations (how much each decision is
worth under the current dynamics): random priority on non-keyword emails, never auto-reply,
never alert the GM, never flag, and the one-email assignment alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.agents.privileged import (
    EmailTruth,
    EmployeeQueue,
    Outcome,
    PrivilegedView,
    QueuedTicket,
)
from helixdesk.env import HelixDeskEnv
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
    lookahead: bool = True  # off: the one-email assignment rule alone


# How many of the one-email rule's best employees the lookahead tries (besides nobody): the
# rest rarely win, and each try plays the rest of the episode.
LOOKAHEAD_PLACEMENTS = 2

Score = tuple[float, ...]


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
    baseline: no honest agent can match it. ``seed`` seeds the random-priority ablation,
    whose priority for an email is drawn from the seed and the email's index: a fixed
    labelling of the episode's emails, which the lookahead foresees like the rest of the
    future."""

    name = "oracle"

    def __init__(
        self,
        env: gym.Env,
        seed: int | None = None,
        rules: OracleRules | None = None,
    ) -> None:
        self._view = PrivilegedView(env)
        self._rules = rules or OracleRules()
        unwrapped: Any = env.unwrapped
        config = unwrapped.config
        self._n_employees = config.env.n_employees
        self._sla_hours = config.sla.by_severity()
        self._masks = mask_offsets(self._n_employees)
        self._seed = (
            seed if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
        )
        self._score = _scorer(unwrapped) if self._rules.lookahead else None

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
        ranked = self._ranked_placements(truth, cls, priority, mask)
        action = np.array([cls, priority, self._one_email_choice(ranked), secondary])
        if self._score is not None:
            action[2] = self._looked_ahead(action, ranked, self._score)
        return action

    def _priority(self, truth: EmailTruth, cls: int) -> int:
        if truth.keyword:
            return CRITICAL
        if not self._rules.severity_priority:
            draw = np.random.default_rng((self._seed, truth.index))
            return int(draw.integers(len(PRIORITIES)))
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

    def _ranked_placements(
        self, truth: EmailTruth, cls: int, priority: int, mask: np.ndarray
    ) -> list[Placement]:
        """Every employee with room, best first by the one-email rule (module docstring)."""
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
        return sorted(options, key=lambda placement: placement.rank)

    def _one_email_choice(self, ranked: list[Placement]) -> int:
        """The best placement, or nobody when every placement adds a missed deadline or
        every employee is full."""
        if not ranked or ranked[0].added_misses > 0:
            return self._n_employees
        return ranked[0].employee

    def _looked_ahead(
        self,
        action: np.ndarray,
        ranked: list[Placement],
        score: Callable[[Outcome], Score],
    ) -> int:
        """The assignee among the best placements and nobody whose played-out episode
        scores best; ``action``'s own assignee on a tie."""
        planner_rules = replace(self._rules, lookahead=False)

        def planner(twin: gym.Env) -> BaseAgent:
            return OracleAgent(twin, self._seed, planner_rules)

        chosen = int(action[2])
        candidates = [p.employee for p in ranked[:LOOKAHEAD_PLACEMENTS]] + [self._n_employees]
        alternatives = [assignee for assignee in candidates if assignee != chosen]
        if not alternatives:
            return chosen
        best_score = score(self._view.play_out(action, planner))
        for assignee in alternatives:
            tried = action.copy()
            tried[2] = assignee
            tried_score = score(self._view.play_out(tried, planner))
            if tried_score > best_score:
                chosen, best_score = assignee, tried_score
        return chosen

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


def _scorer(env: HelixDeskEnv) -> Callable[[Outcome], Score]:
    """What a played-out episode of ``env`` is scored on: its task's grade, then the return,
    when it plays a task's scenario; the return alone for any other config."""
    from helixdesk.tasks import TASKS, scenario_of  # the task registry imports the agents

    task = TASKS.get(scenario_of(env.config) or "")
    if task is None:
        return lambda outcome: (outcome.reward,)
    if not env.records_events:
        raise ValueError(
            f"the oracle looks ahead by task {task.id!r}'s grade, which reads the event log: "
            "build the env with record_events=True, or pass OracleRules(lookahead=False)"
        )

    def grade_then_return(outcome: Outcome) -> Score:
        assert outcome.log is not None  # the env records events (checked above)
        return task.score_log(outcome.log), outcome.reward

    return grade_then_return
