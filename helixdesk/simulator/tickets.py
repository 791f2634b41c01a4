"""Ticket slots, the unassigned pool, and deadline bookkeeping.

A ticket occupies one row of a fixed-size table from triage until it is closed (resolved
without a pending reopen, or abandoned). Tickets held by nobody sit in the *pool*: nobody works
them, so they are abandoned when their deadline passes (``missed_deadline``, then
``abandoned`` with CSAT 1). When the pool is full the oldest pooled ticket is abandoned early.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from helixdesk.rewards import MISSED_DEADLINE
from helixdesk.simulator.email_gen import E_SEVERITY, E_WORK
from helixdesk.simulator.events import ABANDONED, emit
from helixdesk.simulator.events import MISSED_DEADLINE as EV_MISSED
from helixdesk.simulator.state import (
    FREE,
    NOBODY,
    OPEN,
    P_POOL_CAP,
    PENDING_REOPEN,
    SC_PENDING,
    SC_POOL,
    TK_BAD_REPLY,
    TK_DEADLINE,
    TK_EMAIL,
    TK_IN_SERVICE,
    TK_MISSED,
    TK_OPENED_AT,
    TK_PRIORITY,
    TK_QUEUED_AT,
    TK_REOPEN_AT,
    TK_SERVER,
    TK_SLA_HOURS,
    TK_STATUS,
    TK_WORK,
)

ABANDONED_CSAT = 1.0


@njit(cache=True)
def _earliest(tickets: np.ndarray, status: float, server: float, column: int) -> int:
    best, best_value = -1, np.inf
    for k in range(tickets.shape[0]):
        if tickets[k, TK_STATUS] != status:
            continue
        if status == OPEN and tickets[k, TK_SERVER] != server:
            continue
        if tickets[k, column] < best_value:
            best, best_value = k, tickets[k, column]
    return best


@njit(cache=True)
def open_ticket(ep, model, email: int, now: float, priority: int, bad_reply: bool) -> int:
    """Claim a free slot for ``email`` and return it (not yet in any queue)."""
    slot = _earliest(ep.tickets, FREE, NOBODY, TK_STATUS)
    if slot < 0:
        # Every slot is a queue member or waits to reopen; sizing makes this a pending
        # reopen, which is cancelled (the customer stayed satisfied after all).
        slot = _earliest(ep.tickets, PENDING_REOPEN, NOBODY, TK_REOPEN_AT)
        ep.scalars[SC_PENDING] -= 1
    sla = model.sla[int(ep.emails[email, E_SEVERITY])]
    row = ep.tickets[slot]
    row[:] = 0.0
    row[TK_STATUS] = OPEN
    row[TK_EMAIL] = email
    row[TK_SERVER] = NOBODY
    row[TK_PRIORITY] = priority
    row[TK_DEADLINE] = now + sla
    row[TK_SLA_HOURS] = sla
    row[TK_OPENED_AT] = now
    row[TK_WORK] = ep.emails[email, E_WORK]
    row[TK_BAD_REPLY] = 1.0 if bad_reply else 0.0
    return slot


@njit(cache=True)
def mark_missed(ep, model, slot: int) -> None:
    """Fire ``missed_deadline`` once per ticket (per opening)."""
    row = ep.tickets[slot]
    if row[TK_MISSED] == 1.0:
        return
    row[TK_MISSED] = 1.0
    ep.counts[MISSED_DEADLINE] += 1.0
    emit(
        ep.events,
        ep.n_events,
        EV_MISSED,
        row[TK_DEADLINE],
        int(row[TK_EMAIL]),
        row[TK_SERVER],
        0.0,
        0.0,
        0.0,
    )


@njit(cache=True)
def abandon(ep, model, slot: int, now: float) -> None:
    mark_missed(ep, model, slot)
    row = ep.tickets[slot]
    emit(
        ep.events, ep.n_events, ABANDONED, now, int(row[TK_EMAIL]), NOBODY, ABANDONED_CSAT, 0.0, 0.0
    )
    row[TK_STATUS] = FREE
    ep.scalars[SC_POOL] -= 1


@njit(cache=True)
def to_pool(ep, model, slot: int, now: float) -> None:
    """Leave the ticket with nobody; abandon the oldest pooled ticket if the pool is full."""
    if ep.scalars[SC_POOL] >= model.params[P_POOL_CAP]:
        oldest = _earliest(ep.tickets, OPEN, NOBODY, TK_QUEUED_AT)
        abandon(ep, model, oldest, now)
    row = ep.tickets[slot]
    row[TK_SERVER] = NOBODY
    row[TK_QUEUED_AT] = now
    row[TK_IN_SERVICE] = 0.0
    ep.scalars[SC_POOL] += 1


@njit(cache=True)
def sweep_deadlines(ep, model, now: float) -> None:
    """Fire missed deadlines up to ``now``; pooled tickets past theirs are abandoned."""
    for k in range(ep.tickets.shape[0]):
        row = ep.tickets[k]
        if row[TK_STATUS] != OPEN or row[TK_DEADLINE] > now:
            continue
        if row[TK_SERVER] == NOBODY:
            abandon(ep, model, k, row[TK_DEADLINE])
        else:
            mark_missed(ep, model, k)
