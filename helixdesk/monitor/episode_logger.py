"""Per-step CSV log of episodes: one row per env step, written with the stdlib ``csv`` module.

Columns: ``episode``, ``step``, ``sim_hours``, ``email_index``, the applied action by name
(``classification``, ``priority``, ``assignment``, ``secondary``), ``reward``, ``reward_raw``,
one column per reward component (see :data:`helixdesk.rewards.COMPONENTS`) and
``episode_return`` (the return so far, this step included). The file is flushed at the end of
every episode rather than after every row, which keeps logging cheap.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import Any

from helixdesk.config import HelixConfig, load_config
from helixdesk.env import APPLIED_ACTION, EMAIL_INDEX, REWARD_RAW, SIM_HOURS
from helixdesk.evaluation import EpisodeResult, StepRecord
from helixdesk.rewards import COMPONENTS, components_from_info
from helixdesk.spaces import ACTION_DIMS, action_names

CSV_COLUMNS = (
    "episode",
    "step",
    SIM_HOURS,
    EMAIL_INDEX,
    *ACTION_DIMS,
    "reward",
    REWARD_RAW,
    *COMPONENTS,
    "episode_return",
)


def _without_negative_zero(value: float) -> float:
    """``value`` with ``-0.0`` (a penalty weight times a zero count) written as ``0.0``."""
    return value + 0.0


class EpisodeLogger:
    """Writes :class:`~helixdesk.evaluation.StepRecord` rows to a CSV file.

    The file is created (with its parent directories) and the header written when the logger
    is constructed; an existing file is replaced. Pass :meth:`on_step` as the ``on_step``
    callback of :func:`~helixdesk.evaluation.run_episode` and call :meth:`on_episode_end`
    after each episode (or use the logger as a context manager, which closes it).
    """

    def __init__(self, path: str | Path, config: HelixConfig | None = None) -> None:
        self.path = Path(path)
        self._config = load_config(config)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(CSV_COLUMNS)

    @classmethod
    def from_config(
        cls, config: HelixConfig, path_override: str | Path | None = None
    ) -> EpisodeLogger | None:
        """A logger at ``monitor.csv_path`` (or ``path_override``); ``None`` if logging is off."""
        if not config.monitor.log_csv:
            return None
        return cls(path_override or config.monitor.csv_path, config)

    def on_step(self, record: StepRecord) -> None:
        """Append the row of one step."""
        self._writer.writerow(self._row(record))

    def on_episode_end(self, result: EpisodeResult | None = None) -> None:
        """Flush the episode's rows to disk."""
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EpisodeLogger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _row(self, record: StepRecord) -> list[Any]:
        info = record.info
        actions = action_names(info[APPLIED_ACTION], self._config)
        components = components_from_info(info)
        return [
            record.episode,
            record.step,
            info[SIM_HOURS],
            info[EMAIL_INDEX],
            *(actions[dim] for dim in ACTION_DIMS),
            record.reward,
            info[REWARD_RAW],
            *(_without_negative_zero(components[name]) for name in COMPONENTS),
            record.episode_return,
        ]
