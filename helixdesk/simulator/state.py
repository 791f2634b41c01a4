"""Array layout of the simulation state, shared by every kernel.

All state lives in fixed-size float64 arrays with a leading batch axis ``B`` so that the same
kernels drive one env (``B == 1``) and the batched vector env. Columns are named by the
integer constants below; numba folds them in as compile-time constants.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.rewards import COMPONENTS

N_COMPONENTS = len(COMPONENTS)

# Ticket table: one row per slot, (B, K, TK_COLUMNS).
TK_STATUS = 0  # FREE / OPEN / PENDING_REOPEN
TK_EMAIL = 1
TK_SERVER = 2  # -1 nobody, 0..n-1 employee, n reviewer
TK_PRIORITY = 3  # the agent's priority (orders the server's work)
TK_QUEUED_AT = 4  # FIFO tie-break within a priority
TK_DEADLINE = 5  # customer SLA deadline (true severity)
TK_WORK = 6  # work units still to do
TK_MISSED = 7
TK_REOPENED = 8
TK_REOPEN_AT = 9
TK_STARTED_AT = 10
TK_RUSHED = 11
TK_BAD_REPLY = 12
TK_SLA_HOURS = 13
TK_OPENED_AT = 14
TK_COLUMNS = 15

FREE, OPEN, PENDING_REOPEN = 0.0, 1.0, 2.0
NOBODY = -1.0

# Server table (employees then the reviewer): (B, S, SV_COLUMNS).
SV_QLEN = 0  # tickets owned, including the one in service
SV_CURRENT = 1  # slot in service, -1 when idle
SV_AVG_RESOLVE = 2  # EWMA of service hours
SV_RATE = 3  # tickets per hour at skill 1.0
SV_DONE_AT = 4  # when the ticket in service will be finished, inf when idle
SV_COLUMNS = 5

# Per-env scalars: (B, SC_COLUMNS).
SC_TIME = 0
SC_EMAIL = 1  # index of the email awaiting triage
SC_CUM_REWARD = 2
SC_POOL = 3  # tickets held by nobody
SC_PENDING = 4  # tickets waiting to reopen
SC_TREND_T = 5  # last watchdog update
SC_START_HOUR = 6  # hour-of-week at which the episode starts
SC_END_TIME = 7  # end of the shift: when the last email's step ends
SC_GM_DOUBT = 8  # time-decayed count of unwarranted GM alerts
SC_GM_T = 9  # last update of SC_GM_DOUBT
SC_N_FREE = 10  # free slots on the stack
SC_NEXT_DEADLINE = 11  # earliest deadline of an open ticket not yet marked missed
SC_COLUMNS = 12

# Facts of every held ticket, aligned with the queue lists: (B, S + 1, H, HS_COLUMNS), where row
# S mirrors the pool. None of them changes while a ticket is held, so they are written when it
# is queued or pooled; the observation, the deadline sweep and the choice of the next ticket
# read one compact record per open ticket instead of a ticket row and an email row scattered
# through memory.
HS_DEADLINE = 0
HS_OPENED_AT = 1
HS_SLA_HOURS = 2
HS_CRITICAL = 3  # 1.0 when the email is truly critical
HS_PRIORITY = 4  # the assigned priority (orders the server's work)
HS_QUEUED_AT = 5  # FIFO tie-break within a priority
HS_COLUMNS = 6

# Knowledge base: (B, C, T, KB_COLUMNS).
KB_PRESENT = 0
KB_LAST_USED = 1
KB_COLUMNS = 2

# Trend watchdog: (B, C, TR_COLUMNS) time-decayed arrival counts.
TR_FAST = 0
TR_SLOW = 1
TR_COLUMNS = 2

# Surges: (B, MAX_SURGES, SG_COLUMNS); tape columns plus the alerted flag (state).
SG_VALID = 0
SG_CATEGORY = 1
SG_START = 2
SG_END = 3
SG_ALERTED = 4
SG_COLUMNS = 5
MAX_SURGES = 4

# Kernel parameters: one float64 vector built from the config.
P_N_EMPLOYEES = 0
P_N_EMAILS = 1
P_EMPLOYEE_CAP = 2
P_REVIEW_CAP = 3
P_POOL_CAP = 4
P_OVERLOAD_THRESHOLD = 5
P_OVERLOAD_SLOWDOWN = 6
P_REOPEN_BASE = 7
P_REOPEN_RUSHED = 8
P_REOPEN_MISROUTED = 9
P_REOPEN_REVIEW = 10
P_SMOOTHING = 11
P_KB_CAPACITY = 12
P_TAU_FAST = 13
P_TAU_SLOW = 14
P_NEAR_HOURS = 15
P_NORMAL_HOURS = 16
P_BASE_RATE_PER_CATEGORY = 17
P_GM_PATIENCE = 18
P_GM_MEMORY = 19
P_DRAIN_AT_END = 20
P_KB_INITIAL = 21
P_COLUMNS = 22

# Event records: (B, E, EV_COLUMNS) per step.
EV_KIND = 0
EV_TIME = 1
EV_EMAIL = 2
EV_SERVER = 3
EV_A = 4
EV_B = 5
EV_C = 6
EV_COLUMNS = 7


def kernel_params(config: HelixConfig) -> np.ndarray:
    """Flatten the config scalars the kernels need into one vector."""
    env, emp = config.env, config.employee_sim
    values = {
        P_N_EMPLOYEES: env.n_employees,
        P_N_EMAILS: env.episode_emails,
        P_EMPLOYEE_CAP: env.employee_capacity,
        P_REVIEW_CAP: env.review_capacity,
        P_POOL_CAP: env.unassigned_capacity,
        P_OVERLOAD_THRESHOLD: emp.overload_threshold,
        P_OVERLOAD_SLOWDOWN: emp.overload_slowdown,
        P_REOPEN_BASE: emp.reopen_base,
        P_REOPEN_RUSHED: emp.reopen_rushed,
        P_REOPEN_MISROUTED: emp.reopen_misrouted,
        P_REOPEN_REVIEW: emp.reopen_needed_review,
        P_SMOOTHING: emp.resolve_time_smoothing,
        P_KB_CAPACITY: config.knowledge_base.capacity_per_category,
        P_TAU_FAST: config.trend_watchdog.fast_window_hours,
        P_TAU_SLOW: config.trend_watchdog.slow_window_hours,
        P_NEAR_HOURS: env.near_deadline_hours,
        P_NORMAL_HOURS: config.sla.normal_hours,
        P_BASE_RATE_PER_CATEGORY: env.arrival_rate_per_hour / config.n_categories,
        P_GM_PATIENCE: config.trend_watchdog.gm_patience,
        P_GM_MEMORY: config.trend_watchdog.gm_memory_hours,
        P_DRAIN_AT_END: float(env.drain_at_end),
        P_KB_INITIAL: config.knowledge_base.initial_entries_per_category,
    }
    return pack(values, P_COLUMNS)


def pack(values: dict[int, float], size: int) -> np.ndarray:
    """A float64 vector of ``size`` with ``values`` at their indices (zeros elsewhere)."""
    vector = np.zeros(size)
    for index, value in values.items():
        vector[index] = value
    return vector


def ticket_slots(config: HelixConfig) -> int:
    """Ticket-table size: every queue full, the pool full, plus room for pending reopens."""
    env = config.env
    queues = env.n_employees * env.employee_capacity + env.review_capacity
    return queues + env.unassigned_capacity + 16


def max_step_events(config: HelixConfig) -> int:
    """Upper bound on events one step can emit (three per ticket plus the triage's)."""
    return 3 * ticket_slots(config) + 16


@dataclass
class BatchState:
    """Mutable state of ``B`` episodes. Everything an episode changes lives here.

    Besides the tables, four int64 lists of ticket slots (lengths in ``SC_N_FREE``,
    ``SV_QLEN``, ``SC_POOL``, ``SC_PENDING``): free slots, each server's queue, the pool
    held by nobody, and tickets waiting to reopen. ``held`` keeps the fixed facts of the queued
    and pooled tickets in the same order as their lists (``HS_*`` columns).
    """

    tickets: np.ndarray
    servers: np.ndarray
    scalars: np.ndarray
    kb: np.ndarray
    trend: np.ndarray
    surges: np.ndarray
    counts: np.ndarray
    events: np.ndarray
    n_events: np.ndarray
    free: np.ndarray
    queues: np.ndarray
    pool: np.ndarray
    pending: np.ndarray
    held: np.ndarray

    @classmethod
    def allocate(cls, config: HelixConfig, batch: int, record_events: bool) -> BatchState:
        n_servers = config.env.n_employees + 1
        slots = ticket_slots(config)
        queue_capacity = max(config.env.employee_capacity, config.env.review_capacity)
        held_capacity = max(queue_capacity, config.env.unassigned_capacity)
        n_cat, n_topics = config.n_categories, config.email_gen.topics_per_category
        n_events = max_step_events(config) if record_events else 0
        return cls(
            tickets=np.zeros((batch, slots, TK_COLUMNS)),
            servers=np.zeros((batch, n_servers, SV_COLUMNS)),
            scalars=np.zeros((batch, SC_COLUMNS)),
            kb=np.zeros((batch, n_cat, n_topics, KB_COLUMNS)),
            trend=np.zeros((batch, n_cat, TR_COLUMNS)),
            surges=np.zeros((batch, MAX_SURGES, SG_COLUMNS)),
            counts=np.zeros((batch, N_COMPONENTS)),
            events=np.zeros((batch, n_events, EV_COLUMNS)),
            n_events=np.zeros(batch, dtype=np.int64),
            free=np.zeros((batch, slots), dtype=np.int64),
            queues=np.zeros((batch, n_servers, queue_capacity), dtype=np.int64),
            pool=np.zeros((batch, config.env.unassigned_capacity), dtype=np.int64),
            pending=np.zeros((batch, slots), dtype=np.int64),
            held=np.zeros((batch, n_servers + 1, held_capacity, HS_COLUMNS)),
        )

    def as_tuple(self) -> tuple[np.ndarray, ...]:
        """The arrays in the order the kernels expect."""
        return tuple(getattr(self, field.name) for field in fields(self))
