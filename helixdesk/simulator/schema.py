"""Every table of the simulator, declared once, and the named bundles the kernels pass.

All data lives in fixed-size float64 arrays with a leading batch axis ``B``, so the same
kernels drive one env (``B == 1``) and the batched vector env. Each table's columns form one
``IntEnum`` namespace (``Ticket.STATUS``, ``Server.QLEN`` …): numba folds the members in as
compile-time constants, so a named column costs what a literal index did.

Two kinds of table:

* the **tape** (:class:`TapeTables`), drawn once at reset by :mod:`helixdesk.simulator.generator`
  and only read afterwards: the emails, the surges, the shift;
* the **state** (:class:`BatchState`), everything an episode changes, written by
  :mod:`helixdesk.simulator.dynamics`.

Kernels receive named bundles (:class:`Episode`, :class:`Model`, :class:`Outputs`), built by
keyword from these, never unpacked by position.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, NamedTuple, TypeVar

import numpy as np

# -- the tape: drawn at reset, read-only while the episode runs ---------------------------------


class Email(IntEnum):
    """One row per email of the episode: ``(B, episode_emails, len(Email))``."""

    ARRIVAL = 0  # hours since the shift started
    CATEGORY = 1
    TRUE_CLASS = 2  # the correct classification code (helixdesk.spaces QUERY / COMPLAINT / FLAG)
    SEVERITY = 3  # 0 critical … 3 normal: fixes the SLA deadline
    TIER = 4  # 0 free, 1 pro, 2 enterprise
    KEYWORD = 5
    AMBIGUOUS = 6
    SENTIMENT = 7
    CONFIDENCE = 8
    TOPIC = 9
    WORK = 10  # service requirement; hours = work / (rate * skill)
    CSAT_NOISE = 11
    REOPEN_U = 12
    REOPEN_DELAY = 13
    SURGE = 14  # 1 + index of the surge this email belongs to, else 0
    TEXT_SEED = 15


class Surge(IntEnum):
    """Ground-truth category surges: ``(B, MAX_SURGES, len(Surge))``; unused rows are invalid."""

    VALID = 0
    CATEGORY = 1
    START = 2
    END = 3


MAX_SURGES = 4


class Shift(IntEnum):
    """When the episode happens: ``(B, len(Shift))``."""

    START_HOUR = 0  # hour of the week (0 = Monday 00:00) at which the episode starts
    END_TIME = 1  # end of the shift: when the last email's step ends


# -- the state: everything an episode changes ---------------------------------------------------


class Ticket(IntEnum):
    """One row per ticket slot: ``(B, slots, len(Ticket))``."""

    STATUS = 0  # FREE / OPEN / PENDING_REOPEN
    EMAIL = 1
    SERVER = 2  # NOBODY, 0..n-1 employee, n reviewer
    PRIORITY = 3  # the agent's priority (orders the server's work)
    QUEUED_AT = 4  # FIFO tie-break within a priority
    DEADLINE = 5  # customer SLA deadline (true severity)
    WORK = 6  # work units still to do
    MISSED = 7
    REOPENED = 8
    REOPEN_AT = 9
    STARTED_AT = 10
    RUSHED = 11
    BAD_REPLY = 12
    SLA_HOURS = 13
    OPENED_AT = 14


FREE, OPEN, PENDING_REOPEN = 0.0, 1.0, 2.0  # values of Ticket.STATUS
NOBODY = -1.0  # Ticket.SERVER of a ticket no one holds


class Server(IntEnum):
    """The employees, then the reviewer: ``(B, n_employees + 1, len(Server))``."""

    QLEN = 0  # tickets owned, including the one in service
    CURRENT = 1  # slot in service, -1 when idle
    AVG_RESOLVE = 2  # EWMA of service hours
    RATE = 3  # tickets per hour at skill 1.0
    DONE_AT = 4  # when the ticket in service will be finished, inf when idle


class Scalar(IntEnum):
    """Per-episode scalars: ``(B, len(Scalar))``."""

    TIME = 0
    EMAIL = 1  # index of the email awaiting triage
    CUM_REWARD = 2
    POOL = 3  # tickets held by nobody
    PENDING = 4  # tickets waiting to reopen
    TREND_T = 5  # last watchdog update
    GM_DOUBT = 6  # time-decayed count of unwarranted GM alerts
    GM_T = 7  # last update of GM_DOUBT
    N_FREE = 8  # free slots on the stack
    NEXT_DEADLINE = 9  # earliest deadline of an open ticket not yet marked missed


class Held(IntEnum):
    """Facts of every held ticket, aligned with the queue lists: ``(B, S + 1, H, len(Held))``,
    where row ``S`` mirrors the pool.

    None of them changes while a ticket is held, so they are written when it is queued or
    pooled; the observation, the deadline sweep and the choice of the next ticket read one
    compact record per open ticket instead of a ticket row and an email row scattered through
    memory.
    """

    DEADLINE = 0
    OPENED_AT = 1
    SLA_HOURS = 2
    CRITICAL = 3  # 1.0 when the email is truly critical
    PRIORITY = 4  # the assigned priority (orders the server's work)
    QUEUED_AT = 5  # FIFO tie-break within a priority


class KbEntry(IntEnum):
    """Knowledge base: ``(B, n_categories, topics_per_category, len(KbEntry))``."""

    PRESENT = 0
    LAST_USED = 1


class Trend(IntEnum):
    """Trend watchdog, time-decayed arrival counts: ``(B, n_categories, len(Trend))``."""

    FAST = 0
    SLOW = 1


class EventField(IntEnum):
    """One event record: ``(B, max_step_events, len(EventField))`` per step; the payload
    ``A``, ``B``, ``C`` of each kind is listed in :mod:`helixdesk.simulator.dynamics.events`."""

    KIND = 0
    TIME = 1
    EMAIL = 2
    SERVER = 3
    A = 4
    B = 5
    C = 6


# -- the model: constants derived from the config -----------------------------------------------


class Param(IntEnum):
    """The config scalars the step kernels read: one float64 vector (``Model.params``)."""

    N_EMPLOYEES = 0
    N_EMAILS = 1
    EMPLOYEE_CAP = 2
    REVIEW_CAP = 3
    POOL_CAP = 4
    OVERLOAD_THRESHOLD = 5
    OVERLOAD_SLOWDOWN = 6
    REOPEN_BASE = 7
    REOPEN_RUSHED = 8
    REOPEN_MISROUTED = 9
    REOPEN_REVIEW = 10
    SMOOTHING = 11
    KB_CAPACITY = 12
    TAU_FAST = 13
    TAU_SLOW = 14
    NEAR_HOURS = 15
    NORMAL_HOURS = 16
    BASE_RATE_PER_CATEGORY = 17
    GM_PATIENCE = 18
    GM_MEMORY = 19
    DRAIN_AT_END = 20
    KB_INITIAL = 21
    UNACKNOWLEDGED_SURGE_CSAT = 22


Column = TypeVar("Column", bound=IntEnum)


def pack(values: Mapping[Column, float], table: type[Column]) -> np.ndarray:
    """A float64 vector with one entry per member of ``table``, every one given."""
    missing = set(table) - set(values)
    if missing:
        raise ValueError(f"no value for {sorted(member.name for member in missing)}")
    vector = np.zeros(len(table))
    for member, value in values.items():
        vector[member] = value
    return vector


# -- named bundles ------------------------------------------------------------------------------


class TapeTables(NamedTuple):
    """The tapes of a batch: what the generator writes at reset and the dynamics only read."""

    emails: np.ndarray  # (B, episode_emails, len(Email))
    surges: np.ndarray  # (B, MAX_SURGES, len(Surge))
    shift: np.ndarray  # (B, len(Shift))


class BatchState(NamedTuple):
    """Mutable state of ``B`` episodes; :func:`helixdesk.simulator.dynamics.state.allocate`
    builds it.

    Besides the tables, four int64 lists of ticket slots (lengths in ``Scalar.N_FREE``,
    ``Server.QLEN``, ``Scalar.POOL``, ``Scalar.PENDING``): free slots, each server's queue, the
    pool held by nobody, and tickets waiting to reopen. ``held`` keeps the fixed facts of the
    queued and pooled tickets in the same order as their lists (:class:`Held`). ``alerted``
    marks the tape's surges the GM has been alerted about.
    """

    tickets: np.ndarray
    servers: np.ndarray
    scalars: np.ndarray
    kb: np.ndarray
    trend: np.ndarray
    alerted: np.ndarray
    counts: np.ndarray
    events: np.ndarray
    n_events: np.ndarray
    free: np.ndarray
    queues: np.ndarray
    pool: np.ndarray
    pending: np.ndarray
    held: np.ndarray


def _joined(name: str, *parts: type[tuple]) -> Any:
    """A namedtuple class with the fields of ``parts``, in order."""
    return namedtuple(name, [field for part in parts for field in part._fields])  # type: ignore[attr-defined]


# One episode of a batch: the tape's tables, then the state's, every array indexed by the
# episode's row ``b`` (``n_events`` stays a length-1 view so kernels can write it).
Episode = _joined("Episode", TapeTables, BatchState)


class Model(NamedTuple):
    """The frozen, config-derived constants every step kernel reads."""

    params: np.ndarray  # Param
    sla: np.ndarray  # SLA hours by severity
    skills: np.ndarray  # (n_employees + 1, n_categories), the reviewer last
    values: np.ndarray  # reward value of each component
    codes: np.ndarray  # the observation's category code of each category
    offsets: np.ndarray  # start of each observation group
    clip: float  # the per-step reward clip


class Outputs(NamedTuple):
    """What each step hands back per episode, one row per episode."""

    obs: np.ndarray
    rewards: np.ndarray
    raw_rewards: np.ndarray
    settlements: np.ndarray  # the raw reward of what settled after the shift (last step only)
    masks: np.ndarray
    applied: np.ndarray


class StepResults(NamedTuple):
    """The fresh arrays a vector step returns (:mod:`helixdesk.simulator.dynamics.results`)."""

    rewards: np.ndarray
    raw_rewards: np.ndarray
    truncated: np.ndarray
    components: np.ndarray
    applied: np.ndarray
