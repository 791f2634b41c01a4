"""pass^k in the command-line reports: one cell per estimate, one table per run of trials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from helixdesk.trials import TaskTrials


def pass_cell(estimate: Mapping[str, Any]) -> str:
    """``mean [low, high]`` of one pass^k estimate (``TaskTrials.as_dict()["pass"]`` entry),
    or the mean alone when there is no interval (a single seed)."""
    low, high = estimate["ci"]
    interval = "" if low is None else f" [{low:.2f},{high:.2f}]"
    return f"{estimate['mean']:.2f}{interval}"


def trials_table(agent: str, played: Sequence[TaskTrials], seeds: Sequence[int]) -> Table:
    """One row per task of ``agent``: its success threshold and pass^1 … pass^k (95 % CIs)."""
    trials = len(played[0].scores[0])
    table = Table(title=f"{agent}: pass^k, {trials} trials on each of {len(seeds)} seeds")
    table.add_column("task", no_wrap=True)
    table.add_column("success", no_wrap=True)
    for k in range(1, trials + 1):
        table.add_column(f"pass^{k} [95% CI]", justify="right", no_wrap=True)
    for run in played:
        report = run.as_dict()
        cells = [pass_cell(report["pass"][f"pass^{k}"]) for k in range(1, trials + 1)]
        table.add_row(run.task, f">= {report['success_threshold']:g}", *cells)
    return table
