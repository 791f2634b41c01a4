"""Episode metrics: plain functions of the event log.

The log carries the ground truth it needs (``arrived`` records each email's true type and
keyword flag; ``surge`` records the tape's surges), so a log exported as JSON lines is enough
to recompute every number here. Definitions:

* ``classification_accuracy`` — triaged emails whose applied classification equals the true
  type (query ↔ query, complaint ↔ complaint, review case ↔ flag_for_review).
* ``keyword_recall`` — keyword-flagged emails handled as complaint + critical; ``None`` when
  the episode had none.
* ``review_flag_rate`` — share of triaged emails flagged for review.
* ``review_abuse_rate`` — share of flags that went to emails which were not review cases
  (``0.0`` when nothing was flagged).
* ``review_discipline`` — the review abuse rate made two-sided: review cases flagged / emails
  that were flagged or were review cases (the Jaccard index of the two sets), so flags on
  ordinary emails and review cases left unflagged both lower it; ``1.0`` when there were
  neither.
* ``sla_compliance`` — settled tickets that met their deadline: (staff resolutions on time +
  successful auto-replies) / (those + missed deadlines + on-time resolutions of emails that
  first got a wrong auto-reply: the customer was not served within the SLA). A ticket still
  inside its deadline when the episode ends is not settled and not counted (with
  ``env.drain_at_end`` none is); a reopened ticket counts again. ``None`` when nothing
  settled.
* ``overdue_control`` — 1 − missed deadlines / tickets opened (emails not closed by an
  auto-reply, plus reopens); ``1.0`` when no ticket was opened.
* ``mean_csat`` — mean of every rating given (resolutions, auto-replies, abandonments);
  ``None`` when nobody rated anything.
* ``surge_events`` / ``surges_alerted`` — ground-truth surges, and those for which the GM was
  alerted while the surge was under way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.simulator.schema import EventField
from helixdesk.spaces import COMPLAINT, CRITICAL, FLAG_FOR_REVIEW


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a ∪ b| of two boolean masks; 1.0 when both are empty."""
    either = int((a | b).sum())
    return float((a & b).sum()) / either if either else 1.0


def email_truth(log: EventLog) -> dict[int, tuple[int, bool]]:
    """email index → (true class, keyword flag), from the ``arrived`` records."""
    arrived = log.of_kind("arrived")
    return {
        int(row[EventField.EMAIL]): (int(row[EventField.B]), row[EventField.C] == 1.0)
        for row in arrived
    }


def triage_table(log: EventLog) -> dict[str, np.ndarray]:
    """Per triaged email: classification, priority, true class and keyword flag (aligned)."""
    triaged = log.of_kind("triaged")
    truth = email_truth(log)
    emails = triaged[:, EventField.EMAIL].astype(int)
    return {
        "email": emails,
        "classification": triaged[:, EventField.A].astype(int),
        "priority": triaged[:, EventField.B].astype(int),
        "truth": np.array([truth[e][0] for e in emails], dtype=int),
        "keyword": np.array([truth[e][1] for e in emails], dtype=bool),
    }


def keyword_hits(table: dict[str, np.ndarray]) -> tuple[int, int]:
    """(keyword emails handled as complaint + critical, keyword emails)."""
    handled = (table["classification"] == COMPLAINT) & (table["priority"] == CRITICAL)
    keyword = table["keyword"]
    return int((keyword & handled).sum()), int(keyword.sum())


def _ticket_outcomes(log: EventLog) -> dict[str, Any]:
    resolved = log.of_kind("resolved")
    replies = log.of_kind("auto_replied")
    abandoned = log.of_kind("abandoned")
    missed = len(log.of_kind("missed_deadline"))
    good_replies = int((replies[:, EventField.A] == 1.0).sum())
    wrongly_answered = replies[replies[:, EventField.A] == 0.0, EventField.EMAIL]
    on_time = resolved[resolved[:, EventField.A] == 1.0, EventField.EMAIL]
    late_service = int(np.isin(on_time, wrongly_answered).sum())
    met = len(on_time) - late_service + good_replies
    opened = len(log.of_kind("triaged")) - good_replies + len(log.of_kind("reopened"))
    ratings = np.concatenate(
        [resolved[:, EventField.B], replies[:, EventField.B], abandoned[:, EventField.A]]
    )
    return {
        "sla_compliance": _ratio(met, met + missed + late_service),
        "overdue_control": 1.0 - missed / opened if opened else 1.0,
        "missed_deadlines": missed,
        "abandoned": len(abandoned),
        "mean_csat": float(ratings.mean()) if len(ratings) else None,
        "reopened": len(log.of_kind("reopened")),
    }


def alerted_surges(log: EventLog) -> set[int]:
    """Indices of the ground-truth surges for which the GM was alerted while under way."""
    alerts = log.of_kind("gm_alerted")
    return {int(s) for s in alerts[:, EventField.B] if s >= 0}


def surge_counts(log: EventLog) -> tuple[int, int]:
    """(surges alerted while under way, ground-truth surges)."""
    return len(alerted_surges(log)), len(log.of_kind("surge"))


def surge_alert_lags(log: EventLog) -> list[float]:
    """Per ground-truth surge, the share of its duration gone when the GM was alerted about it
    (0 at its start, just under 1 at its end; infinity when no alert caught it)."""
    alerts = log.of_kind("gm_alerted")
    lags = []
    for surge in log.of_kind("surge"):
        start, end = surge[EventField.TIME], surge[EventField.B]
        caught = alerts[alerts[:, EventField.B] == surge[EventField.C], EventField.TIME]
        lags.append(float((caught.min() - start) / (end - start)) if len(caught) else np.inf)
    return lags


def episode_metrics(log: EventLog) -> dict[str, Any]:
    """Every metric above for one episode's log."""
    table = triage_table(log)
    n = len(table["email"])
    flagged = table["classification"] == FLAG_FOR_REVIEW
    review_case = table["truth"] == FLAG_FOR_REVIEW
    hits, keyword_emails = keyword_hits(table)
    alerted, surges = surge_counts(log)
    return {
        "emails": n,
        "classification_accuracy": _ratio(
            float((table["classification"] == table["truth"]).sum()), n
        ),
        "keyword_emails": keyword_emails,
        "keyword_recall": _ratio(hits, keyword_emails),
        "review_flag_rate": _ratio(float(flagged.sum()), n),
        "review_abuse_rate": float((flagged & ~review_case).sum()) / max(1, int(flagged.sum())),
        "review_discipline": _jaccard(flagged, review_case),
        **_ticket_outcomes(log),
        "gm_alerts": len(log.of_kind("gm_alerted")),
        "surge_events": surges,
        "surges_alerted": alerted,
    }
