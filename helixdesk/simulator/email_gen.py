"""Synthetic inbox: the per-email part of the episode tape.

Every exogenous fact about an email is drawn once at reset, as one row of a float64 table
(columns ``E_*``), by inverse-CDF transforms of that email's row of uniforms
(:mod:`helixdesk.simulator.uniforms`): when it arrives, its true type and severity, the
customer's tier, the noisy signals the agent sees (sentiment, keyword flag, an upstream
classifier's confidence), its KB topic, how much work it is, and the customer's CSAT and
reopen dispositions. The same seed therefore gives every agent the same inbox. Text is
rendered from the row on demand (:mod:`helixdesk.simulator.email_text`), never on the RL
hot path.

Ground truth, as the graders see it:

* true class — query, complaint, or review (a high-complexity case a supervisor must see);
* keyword-flagged emails are always complaints of critical severity;
* ambiguous emails carry the sentiment and confidence of a different type than their own.
"""

from __future__ import annotations

import math

import numpy as np

from helixdesk.simulator.clock import arrival_times
from helixdesk.simulator.jit import tape_builder
from helixdesk.simulator.state import SG_CATEGORY, SG_END, SG_START, SG_VALID
from helixdesk.simulator.trend_watchdog import surge_extra_rate
from helixdesk.simulator.uniforms import (
    TP_AMBIGUITY,
    TP_COMPLAINT,
    TP_KEYWORD,
    TP_MIN_KEYWORD,
    TP_MULTIPLIER,
    TP_N_CATEGORIES,
    TP_N_EMAILS,
    TP_RATE,
    TP_REOPEN_HIGH,
    TP_REOPEN_LOW,
    TP_REVIEW,
    TP_SURGE_COMPLAINT,
    TP_TIER_CDF,
    TP_TOPICS,
    U_AMBIGUOUS,
    U_CATEGORY,
    U_CLASS,
    U_CONFIDENCE,
    U_CSAT_1,
    U_CSAT_2,
    U_EXTRA,
    U_GAP,
    U_KEYWORD,
    U_PROMOTE,
    U_REOPEN,
    U_REOPEN_DELAY,
    U_SENTIMENT_1,
    U_SENTIMENT_2,
    U_SEVERITY,
    U_TEXT,
    U_TIER,
    U_TOPIC,
    U_WORK_1,
    U_WORK_2,
)

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

# Cumulative P(severity | tier) for complaints without an escalation keyword.
SEVERITY_CDF_BY_TIER = np.cumsum(
    np.array(
        [
            [0.05, 0.25, 0.40, 0.30],
            [0.10, 0.30, 0.35, 0.25],
            [0.20, 0.40, 0.30, 0.10],
        ]
    ),
    axis=1,
)
SENTIMENT_MEAN = np.array([0.30, -0.45, -0.15])  # by the class whose tone the email carries
SEVERITY_ANGER = np.array([-0.25, -0.10, 0.05, 0.20])  # added to complaint tone by severity
SENTIMENT_NOISE = 0.25
CSAT_NOISE = 0.6
# Classifier confidence ranges: clear query/complaint, ambiguous, review case.
CONFIDENCE_RANGES = np.array([[0.55, 0.97], [0.30, 0.65], [0.10, 0.55]])
REVIEW_WORK_FACTOR = 1.5
TEXT_SEEDS = 2**31


@tape_builder
def _inverse_cdf(u: float, cumulative: np.ndarray) -> int:
    """Index of the first cumulative weight above ``u * total``."""
    target = u * cumulative[-1]
    for k in range(cumulative.shape[0]):
        if target < cumulative[k]:
            return k
    return cumulative.shape[0] - 1


@tape_builder
def _normal(u1: float, u2: float) -> float:
    """Standard normal by Box-Muller (``1 - u1`` keeps the log finite)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@tape_builder
def _category(
    u: np.ndarray, surges: np.ndarray, t: float, tape: np.ndarray, cumulative: np.ndarray
) -> tuple[int, int]:
    """(category, 1 + surge index if this email is one of the surge's extra ones, else 0).

    Base shares are equal; an active surge multiplies its category's weight. ``cumulative``
    is scratch space of one float per category.
    """
    boost = tape[TP_MULTIPLIER]
    total = 0.0
    for c in range(cumulative.shape[0]):
        total += boost if _surge_of(surges, c, t) >= 0 else 1.0
        cumulative[c] = total
    category = _inverse_cdf(u[U_CATEGORY], cumulative)
    surge = _surge_of(surges, category, t)
    extra = surge >= 0 and u[U_EXTRA] < 1.0 - 1.0 / boost
    return category, surge + 1 if extra else 0


@tape_builder
def _surge_of(surges: np.ndarray, category: int, t: float) -> int:
    """Index of the surge of ``category`` active at ``t``, or -1."""
    for s in range(surges.shape[0]):
        if (
            surges[s, SG_VALID] == 1.0
            and int(surges[s, SG_CATEGORY]) == category
            and surges[s, SG_START] <= t < surges[s, SG_END]
        ):
            return s
    return -1


@tape_builder
def _true_class(u: np.ndarray, surge: int, tape: np.ndarray) -> int:
    if surge > 0:
        return TRUE_COMPLAINT if u[U_CLASS] < tape[TP_SURGE_COMPLAINT] else TRUE_QUERY
    if u[U_CLASS] < tape[TP_REVIEW]:
        return TRUE_REVIEW
    if u[U_CLASS] < tape[TP_REVIEW] + tape[TP_COMPLAINT]:
        return TRUE_COMPLAINT
    return TRUE_QUERY


@tape_builder
def _promote_keyword_emails(uniforms: np.ndarray, emails: np.ndarray, minimum: int) -> None:
    """Turn the emails with the smallest promotion draws into keyword complaints until
    there are ``minimum`` keyword emails."""
    n = emails.shape[0]
    missing = minimum - int(emails[:, E_KEYWORD].sum())
    if missing <= 0:
        return
    for i in np.argsort(uniforms[:n, U_PROMOTE]):
        if missing == 0:
            break
        if emails[i, E_KEYWORD] == 0.0:
            emails[i, E_TRUE_CLASS] = TRUE_COMPLAINT
            emails[i, E_KEYWORD] = 1.0
            missing -= 1


@tape_builder
def _severity(u: np.ndarray, row: np.ndarray) -> int:
    if row[E_KEYWORD] == 1.0:
        return 0
    truth = row[E_TRUE_CLASS]
    if truth == TRUE_COMPLAINT:
        return _inverse_cdf(u[U_SEVERITY], SEVERITY_CDF_BY_TIER[int(row[E_TIER])])
    if truth == TRUE_REVIEW:
        return 1 if u[U_SEVERITY] < 0.5 else 2
    return 3


@tape_builder
def _signals(u: np.ndarray, row: np.ndarray, tape: np.ndarray) -> None:
    """Ambiguity, sentiment and classifier confidence of one email (in place).

    Ambiguous emails borrow the other type's tone. Complaint-toned emails sound angrier the
    more severe the case (critical -0.70 … normal -0.25 on average).
    """
    truth = int(row[E_TRUE_CLASS])
    ambiguous = (
        truth != TRUE_REVIEW and row[E_KEYWORD] == 0.0 and (u[U_AMBIGUOUS] < tape[TP_AMBIGUITY])
    )
    tone = (TRUE_COMPLAINT if truth == TRUE_QUERY else TRUE_QUERY) if ambiguous else truth
    anger = SEVERITY_ANGER[int(row[E_SEVERITY])] if tone == TRUE_COMPLAINT else 0.0
    noise = SENTIMENT_NOISE * _normal(u[U_SENTIMENT_1], u[U_SENTIMENT_2])
    kind = 2 if truth == TRUE_REVIEW else (1 if ambiguous else 0)
    low, high = CONFIDENCE_RANGES[kind, 0], CONFIDENCE_RANGES[kind, 1]
    row[E_AMBIGUOUS] = 1.0 if ambiguous else 0.0
    row[E_SENTIMENT] = min(1.0, max(-1.0, SENTIMENT_MEAN[tone] + anger + noise))
    row[E_CONFIDENCE] = low + (high - low) * u[U_CONFIDENCE]


@tape_builder
def _dispositions(u: np.ndarray, row: np.ndarray, topic_cdf: np.ndarray, tape: np.ndarray) -> None:
    """KB topic, work, CSAT and reopen dispositions, text seed (in place)."""
    work = -0.5 * (math.log(1.0 - u[U_WORK_1]) + math.log(1.0 - u[U_WORK_2]))  # Gamma(2, 0.5)
    if row[E_TRUE_CLASS] == TRUE_REVIEW:
        work *= REVIEW_WORK_FACTOR
    low, high = tape[TP_REOPEN_LOW], tape[TP_REOPEN_HIGH]
    row[E_TOPIC] = _inverse_cdf(u[U_TOPIC], topic_cdf)
    row[E_WORK] = work
    row[E_CSAT_NOISE] = CSAT_NOISE * _normal(u[U_CSAT_1], u[U_CSAT_2])
    row[E_REOPEN_U] = u[U_REOPEN]
    row[E_REOPEN_DELAY] = low + (high - low) * u[U_REOPEN_DELAY]
    row[E_TEXT_SEED] = math.floor(u[U_TEXT] * TEXT_SEEDS)


@tape_builder
def draw_emails(
    uniforms: np.ndarray, surges: np.ndarray, tape: np.ndarray, emails: np.ndarray
) -> float:
    """Fill the ``(episode_emails, E_COLUMNS)`` email table; return the shift's end time."""
    n = int(tape[TP_N_EMAILS])
    times = arrival_times(uniforms[:, U_GAP], surges, tape[TP_RATE], surge_extra_rate(tape))
    tier_cdf = tape[TP_TIER_CDF : TP_TIER_CDF + 3]
    topic_cdf = np.cumsum(1.0 / np.arange(1.0, tape[TP_TOPICS] + 1.0))
    scratch = np.empty(int(tape[TP_N_CATEGORIES]))
    for i in range(n):
        u, row = uniforms[i], emails[i]
        category, surge = _category(u, surges, times[i], tape, scratch)
        row[E_ARRIVAL] = times[i]
        row[E_CATEGORY] = category
        row[E_SURGE] = surge
        row[E_TRUE_CLASS] = _true_class(u, surge, tape)
        row[E_TIER] = _inverse_cdf(u[U_TIER], tier_cdf)
        complaint = row[E_TRUE_CLASS] == TRUE_COMPLAINT
        row[E_KEYWORD] = 1.0 if complaint and u[U_KEYWORD] < tape[TP_KEYWORD] else 0.0
    _promote_keyword_emails(uniforms, emails, int(tape[TP_MIN_KEYWORD]))
    for i in range(n):
        u, row = uniforms[i], emails[i]
        row[E_SEVERITY] = _severity(u, row)
        _signals(u, row, tape)
        _dispositions(u, row, topic_cdf, tape)
    return times[n]
