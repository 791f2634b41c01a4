"""hard — surges, ambiguity and load in one full episode.

Score: the mean of three parts, each in [0, 1]:

* ``trend`` — ground-truth surges for which the GM was alerted while the surge was under way,
  over surge events (the scenario guarantees at least one; were there none, the part would be
  1.0 without alerts and 0.0 with any). How early an alert comes counts through CSAT: a
  surge's emails resolved before the GM heard of it are rated lower;
* ``csat`` — mean CSAT / 4.5, capped at 1 (0 when nobody rated anything);
* ``overdue_control`` — 1 − missed deadlines / tickets opened.

Scenario: the medium task's busy day at 17 emails an hour, plus one to four category surges
(at least one, mean two, each tripling-and-a-half its category's volume), many ambiguous
emails (30 %) and review cases (12 %). The rule agent's fixed thresholds catch about half the
surges and its sentiment rule misreads ambiguous emails, leaving room for a learner.
"""

from __future__ import annotations

from helixdesk.agents import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.metrics import episode_metrics
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.tasks.base import Task, merge_scenarios
from helixdesk.tasks.medium import BUSY_DAY

CSAT_TARGET = 4.5
HARD_ARRIVALS = 17.0  # the busy day's 21 an hour, less the room the surges take


def score_parts(log: EventLog) -> dict[str, float]:
    metrics = episode_metrics(log)
    surges, alerted = metrics["surge_events"], metrics["surges_alerted"]
    no_surge_trend = 0.0 if metrics["gm_alerts"] else 1.0
    trend = alerted / surges if surges else no_surge_trend
    csat = metrics["mean_csat"]
    return {
        "trend": trend,
        "csat": min(1.0, csat / CSAT_TARGET) if csat is not None else 0.0,
        "overdue_control": metrics["overdue_control"],
    }


TASK = Task(
    id="hard",
    difficulty="hard",
    description=(
        "Run 1 full episode with category surges and ambiguous emails. Score = mean of "
        "(surges alerted in time / surge events, mean CSAT / 4.5, overdue control)."
    ),
    scenario=merge_scenarios(
        BUSY_DAY,
        {
            "env": {"arrival_rate_per_hour": HARD_ARRIVALS},
            "email_gen": {
                "ambiguity_rate": 0.3,
                "review_rate": 0.12,
                "surges_per_episode": 2.0,
                "min_surges": 1,
                "surge_multiplier": 3.5,
            },
        },
    ),
    parts=score_parts,
    combine=lambda parts: sum(parts.values()) / len(parts),
    # Success: three quarters on the mean, which no part can reach alone (each is at most 1/3).
    success_threshold=0.75,
)


def grade(env: HelixDeskEnv | None, agent: BaseAgent, seed: int = 42) -> float:
    return TASK.grade(env, agent, seed)
