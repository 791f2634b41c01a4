"""Employees (and the review queue) working their tickets.

Each server works one ticket at a time, choosing the waiting ticket with the most urgent
*assigned* priority, then the earliest queued. Service takes ``work / (rate × skill)`` hours,
stretched by ``overload_slowdown`` for every ticket queued beyond ``overload_threshold``
(such a ticket is *rushed*). Skills are deterministic by index: each employee is a
specialist (``1 + skill_spread``) in the categories :func:`~helixdesk.config.specialist_of`
deals them and weaker (``1 - skill_spread / 2``) elsewhere; the reviewer (server ``n``) has
skill 1 everywhere.

On resolution the customer rates the service (CSAT 1–5): lateness, a long wait, a weak
employee, a review-worthy email that skipped review, and an earlier bad auto-reply all lower
it. Complaints and review cases may then reopen after a delay (probability grows with
rushing, weak skill and skipped review); a reopened ticket returns to the same server with
half its work and a fresh deadline; its later resolution is rated but pays no second
``resolve_on_time`` or ``csat_high`` (success is paid once per ticket, so a reopen never pays).
Resolving a query the KB could not answer teaches the KB.
"""

from __future__ import annotations

import numpy as np

from helixdesk.config import HelixConfig, specialist_of
from helixdesk.rewards import COMPLAINT_REOPENED, CSAT_HIGH, KB_UPDATED, RESOLVE_ON_TIME
from helixdesk.simulator.dynamics import knowledge_base
from helixdesk.simulator.dynamics.events import KB_LEARNED, REOPENED, RESOLVED, emit
from helixdesk.simulator.dynamics.tickets import (
    drop_held,
    free_slot,
    hold,
    mark_missed,
    remove_item,
    to_pool,
    watch_deadline,
)
from helixdesk.simulator.jit import inlined_step_kernel, step_kernel
from helixdesk.simulator.schema import (
    OPEN,
    PENDING_REOPEN,
    Email,
    Held,
    Param,
    Scalar,
    Server,
    Ticket,
)
from helixdesk.spaces import FLAG_FOR_REVIEW, QUERY

CSAT_BASE = 4.3


def skill_matrix(config: HelixConfig) -> np.ndarray:
    """``(n_employees + 1, n_categories)`` skill multipliers; the last row is the reviewer."""
    n, n_cat = config.env.n_employees, config.n_categories
    spread = config.employee_sim.skill_spread
    skills = np.full((n + 1, n_cat), 1.0 - spread / 2)
    for category in range(n_cat):
        skills[specialist_of(category, n), category] = 1.0 + spread
    skills[n, :] = 1.0
    return skills


def server_rates(config: HelixConfig) -> np.ndarray:
    rates = np.full(config.env.n_employees + 1, config.employee_sim.base_resolve_rate)
    rates[-1] = config.employee_sim.reviewer_resolve_rate
    return rates


@step_kernel
def capacity(model, server: int) -> float:
    if server == int(model.params[Param.N_EMPLOYEES]):
        return model.params[Param.REVIEW_CAP]
    return model.params[Param.EMPLOYEE_CAP]


@step_kernel
def _next_waiting(ep, server: int) -> int:
    """The server's waiting ticket with the most urgent priority, earliest queued first.

    Called only while the server has no ticket in service (idle, or its current ticket has
    just left the queue), so every queued ticket is waiting.
    """
    best, best_priority, best_time = -1, np.inf, np.inf
    for i in range(int(ep.servers[server, Server.QLEN])):
        priority, queued = ep.held[server, i, Held.PRIORITY], ep.held[server, i, Held.QUEUED_AT]
        if priority < best_priority or (priority == best_priority and queued < best_time):
            best, best_priority, best_time = ep.queues[server, i], priority, queued
    return best


@step_kernel
def start_next(ep, model, server: int, now: float) -> None:
    """Begin the server's most urgent waiting ticket, or go idle."""
    slot = _next_waiting(ep, server)
    ep.servers[server, Server.CURRENT] = slot
    ep.servers[server, Server.DONE_AT] = np.inf
    if slot < 0:
        return
    category = int(ep.emails[int(ep.tickets[slot, Ticket.EMAIL]), Email.CATEGORY])
    overload = max(0.0, ep.servers[server, Server.QLEN] - model.params[Param.OVERLOAD_THRESHOLD])
    rate = ep.servers[server, Server.RATE] * model.skills[server, category]
    hours = (
        ep.tickets[slot, Ticket.WORK]
        / rate
        * (1.0 + model.params[Param.OVERLOAD_SLOWDOWN] * overload)
    )
    ep.tickets[slot, Ticket.STARTED_AT] = now
    ep.servers[server, Server.DONE_AT] = now + hours
    ep.tickets[slot, Ticket.RUSHED] = 1.0 if overload > 0.0 else 0.0


@step_kernel
def _interrupt(ep, server: int, now: float) -> None:
    """Put the ticket in service back in the queue, keeping the work still to do."""
    slot = int(ep.servers[server, Server.CURRENT])
    started, done = ep.tickets[slot, Ticket.STARTED_AT], ep.servers[server, Server.DONE_AT]
    ep.tickets[slot, Ticket.WORK] *= (done - now) / (done - started)
    ep.servers[server, Server.CURRENT] = -1.0
    ep.servers[server, Server.DONE_AT] = np.inf


@inlined_step_kernel
def enqueue(ep, model, server: int, slot: int, now: float) -> None:
    """Queue ``slot`` with ``server``. A ticket more urgent than the one in service
    interrupts it: the interrupted ticket waits with the work it has left."""
    ep.tickets[slot, Ticket.SERVER] = server
    ep.tickets[slot, Ticket.QUEUED_AT] = now
    queued = int(ep.servers[server, Server.QLEN])
    ep.queues[server, queued] = slot
    hold(ep, server, queued, slot)
    ep.servers[server, Server.QLEN] = queued + 1
    current = int(ep.servers[server, Server.CURRENT])
    if current >= 0 and ep.tickets[slot, Ticket.PRIORITY] < ep.tickets[current, Ticket.PRIORITY]:
        _interrupt(ep, server, now)
        current = -1
    if current < 0:
        start_next(ep, model, server, now)


@inlined_step_kernel
def place(ep, model, server: int, slot: int, now: float) -> bool:
    """Queue with ``server`` if it has room, else leave with nobody. True when queued."""
    if server >= 0 and ep.servers[server, Server.QLEN] < capacity(model, server):
        enqueue(ep, model, server, slot, now)
        return True
    to_pool(ep, model, slot, now)
    return False


@step_kernel
def _csat(ep, model, slot: int, server: int, now: float) -> float:
    email = int(ep.tickets[slot, Ticket.EMAIL])
    reviewer = server == int(model.params[Param.N_EMPLOYEES])
    sla = ep.tickets[slot, Ticket.SLA_HOURS]
    score = CSAT_BASE + ep.emails[email, Email.CSAT_NOISE]
    score -= 0.5 * min(1.0, (now - ep.tickets[slot, Ticket.OPENED_AT]) / sla)
    if now > ep.tickets[slot, Ticket.DEADLINE]:
        score -= 1.5 + min(1.5, (now - ep.tickets[slot, Ticket.DEADLINE]) / sla)
    skill = model.skills[server, int(ep.emails[email, Email.CATEGORY])]
    if skill < 1.0:
        score -= 2.0 * (1.0 - skill)
    if ep.emails[email, Email.TRUE_CLASS] == FLAG_FOR_REVIEW and not reviewer:
        score -= 1.0
    if ep.tickets[slot, Ticket.BAD_REPLY] == 1.0:
        score -= 1.0
    surge = int(ep.emails[email, Email.SURGE]) - 1
    if surge >= 0 and ep.alerted[surge] == 0.0:  # an incident the company has not owned up to
        score -= model.params[Param.UNACKNOWLEDGED_SURGE_CSAT]
    return float(min(5.0, max(1.0, np.floor(score + 0.5))))


@step_kernel
def _reopen_probability(ep, model, slot: int, server: int) -> float:
    email = int(ep.tickets[slot, Ticket.EMAIL])
    truth = ep.emails[email, Email.TRUE_CLASS]
    if truth == QUERY or ep.tickets[slot, Ticket.REOPENED] == 1.0:
        return 0.0
    p = model.params[Param.REOPEN_BASE]
    if ep.tickets[slot, Ticket.RUSHED] == 1.0:
        p += model.params[Param.REOPEN_RUSHED]
    if model.skills[server, int(ep.emails[email, Email.CATEGORY])] < 1.0:
        p += model.params[Param.REOPEN_MISROUTED]
    if truth == FLAG_FOR_REVIEW and server != int(model.params[Param.N_EMPLOYEES]):
        p += model.params[Param.REOPEN_REVIEW]
    return p


@step_kernel
def _learn_from(ep, model, email: int, server: int, now: float) -> None:
    """An employee answered a query the KB lacks: the KB learns the topic."""
    if ep.emails[email, Email.TRUE_CLASS] != QUERY or server == int(
        model.params[Param.N_EMPLOYEES]
    ):
        return
    category, topic = int(ep.emails[email, Email.CATEGORY]), int(ep.emails[email, Email.TOPIC])
    if knowledge_base.has_answer(ep, category, topic):
        return
    knowledge_base.learn(ep, model, category, topic, now)
    ep.counts[KB_UPDATED] += 1.0
    emit(ep, KB_LEARNED, now, email, server, category, topic, 0.0)


@step_kernel
def _leave_queue(ep, server: int, slot: int) -> None:
    """Drop ``slot`` from ``server``'s queue list and its held facts."""
    queued = int(ep.servers[server, Server.QLEN])
    ep.servers[server, Server.QLEN] = drop_held(ep, server, ep.queues[server], queued, slot)


@inlined_step_kernel
def complete(ep, model, server: int, now: float) -> None:
    """The server finishes its current ticket at ``now``."""
    slot = int(ep.servers[server, Server.CURRENT])
    email = int(ep.tickets[slot, Ticket.EMAIL])
    smoothing = model.params[Param.SMOOTHING]
    service = now - ep.tickets[slot, Ticket.STARTED_AT]
    ep.servers[server, Server.AVG_RESOLVE] += smoothing * (
        service - ep.servers[server, Server.AVG_RESOLVE]
    )
    _leave_queue(ep, server, slot)
    on_time = now <= ep.tickets[slot, Ticket.DEADLINE]
    first_resolution = ep.tickets[slot, Ticket.REOPENED] == 0.0
    if not on_time:
        mark_missed(ep, model, slot)
    elif first_resolution:
        ep.counts[RESOLVE_ON_TIME] += 1.0
    csat = _csat(ep, model, slot, server, now)
    if csat >= 4.0 and first_resolution:
        ep.counts[CSAT_HIGH] += 1.0
    emit(
        ep,
        RESOLVED,
        now,
        email,
        server,
        1.0 if on_time else 0.0,
        csat,
        now - ep.tickets[slot, Ticket.OPENED_AT],
    )
    _learn_from(ep, model, email, server, now)
    if ep.emails[email, Email.REOPEN_U] < _reopen_probability(ep, model, slot, server):
        ep.tickets[slot, Ticket.STATUS] = PENDING_REOPEN
        ep.tickets[slot, Ticket.REOPEN_AT] = now + ep.emails[email, Email.REOPEN_DELAY]
        pending = int(ep.scalars[Scalar.PENDING])
        ep.pending[pending] = slot
        ep.scalars[Scalar.PENDING] = pending + 1
    else:
        free_slot(ep, slot)
    start_next(ep, model, server, now)


@inlined_step_kernel
def reopen(ep, model, slot: int, now: float) -> None:
    """The customer writes back: the ticket returns to its last server with half its work."""
    ep.tickets[slot, Ticket.STATUS] = OPEN
    ep.tickets[slot, Ticket.REOPENED] = 1.0
    ep.tickets[slot, Ticket.MISSED] = 0.0
    ep.tickets[slot, Ticket.WORK] *= 0.5
    ep.tickets[slot, Ticket.DEADLINE] = now + ep.tickets[slot, Ticket.SLA_HOURS]
    ep.tickets[slot, Ticket.OPENED_AT] = now
    watch_deadline(ep, ep.tickets[slot, Ticket.DEADLINE])
    pending = int(ep.scalars[Scalar.PENDING])
    remove_item(ep.pending, pending, slot)
    ep.scalars[Scalar.PENDING] = pending - 1
    ep.counts[COMPLAINT_REOPENED] += 1.0
    server = int(ep.tickets[slot, Ticket.SERVER])
    email = int(ep.tickets[slot, Ticket.EMAIL])
    emit(ep, REOPENED, now, email, server, 0.0, 0.0, 0.0)
    place(ep, model, server, slot, now)
