"""Synthetic inbox: the per-email part of the episode tape.

Every exogenous fact about an email is drawn once at reset, as one row of a float64 table
(:class:`~helixdesk.simulator.schema.Email`), by inverse-CDF transforms of that email's row of
uniforms (:mod:`helixdesk.simulator.generator.uniforms`): when it arrives, its true type and
severity, the customer's tier, the noisy signals the agent sees (sentiment, keyword flag, an
upstream classifier's confidence), its KB topic, how much work it is, and the customer's CSAT
and reopen dispositions. The same seed therefore gives every agent the same inbox. Text is
rendered from the row on demand (:mod:`helixdesk.simulator.generator.email_text`), never on the RL
hot path.

Ground truth, as the graders see it:

* true class — query, complaint, or review (a high-complexity case a supervisor must see),
  coded as the classification it deserves (``spaces.QUERY``, ``COMPLAINT``, ``FLAG_FOR_REVIEW``);
* keyword-flagged emails are always complaints of critical severity;
* ambiguous emails carry the sentiment and confidence of a different type than their own.
"""

from __future__ import annotations

import math

import numpy as np

from helixdesk.simulator.generator.clock import arrival_times
from helixdesk.simulator.generator.surges import surge_extra_rate
from helixdesk.simulator.generator.uniforms import TapeParam, Uniform
from helixdesk.simulator.jit import tape_builder
from helixdesk.simulator.schema import Email, Surge
from helixdesk.spaces import COMPLAINT, FLAG_FOR_REVIEW, QUERY

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
    u: np.ndarray, surges: np.ndarray, t: float, params: np.ndarray, cumulative: np.ndarray
) -> tuple[int, int]:
    """(category, 1 + surge index if this email is one of the surge's extra ones, else 0).

    Base shares are equal; an active surge multiplies its category's weight. ``cumulative``
    is scratch space of one float per category.
    """
    boost = params[TapeParam.MULTIPLIER]
    total = 0.0
    for c in range(cumulative.shape[0]):
        total += boost if _surge_of(surges, c, t) >= 0 else 1.0
        cumulative[c] = total
    category = _inverse_cdf(u[Uniform.CATEGORY], cumulative)
    surge = _surge_of(surges, category, t)
    extra = surge >= 0 and u[Uniform.EXTRA] < 1.0 - 1.0 / boost
    return category, surge + 1 if extra else 0


@tape_builder
def _surge_of(surges: np.ndarray, category: int, t: float) -> int:
    """Index of the surge of ``category`` active at ``t``, or -1."""
    for s in range(surges.shape[0]):
        if (
            surges[s, Surge.VALID] == 1.0
            and int(surges[s, Surge.CATEGORY]) == category
            and surges[s, Surge.START] <= t < surges[s, Surge.END]
        ):
            return s
    return -1


@tape_builder
def _true_class(u: np.ndarray, surge: int, params: np.ndarray) -> int:
    if surge > 0:
        return COMPLAINT if u[Uniform.CLASS] < params[TapeParam.SURGE_COMPLAINT] else QUERY
    if u[Uniform.CLASS] < params[TapeParam.REVIEW]:
        return FLAG_FOR_REVIEW
    if u[Uniform.CLASS] < params[TapeParam.REVIEW] + params[TapeParam.COMPLAINT]:
        return COMPLAINT
    return QUERY


@tape_builder
def _promote_keyword_emails(uniforms: np.ndarray, emails: np.ndarray, minimum: int) -> None:
    """Turn the emails with the smallest promotion draws into keyword complaints until
    there are ``minimum`` keyword emails."""
    n = emails.shape[0]
    missing = minimum - int(emails[:, Email.KEYWORD].sum())
    if missing <= 0:
        return
    for i in np.argsort(uniforms[:n, Uniform.PROMOTE]):
        if missing == 0:
            break
        if emails[i, Email.KEYWORD] == 0.0:
            emails[i, Email.TRUE_CLASS] = COMPLAINT
            emails[i, Email.KEYWORD] = 1.0
            missing -= 1


@tape_builder
def _severity(u: np.ndarray, row: np.ndarray) -> int:
    if row[Email.KEYWORD] == 1.0:
        return 0
    truth = row[Email.TRUE_CLASS]
    if truth == COMPLAINT:
        return _inverse_cdf(u[Uniform.SEVERITY], SEVERITY_CDF_BY_TIER[int(row[Email.TIER])])
    if truth == FLAG_FOR_REVIEW:
        return 1 if u[Uniform.SEVERITY] < 0.5 else 2
    return 3


@tape_builder
def _signals(u: np.ndarray, row: np.ndarray, params: np.ndarray) -> None:
    """Ambiguity, sentiment and classifier confidence of one email (in place).

    Ambiguous emails borrow the other type's tone. Complaint-toned emails sound angrier the
    more severe the case (critical -0.70 … normal -0.25 on average).
    """
    truth = int(row[Email.TRUE_CLASS])
    ambiguous = (
        truth != FLAG_FOR_REVIEW
        and row[Email.KEYWORD] == 0.0
        and (u[Uniform.AMBIGUOUS] < params[TapeParam.AMBIGUITY])
    )
    tone = (COMPLAINT if truth == QUERY else QUERY) if ambiguous else truth
    anger = SEVERITY_ANGER[int(row[Email.SEVERITY])] if tone == COMPLAINT else 0.0
    noise = SENTIMENT_NOISE * _normal(u[Uniform.SENTIMENT_1], u[Uniform.SENTIMENT_2])
    kind = 2 if truth == FLAG_FOR_REVIEW else (1 if ambiguous else 0)
    low, high = CONFIDENCE_RANGES[kind, 0], CONFIDENCE_RANGES[kind, 1]
    row[Email.AMBIGUOUS] = 1.0 if ambiguous else 0.0
    row[Email.SENTIMENT] = min(1.0, max(-1.0, SENTIMENT_MEAN[tone] + anger + noise))
    row[Email.CONFIDENCE] = low + (high - low) * u[Uniform.CONFIDENCE]


@tape_builder
def _dispositions(
    u: np.ndarray, row: np.ndarray, topic_cdf: np.ndarray, params: np.ndarray
) -> None:
    """KB topic, work, CSAT and reopen dispositions, text seed (in place)."""
    work = -0.5 * (
        math.log(1.0 - u[Uniform.WORK_1]) + math.log(1.0 - u[Uniform.WORK_2])
    )  # Gamma(2, 0.5)
    if row[Email.TRUE_CLASS] == FLAG_FOR_REVIEW:
        work *= REVIEW_WORK_FACTOR
    low, high = params[TapeParam.REOPEN_LOW], params[TapeParam.REOPEN_HIGH]
    row[Email.TOPIC] = _inverse_cdf(u[Uniform.TOPIC], topic_cdf)
    row[Email.WORK] = work
    row[Email.CSAT_NOISE] = CSAT_NOISE * _normal(u[Uniform.CSAT_1], u[Uniform.CSAT_2])
    row[Email.REOPEN_U] = u[Uniform.REOPEN]
    row[Email.REOPEN_DELAY] = low + (high - low) * u[Uniform.REOPEN_DELAY]
    row[Email.TEXT_SEED] = math.floor(u[Uniform.TEXT] * TEXT_SEEDS)


@tape_builder
def draw_emails(
    uniforms: np.ndarray,
    surges: np.ndarray,
    start: float,
    params: np.ndarray,
    profile: np.ndarray,
    emails: np.ndarray,
) -> float:
    """Fill the ``(episode_emails, len(Email))`` email table of a shift starting at hour of
    the week ``start``; return the shift's end time."""
    n = int(params[TapeParam.N_EMAILS])
    rate, extra = params[TapeParam.RATE], surge_extra_rate(params)
    times = arrival_times(uniforms[:, Uniform.GAP], surges, start, profile, rate, extra)
    tier_cdf = params[TapeParam.TIER_CDF_FREE : TapeParam.TIER_CDF_ENTERPRISE + 1]
    topic_cdf = np.cumsum(1.0 / np.arange(1.0, params[TapeParam.TOPICS] + 1.0))
    scratch = np.empty(int(params[TapeParam.N_CATEGORIES]))
    for i in range(n):
        u, row = uniforms[i], emails[i]
        category, surge = _category(u, surges, times[i], params, scratch)
        row[Email.ARRIVAL] = times[i]
        row[Email.CATEGORY] = category
        row[Email.SURGE] = surge
        row[Email.TRUE_CLASS] = _true_class(u, surge, params)
        row[Email.TIER] = _inverse_cdf(u[Uniform.TIER], tier_cdf)
        complaint = row[Email.TRUE_CLASS] == COMPLAINT
        row[Email.KEYWORD] = (
            1.0 if complaint and u[Uniform.KEYWORD] < params[TapeParam.KEYWORD] else 0.0
        )
    _promote_keyword_emails(uniforms, emails, int(params[TapeParam.MIN_KEYWORD]))
    for i in range(n):
        u, row = uniforms[i], emails[i]
        row[Email.SEVERITY] = _severity(u, row)
        _signals(u, row, params)
        _dispositions(u, row, topic_cdf, params)
    return times[n]
