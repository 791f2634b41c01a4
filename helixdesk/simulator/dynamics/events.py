"""The flat event log: what happened, when, to which email.

Kernels write fixed-width records (:class:`~helixdesk.simulator.schema.EventField`) into a
per-step buffer; :class:`EventLog` collects them for a whole episode and joins them with the
tape's ground truth, so graders, metrics and the CSV/JSON exports are plain functions of it.

========================  =======================================================
kind                      payload (a, b, c)
========================  =======================================================
``arrived``               category, true class, keyword flag
``triaged``               classification, priority, secondary (server = assignee)
``auto_replied``          success (0/1), CSAT
``bounced``               -, -, - (server = the full queue it could not join)
``gm_alerted``            category, surge index (-1 unwarranted, -2 ignored by the GM)
``resolved``              on time (0/1), CSAT, hours since arrival
``missed_deadline``       -, -, - (server = owner when the deadline passed)
``abandoned``             CSAT (always 1): nobody handled it before its deadline
``reopened``              -, -, -
``kb_learned``            category, topic
``surge``                 category, end time, surge index (ground truth, at reset;
                          time = start)
========================  =======================================================

Server codes: ``-1`` nobody, ``0..n-1`` employees, ``n`` the review queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from helixdesk.simulator.jit import step_kernel
from helixdesk.simulator.schema import EventField

ARRIVED = 0
TRIAGED = 1
AUTO_REPLIED = 2
BOUNCED = 3
GM_ALERTED = 4
RESOLVED = 5
MISSED_DEADLINE = 6
ABANDONED = 7
REOPENED = 8
KB_LEARNED = 9
SURGE = 10

EVENT_KINDS = (
    "arrived",
    "triaged",
    "auto_replied",
    "bounced",
    "gm_alerted",
    "resolved",
    "missed_deadline",
    "abandoned",
    "reopened",
    "kb_learned",
    "surge",
)
_PAYLOAD = {
    "arrived": ("category", "true_class", "keyword"),
    "triaged": ("classification", "priority", "secondary"),
    "auto_replied": ("success", "csat", None),
    "bounced": (None, None, None),
    "gm_alerted": ("category", "surge", None),
    "resolved": ("on_time", "csat", "hours"),
    "missed_deadline": (None, None, None),
    "abandoned": ("csat", None, None),
    "reopened": (None, None, None),
    "kb_learned": ("category", "topic", None),
    "surge": ("category", "end", "surge"),
}

_FLOAT_FIELDS = frozenset({"hours", "end"})


@step_kernel
def emit(
    ep, kind: int, time: float, email: int, server: float, a: float, b: float, c: float
) -> None:
    """Append one record to the episode's step buffer; a no-op when recording is off (the
    buffer then has zero rows)."""
    n = ep.n_events[0]
    if n >= ep.events.shape[0]:
        return
    ep.events[n, EventField.KIND] = kind
    ep.events[n, EventField.TIME] = time
    ep.events[n, EventField.EMAIL] = email
    ep.events[n, EventField.SERVER] = server
    ep.events[n, EventField.A] = a
    ep.events[n, EventField.B] = b
    ep.events[n, EventField.C] = c
    ep.n_events[0] = n + 1


class EventLog:
    """All events of one episode, in the order they were recorded.

    That is time order, except ``surge`` records: surges are known from the tape and are
    recorded at reset, stamped with their start time.
    """

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []

    def extend(self, records: np.ndarray) -> None:
        if len(records):
            self._chunks.append(records.copy())

    @property
    def records(self) -> np.ndarray:
        """``(n, len(EventField))`` float64 array of every record so far."""
        if not self._chunks:
            return np.zeros((0, len(EventField)))
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0]

    def of_kind(self, name: str) -> np.ndarray:
        records = self.records
        return records[records[:, EventField.KIND] == EVENT_KINDS.index(name)]

    @classmethod
    def from_dicts(cls, records: Iterable[dict[str, Any]]) -> EventLog:
        """Rebuild a log from :func:`record_to_dict` dicts (e.g. read from JSON lines)."""
        log = cls()
        rows = [record_from_dict(record) for record in records]
        if rows:
            log.extend(np.array(rows))
        return log

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.records:
            yield record_to_dict(row)


def record_from_dict(record: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`record_to_dict` (for logs read back from JSON lines)."""
    kind = record["kind"]
    if kind not in _PAYLOAD:
        raise ValueError(f"unknown event kind {kind!r}; known: {', '.join(EVENT_KINDS)}")
    row = np.zeros(len(EventField))
    row[EventField.KIND] = EVENT_KINDS.index(kind)
    row[EventField.TIME] = record["time"]
    row[EventField.EMAIL] = record["email"]
    row[EventField.SERVER] = record["server"]
    for name, column in zip(
        _PAYLOAD[kind], (EventField.A, EventField.B, EventField.C), strict=True
    ):
        if name is not None:
            row[column] = record[name]
    return row


def record_to_dict(row: np.ndarray) -> dict[str, Any]:
    """One record as a JSON-friendly dict with named payload fields."""
    kind = EVENT_KINDS[int(row[EventField.KIND])]
    out: dict[str, Any] = {
        "kind": kind,
        "time": float(row[EventField.TIME]),
        "email": int(row[EventField.EMAIL]),
        "server": int(row[EventField.SERVER]),
    }
    for name, column in zip(
        _PAYLOAD[kind], (EventField.A, EventField.B, EventField.C), strict=True
    ):
        if name is not None:
            value = float(row[column])
            out[name] = value if name in _FLOAT_FIELDS else int(value)
    return out
