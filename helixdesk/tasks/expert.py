"""expert — every weakness counts.

Score: the geometric mean of three parts, so one near-zero part tanks the whole score:

* ``keyword_score`` — keyword emails handled as complaint + critical (the scenario guarantees
  at least fifteen keyword emails);
* ``classification_accuracy`` — applied classification equals the true type;
* ``review_discipline`` — the seed's review abuse rate made two-sided: review cases flagged /
  emails flagged or truly review cases (1.0 when there were neither). Flags on ordinary
  emails and review cases left unflagged both lower it, so never flagging scores 0.

Scenario: an adversarial inbox. 30 % of emails are review cases, every complaint carries an
escalation keyword (at least 15 of them), and every other email is an ambiguous query whose
angry tone contradicts its type, so sentiment misleads and the classifier's confidence
overlaps between ambiguous emails and real review cases. The text still tells the truth.
With complaints this rare, "everything is a critical complaint" cannot buy a good score.
"""

from __future__ import annotations

import math

from helixdesk.agents import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.metrics import episode_metrics, keyword_hits, triage_table
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.tasks.base import Task


def score_parts(log: EventLog) -> dict[str, float]:
    metrics = episode_metrics(log)
    hits, keyword_emails = keyword_hits(triage_table(log))
    return {
        "keyword_score": hits / keyword_emails if keyword_emails else 0.0,
        "classification_accuracy": metrics["classification_accuracy"] or 0.0,
        "review_discipline": metrics["review_discipline"],
    }


def geometric_mean(parts: dict[str, float]) -> float:
    values = list(parts.values())
    return math.prod(values) ** (1.0 / len(values))


TASK = Task(
    id="expert",
    difficulty="expert",
    description=(
        "Run 1 full episode. Score = geometric mean of keyword score, classification "
        "accuracy and (1 - review abuse rate): one weakness tanks the whole score."
    ),
    scenario={
        "employee_sim": {"reviewer_resolve_rate": 6.0},
        "email_gen": {
            "min_keyword_emails": 15,
            "complaint_rate": 0.0,
            "review_rate": 0.3,
            "ambiguity_rate": 1.0,
            "surges_per_episode": 0.0,
        },
    },
    parts=score_parts,
    combine=geometric_mean,
    # Success: three quarters on the geometric mean, out of reach with any part below 0.42.
    success_threshold=0.75,
)


def grade(env: HelixDeskEnv | None, agent: BaseAgent, seed: int = 42) -> float:
    return TASK.grade(env, agent, seed)
