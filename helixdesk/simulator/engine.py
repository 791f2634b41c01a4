"""One step of the dynamics: triage the current email, then run the clock to the next one.

The step is a deterministic function of (tape, state, action). Everything random was drawn
on the tape at reset (:func:`helixdesk.simulator.tape.draw_tapes`). ``start_episodes`` and
``step_batch`` (and their multi-core twins) are the only entry points; they work on a batch of
episodes, so the single env (``B == 1``) and the vector env share them.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from helixdesk.rewards import (
    BAD_AUTOREPLY,
    BALANCED_ASSIGNMENT,
    CORRECT_CLASSIFICATION,
    CSAT_HIGH,
    KEYWORD_FLAG_MISSED,
    MISCLASSIFICATION,
    TREND_PREVENTED,
    UNNECESSARY_ESCALATION,
)
from helixdesk.simulator import knowledge_base, trend_watchdog
from helixdesk.simulator.email_gen import (
    E_ARRIVAL,
    E_CATEGORY,
    E_CSAT_NOISE,
    E_KEYWORD,
    E_TOPIC,
    E_TRUE_CLASS,
    TRUE_QUERY,
)
from helixdesk.simulator.employee_sim import complete, place, reopen
from helixdesk.simulator.events import (
    ARRIVED,
    AUTO_REPLIED,
    BOUNCED,
    GM_ALERTED,
    SURGE,
    TRIAGED,
    emit,
)
from helixdesk.simulator.jit import inlined_step_kernel, parallel_step_kernel, step_kernel
from helixdesk.simulator.observation import encode
from helixdesk.simulator.state import (
    HS_DEADLINE,
    NOBODY,
    P_DRAIN_AT_END,
    P_EMPLOYEE_CAP,
    P_KB_INITIAL,
    P_N_EMAILS,
    P_N_EMPLOYEES,
    SC_CUM_REWARD,
    SC_EMAIL,
    SC_END_TIME,
    SC_GM_DOUBT,
    SC_GM_T,
    SC_N_FREE,
    SC_NEXT_DEADLINE,
    SC_PENDING,
    SC_POOL,
    SC_TIME,
    SG_CATEGORY,
    SG_END,
    SG_START,
    SG_VALID,
    SV_AVG_RESOLVE,
    SV_CURRENT,
    SV_DONE_AT,
    SV_QLEN,
    SV_RATE,
    TK_REOPEN_AT,
)
from helixdesk.simulator.tickets import open_ticket, sweep_deadlines
from helixdesk.simulator.views import Episode
from helixdesk.spaces import (
    ALERT_GM,
    ASSIGNMENT_MASK_START,
    AUTO_REPLY,
    COMPLAINT,
    CRITICAL,
    FLAG_FOR_REVIEW,
    N_SECONDARY,
    NO_SECONDARY,
    NORMAL,
)

AUTO_REPLY_CSAT = 4.4
GM_IGNORED = -2


@step_kernel
def _episode(state, emails, b):
    return Episode(
        emails[b],
        state[0][b],
        state[1][b],
        state[2][b],
        state[3][b],
        state[4][b],
        state[5][b],
        state[6][b],
        state[7][b],
        state[8][b : b + 1],
        state[9][b],
        state[10][b],
        state[11][b],
        state[12][b],
        state[13][b],
    )


@step_kernel
def _load_std_drops(ep, n_employees: int, chosen: int) -> bool:
    """Does adding one ticket to ``chosen`` lower the std of employee queue lengths?"""
    mean = 0.0
    for e in range(n_employees):
        mean += ep.servers[e, SV_QLEN]
    mean /= n_employees
    load = ep.servers[chosen, SV_QLEN]
    # n * (new variance - old variance) = 2 (load - mean) + 1 - 1/n.
    return 2.0 * (load - mean) + 1.0 - 1.0 / n_employees < 0.0


@step_kernel
def _score_classification(ep, cls: int, priority: int, email: int) -> None:
    truth = int(ep.emails[email, E_TRUE_CLASS])
    if cls == truth:
        ep.counts[CORRECT_CLASSIFICATION] += 1.0
    elif cls == FLAG_FOR_REVIEW:
        ep.counts[UNNECESSARY_ESCALATION] += 1.0
    else:
        ep.counts[MISCLASSIFICATION] += 1.0
    if ep.emails[email, E_KEYWORD] == 1.0 and not (cls == COMPLAINT and priority == CRITICAL):
        ep.counts[KEYWORD_FLAG_MISSED] += 1.0


@step_kernel
def _alert_gm(ep, model, email: int, now: float) -> None:
    """Alert the GM about the email's category (surge -1: unwarranted, -2: ignored)."""
    category = int(ep.emails[email, E_CATEGORY])
    surge = GM_IGNORED
    if trend_watchdog.gm_listens(ep, model, now):
        surge = trend_watchdog.claim_surge(ep.surges, category, now)
        trend_watchdog.acknowledge(ep, model, category)
    if surge >= 0:
        ep.counts[TREND_PREVENTED] += 1.0
    else:
        ep.counts[UNNECESSARY_ESCALATION] += 1.0
        ep.scalars[SC_GM_DOUBT] += 1.0
    emit(ep, GM_ALERTED, now, email, NOBODY, category, surge, 0.0)


@step_kernel
def _auto_reply(ep, email: int, now: float) -> bool:
    """Send the KB answer. True when it resolved the email (a true query the KB covers)."""
    category, topic = int(ep.emails[email, E_CATEGORY]), int(ep.emails[email, E_TOPIC])
    noise = ep.emails[email, E_CSAT_NOISE]
    success = knowledge_base.has_answer(ep, category, topic) and (
        ep.emails[email, E_TRUE_CLASS] == TRUE_QUERY
    )
    if success:
        knowledge_base.touch(ep, category, topic, now)
        csat = min(5.0, max(1.0, np.floor(AUTO_REPLY_CSAT + noise + 0.5)))
        if csat >= 4.0:
            ep.counts[CSAT_HIGH] += 1.0
    else:
        csat = 1.0 if noise < 0.0 else 2.0
        ep.counts[BAD_AUTOREPLY] += 1.0
    emit(ep, AUTO_REPLIED, now, email, NOBODY, 1.0 if success else 0.0, csat, 0.0)
    return success


@inlined_step_kernel
def triage(ep, model, action: np.ndarray) -> None:
    """Apply the agent's decision (already through the flag-for-review rule) to the email."""
    email, now = int(ep.scalars[SC_EMAIL]), ep.scalars[SC_TIME]
    n_employees = int(model.params[P_N_EMPLOYEES])
    cls, priority, assignee, secondary = action[0], action[1], action[2], action[3]
    _score_classification(ep, cls, priority, email)
    server = n_employees if cls == FLAG_FOR_REVIEW else (assignee if assignee < n_employees else -1)
    emit(ep, TRIAGED, now, email, server, cls, priority, secondary)
    if secondary == ALERT_GM:
        _alert_gm(ep, model, email, now)
    bad_reply = False
    if secondary == AUTO_REPLY:
        if _auto_reply(ep, email, now):
            return
        bad_reply = True
    order = priority if cls == COMPLAINT else NORMAL
    slot = open_ticket(ep, model, email, now, order, bad_reply)
    balanced = 0 <= server < n_employees and _load_std_drops(ep, n_employees, server)
    if place(ep, model, server, slot, now):
        if balanced:
            ep.counts[BALANCED_ASSIGNMENT] += 1.0
    elif server >= 0:
        emit(ep, BOUNCED, now, email, server, 0.0, 0.0, 0.0)


@inlined_step_kernel
def _next_happening(ep) -> tuple[float, int, int]:
    """Earliest (time, server, slot) among service completions and reopens."""
    when, server, slot = np.inf, -1, -1
    for s in range(ep.servers.shape[0]):
        if ep.servers[s, SV_DONE_AT] < when:
            when, server, slot = ep.servers[s, SV_DONE_AT], s, int(ep.servers[s, SV_CURRENT])
    for i in range(int(ep.scalars[SC_PENDING])):
        pending = ep.pending[i]
        if ep.tickets[pending, TK_REOPEN_AT] < when:
            when, server, slot = ep.tickets[pending, TK_REOPEN_AT], -1, pending
    return when, server, slot


@inlined_step_kernel
def advance(ep, model, until: float) -> None:
    """Run the team until ``until``: completions and reopens in time order, then deadlines."""
    while True:
        when, server, slot = _next_happening(ep)
        if when > until:
            break
        if server >= 0:
            complete(ep, model, server, when)
        else:
            reopen(ep, model, slot, when)
    sweep_deadlines(ep, model, until)
    ep.scalars[SC_TIME] = until


@inlined_step_kernel
def _arrive(ep, model, email: int) -> None:
    now = ep.emails[email, E_ARRIVAL]
    advance(ep, model, now)
    category = int(ep.emails[email, E_CATEGORY])
    trend_watchdog.observe_arrival(ep, model, category, now)
    emit(
        ep,
        ARRIVED,
        now,
        email,
        NOBODY,
        category,
        ep.emails[email, E_TRUE_CLASS],
        ep.emails[email, E_KEYWORD],
    )


@step_kernel
def _shift_end(ep, model) -> float:
    """When the last step ends: the shift's end, or with ``drain_at_end`` the moment every
    ticket still open has either been resolved or passed its deadline."""
    until = ep.scalars[SC_END_TIME]
    if model.params[P_DRAIN_AT_END] == 1.0:
        n_servers = ep.servers.shape[0]
        for server in range(n_servers):
            for i in range(int(ep.servers[server, SV_QLEN])):
                until = max(until, ep.held[server, i, HS_DEADLINE])
        for i in range(int(ep.scalars[SC_POOL])):
            until = max(until, ep.held[n_servers, i, HS_DEADLINE])
    return until


@step_kernel
def _reward(ep, model) -> tuple[float, float]:
    raw = 0.0
    for c in range(ep.counts.shape[0]):
        raw += ep.counts[c] * model.values[c]
    return raw, min(model.clip, max(-model.clip, raw))


@step_kernel
def _announce_surges(ep) -> None:
    """Record the tape's ground-truth surges so graders need nothing but the event log."""
    for s in range(ep.surges.shape[0]):
        if ep.surges[s, SG_VALID] == 1.0:
            emit(
                ep,
                SURGE,
                ep.surges[s, SG_START],
                -1,
                NOBODY,
                ep.surges[s, SG_CATEGORY],
                ep.surges[s, SG_END],
                s,
            )


@step_kernel
def _reset_episode(ep, model, out, b: int) -> None:
    """Empty queues, default KB and watchdog; the first email arrives.

    Ticket rows need no clearing: every slot goes back on the free stack, and a row is
    rewritten when its slot is claimed.
    """
    ep.counts[:] = 0.0
    ep.n_events[0] = 0
    for s in range(ep.servers.shape[0]):
        ep.servers[s, SV_QLEN] = 0.0
        ep.servers[s, SV_CURRENT] = -1.0
        ep.servers[s, SV_DONE_AT] = np.inf
        ep.servers[s, SV_AVG_RESOLVE] = 1.0 / ep.servers[s, SV_RATE]
    for column in (SC_TIME, SC_EMAIL, SC_CUM_REWARD, SC_POOL, SC_PENDING, SC_GM_DOUBT, SC_GM_T):
        ep.scalars[column] = 0.0
    slots = ep.tickets.shape[0]
    for k in range(slots):
        ep.free[k] = slots - 1 - k  # slot 0 on top of the stack
    ep.scalars[SC_N_FREE] = slots
    ep.scalars[SC_NEXT_DEADLINE] = np.inf
    knowledge_base.reset_kb(ep, int(model.params[P_KB_INITIAL]))
    trend_watchdog.reset_watchdog(ep, model, ep.emails[0, E_ARRIVAL])
    _announce_surges(ep)
    _arrive(ep, model, 0)
    encode(ep, model, out.obs[b])
    _write_mask(ep, model, out.masks[b])


@step_kernel
def start_episodes(state, emails, model, indices, out) -> None:
    """Start a new episode in every slot ``indices[j]``, whose tape is already drawn."""
    for j in range(indices.shape[0]):
        _reset_episode(_episode(state, emails, indices[j]), model, out, indices[j])


@parallel_step_kernel
def start_episodes_parallel(state, emails, model, indices, out) -> None:
    """:func:`start_episodes` spread over the CPU cores."""
    for j in prange(indices.shape[0]):
        _reset_episode(_episode(state, emails, indices[j]), model, out, indices[j])


@step_kernel
def _write_mask(ep, model, mask: np.ndarray) -> None:
    """Per-dimension facts about the next email: full employees, KB coverage."""
    n_employees = int(model.params[P_N_EMPLOYEES])
    mask[:] = True
    for e in range(n_employees):
        mask[ASSIGNMENT_MASK_START + e] = ep.servers[e, SV_QLEN] < model.params[P_EMPLOYEE_CAP]
    email = int(ep.scalars[SC_EMAIL])
    if email < int(model.params[P_N_EMAILS]):
        category, topic = int(ep.emails[email, E_CATEGORY]), int(ep.emails[email, E_TOPIC])
        secondary_start = mask.shape[0] - N_SECONDARY  # the mask's last block
        mask[secondary_start + AUTO_REPLY] = knowledge_base.has_answer(ep, category, topic)


@inlined_step_kernel
def _apply_flag_rule(action: np.ndarray, applied: np.ndarray, n_employees: int) -> None:
    for i in range(action.shape[0]):  # a loop: array-to-array copies need numba's runtime
        applied[i] = action[i]
    if action[0] == FLAG_FOR_REVIEW:
        applied[1], applied[2], applied[3] = NORMAL, n_employees, NO_SECONDARY


@step_kernel
def _step_episode(ep, model, action, out, b: int) -> None:
    """Advance one episode by one email and write its outputs into row ``b`` of ``out``."""
    ep.counts[:] = 0.0
    ep.n_events[0] = 0
    _apply_flag_rule(action, out.applied[b], int(model.params[P_N_EMPLOYEES]))
    triage(ep, model, out.applied[b])
    email = int(ep.scalars[SC_EMAIL]) + 1
    ep.scalars[SC_EMAIL] = email
    if email < int(model.params[P_N_EMAILS]):
        _arrive(ep, model, email)
    else:
        advance(ep, model, _shift_end(ep, model))
    raw, reward = _reward(ep, model)
    ep.scalars[SC_CUM_REWARD] += reward
    out.raw_rewards[b], out.rewards[b] = raw, reward
    encode(ep, model, out.obs[b])
    _write_mask(ep, model, out.masks[b])


@step_kernel
def step_batch(state, emails, model, actions, active, out) -> None:
    """Advance every ``active`` episode of the batch by one email, one after another."""
    for b in range(actions.shape[0]):
        if active[b]:
            _step_episode(_episode(state, emails, b), model, actions[b], out, b)


@parallel_step_kernel
def step_batch_parallel(state, emails, model, actions, active, out) -> None:
    """:func:`step_batch` spread over the CPU cores (episodes are independent)."""
    for b in prange(actions.shape[0]):
        if active[b]:
            _step_episode(_episode(state, emails, b), model, actions[b], out, b)
