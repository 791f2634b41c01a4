"""Static figures comparing agents over many episodes (rendered off-screen with Agg).

:func:`plot_agent_comparison` draws one panel per headline metric; each panel shows every
agent's distribution over episodes as a box plot with the individual episodes overlaid as a
jittered strip. Episodes where a metric is undefined (``None``) are left out of that panel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helixdesk.evaluation import EpisodeResult

PANELS = (
    ("episode_return", "Episode return", "return (sum of clipped rewards)"),
    ("sla_compliance", "SLA compliance", "share of settled tickets on time"),
    ("mean_csat", "Mean CSAT", "mean customer rating (1–5)"),
    ("classification_accuracy", "Classification accuracy", "share of emails classified right"),
)
JITTER_WIDTH = 0.08
STRIP_SEED = 0


def metric_values(results: Sequence[EpisodeResult], key: str) -> list[float]:
    """One metric over episodes (``episode_return`` or a metrics key), skipping ``None``."""
    raw = (
        result.episode_return if key == "episode_return" else result.metrics.get(key)
        for result in results
    )
    return [float(value) for value in raw if value is not None]


def _draw_strip(axes: Axes, position: int, values: list[float]) -> None:
    jitter = np.random.default_rng(STRIP_SEED).uniform(-JITTER_WIDTH, JITTER_WIDTH, len(values))
    axes.scatter(position + jitter, values, s=14, alpha=0.6, color=f"C{position - 1}", zorder=3)


def _draw_panel(
    axes: Axes, results_by_agent: Mapping[str, Sequence[EpisodeResult]], panel: tuple[str, str, str]
) -> None:
    key, title, unit = panel
    agents = list(results_by_agent)
    positions = list(range(1, len(agents) + 1))
    for position, agent in zip(positions, agents, strict=True):
        values = metric_values(results_by_agent[agent], key)
        if values:
            axes.boxplot([values], positions=[position], widths=0.5, showfliers=False)
            _draw_strip(axes, position, values)
    axes.set_xticks(positions, agents)
    axes.set_xlim(0.4, len(agents) + 0.6)
    axes.set_title(title)
    axes.set_xlabel("agent")
    axes.set_ylabel(unit)
    axes.grid(axis="y", alpha=0.3)


def plot_agent_comparison(
    results_by_agent: Mapping[str, Sequence[EpisodeResult]], path: str | Path
) -> None:
    """Save a PNG comparing the agents' per-episode distributions of the headline metrics."""
    figure = Figure(figsize=(11, 8), layout="constrained")
    FigureCanvasAgg(figure)
    episodes = max((len(results) for results in results_by_agent.values()), default=0)
    figure.suptitle(f"Agent comparison over {episodes} episodes", fontsize="x-large")
    for axes, panel in zip(figure.subplots(2, 2).flat, PANELS, strict=True):
        _draw_panel(axes, results_by_agent, panel)
    figure.savefig(path, format="png", dpi=100)
