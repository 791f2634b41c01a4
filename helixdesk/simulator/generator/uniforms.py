"""Layout of the random numbers an episode tape is built from.

At reset the env's generator draws one block of uniforms: ``UNIFORMS_PER_EMAIL`` per email (plus one
extra row whose gap ends the shift) and ``EPISODE_UNIFORMS`` for the episode. Compiled kernels turn
them into the tape by inverse-CDF transforms, so the whole tape costs one generator call and
one kernel call, whichever face (single env, vector env, server) draws it.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from helixdesk.config import DAYS_PER_WEEK, WORKDAYS, HelixConfig
from helixdesk.simulator.schema import MAX_SURGES, pack


class Uniform(IntEnum):
    """The uniforms of one email (one row of the block)."""

    GAP = 0
    CATEGORY = 1
    EXTRA = 2
    CLASS = 3
    TIER = 4
    KEYWORD = 5
    PROMOTE = 6
    AMBIGUOUS = 7
    SEVERITY = 8
    SENTIMENT_1 = 9
    SENTIMENT_2 = 10
    CONFIDENCE = 11
    TOPIC = 12
    WORK_1 = 13
    WORK_2 = 14
    CSAT_1 = 15
    CSAT_2 = 16
    REOPEN = 17
    REOPEN_DELAY = 18
    TEXT = 19


UNIFORMS_PER_EMAIL = len(Uniform)  # a plain int: numba reads it inside the tape builders


class EpisodeUniform(IntEnum):
    """The episode's uniforms, after the email rows: start hour, surge count, then
    ``UNIFORMS_PER_SURGE`` (category, duration, start) for each possible surge."""

    START = 0
    SURGE_COUNT = 1
    FIRST_SURGE = 2


UNIFORMS_PER_SURGE = 3
EPISODE_UNIFORMS = EpisodeUniform.FIRST_SURGE + UNIFORMS_PER_SURGE * MAX_SURGES


class TapeParam(IntEnum):
    """The config values the tape builders read: one float64 vector."""

    N_EMAILS = 0
    N_CATEGORIES = 1
    RATE = 2
    MULTIPLIER = 3
    SURGES_MEAN = 4
    MIN_SURGES = 5
    SURGE_LOW = 6
    SURGE_HIGH = 7
    COMPLAINT = 8
    REVIEW = 9
    KEYWORD = 10
    AMBIGUITY = 11
    SURGE_COMPLAINT = 12
    TIER_CDF_FREE = 13  # cumulative tier probabilities, free < pro < enterprise = 1
    TIER_CDF_PRO = 14
    TIER_CDF_ENTERPRISE = 15
    TOPICS = 16
    MIN_KEYWORD = 17
    REOPEN_LOW = 18
    REOPEN_HIGH = 19
    FIRST_DAY = 20  # the window an episode starts in: days of the week (Monday = 0) ...
    END_DAY = 21
    FIRST_HOUR = 22  # ... and hours of the day
    END_HOUR = 23


def tape_params(config: HelixConfig) -> np.ndarray:
    """Flatten the config values the tape kernels need."""
    gen, env = config.email_gen, config.env
    tiers = np.cumsum(gen.tier_weights) / sum(gen.tier_weights)
    values = {
        TapeParam.N_EMAILS: env.episode_emails,
        TapeParam.N_CATEGORIES: config.n_categories,
        TapeParam.RATE: env.arrival_rate_per_hour,
        TapeParam.MULTIPLIER: gen.surge_multiplier,
        TapeParam.SURGES_MEAN: gen.surges_per_episode,
        TapeParam.MIN_SURGES: gen.min_surges,
        TapeParam.SURGE_LOW: gen.surge_hours[0],
        TapeParam.SURGE_HIGH: gen.surge_hours[1],
        TapeParam.COMPLAINT: gen.complaint_rate,
        TapeParam.REVIEW: gen.review_rate,
        TapeParam.KEYWORD: gen.keyword_rate,
        TapeParam.AMBIGUITY: gen.ambiguity_rate,
        TapeParam.SURGE_COMPLAINT: gen.surge_complaint_rate,
        TapeParam.TIER_CDF_FREE: tiers[0],
        TapeParam.TIER_CDF_PRO: tiers[1],
        TapeParam.TIER_CDF_ENTERPRISE: 1.0,
        TapeParam.TOPICS: gen.topics_per_category,
        TapeParam.MIN_KEYWORD: gen.min_keyword_emails,
        TapeParam.REOPEN_LOW: config.employee_sim.reopen_delay_hours[0],
        TapeParam.REOPEN_HIGH: config.employee_sim.reopen_delay_hours[1],
        TapeParam.FIRST_DAY: env.start_days[0],
        TapeParam.END_DAY: env.start_days[1],
        TapeParam.FIRST_HOUR: env.start_hours[0],
        TapeParam.END_HOUR: env.start_hours[1],
    }
    return pack(values, TapeParam)


def arrival_profile(config: HelixConfig) -> np.ndarray:
    """The arrival rate's multiplier for each hour of the week (Monday 00:00 first)."""
    env = config.env
    day = np.array(env.arrival_profile)
    weekend = day * env.weekend_arrivals
    return np.concatenate([day] * WORKDAYS + [weekend] * (DAYS_PER_WEEK - WORKDAYS))


def block_size(n_emails: int) -> int:
    """Uniforms one episode consumes: per-email rows (one extra ends the shift), then the
    episode's own."""
    return (n_emails + 1) * UNIFORMS_PER_EMAIL + EPISODE_UNIFORMS


def split_block(block: np.ndarray, n_emails: int) -> tuple[np.ndarray, np.ndarray]:
    """The per-email view ``(n_emails + 1, UNIFORMS_PER_EMAIL)`` and the episode view of a block."""
    per_email = (n_emails + 1) * UNIFORMS_PER_EMAIL
    return block[:per_email].reshape(n_emails + 1, UNIFORMS_PER_EMAIL), block[per_email:]
