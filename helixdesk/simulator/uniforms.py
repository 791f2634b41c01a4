"""Layout of the random numbers an episode tape is built from.

At reset the env's generator draws one block of uniforms: ``U_COLUMNS`` per email (plus one
extra row whose gap ends the shift) and ``G_COLUMNS`` for the episode. Compiled kernels turn
them into the tape by inverse-CDF transforms, so the whole tape costs one generator call and
one kernel call, whichever face (single env, vector env, server) draws it.
"""

from __future__ import annotations

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.simulator.state import MAX_SURGES, pack

# Per-email uniforms.
U_GAP = 0
U_CATEGORY = 1
U_EXTRA = 2
U_CLASS = 3
U_TIER = 4
U_KEYWORD = 5
U_PROMOTE = 6
U_AMBIGUOUS = 7
U_SEVERITY = 8
U_SENTIMENT_1 = 9
U_SENTIMENT_2 = 10
U_CONFIDENCE = 11
U_TOPIC = 12
U_WORK_1 = 13
U_WORK_2 = 14
U_CSAT_1 = 15
U_CSAT_2 = 16
U_REOPEN = 17
U_REOPEN_DELAY = 18
U_TEXT = 19
U_COLUMNS = 20

# Episode uniforms: start hour, surge count, then (category, duration, start) per surge.
G_START = 0
G_SURGE_COUNT = 1
G_SURGES = 2
G_PER_SURGE = 3
G_COLUMNS = G_SURGES + G_PER_SURGE * MAX_SURGES

# Tape parameters: one float vector built from the config.
TP_N_EMAILS = 0
TP_N_CATEGORIES = 1
TP_RATE = 2
TP_MULTIPLIER = 3
TP_SURGES_MEAN = 4
TP_MIN_SURGES = 5
TP_SURGE_LOW = 6
TP_SURGE_HIGH = 7
TP_COMPLAINT = 8
TP_REVIEW = 9
TP_KEYWORD = 10
TP_AMBIGUITY = 11
TP_SURGE_COMPLAINT = 12
TP_TIER_CDF = 13  # three cumulative tier probabilities: 13, 14, 15
TP_TOPICS = 16
TP_MIN_KEYWORD = 17
TP_REOPEN_LOW = 18
TP_REOPEN_HIGH = 19
TP_COLUMNS = 20


def tape_params(config: HelixConfig) -> np.ndarray:
    """Flatten the config values the tape kernels need."""
    gen, env = config.email_gen, config.env
    tiers = np.cumsum(gen.tier_weights) / sum(gen.tier_weights)
    values = {
        TP_N_EMAILS: env.episode_emails,
        TP_N_CATEGORIES: config.n_categories,
        TP_RATE: env.arrival_rate_per_hour,
        TP_MULTIPLIER: gen.surge_multiplier,
        TP_SURGES_MEAN: gen.surges_per_episode,
        TP_MIN_SURGES: gen.min_surges,
        TP_SURGE_LOW: gen.surge_hours[0],
        TP_SURGE_HIGH: gen.surge_hours[1],
        TP_COMPLAINT: gen.complaint_rate,
        TP_REVIEW: gen.review_rate,
        TP_KEYWORD: gen.keyword_rate,
        TP_AMBIGUITY: gen.ambiguity_rate,
        TP_SURGE_COMPLAINT: gen.surge_complaint_rate,
        TP_TIER_CDF: tiers[0],
        TP_TIER_CDF + 1: tiers[1],
        TP_TIER_CDF + 2: 1.0,
        TP_TOPICS: gen.topics_per_category,
        TP_MIN_KEYWORD: gen.min_keyword_emails,
        TP_REOPEN_LOW: config.employee_sim.reopen_delay_hours[0],
        TP_REOPEN_HIGH: config.employee_sim.reopen_delay_hours[1],
    }
    return pack(values, TP_COLUMNS)


def block_size(n_emails: int) -> int:
    """Uniforms one episode consumes: per-email rows (one extra ends the shift), then ``G``."""
    return (n_emails + 1) * U_COLUMNS + G_COLUMNS


def split_block(block: np.ndarray, n_emails: int) -> tuple[np.ndarray, np.ndarray]:
    """The per-email view ``(n_emails + 1, U_COLUMNS)`` and the episode view of a block."""
    per_email = (n_emails + 1) * U_COLUMNS
    return block[:per_email].reshape(n_emails + 1, U_COLUMNS), block[per_email:]
