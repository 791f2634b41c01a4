"""A live terminal view of running episodes, built on Rich.

In an interactive terminal (and with ``monitor.dashboard: true``) a Rich ``Live`` panel shows
the episode and step, simulated time, rewards, the queue by priority, overdue tickets, trend
alerts, the last action and the last step's reward breakdown, redrawn at most
``monitor.refresh_per_second`` times a second. Every finished episode also prints one concise
line; without a terminal (a pipe, CI) or with the dashboard off, that line is all it prints.
"""

from __future__ import annotations

import math
import time
from collections import deque
from statistics import fmean
from types import TracebackType

from rich.console import Console, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from helixdesk.env import APPLIED_ACTION, SIM_HOURS, HelixDeskEnv
from helixdesk.evaluation import EpisodeResult, StepRecord
from helixdesk.rewards import components_from_info
from helixdesk.spaces import ACTION_DIMS, action_names
from helixdesk.text_view import read_desk, trending, week_clock

RECENT_EPISODES = 10
MISSING = "–"


def format_metric(value: float | None, spec: str) -> str:
    """``value`` formatted with ``spec``, or an en dash when it is ``None``."""
    return MISSING if value is None else format(value, spec)


class TerminalDashboard:
    """Shows episodes as they run; wire :meth:`on_step` and :meth:`on_episode_end` to the loop.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`) around the episodes.
    ``console`` defaults to a fresh stdout console; whether it is a terminal decides between
    the live panel and plain per-episode lines.
    """

    def __init__(
        self, env: HelixDeskEnv, total_episodes: int, console: Console | None = None
    ) -> None:
        self.env = env
        self.total_episodes = total_episodes
        self.console = console or Console()
        monitor = env.config.monitor
        self.live_enabled = monitor.dashboard and self._console_is_live_capable()
        self._refresh_interval = 1.0 / monitor.refresh_per_second
        self._recent_returns: deque[float] = deque(maxlen=RECENT_EPISODES)
        self._episodes_done = 0
        self._last_record: StepRecord | None = None
        self._last_refresh = -math.inf
        self._live: Live | None = None

    def start(self) -> None:
        """Open the live panel (a no-op without a terminal or with the dashboard off)."""
        if self.live_enabled and self._live is None:
            self._live = Live(self._render(), console=self.console, auto_refresh=False)
            self._live.start(refresh=True)

    def stop(self) -> None:
        """Draw the final state and close the live panel."""
        if self._live is not None:
            self._live.update(self._render(), refresh=True)
            self._live.stop()
            self._live = None

    def on_step(self, record: StepRecord) -> None:
        """Remember the step; redraw if the refresh interval has passed."""
        self._last_record = record
        if (
            self._live is not None
            and time.monotonic() - self._last_refresh >= self._refresh_interval
        ):
            self._refresh()

    def on_episode_end(self, result: EpisodeResult) -> None:
        """Record the episode's return and print its one-line summary."""
        self._recent_returns.append(result.episode_return)
        self._episodes_done += 1
        self.console.print(self._episode_line(result), markup=False, highlight=False)
        if self._live is not None:
            self._refresh()

    def __enter__(self) -> TerminalDashboard:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers ---------------------------------------------------------------------------

    def _console_is_live_capable(self) -> bool:
        return self.console.is_terminal and not self.console.is_dumb_terminal

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render(), refresh=True)
            self._last_refresh = time.monotonic()

    def _recent_mean(self) -> float | None:
        return fmean(self._recent_returns) if self._recent_returns else None

    def _episode_line(self, result: EpisodeResult) -> str:
        metrics = result.metrics
        return (
            f"episode {self._episodes_done}/{self.total_episodes}  seed {result.seed}  "
            f"return {result.episode_return:+.2f}  "
            f"mean{RECENT_EPISODES} {format_metric(self._recent_mean(), '+.2f')}  "
            f"SLA {format_metric(metrics.get('sla_compliance'), '.1%')}  "
            f"CSAT {format_metric(metrics.get('mean_csat'), '.2f')}"
        )

    def _render(self) -> RenderableType:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column()
        for label, value in self._rows():
            grid.add_row(label, value)
        return Panel(grid, title="HelixDesk", border_style="blue")

    def _rows(self) -> list[tuple[str, str]]:
        record = self._last_record
        rows = [("Episode", f"{record.episode + 1 if record else 0}/{self.total_episodes}")]
        rows.append(
            (f"Mean return (last {RECENT_EPISODES})", format_metric(self._recent_mean(), "+.2f"))
        )
        if record is None:
            return [*rows, ("Status", "waiting for the first step")]
        return rows + self._step_rows(record) + self._queue_rows() + self._action_rows(record)

    def _step_rows(self, record: StepRecord) -> list[tuple[str, str]]:
        sim_hours = float(record.info[SIM_HOURS])
        clock = week_clock(self.env.tape.start_hour + sim_hours)
        return [
            ("Step", f"{record.step}/{self.env.config.env.episode_emails}"),
            ("Simulated time", f"{clock}  (shift +{sim_hours:.1f} h)"),
            ("Episode reward", f"{record.episode_return:+.2f}"),
        ]

    def _queue_rows(self) -> list[tuple[str, str]]:
        desk = read_desk(self.env.last_observation, self.env.config)
        critical = "  (critical overdue!)" if desk.critical_overdue else ""
        trends = trending(desk.trends)
        trend_text = ", ".join(f"{name} {desk.trends[name]:+.2f}" for name in trends)
        gm_alerts = len(self.env.event_log.of_kind("gm_alerted"))
        return [
            ("Queue", "  ".join(f"{name} {count}" for name, count in desk.queue.items())),
            ("Overdue", f"{desk.overdue:.0%} of open tickets{critical}"),
            ("Trend alerts", f"{trend_text or 'none'}  |  GM alerts sent: {gm_alerts}"),
        ]

    def _action_rows(self, record: StepRecord) -> list[tuple[str, str]]:
        names = action_names(record.info[APPLIED_ACTION], self.env.config)
        components = components_from_info(record.info)
        fired = [f"{name} {value:+.2f}" for name, value in components.items() if value != 0.0]
        return [
            ("Last action", " / ".join(names[dim] for dim in ACTION_DIMS)),
            ("Last reward", f"{record.reward:+.3f}  ({', '.join(fired) or 'no component fired'})"),
        ]
