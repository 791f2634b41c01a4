"""Watching runs: a per-step CSV logger and a Rich terminal dashboard."""

from helixdesk.monitor.episode_logger import CSV_COLUMNS, EpisodeLogger
from helixdesk.monitor.terminal_dashboard import TerminalDashboard

__all__ = ["CSV_COLUMNS", "EpisodeLogger", "TerminalDashboard"]
