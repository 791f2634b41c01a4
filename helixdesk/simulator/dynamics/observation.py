"""The observation encoder: state → the float32 vector described in ``HelixDeskEnv``.

Group offsets come from :class:`helixdesk.spaces.ObservationLayout` (``Model.offsets``), so the
layout has one source of truth. Every value lies in [-1, 1]. Counts are normalised by the
capacity that bounds them, so the vector keeps its meaning however long an episode runs.
"""

from __future__ import annotations

import numpy as np

from helixdesk.config import DAYS_PER_WEEK, HOURS_PER_DAY
from helixdesk.simulator.dynamics.trend_watchdog import growth
from helixdesk.simulator.jit import inlined_step_kernel, step_kernel
from helixdesk.simulator.schema import Email, Held, Param, Scalar, Server, Shift

EMAIL, QUEUE, TEAM, SLA, TREND, TIME, PROGRESS = range(7)


@step_kernel
def _email(ep, model, out: np.ndarray, email: int, start: int) -> None:
    out[start : start + 10] = 0.0
    if email >= int(model.params[Param.N_EMAILS]):
        return
    out[start] = ep.emails[email, Email.SENTIMENT]
    out[start + 1] = ep.emails[email, Email.KEYWORD]
    out[start + 2 + int(ep.emails[email, Email.TIER])] = 1.0
    code = int(ep.emails[email, Email.CATEGORY])
    for i in range(5):
        out[start + 5 + i] = model.codes[code, i]


@inlined_step_kernel
def _queues_and_sla(ep, model, out: np.ndarray) -> None:
    """Queue counts by priority (accumulated in ``out``, then normalised) and SLA state,
    from the held tickets' facts: every server's queue, then the pool."""
    n_employees = int(model.params[Param.N_EMPLOYEES])
    now = ep.scalars[Scalar.TIME]
    q, s = model.offsets[QUEUE], model.offsets[SLA]
    out[q : q + 5] = 0.0
    opened = overdue = near = pressure = critical_overdue = 0.0
    n_servers = ep.servers.shape[0]
    for holder in range(n_servers + 1):
        held = (
            int(ep.servers[holder, Server.QLEN])
            if holder < n_servers
            else int(ep.scalars[Scalar.POOL])
        )
        for i in range(held):
            opened += 1.0
            review = holder == n_employees  # the reviewer's queue is "pending review"
            out[q + 4 if review else q + int(ep.held[holder, i, Held.PRIORITY])] += 1.0
            left = ep.held[holder, i, Held.DEADLINE] - now
            if left < 0.0:
                overdue += 1.0
                if ep.held[holder, i, Held.CRITICAL] == 1.0:
                    critical_overdue = 1.0
            elif left < model.params[Param.NEAR_HOURS]:
                near += 1.0
            waited = (now - ep.held[holder, i, Held.OPENED_AT]) / ep.held[holder, i, Held.SLA_HOURS]
            pressure += min(1.0, waited)
    team_capacity = n_employees * model.params[Param.EMPLOYEE_CAP]
    for p in range(4):
        out[q + p] = min(1.0, out[q + p] / team_capacity)
    out[q + 4] = min(1.0, out[q + 4] / model.params[Param.REVIEW_CAP])
    denominator = max(1.0, opened)
    out[s] = overdue / denominator
    out[s + 1] = near / denominator
    out[s + 2] = pressure / denominator
    out[s + 3] = critical_overdue


@inlined_step_kernel
def encode(ep, model, out: np.ndarray) -> None:
    """Write the observation of the email now awaiting triage into ``out``."""
    email = int(ep.scalars[Scalar.EMAIL])
    n_emails = model.params[Param.N_EMAILS]
    _email(ep, model, out, email, model.offsets[EMAIL])
    _queues_and_sla(ep, model, out)
    t = model.offsets[TEAM]
    for e in range(int(model.params[Param.N_EMPLOYEES])):
        out[t + 2 * e] = min(1.0, ep.servers[e, Server.QLEN] / model.params[Param.EMPLOYEE_CAP])
        out[t + 2 * e + 1] = min(
            1.0, ep.servers[e, Server.AVG_RESOLVE] / model.params[Param.NORMAL_HOURS]
        )
    r = model.offsets[TREND]
    for c in range(ep.trend.shape[0]):
        out[r + c] = growth(ep, model, c)
    clock = ep.shift[Shift.START_HOUR] + ep.scalars[Scalar.TIME]
    out[model.offsets[TIME]] = (clock % HOURS_PER_DAY) / HOURS_PER_DAY
    out[model.offsets[TIME] + 1] = np.floor((clock / HOURS_PER_DAY) % DAYS_PER_WEEK) / DAYS_PER_WEEK
    g = model.offsets[PROGRESS]
    out[g] = (n_emails - email) / n_emails
    out[g + 1] = min(1.0, max(-1.0, ep.scalars[Scalar.CUM_REWARD] / max(1.0, email)))
    out[g + 2] = ep.emails[email, Email.CONFIDENCE] if email < n_emails else 0.0
