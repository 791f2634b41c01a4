"""Synthetic inbox: the per-email part of the episode tape.

Every exogenous fact about an email is drawn once at reset, as one row of a float64 table
(columns ``E_*``): when it arrives, its true type and severity, the customer's tier, the
noisy signals the agent sees (sentiment, keyword flag, an upstream classifier's confidence),
its KB topic, how much work it is, and the customer's CSAT / reopen dispositions. The same
seed therefore gives every agent the same inbox. Text is rendered from the row on demand
(:mod:`helixdesk.simulator.email_text`), never on the RL hot path.

Ground truth, as the graders see it:

* true class — query, complaint, or review (a high-complexity case a supervisor must see);
* keyword-flagged emails are always complaints of critical severity;
* ambiguous emails carry the sentiment and confidence of a different type than their own.
"""

from __future__ import annotations

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.simulator.clock import draw_arrivals
from helixdesk.simulator.state import MAX_SURGES, SG_CATEGORY, SG_END, SG_START, SG_VALID
from helixdesk.simulator.trend_watchdog import surge_extra_rate

E_ARRIVAL = 0
E_CATEGORY = 1
E_TRUE_CLASS = 2  # 0 query, 1 complaint, 2 review
E_SEVERITY = 3  # 0 critical … 3 normal: fixes the SLA deadline
E_TIER = 4  # 0 free, 1 pro, 2 enterprise
E_KEYWORD = 5
E_AMBIGUOUS = 6
E_SENTIMENT = 7
E_CONFIDENCE = 8
E_TOPIC = 9
E_WORK = 10  # service requirement; hours = work / (rate * skill)
E_CSAT_NOISE = 11
E_REOPEN_U = 12
E_REOPEN_DELAY = 13
E_SURGE = 14  # 1 + index of the surge this email belongs to, else 0
E_TEXT_SEED = 15
E_COLUMNS = 16

TRUE_QUERY, TRUE_COMPLAINT, TRUE_REVIEW = 0, 1, 2

# P(severity | tier) for complaints without an escalation keyword.
_SEVERITY_BY_TIER = np.array(
    [
        [0.05, 0.25, 0.40, 0.30],
        [0.10, 0.30, 0.35, 0.25],
        [0.20, 0.40, 0.30, 0.10],
    ]
)
_SENTIMENT_MEAN = np.array([0.30, -0.45, -0.15])  # by the class whose tone the email carries
_SEVERITY_ANGER = np.array([-0.25, -0.10, 0.05, 0.20])  # added to complaint tone by severity
_CONFIDENCE_RANGE = {"clear": (0.55, 0.97), "ambiguous": (0.30, 0.65), "review": (0.10, 0.55)}
REVIEW_WORK_FACTOR = 1.5


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a ``(n, k)`` probability table."""
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cumulative[:, -1:]
    return np.minimum((u >= cumulative).sum(axis=1), probs.shape[1] - 1)


def _categories_and_surges(
    rng: np.random.Generator,
    arrivals: np.ndarray,
    surges: np.ndarray,
    multiplier: float,
    n_cat: int,
) -> tuple[np.ndarray, np.ndarray]:
    weights = np.ones((len(arrivals), n_cat))
    surge_of = np.full((len(arrivals), n_cat), -1)
    for s in range(MAX_SURGES):
        if surges[s, SG_VALID] != 1.0:
            continue
        active = (surges[s, SG_START] <= arrivals) & (arrivals < surges[s, SG_END])
        category = int(surges[s, SG_CATEGORY])
        weights[active, category] *= multiplier
        surge_of[active, category] = s
    categories = _categorical(rng, weights)
    rows = np.arange(len(arrivals))
    extra_share = 1.0 - 1.0 / weights[rows, categories]
    is_extra = (rng.random(len(arrivals)) < extra_share) & (surge_of[rows, categories] >= 0)
    return categories, np.where(is_extra, surge_of[rows, categories] + 1, 0)


def _true_classes(
    rng: np.random.Generator, config: HelixConfig, surge_ids: np.ndarray
) -> np.ndarray:
    gen = config.email_gen
    u = rng.random(len(surge_ids))
    ordinary = np.where(
        u < gen.review_rate,
        TRUE_REVIEW,
        np.where(u < gen.review_rate + gen.complaint_rate, TRUE_COMPLAINT, TRUE_QUERY),
    )
    surge_class = np.where(u < gen.surge_complaint_rate, TRUE_COMPLAINT, TRUE_QUERY)
    return np.where(surge_ids > 0, surge_class, ordinary)


def _ensure_keyword_emails(
    rng: np.random.Generator, classes: np.ndarray, keyword: np.ndarray, minimum: int
) -> None:
    """Promote random emails to keyword complaints until there are ``minimum`` (in place).

    The permutation is drawn whatever the count, so the rest of the tape does not shift.
    """
    order = rng.permutation(len(classes))
    missing = minimum - int(keyword.sum())
    if missing > 0:
        promoted = order[keyword[order] == 0][:missing]
        classes[promoted] = TRUE_COMPLAINT
        keyword[promoted] = 1


def _severities(
    rng: np.random.Generator, classes: np.ndarray, tiers: np.ndarray, keyword: np.ndarray
) -> np.ndarray:
    complaint_severity = _categorical(rng, _SEVERITY_BY_TIER[tiers])
    review_severity = np.where(rng.random(len(classes)) < 0.5, 1, 2)
    severity = np.where(classes == TRUE_COMPLAINT, complaint_severity, 3)
    severity = np.where(classes == TRUE_REVIEW, review_severity, severity)
    return np.where(keyword == 1, 0, severity)


def _signals(
    rng: np.random.Generator, classes: np.ndarray, ambiguous: np.ndarray, severity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment and classifier confidence; ambiguous emails borrow the other type's tone.

    Complaint-toned emails sound angrier the more severe the case (critical -0.70 …
    normal -0.25 on average), so sentiment carries a noisy hint of the SLA at stake.
    """
    tone = np.where(ambiguous == 1, np.where(classes == TRUE_QUERY, 1, 0), classes)
    anger = np.where(tone == TRUE_COMPLAINT, _SEVERITY_ANGER[severity], 0.0)
    noise = rng.normal(0.0, 0.25, len(classes))
    sentiment = np.clip(_SENTIMENT_MEAN[tone] + anger + noise, -1.0, 1.0)
    kind = np.where(classes == TRUE_REVIEW, 2, ambiguous)
    ranges = np.array(
        [_CONFIDENCE_RANGE["clear"], _CONFIDENCE_RANGE["ambiguous"], _CONFIDENCE_RANGE["review"]]
    )
    low, high = ranges[kind, 0], ranges[kind, 1]
    return sentiment, low + (high - low) * rng.random(len(classes))


def draw_emails(
    rng: np.random.Generator, config: HelixConfig, surges: np.ndarray
) -> tuple[np.ndarray, float]:
    """The ``(episode_emails, E_COLUMNS)`` email table and the shift's end time."""
    gen, n = config.email_gen, config.env.episode_emails
    windows = surges[surges[:, SG_VALID] == 1.0][:, [SG_START, SG_END]]
    times = draw_arrivals(
        rng, n + 1, config.env.arrival_rate_per_hour, windows, surge_extra_rate(config)
    )
    arrivals = times[:n]
    categories, surge_ids = _categories_and_surges(
        rng, arrivals, surges, gen.surge_multiplier, config.n_categories
    )
    classes = _true_classes(rng, config, surge_ids)
    tiers = _categorical(rng, np.tile(np.asarray(gen.tier_weights), (n, 1)))
    keyword = ((classes == TRUE_COMPLAINT) & (rng.random(n) < gen.keyword_rate)).astype(int)
    _ensure_keyword_emails(rng, classes, keyword, gen.min_keyword_emails)
    ambiguous = (classes != TRUE_REVIEW) & (keyword == 0) & (rng.random(n) < gen.ambiguity_rate)
    severity = _severities(rng, classes, tiers, keyword)
    sentiment, confidence = _signals(rng, classes, ambiguous.astype(int), severity)
    topic_weights = 1.0 / np.arange(1, gen.topics_per_category + 1)
    work = rng.gamma(2.0, 0.5, n) * np.where(classes == TRUE_REVIEW, REVIEW_WORK_FACTOR, 1.0)
    low, high = config.employee_sim.reopen_delay_hours

    table = np.zeros((n, E_COLUMNS))
    table[:, E_ARRIVAL] = arrivals
    table[:, E_CATEGORY] = categories
    table[:, E_TRUE_CLASS] = classes
    table[:, E_SEVERITY] = severity
    table[:, E_TIER] = tiers
    table[:, E_KEYWORD] = keyword
    table[:, E_AMBIGUOUS] = ambiguous
    table[:, E_SENTIMENT] = sentiment
    table[:, E_CONFIDENCE] = confidence
    table[:, E_TOPIC] = _categorical(rng, np.tile(topic_weights, (n, 1)))
    table[:, E_WORK] = work
    table[:, E_CSAT_NOISE] = rng.normal(0.0, 0.6, n)
    table[:, E_REOPEN_U] = rng.random(n)
    table[:, E_REOPEN_DELAY] = rng.uniform(low, high, n)
    table[:, E_SURGE] = surge_ids
    table[:, E_TEXT_SEED] = rng.integers(0, 2**31, n)
    return table, float(times[n])
