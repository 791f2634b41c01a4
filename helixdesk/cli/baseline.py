"""Run every baseline agent on every graded task over fixed seeds: the README's table.

Usage::

    python baseline.py                                   # rule + random, all tasks, 42/100/2026
    python baseline.py --agents rule --tasks hard expert --seeds 1 2 3
    python baseline.py --json baseline.json              # machine-readable results
    python baseline.py --markdown                        # the table pasted in the README

Each (agent, task, seed) is one episode of the task's scenario from that seed; the random
agent's own generator is seeded with the same seed, so every cell is reproducible. ``std`` is
the population standard deviation over seeds.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from helixdesk.evaluation import AGENT_NAMES, make_agent
from helixdesk.tasks import TASK_IDS, TASKS

DEFAULT_SEEDS = (42, 100, 2026)
AGENT_TITLES = {"random": "Random agent", "rule": "Rule-based agent"}
TASK_METRICS = {
    "easy": "Keyword emails handled as complaint + critical",
    "medium": "SLA compliance",
    "hard": "Mean of surge catch rate, CSAT / 4.5, overdue control",
    "expert": "Geometric mean of keyword score, accuracy, review discipline",
}

Results = dict[str, dict[str, dict[str, Any]]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baseline.py", description="Score baseline agents on HelixDesk's graded tasks."
    )
    parser.add_argument("--agents", nargs="+", choices=AGENT_NAMES, default=["random", "rule"])
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=list(TASK_IDS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument("--json", type=Path, help="write the results as JSON to this path")
    parser.add_argument(
        "--markdown", action="store_true", help="print only the README's markdown table"
    )
    return parser


def score_cell(agent_name: str, task_id: str, seeds: Sequence[int]) -> dict[str, Any]:
    """Mean, std and per-seed scores of one agent on one task."""
    task = TASKS[task_id]
    env = task.make_env()
    scores = [task.grade(env, make_agent(agent_name, env, seed), seed) for seed in seeds]
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "scores": scores}


def run_baselines(agents: Sequence[str], tasks: Sequence[str], seeds: Sequence[int]) -> Results:
    return {agent: {task: score_cell(agent, task, seeds) for task in tasks} for agent in agents}


def markdown_table(results: Results, seeds: Sequence[int]) -> str:
    """The baseline table as GitHub markdown, one row per task, one column per agent."""
    agents = list(results)
    tasks = list(next(iter(results.values())))
    titles = [f"{AGENT_TITLES.get(agent, agent)} (n={len(seeds)})" for agent in agents]
    lines = [
        "| Task | " + " | ".join(titles) + " | Metric |",
        "|---|" + "---|" * len(agents) + "---|",
    ]
    for task in tasks:
        cells = [_mean_std(results[agent][task]) for agent in agents]
        lines.append(f"| {task} | " + " | ".join(cells) + f" | {TASK_METRICS[task]} |")
    return "\n".join(lines)


def _mean_std(cell: dict[str, Any]) -> str:
    return f"{cell['mean']:.3f} ± {cell['std']:.3f}"


def _rich_table(results: Results, seeds: Sequence[int]) -> Table:
    table = Table(title=f"HelixDesk baselines (seeds {', '.join(map(str, seeds))})")
    table.add_column("Task")
    for agent in results:
        table.add_column(AGENT_TITLES.get(agent, agent), justify="right")
    for task in next(iter(results.values())):
        table.add_row(task, *(_mean_std(results[agent][task]) for agent in results))
    return table


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    results = run_baselines(args.agents, args.tasks, args.seeds)
    if args.json is not None:
        payload = {"seeds": args.seeds, "results": results}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        print(markdown_table(results, args.seeds))
    else:
        Console().print(_rich_table(results, args.seeds))
    return 0
