"""medium — SLA compliance over one full, busy episode.

Scenario (``BUSY_DAY``): a weekday from 08:00–10:00 on, 21 emails an hour in business hours
against tight SLAs (0.75 / 1.5 / 2 / 3 hours by severity) and a team that slows down once
anyone holds more than two tickets, so routing and priorities decide who waits; a reviewer
who keeps up with the review cases (4 an hour); some ambiguous emails (15 %), no surges. The
last step drains the clock until every open ticket has settled, so late failures are not
censored.

Score: settled tickets that met their SLA deadline / settled tickets, where a ticket is
*settled* when a staff member resolved it, an auto-reply answered it, or its deadline passed
unresolved (a reopened ticket is a new ticket), and *met* its SLA when it was resolved or
answered in time without first getting a wrong auto-reply. No settled ticket at all
scores 0.
"""

from __future__ import annotations

from helixdesk.agents import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.metrics import episode_metrics
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.tasks.base import Task, merge_scenarios

BUSY_DAY = {
    "env": {"arrival_rate_per_hour": 21.0, "start_days": [0, 5], "start_hours": [8.0, 10.0]},
    "sla": {"critical_hours": 0.75, "high_hours": 1.5, "medium_hours": 2.0, "normal_hours": 3.0},
    "employee_sim": {
        "base_resolve_rate": 2.6,
        "reviewer_resolve_rate": 4.0,
        "overload_threshold": 2,
        "overload_slowdown": 0.5,
    },
}


def score_parts(log: EventLog) -> dict[str, float]:
    compliance = episode_metrics(log)["sla_compliance"]
    return {"sla_compliance": compliance if compliance is not None else 0.0}


TASK = Task(
    id="medium",
    difficulty="medium",
    description=(
        "Run 1 full episode (100 emails). Score = fraction of tickets resolved within their "
        "SLA deadline."
    ),
    scenario=merge_scenarios(
        BUSY_DAY,
        {"email_gen": {"ambiguity_rate": 0.15, "review_rate": 0.10, "surges_per_episode": 0.0}},
    ),
    parts=score_parts,
    combine=lambda parts: parts["sla_compliance"],
    # Success: nine settled tickets in ten within their SLA, a usual service-level target
    # for an email queue.
    success_threshold=0.9,
)


def grade(env: HelixDeskEnv | None, agent: BaseAgent, seed: int = 42) -> float:
    return TASK.grade(env, agent, seed)
