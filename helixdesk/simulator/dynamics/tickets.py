"""Ticket slots, the unassigned pool, and deadline bookkeeping.

A ticket occupies one row of a fixed-size table from triage until it is closed (resolved
without a pending reopen, or abandoned). Slot indices also live in small lists, so no step
scans the whole table: a stack of free slots, one list per server (its queue, the ticket in
service included), the *pool* of tickets held by nobody, and the tickets waiting to reopen.
Beside each queue and pool entry, ``held`` keeps the facts that stay fixed while the ticket
is held (:func:`hold`), so hot loops read compact records instead of ticket rows.

Nobody works pooled tickets, so they are abandoned when their deadline passes
(``missed_deadline``, then ``abandoned`` with CSAT 1); when the pool is full the oldest pooled
ticket is abandoned early. ``Scalar.NEXT_DEADLINE`` caches the earliest deadline of an open ticket
that has not yet been marked missed, so the deadline sweep only runs when one can be due.
"""

from __future__ import annotations

import numpy as np

from helixdesk.rewards import MISSED_DEADLINE
from helixdesk.simulator.dynamics.events import ABANDONED, emit
from helixdesk.simulator.dynamics.events import MISSED_DEADLINE as EV_MISSED
from helixdesk.simulator.jit import inlined_step_kernel, step_kernel
from helixdesk.simulator.schema import (
    FREE,
    NOBODY,
    OPEN,
    Email,
    Held,
    Param,
    Scalar,
    Server,
    Ticket,
)

ABANDONED_CSAT = 1.0


@step_kernel
def remove_item(items: np.ndarray, count: int, value: int) -> int:
    """Drop ``value`` from the first ``count`` entries (the last entry takes its place);
    return that position, or -1 when absent. The caller shrinks the count."""
    for i in range(count):
        if items[i] == value:
            items[i] = items[count - 1]
            return i
    return -1


@step_kernel
def _oldest(tickets: np.ndarray, items: np.ndarray, count: int, column: int) -> int:
    best, best_value = -1, np.inf
    for i in range(count):
        slot = items[i]
        if tickets[slot, column] < best_value:
            best, best_value = slot, tickets[slot, column]
    return best


@step_kernel
def hold(ep, holder: int, position: int, slot: int) -> None:
    """Record the facts of ``slot``, just queued or pooled at ``position`` of ``holder``'s
    list (holder ``S``, one past the last server, is the pool)."""
    ep.held[holder, position, Held.DEADLINE] = ep.tickets[slot, Ticket.DEADLINE]
    ep.held[holder, position, Held.OPENED_AT] = ep.tickets[slot, Ticket.OPENED_AT]
    ep.held[holder, position, Held.SLA_HOURS] = ep.tickets[slot, Ticket.SLA_HOURS]
    ep.held[holder, position, Held.PRIORITY] = ep.tickets[slot, Ticket.PRIORITY]
    ep.held[holder, position, Held.QUEUED_AT] = ep.tickets[slot, Ticket.QUEUED_AT]
    critical = ep.emails[int(ep.tickets[slot, Ticket.EMAIL]), Email.SEVERITY] == 0.0
    ep.held[holder, position, Held.CRITICAL] = 1.0 if critical else 0.0


@step_kernel
def drop_held(ep, holder: int, items: np.ndarray, count: int, slot: int) -> int:
    """Drop ``slot`` from ``holder``'s list ``items`` (its first ``count`` entries) and its
    facts from ``held``: the last entry takes its place in both. Return the new length."""
    position = remove_item(items, count, slot)
    if position >= 0:
        for column in range(ep.held.shape[2]):
            ep.held[holder, position, column] = ep.held[holder, count - 1, column]
    return count - 1


@step_kernel
def free_slot(ep, slot: int) -> None:
    ep.tickets[slot, Ticket.STATUS] = FREE
    n_free = int(ep.scalars[Scalar.N_FREE])
    ep.free[n_free] = slot
    ep.scalars[Scalar.N_FREE] = n_free + 1


@step_kernel
def _claim_slot(ep) -> int:
    if ep.scalars[Scalar.N_FREE] == 0:
        # Every slot is queued or waits to reopen; the table is sized so that this means a
        # pending reopen, which is cancelled (the customer stayed satisfied after all).
        pending = int(ep.scalars[Scalar.PENDING])
        slot = _oldest(ep.tickets, ep.pending, pending, Ticket.REOPEN_AT)
        remove_item(ep.pending, pending, slot)
        ep.scalars[Scalar.PENDING] = pending - 1
        free_slot(ep, slot)
    n_free = int(ep.scalars[Scalar.N_FREE]) - 1
    ep.scalars[Scalar.N_FREE] = n_free
    return ep.free[n_free]


@step_kernel
def watch_deadline(ep, deadline: float) -> None:
    ep.scalars[Scalar.NEXT_DEADLINE] = min(ep.scalars[Scalar.NEXT_DEADLINE], deadline)


@step_kernel
def open_ticket(ep, model, email: int, now: float, priority: int, bad_reply: bool) -> int:
    """Claim a free slot for ``email`` and return it (not yet in any queue)."""
    slot = _claim_slot(ep)
    sla = model.sla[int(ep.emails[email, Email.SEVERITY])]
    ep.tickets[slot, :] = 0.0
    ep.tickets[slot, Ticket.STATUS] = OPEN
    ep.tickets[slot, Ticket.EMAIL] = email
    ep.tickets[slot, Ticket.SERVER] = NOBODY
    ep.tickets[slot, Ticket.PRIORITY] = priority
    ep.tickets[slot, Ticket.DEADLINE] = now + sla
    ep.tickets[slot, Ticket.SLA_HOURS] = sla
    ep.tickets[slot, Ticket.OPENED_AT] = now
    ep.tickets[slot, Ticket.WORK] = ep.emails[email, Email.WORK]
    ep.tickets[slot, Ticket.BAD_REPLY] = 1.0 if bad_reply else 0.0
    watch_deadline(ep, now + sla)
    return slot


@step_kernel
def mark_missed(ep, model, slot: int) -> None:
    """Fire ``missed_deadline`` once per ticket (per opening)."""
    if ep.tickets[slot, Ticket.MISSED] == 1.0:
        return
    ep.tickets[slot, Ticket.MISSED] = 1.0
    ep.counts[MISSED_DEADLINE] += 1.0
    deadline, email = ep.tickets[slot, Ticket.DEADLINE], int(ep.tickets[slot, Ticket.EMAIL])
    emit(ep, EV_MISSED, deadline, email, ep.tickets[slot, Ticket.SERVER],
         0.0, 0.0, 0.0)  # fmt: skip


@step_kernel
def abandon(ep, model, slot: int, now: float) -> None:
    """Nobody handled the pooled ticket in time: it leaves the pool, rated 1."""
    mark_missed(ep, model, slot)
    emit(ep, ABANDONED, now, int(ep.tickets[slot, Ticket.EMAIL]), NOBODY,
         ABANDONED_CSAT, 0.0, 0.0)  # fmt: skip
    pool_row = ep.servers.shape[0]
    ep.scalars[Scalar.POOL] = drop_held(ep, pool_row, ep.pool, int(ep.scalars[Scalar.POOL]), slot)
    free_slot(ep, slot)


@step_kernel
def to_pool(ep, model, slot: int, now: float) -> None:
    """Leave the ticket with nobody; abandon the oldest pooled ticket if the pool is full."""
    if ep.scalars[Scalar.POOL] >= model.params[Param.POOL_CAP]:
        oldest = _oldest(ep.tickets, ep.pool, int(ep.scalars[Scalar.POOL]), Ticket.QUEUED_AT)
        abandon(ep, model, oldest, now)
    ep.tickets[slot, Ticket.SERVER] = NOBODY
    ep.tickets[slot, Ticket.QUEUED_AT] = now
    pooled = int(ep.scalars[Scalar.POOL])
    ep.pool[pooled] = slot
    hold(ep, ep.servers.shape[0], pooled, slot)
    ep.scalars[Scalar.POOL] = pooled + 1


@step_kernel
def _sweep_queues(ep, model, now: float) -> float:
    """Mark queued tickets whose deadline passed; return the next deadline still ahead."""
    upcoming = np.inf
    for server in range(ep.servers.shape[0]):
        for i in range(int(ep.servers[server, Server.QLEN])):
            deadline = ep.held[server, i, Held.DEADLINE]
            if deadline <= now:
                mark_missed(ep, model, ep.queues[server, i])  # a no-op when already marked
            else:
                upcoming = min(upcoming, deadline)
    return upcoming


@step_kernel
def _sweep_pool(ep, model, now: float) -> float:
    """Abandon pooled tickets whose deadline passed; return the next pooled deadline."""
    upcoming = np.inf
    i = int(ep.scalars[Scalar.POOL]) - 1
    while i >= 0:  # backwards: abandoning swaps the last entry into position i
        deadline = ep.held[ep.servers.shape[0], i, Held.DEADLINE]
        if deadline <= now:
            abandon(ep, model, ep.pool[i], deadline)
        else:
            upcoming = min(upcoming, deadline)
        i -= 1
    return upcoming


@inlined_step_kernel
def sweep_deadlines(ep, model, now: float) -> None:
    """Fire missed deadlines up to ``now``; pooled tickets past theirs are abandoned."""
    if ep.scalars[Scalar.NEXT_DEADLINE] > now:
        return
    upcoming = _sweep_queues(ep, model, now)
    ep.scalars[Scalar.NEXT_DEADLINE] = min(upcoming, _sweep_pool(ep, model, now))
