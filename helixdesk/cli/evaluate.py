"""Evaluate baseline agents on the same seeded inboxes and compare them.

Usage::

    python evaluate.py --agent rule random --episodes 100 --seed 0 \\
        --config my.yaml --json results.json --plot compare.png --events events.jsonl

Episode ``k`` uses seed ``S + k`` for every agent (and for the random agent's own generator),
so all agents face identical inboxes and a run is reproducible. ``--split train|test`` plays
the first ``--episodes`` seeds of that split instead (:mod:`helixdesk.protocol`; the
protocol's tables use ``--split test`` and at least 30 episodes). The summary table shows
``mean ± std`` (population std) over episodes, or with ``--split`` the mean and its 95 %
bootstrap confidence interval; the JSON summary always has ``mean``, ``std``, ``ci_low``,
``ci_high`` and ``n``. Episodes where a metric is undefined are skipped, and ``–`` means it
was undefined in every episode.

``tuned`` is the strongest honest heuristic; ``oracle`` is PRIVILEGED (it reads the episode's
ground truth): the ceiling, never a baseline to beat.

Reliability, τ-bench's pass^k::

    python evaluate.py --agent rule random --trials 3 --episodes 10 --json passk.json
    python evaluate.py --agent llm --model gpt-4o --temperature 0.7 --trials 3 --tasks easy

``--trials K`` plays each graded task (``--tasks``, all four by default) from seeds
``S … S + episodes - 1``, K independent trials each (:mod:`helixdesk.trials`: the same inbox,
the agent's own sampling seed per trial: the random agent's generator, the LLM agent's
``seed`` request parameter, which matters when ``--temperature`` is above 0). A trial
succeeds when its grade reaches the task's threshold (``Task.success_threshold``, stated in
the table); pass^k is the chance that k trials of a seed all succeed, estimated from the K
trials and averaged over seeds, with 95 % bootstrap confidence intervals over the seeds
(:mod:`helixdesk.passk`). ``--json`` then writes every trial's score and success.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from helixdesk.agents.llm_agent import LLMError
from helixdesk.cli.passk_table import trials_table
from helixdesk.config import ConfigError, HelixConfig, load_config
from helixdesk.env import HelixDeskEnv
from helixdesk.evaluation import AGENT_NAMES, LLM_AGENT, EpisodeResult, make_agent, run_episode
from helixdesk.monitor.event_export import write_event_logs
from helixdesk.monitor.plots import plot_agent_comparison
from helixdesk.protocol import SPLITS, mean_ci, split_seeds
from helixdesk.tasks import TASK_IDS
from helixdesk.trials import TaskTrials, run_task_trials

SB3_AGENT = "sb3"  # a trained policy: needs --model PATH and the train extra
MODEL_AGENTS = (SB3_AGENT, LLM_AGENT)  # both read --model

TABLE_ROWS = (
    ("return", "Episode return", ".2f"),
    ("sla_compliance", "SLA compliance", ".3f"),
    ("mean_csat", "Mean CSAT", ".2f"),
    ("classification_accuracy", "Classification accuracy", ".3f"),
    ("keyword_recall", "Keyword recall", ".3f"),
    ("missed_deadlines", "Missed deadlines", ".1f"),
    ("review_flag_rate", "Review-flag rate", ".3f"),
    ("clipped_fraction", "Clipped step fraction", ".3f"),
)
MISSING = "–"

ResultsByAgent = dict[str, list[EpisodeResult]]


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The command line described in the module docstring."""
    parser = argparse.ArgumentParser(
        prog="evaluate.py", description="Run HelixDesk agents over seeded episodes."
    )
    parser.add_argument(
        "--agent",
        nargs="+",
        choices=[*AGENT_NAMES, *MODEL_AGENTS],
        default=["rule"],
        help="agents to evaluate (sb3 needs --model; oracle is PRIVILEGED: it reads the "
        "ground truth, the ceiling and not a baseline)",
    )
    parser.add_argument(
        "--model", help="saved SB3 model zip for --agent sb3, or the llm agent's chat model"
    )
    parser.add_argument("--base-url", help="the llm agent's API base URL (else API_BASE_URL)")
    parser.add_argument("--temperature", type=float, help="the llm agent's sampling temperature")
    parser.add_argument(
        "--trials", type=_positive_int, help="pass^k mode: trials per seed of every graded task"
    )
    parser.add_argument(
        "--tasks", nargs="+", choices=TASK_IDS, default=list(TASK_IDS), help="with --trials"
    )
    parser.add_argument("--episodes", type=_positive_int, default=100, help="episodes per agent")
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, help="seed of episode 0 (k uses S+k; default 0)")
    seeds.add_argument(
        "--split", choices=SPLITS, help="play the split's first --episodes seeds; 95%% CIs"
    )
    parser.add_argument("--config", help="YAML file merged over the packaged defaults")
    parser.add_argument("--json", help="write summaries and per-episode metrics here")
    parser.add_argument("--plot", help="write a PNG comparing the agents here")
    parser.add_argument("--events", help="write every episode's events here (JSON lines)")
    return parser


def agent_options(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """The options of :func:`make_agent` that ``name`` reads from the command line."""
    if name == SB3_AGENT:
        return {"model": args.model}
    if name == LLM_AGENT:
        return {"model": args.model, "base_url": args.base_url, "temperature": args.temperature}
    return {}


def run_agent(
    name: str,
    config: HelixConfig,
    seeds: Sequence[int],
    advance: Callable[[], None],
    **options: Any,
) -> list[EpisodeResult]:
    """One agent over every seed; ``advance`` is called after each episode."""
    env = HelixDeskEnv(config)
    results = []
    for episode, seed in enumerate(seeds):
        agent = make_agent(name, env, seed, **options)
        results.append(run_episode(env, agent, seed, episode=episode))
        advance()
    return results


def _progress() -> Progress:
    """A transient progress bar on stderr."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True)


def run_agents(
    agents: Sequence[str], config: HelixConfig, seeds: Sequence[int], args: argparse.Namespace
) -> ResultsByAgent:
    """Every agent over the same seeds, behind a progress bar."""
    results: ResultsByAgent = {}
    with _progress() as progress:
        for name in agents:
            task = progress.add_task(f"{name:>8}", total=len(seeds))
            advance = partial(progress.advance, task)
            results[name] = run_agent(name, config, seeds, advance, **agent_options(name, args))
    return results


def run_trials(
    agents: Sequence[str], seeds: Sequence[int], args: argparse.Namespace
) -> list[TaskTrials]:
    """``args.trials`` trials of every agent on every task in ``args.tasks`` from every seed."""
    played = []
    with _progress() as progress:
        bar = progress.add_task("  trials", total=len(agents) * len(args.tasks))
        for name in agents:
            for task in args.tasks:
                options = agent_options(name, args)
                played.append(run_task_trials(name, task, seeds, args.trials, **options))
                progress.advance(bar)
    return played


def trials_report(
    played: Sequence[TaskTrials], seeds: Sequence[int], trials: int
) -> dict[str, Any]:
    """The ``--json`` document of a pass^k run."""
    agents: dict[str, dict[str, Any]] = {}
    for run in played:
        agents.setdefault(run.agent, {})[run.task] = run.as_dict()
    return {"seeds": list(seeds), "trials": trials, "agents": agents}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def episode_row(result: EpisodeResult) -> dict[str, Any]:
    """One episode as plain JSON values: seed, return, clipped fraction and every metric."""
    row = {"seed": result.seed, "return": result.episode_return}
    row |= {"clipped_fraction": result.clipped_fraction, **result.metrics}
    return {key: _plain(value) for key, value in row.items()}


def summarize(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean with its 95 % bootstrap CI, population std and count of the values that are not
    ``None``."""
    present = np.array([value for value in values if value is not None], dtype=float)
    if not len(present):
        return {"mean": None, "ci_low": None, "ci_high": None, "std": None, "n": 0}
    return {**mean_ci(present).as_dict(), "std": float(present.std()), "n": len(present)}


def agent_report(results: Sequence[EpisodeResult]) -> dict[str, Any]:
    """Summary of every numeric column plus the per-episode rows."""
    episodes = [episode_row(result) for result in results]
    columns = [key for key in episodes[0] if key != "seed"]
    summary = {key: summarize([row[key] for row in episodes]) for key in columns}
    return {"summary": summary, "episodes": episodes}


def build_report(
    results_by_agent: ResultsByAgent,
    seeds: Sequence[int],
    config_path: str | None,
    split: str | None = None,
) -> dict[str, Any]:
    """The ``--json`` document."""
    agents = {name: agent_report(results) for name, results in results_by_agent.items()}
    return {"seeds": list(seeds), "split": split, "config": config_path, "agents": agents}


def format_summary(summary: dict[str, Any], spec: str, with_ci: bool = False) -> str:
    """``mean ± std`` (with ``with_ci``: the mean over its 95 % CI ``[low, high]``) in the
    given format, or ``–`` when the metric was never defined."""
    if summary["n"] == 0:
        return MISSING
    if with_ci:
        return (
            f"{summary['mean']:{spec}}\n[{summary['ci_low']:{spec}}, {summary['ci_high']:{spec}}]"
        )
    return f"{summary['mean']:{spec}} ± {summary['std']:{spec}}"


def summary_table(report: dict[str, Any]) -> Table:
    """One row per headline metric, one column per agent (CIs for a split's seeds)."""
    seeds, split = report["seeds"], report["split"]
    where = f"{split} seeds" if split else "seeds"
    table = Table(
        title=f"HelixDesk evaluation: {len(seeds)} episodes, {where} {seeds[0]}–{seeds[-1]}"
        + (", mean [95% CI]" if split else ""),
        show_lines=bool(split),
    )
    table.add_column("metric" if split else "metric (mean ± std)", no_wrap=True)
    for name in report["agents"]:
        table.add_column(name, justify="right", no_wrap=True)
    for key, label, spec in TABLE_ROWS:
        summaries = [agent["summary"][key] for agent in report["agents"].values()]
        table.add_row(label, *(format_summary(s, spec, split is not None) for s in summaries))
    return table


def write_outputs(
    args: argparse.Namespace, results: ResultsByAgent, report: dict[str, Any]
) -> None:
    """Whichever of the JSON report, comparison plot and event export were asked for."""
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot_agent_comparison(results, args.plot)
    if args.events:
        write_event_logs(args.events, results)


def episode_seeds(args: argparse.Namespace) -> list[int]:
    """The split's first ``--episodes`` seeds, or ``--seed`` (default 0) onwards."""
    if args.split is not None:
        return split_seeds(args.split, args.episodes)
    start = args.seed or 0
    return [start + episode for episode in range(args.episodes)]


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse combinations that cannot run (``parser.error`` exits with status 2)."""
    if set(MODEL_AGENTS) <= set(args.agent):
        parser.error("--agent sb3 and llm both read --model: run them separately")
    if SB3_AGENT in args.agent and not args.model:
        parser.error("--agent sb3 needs --model PATH (a model.zip written by train.py)")
    if args.trials is not None and (args.config or args.plot or args.events):
        parser.error("--trials plays the graded tasks: --config, --plot and --events do not apply")


def main_trials(args: argparse.Namespace, agents: list[str], seeds: list[int]) -> int:
    """The pass^k mode (``--trials``)."""
    played = run_trials(agents, seeds, args)
    for agent in agents:
        Console().print(trials_table(agent, [run for run in played if run.agent == agent], seeds))
    if args.json:
        report = trials_report(played, seeds, args.trials)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    check_args(parser, args)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        parser.error(str(error))
    agents = list(dict.fromkeys(args.agent))
    try:
        seeds = episode_seeds(args)
    except ValueError as error:
        parser.error(str(error))
    try:
        if args.trials is not None:
            return main_trials(args, agents, seeds)
        results = run_agents(agents, config, seeds, args)
    except (FileNotFoundError, ModuleNotFoundError, ValueError, LLMError) as error:
        Console(stderr=True).print(f"error: {error}", markup=False, highlight=False)
        return 2
    report = build_report(results, seeds, args.config, args.split)
    Console().print(summary_table(report))
    try:
        write_outputs(args, results, report)
    except OSError as error:
        Console(stderr=True).print(f"[red]error:[/red] could not write output: {error}")
        return 1
    return 0
