"""Event logs as JSON lines: one line per event, tagged with agent, episode and seed.

Each line is ``{"episode": k, "seed": s, "agent": name, **record_to_dict(row)}``, so the file
is easy to filter with standard tools and holds everything :mod:`helixdesk.metrics` needs:
:func:`read_event_logs` rebuilds the logs, and metrics recomputed from them equal the ones
computed in memory. An episode without any event writes no line and is not read back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from helixdesk.evaluation import EpisodeResult
from helixdesk.simulator.dynamics.events import EventLog

EPISODE_KEYS = ("episode", "seed", "agent")

LogKey = tuple[str, int]


def _event_lines(agent: str, episode: int, result: EpisodeResult) -> Iterator[str]:
    tags = {"episode": episode, "seed": result.seed, "agent": agent}
    for record in result.event_log:
        yield json.dumps({**tags, **record})


def write_event_logs(path: str | Path, results: Mapping[str, Sequence[EpisodeResult]]) -> None:
    """Write every episode's events of every agent (``{agent: [result, ...]}``) to ``path``."""
    with Path(path).open("w", encoding="utf-8") as stream:
        for agent, episodes in results.items():
            for episode, result in enumerate(episodes):
                for line in _event_lines(agent, episode, result):
                    stream.write(line + "\n")


def _split_line(line: str) -> tuple[LogKey, dict[str, Any]]:
    event = json.loads(line)
    key = (str(event["agent"]), int(event["episode"]))
    record = {name: value for name, value in event.items() if name not in EPISODE_KEYS}
    return key, record


def read_event_logs(path: str | Path) -> dict[LogKey, EventLog]:
    """The logs written by :func:`write_event_logs`, keyed by ``(agent, episode)``."""
    records: defaultdict[LogKey, list[dict[str, Any]]] = defaultdict(list)
    with Path(path).open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                key, record = _split_line(line)
                records[key].append(record)
    return {key: EventLog.from_dicts(rows) for key, rows in records.items()}
