"""easy — keyword triage over the first 20 emails.

Score: the fraction of keyword-flagged emails classified *complaint* with *critical*
priority. The scenario guarantees at least three keyword emails among the 20, so the score is
never vacuous.
"""

from __future__ import annotations

from helixdesk.agents import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.metrics import keyword_hits, triage_table
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.tasks.base import Task


def score_parts(log: EventLog) -> dict[str, float]:
    hits, keyword_emails = keyword_hits(triage_table(log))
    return {"keyword_score": hits / keyword_emails if keyword_emails else 0.0}


TASK = Task(
    id="easy",
    difficulty="easy",
    description=(
        "Run 20 emails. Score = fraction of keyword-flagged emails classified as complaint "
        "with critical priority."
    ),
    scenario={"env": {"episode_emails": 20}, "email_gen": {"min_keyword_emails": 3}},
    parts=score_parts,
    combine=lambda parts: parts["keyword_score"],
    # Success: every keyword email handled; the house rule admits no exception.
    success_threshold=1.0,
)


def grade(env: HelixDeskEnv | None, agent: BaseAgent, seed: int = 42) -> float:
    return TASK.grade(env, agent, seed)
