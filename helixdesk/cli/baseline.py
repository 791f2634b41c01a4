"""Run every baseline agent on every graded task over fixed seeds: the README's table.

Usage::

    python baseline.py                                   # rule + random, all tasks, 42/100/2026
    python baseline.py --agents rule --tasks hard expert --seeds 1 2 3
    python baseline.py --agents random rule tuned oracle --split test   # 30 test seeds, CIs
    python baseline.py --json baseline.json              # machine-readable results
    python baseline.py --markdown                        # the table pasted in the README
    python baseline.py --agents llm --model gpt-4o       # needs API_KEY or HF_TOKEN
    python baseline.py --agents rule ppo --model runs/ppo-0/model.zip   # a trained policy
    python baseline.py --agents rule llm --trials 3      # plus pass^1 and pass^3 per task

Each (agent, task, seed) is one episode of the task's scenario from that seed; the random
agent's own generator is seeded with the same seed, so every cell is reproducible. Without
``--split`` the seeds are ``--seeds`` (default: the seed README's 42, 100 and 2026) and a cell
shows the mean ± the population standard deviation, as that table does. ``--split train|test``
plays the first ``--episodes`` seeds of that split (default 30, :mod:`helixdesk.protocol`)
and a cell shows the mean with its 95 % bootstrap confidence interval: the protocol's tables.
The JSON always has both (``std``, ``ci_low``, ``ci_high``).

``tuned`` is the strongest honest heuristic; ``oracle`` is PRIVILEGED (it reads the episode's
ground truth), the ceiling of the table and never a baseline to beat.

The ``llm`` agent (:class:`helixdesk.agents.LLMAgent`, default model gpt-4o, ``--base-url``
else ``API_BASE_URL``) is not run by default. Without an API key it is skipped with a note on
stderr; an LLM failure during the run stops the script with the error (exit status 1).
The ``ppo`` agent (:class:`helixdesk.agents.PolicyAgent`, PPO or MaskablePPO) needs
``--model PATH`` (a zip written by ``train.py --agent sb3``) and the ``train`` extra.

``--trials K`` plays every cell K times (:mod:`helixdesk.trials`: the same inbox, the agent's
own sampling seed per trial) and adds a table of pass^1 and pass^K per task with their
confidence intervals, and each cell's trials to the JSON; the mean ± std table stays that of
the first trials, which are the single-trial runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from helixdesk.agents.llm_agent import (
    DEFAULT_MODEL,
    LLMConfigError,
    LLMError,
    resolve_llm_config,
)
from helixdesk.cli.passk_table import pass_cell
from helixdesk.cli.train import positive_int
from helixdesk.evaluation import AGENT_NAMES, LLM_AGENT
from helixdesk.protocol import SEED_README_SEEDS, SPLITS, TABLE_SEEDS, mean_ci, split_seeds
from helixdesk.tasks import TASK_IDS
from helixdesk.trials import run_task_trials

DEFAULT_SEEDS = SEED_README_SEEDS
PPO_AGENT = "ppo"
AGENT_TITLES = {
    "random": "Random agent",
    "rule": "Rule-based agent",
    "tuned": "Tuned heuristic",
    "oracle": "Oracle (privileged)",
    LLM_AGENT: "LLM agent",
    PPO_AGENT: "PPO agent",
}
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
    parser.add_argument(
        "--agents",
        nargs="+",
        choices=[*AGENT_NAMES, LLM_AGENT, PPO_AGENT],
        default=["random", "rule"],
        help="oracle is PRIVILEGED (reads the ground truth): the ceiling, not a baseline",
    )
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=list(TASK_IDS))
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", nargs="+", type=int, help="default: the seed table's 42 100 2026")
    seeds.add_argument(
        "--split",
        choices=SPLITS,
        help="play the first --episodes seeds of this split and report 95%% CIs",
    )
    parser.add_argument(
        "--episodes", type=int, help=f"seeds taken from --split (default {TABLE_SEEDS})"
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON to this path")
    parser.add_argument(
        "--markdown", action="store_true", help="print only the README's markdown table"
    )
    parser.add_argument(
        "--model",
        help=f"the llm agent's chat model (default {DEFAULT_MODEL}), or the ppo agent's model zip",
    )
    parser.add_argument("--base-url", help="the llm agent's API base URL (else API_BASE_URL)")
    parser.add_argument(
        "--trials",
        type=positive_int,
        default=1,
        help="trials per cell; with more than one, also print pass^1 and pass^K per task",
    )
    return parser


def score_cell(
    agent_name: str, task_id: str, seeds: Sequence[int], trials: int = 1, **llm: str | None
) -> dict[str, Any]:
    """Mean, std, 95 % CI and per-seed scores of one agent on one task from its first trials,
    and with more than one trial the trials themselves (``llm``: model, base_url)."""
    played = run_task_trials(agent_name, task_id, seeds, trials, **llm)
    scores = [trials_of_seed[0] for trials_of_seed in played.scores]
    cell = {**mean_ci(scores).as_dict(), "std": float(np.std(scores)), "scores": scores}
    return {**cell, "trials": played.as_dict()} if trials > 1 else cell


def run_baselines(
    agents: Sequence[str],
    tasks: Sequence[str],
    seeds: Sequence[int],
    trials: int = 1,
    **llm: str | None,
) -> Results:
    return {
        agent: {task: score_cell(agent, task, seeds, trials, **llm) for task in tasks}
        for agent in agents
    }


def runnable_agents(args: argparse.Namespace) -> list[str]:
    """The requested agents, minus ``llm`` (with a note on stderr) when it cannot be built."""
    if LLM_AGENT not in args.agents:
        return list(args.agents)
    try:
        resolve_llm_config(args.model, args.base_url)
    except LLMConfigError as exc:
        print(f"{LLM_AGENT}: skipped — {exc}", file=sys.stderr)
        return [agent for agent in args.agents if agent != LLM_AGENT]
    return list(args.agents)


def markdown_table(results: Results, seeds: Sequence[int], with_ci: bool = False) -> str:
    """The baseline table as GitHub markdown, one row per task, one column per agent; cells
    are mean ± std, or with ``with_ci`` the mean and its 95 % CI."""
    agents = list(results)
    tasks = list(next(iter(results.values())))
    titles = [f"{AGENT_TITLES.get(agent, agent)} (n={len(seeds)})" for agent in agents]
    lines = [
        "| Task | " + " | ".join(titles) + " | Metric |",
        "|---|" + "---|" * len(agents) + "---|",
    ]
    for task in tasks:
        cells = [format_cell(results[agent][task], with_ci) for agent in agents]
        lines.append(f"| {task} | " + " | ".join(cells) + f" | {TASK_METRICS[task]} |")
    return "\n".join(lines)


def format_cell(cell: dict[str, Any], with_ci: bool, separator: str = " ") -> str:
    """``mean ± std``, or with ``with_ci`` the mean, ``separator`` and its 95 % CI
    ``[low, high]``."""
    if with_ci:
        return f"{cell['mean']:.3f}{separator}[{cell['ci_low']:.3f}, {cell['ci_high']:.3f}]"
    return f"{cell['mean']:.3f} ± {cell['std']:.3f}"


def pass_table(results: Results, trials: int) -> Table:
    """pass^1 and pass^K of every agent on every task, with their confidence intervals."""
    table = Table(title=f"pass^k over {trials} trials per seed (success: the task's threshold)")
    for column in ("Task", "Agent"):
        table.add_column(column, no_wrap=True)
    for k in (1, trials):
        table.add_column(f"pass^{k} [95% CI]", justify="right", no_wrap=True)
    for task in next(iter(results.values())):
        for agent in results:
            estimates = results[agent][task]["trials"]["pass"]
            cells = [pass_cell(estimates[f"pass^{k}"]) for k in (1, trials)]
            table.add_row(task, AGENT_TITLES.get(agent, agent), *cells)
    return table


def _seed_caption(seeds: Sequence[int], split: str | None) -> str:
    if split is None:
        return f"seeds {', '.join(map(str, seeds))}"
    return f"{split} seeds {seeds[0]}–{seeds[-1]}, mean [95% CI]"


def _rich_table(results: Results, seeds: Sequence[int], split: str | None) -> Table:
    table = Table(
        title=f"HelixDesk baselines ({_seed_caption(seeds, split)})", show_lines=split is not None
    )
    table.add_column("Task")
    for agent in results:
        table.add_column(AGENT_TITLES.get(agent, agent), justify="right")
    for task in next(iter(results.values())):
        cells = (format_cell(results[agent][task], split is not None, "\n") for agent in results)
        table.add_row(task, *cells)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if PPO_AGENT in args.agents:
        if LLM_AGENT in args.agents:
            parser.error("--agents llm and ppo both read --model: run them separately")
        if not args.model:
            parser.error("--agents ppo needs --model PATH (a model.zip written by train.py)")
    elif LLM_AGENT in args.agents and not args.model:
        args.model = DEFAULT_MODEL
    seeds = chosen_seeds(parser, args)
    agents = runnable_agents(args)
    if not agents:
        print("baseline.py: no agent left to run", file=sys.stderr)
        return 1
    try:
        results = run_baselines(
            agents, args.tasks, seeds, args.trials, model=args.model, base_url=args.base_url
        )
    except LLMError as exc:
        print(f"{LLM_AGENT}: failed — {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ModuleNotFoundError, ValueError) as exc:
        print(f"{PPO_AGENT}: failed — {exc}", file=sys.stderr)
        return 2
    if args.json is not None:
        payload: dict[str, Any] = {"seeds": seeds, "split": args.split, "results": results}
        if LLM_AGENT in agents:
            payload["llm_model"] = args.model
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        print(markdown_table(results, seeds, with_ci=args.split is not None))
    else:
        Console().print(_rich_table(results, seeds, args.split))
    if args.trials > 1:
        Console().print(pass_table(results, args.trials))
    return 0


def chosen_seeds(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[int]:
    """``--seeds``, the first ``--episodes`` seeds of ``--split``, or the seed table's."""
    if args.split is None:
        if args.episodes is not None:
            parser.error("--episodes takes its seeds from --split: give --split train|test")
        return list(args.seeds or DEFAULT_SEEDS)
    try:
        return split_seeds(args.split, args.episodes or TABLE_SEEDS)
    except ValueError as exc:
        parser.error(str(exc))
