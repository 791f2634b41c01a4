"""Sizes of the state tables, their allocation, and the model the config fixes.

The tables themselves are declared in :mod:`helixdesk.simulator.schema`.
"""

from __future__ import annotations

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.rewards import COMPONENTS, component_values
from helixdesk.simulator.dynamics.employee_sim import skill_matrix
from helixdesk.simulator.schema import (
    MAX_SURGES,
    BatchState,
    EventField,
    Held,
    KbEntry,
    Model,
    Param,
    Scalar,
    Server,
    Ticket,
    Trend,
    pack,
)
from helixdesk.spaces import CATEGORY_CODES, layout_for


def kernel_params(config: HelixConfig) -> np.ndarray:
    """The config scalars the step kernels read, as one vector indexed by :class:`Param`."""
    env, emp = config.env, config.employee_sim
    values = {
        Param.N_EMPLOYEES: env.n_employees,
        Param.N_EMAILS: env.episode_emails,
        Param.EMPLOYEE_CAP: env.employee_capacity,
        Param.REVIEW_CAP: env.review_capacity,
        Param.POOL_CAP: env.unassigned_capacity,
        Param.OVERLOAD_THRESHOLD: emp.overload_threshold,
        Param.OVERLOAD_SLOWDOWN: emp.overload_slowdown,
        Param.REOPEN_BASE: emp.reopen_base,
        Param.REOPEN_RUSHED: emp.reopen_rushed,
        Param.REOPEN_MISROUTED: emp.reopen_misrouted,
        Param.REOPEN_REVIEW: emp.reopen_needed_review,
        Param.SMOOTHING: emp.resolve_time_smoothing,
        Param.KB_CAPACITY: config.knowledge_base.capacity_per_category,
        Param.TAU_FAST: config.trend_watchdog.fast_window_hours,
        Param.TAU_SLOW: config.trend_watchdog.slow_window_hours,
        Param.NEAR_HOURS: env.near_deadline_hours,
        Param.NORMAL_HOURS: config.sla.normal_hours,
        Param.BASE_RATE_PER_CATEGORY: env.arrival_rate_per_hour / config.n_categories,
        Param.GM_PATIENCE: config.trend_watchdog.gm_patience,
        Param.GM_MEMORY: config.trend_watchdog.gm_memory_hours,
        Param.DRAIN_AT_END: float(env.drain_at_end),
        Param.KB_INITIAL: config.knowledge_base.initial_entries_per_category,
        Param.UNACKNOWLEDGED_SURGE_CSAT: config.trend_watchdog.unacknowledged_surge_csat,
    }
    return pack(values, Param)


def build_model(config: HelixConfig) -> Model:
    """The frozen constants every step kernel reads."""
    groups = layout_for(config).groups
    return Model(
        params=kernel_params(config),
        sla=np.array(config.sla.by_severity()),
        skills=skill_matrix(config),
        values=component_values(config),
        codes=CATEGORY_CODES,
        offsets=np.array([group.start for group in groups.values()], dtype=np.int64),
        clip=float(config.env.reward_clip),
    )


def ticket_slots(config: HelixConfig) -> int:
    """Ticket-table size: every queue full, the pool full, plus room for pending reopens."""
    env = config.env
    queues = env.n_employees * env.employee_capacity + env.review_capacity
    return queues + env.unassigned_capacity + 16


def max_step_events(config: HelixConfig) -> int:
    """Upper bound on events one step can emit (three per ticket plus the triage's)."""
    return 3 * ticket_slots(config) + 16


def allocate_state(config: HelixConfig, batch: int, record_events: bool) -> BatchState:
    """Zeroed state for ``batch`` episodes (``record_events=False``: an empty event buffer)."""
    n_servers = config.env.n_employees + 1
    slots = ticket_slots(config)
    queue_capacity = max(config.env.employee_capacity, config.env.review_capacity)
    held_capacity = max(queue_capacity, config.env.unassigned_capacity)
    n_cat, n_topics = config.n_categories, config.email_gen.topics_per_category
    n_events = max_step_events(config) if record_events else 0
    return BatchState(
        tickets=np.zeros((batch, slots, len(Ticket))),
        servers=np.zeros((batch, n_servers, len(Server))),
        scalars=np.zeros((batch, len(Scalar))),
        kb=np.zeros((batch, n_cat, n_topics, len(KbEntry))),
        trend=np.zeros((batch, n_cat, len(Trend))),
        alerted=np.zeros((batch, MAX_SURGES)),
        counts=np.zeros((batch, len(COMPONENTS))),
        events=np.zeros((batch, n_events, len(EventField))),
        n_events=np.zeros(batch, dtype=np.int64),
        free=np.zeros((batch, slots), dtype=np.int64),
        queues=np.zeros((batch, n_servers, queue_capacity), dtype=np.int64),
        pool=np.zeros((batch, config.env.unassigned_capacity), dtype=np.int64),
        pending=np.zeros((batch, slots), dtype=np.int64),
        held=np.zeros((batch, n_servers + 1, held_capacity, len(Held))),
    )
