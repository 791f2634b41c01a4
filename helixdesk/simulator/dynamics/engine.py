"""One step of the dynamics: triage the current email, then run the clock to the next one.

The step is a deterministic function of (tape, state, action). Everything random was drawn
on the tape at reset (:func:`helixdesk.simulator.generator.tape.draw_tapes`). ``start_episodes`` and
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
    RESOLVE_ON_TIME,
    TREND_PREVENTED,
    UNNECESSARY_ESCALATION,
)
from helixdesk.simulator.dynamics import knowledge_base, trend_watchdog
from helixdesk.simulator.dynamics.employee_sim import complete, place, reopen
from helixdesk.simulator.dynamics.events import (
    ARRIVED,
    AUTO_REPLIED,
    BOUNCED,
    GM_ALERTED,
    SURGE,
    TRIAGED,
    emit,
)
from helixdesk.simulator.dynamics.observation import encode
from helixdesk.simulator.dynamics.tickets import open_ticket, sweep_deadlines
from helixdesk.simulator.jit import inlined_step_kernel, parallel_step_kernel, step_kernel
from helixdesk.simulator.schema import (
    NOBODY,
    Email,
    Episode,
    Held,
    Param,
    Scalar,
    Server,
    Shift,
    Surge,
    Ticket,
)
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
    QUERY,
)

AUTO_REPLY_CSAT = 4.4
GM_IGNORED = -2


@step_kernel
def _episode(state, tapes, b):
    """Episode ``b`` of the batch: every table of its tape and state, by name."""
    return Episode(
        emails=tapes.emails[b],
        surges=tapes.surges[b],
        shift=tapes.shift[b],
        tickets=state.tickets[b],
        servers=state.servers[b],
        scalars=state.scalars[b],
        kb=state.kb[b],
        trend=state.trend[b],
        alerted=state.alerted[b],
        counts=state.counts[b],
        events=state.events[b],
        n_events=state.n_events[b : b + 1],
        free=state.free[b],
        queues=state.queues[b],
        pool=state.pool[b],
        pending=state.pending[b],
        held=state.held[b],
    )


@step_kernel
def _load_std_drops(ep, n_employees: int, chosen: int) -> bool:
    """Does adding one ticket to ``chosen`` lower the std of employee queue lengths?"""
    total = 0.0
    for e in range(n_employees):
        total += ep.servers[e, Server.QLEN]
    load = ep.servers[chosen, Server.QLEN]
    # n² (new variance - old variance) = 2 (n load - total) + n - 1: whole numbers, so the
    # test is exact (a mean would round, and a tie could count either way).
    return 2.0 * (n_employees * load - total) + n_employees - 1.0 < 0.0


@step_kernel
def _score_classification(ep, cls: int, priority: int, email: int) -> None:
    truth = int(ep.emails[email, Email.TRUE_CLASS])
    if cls == truth:
        ep.counts[CORRECT_CLASSIFICATION] += 1.0
    elif cls == FLAG_FOR_REVIEW:
        ep.counts[UNNECESSARY_ESCALATION] += 1.0
    else:
        ep.counts[MISCLASSIFICATION] += 1.0
    if ep.emails[email, Email.KEYWORD] == 1.0 and not (cls == COMPLAINT and priority == CRITICAL):
        ep.counts[KEYWORD_FLAG_MISSED] += 1.0


@step_kernel
def _alert_gm(ep, model, email: int, now: float) -> None:
    """Alert the GM about the email's category (surge -1: unwarranted, -2: ignored)."""
    category = int(ep.emails[email, Email.CATEGORY])
    surge = GM_IGNORED
    if trend_watchdog.gm_listens(ep, model, now):
        surge = trend_watchdog.claim_surge(ep, category, now)
        trend_watchdog.acknowledge(ep, model, category)
    if surge >= 0:
        ep.counts[TREND_PREVENTED] += 1.0
    else:
        ep.counts[UNNECESSARY_ESCALATION] += 1.0
        ep.scalars[Scalar.GM_DOUBT] += 1.0
    emit(ep, GM_ALERTED, now, email, NOBODY, category, surge, 0.0)


@step_kernel
def _auto_reply(ep, email: int, now: float) -> bool:
    """Send the KB answer. True when it resolved the email (a true query the KB covers)."""
    category, topic = int(ep.emails[email, Email.CATEGORY]), int(ep.emails[email, Email.TOPIC])
    noise = ep.emails[email, Email.CSAT_NOISE]
    success = knowledge_base.has_answer(ep, category, topic) and (
        ep.emails[email, Email.TRUE_CLASS] == QUERY
    )
    if success:
        knowledge_base.touch(ep, category, topic, now)
        ep.counts[RESOLVE_ON_TIME] += 1.0  # answered at once: well inside any SLA
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
    email, now = int(ep.scalars[Scalar.EMAIL]), ep.scalars[Scalar.TIME]
    n_employees = int(model.params[Param.N_EMPLOYEES])
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
        if ep.servers[s, Server.DONE_AT] < when:
            when, server, slot = (
                ep.servers[s, Server.DONE_AT],
                s,
                int(ep.servers[s, Server.CURRENT]),
            )
    for i in range(int(ep.scalars[Scalar.PENDING])):
        pending = ep.pending[i]
        if ep.tickets[pending, Ticket.REOPEN_AT] < when:
            when, server, slot = ep.tickets[pending, Ticket.REOPEN_AT], -1, pending
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
    ep.scalars[Scalar.TIME] = until


@inlined_step_kernel
def _arrive(ep, model, email: int) -> None:
    now = ep.emails[email, Email.ARRIVAL]
    advance(ep, model, now)
    category = int(ep.emails[email, Email.CATEGORY])
    trend_watchdog.observe_arrival(ep, model, category, now)
    emit(
        ep,
        ARRIVED,
        now,
        email,
        NOBODY,
        category,
        ep.emails[email, Email.TRUE_CLASS],
        ep.emails[email, Email.KEYWORD],
    )


@step_kernel
def _shift_end(ep, model) -> float:
    """When the last step ends: the shift's end, or with ``drain_at_end`` the moment every
    ticket still open has either been resolved or passed its deadline."""
    until = ep.shift[Shift.END_TIME]
    if model.params[Param.DRAIN_AT_END] == 1.0:
        n_servers = ep.servers.shape[0]
        for server in range(n_servers):
            for i in range(int(ep.servers[server, Server.QLEN])):
                until = max(until, ep.held[server, i, Held.DEADLINE])
        for i in range(int(ep.scalars[Scalar.POOL])):
            until = max(until, ep.held[n_servers, i, Held.DEADLINE])
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
        if ep.surges[s, Surge.VALID] == 1.0:
            emit(
                ep,
                SURGE,
                ep.surges[s, Surge.START],
                -1,
                NOBODY,
                ep.surges[s, Surge.CATEGORY],
                ep.surges[s, Surge.END],
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
    ep.alerted[:] = 0.0
    for s in range(ep.servers.shape[0]):
        ep.servers[s, Server.QLEN] = 0.0
        ep.servers[s, Server.CURRENT] = -1.0
        ep.servers[s, Server.DONE_AT] = np.inf
        ep.servers[s, Server.AVG_RESOLVE] = 1.0 / ep.servers[s, Server.RATE]
    for column in (
        Scalar.TIME,
        Scalar.EMAIL,
        Scalar.CUM_REWARD,
        Scalar.POOL,
        Scalar.PENDING,
        Scalar.GM_DOUBT,
        Scalar.GM_T,
    ):
        ep.scalars[column] = 0.0
    slots = ep.tickets.shape[0]
    for k in range(slots):
        ep.free[k] = slots - 1 - k  # slot 0 on top of the stack
    ep.scalars[Scalar.N_FREE] = slots
    ep.scalars[Scalar.NEXT_DEADLINE] = np.inf
    knowledge_base.reset_kb(ep, int(model.params[Param.KB_INITIAL]))
    trend_watchdog.reset_watchdog(ep, model, ep.emails[0, Email.ARRIVAL])
    _announce_surges(ep)
    _arrive(ep, model, 0)
    encode(ep, model, out.obs[b])
    _write_mask(ep, model, out.masks[b])


@step_kernel
def start_episodes(state, tapes, model, indices, out) -> None:
    """Start a new episode in every slot ``indices[j]``, whose tape is already drawn."""
    for j in range(indices.shape[0]):
        _reset_episode(_episode(state, tapes, indices[j]), model, out, indices[j])


@parallel_step_kernel
def start_episodes_parallel(state, tapes, model, indices, out) -> None:
    """:func:`start_episodes` spread over the CPU cores."""
    for j in prange(indices.shape[0]):
        _reset_episode(_episode(state, tapes, indices[j]), model, out, indices[j])


@step_kernel
def _write_mask(ep, model, mask: np.ndarray) -> None:
    """Per-dimension facts about the next email: full employees, KB coverage."""
    n_employees = int(model.params[Param.N_EMPLOYEES])
    mask[:] = True
    for e in range(n_employees):
        mask[ASSIGNMENT_MASK_START + e] = (
            ep.servers[e, Server.QLEN] < model.params[Param.EMPLOYEE_CAP]
        )
    email = int(ep.scalars[Scalar.EMAIL])
    if email < int(model.params[Param.N_EMAILS]):
        category, topic = int(ep.emails[email, Email.CATEGORY]), int(ep.emails[email, Email.TOPIC])
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
    _apply_flag_rule(action, out.applied[b], int(model.params[Param.N_EMPLOYEES]))
    triage(ep, model, out.applied[b])
    email = int(ep.scalars[Scalar.EMAIL]) + 1
    ep.scalars[Scalar.EMAIL] = email
    if email < int(model.params[Param.N_EMAILS]):
        _arrive(ep, model, email)
        raw, reward = _reward(ep, model)
        out.settlements[b] = 0.0
    else:
        advance(ep, model, ep.shift[Shift.END_TIME])
        shift_raw, _ = _reward(ep, model)
        advance(ep, model, _shift_end(ep, model))
        raw, _ = _reward(ep, model)
        settlement = raw - shift_raw  # what settled after the shift: added unclipped
        out.settlements[b] = settlement
        reward = min(model.clip, max(-model.clip, raw - settlement)) + settlement
    ep.scalars[Scalar.CUM_REWARD] += reward
    out.raw_rewards[b], out.rewards[b] = raw, reward
    encode(ep, model, out.obs[b])
    _write_mask(ep, model, out.masks[b])


@step_kernel
def step_batch(state, tapes, model, actions, active, out) -> None:
    """Advance every ``active`` episode of the batch by one email, one after another."""
    for b in range(actions.shape[0]):
        if active[b]:
            _step_episode(_episode(state, tapes, b), model, actions[b], out, b)


@parallel_step_kernel
def step_batch_parallel(state, tapes, model, actions, active, out) -> None:
    """:func:`step_batch` spread over the CPU cores (episodes are independent)."""
    for b in prange(actions.shape[0]):
        if active[b]:
            _step_episode(_episode(state, tapes, b), model, actions[b], out, b)
