"""``train.py``: run an agent for a number of episodes with the dashboard and the CSV log.

The baseline agents (``rule``, ``random``) do not learn, so "training" them just runs them;
the run still shows the live dashboard, writes the per-step CSV log and ends with a summary
table. ``--agent sb3`` trains PPO or MaskablePPO with Stable-Baselines3 on the native vector
env (see :mod:`helixdesk.cli.train_sb3`); it needs the ``train`` extra, imported only then.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from contextlib import ExitStack

import numpy as np
from rich.console import Console
from rich.table import Table

from helixdesk.config import ConfigError, HelixConfig, load_config
from helixdesk.env import HelixDeskEnv
from helixdesk.evaluation import AGENT_NAMES, EpisodeResult, StepRecord, make_agent, run_episode
from helixdesk.monitor import EpisodeLogger, TerminalDashboard
from helixdesk.monitor.terminal_dashboard import format_metric
from helixdesk.tasks import DEFAULT_SCENARIO, SCENARIOS

SB3_AGENT = "sb3"
SB3_ALGOS = ("ppo", "maskable_ppo")
TRAIN_MODULES = ("torch", "stable_baselines3", "sb3_contrib")
DEFAULT_EPISODES = 100
FEATURES = ("obs", "desk")
IMITABLE_AGENTS = ("rule", "tuned")  # scripted, honest: what a warm start may clone
DEFAULT_IMITATION_EPISODES = 100
EXIT_OK = 0
EXIT_USAGE = 2


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a float above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a float of at least 0."""
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="train.py",
        description=(
            "Run a HelixDesk agent for N episodes with a live dashboard and a per-step CSV log. "
            "The rule and random baselines do not learn: 'training' them just runs them. "
            "--agent sb3 trains PPO / MaskablePPO (needs pip install -e .[train])."
        ),
    )
    parser.add_argument("--agent", choices=[*AGENT_NAMES, SB3_AGENT], default="rule")
    parser.add_argument(
        "--episodes",
        type=positive_int,
        help=f"default: {DEFAULT_EPISODES}; for sb3, timesteps = episodes x env.episode_emails",
    )
    parser.add_argument("--seed", type=int, default=0, help="episode k uses seed S+k (default 0)")
    parser.add_argument("--config", help="YAML file overriding the packaged config")
    parser.add_argument("--csv", help="CSV log path (overrides monitor.csv_path)")
    parser.add_argument(
        "--no-dashboard", action="store_true", help="no live panel, one line per episode"
    )
    sb3 = parser.add_argument_group("sb3 training (--agent sb3)")
    sb3.add_argument("--algo", choices=SB3_ALGOS, default="ppo", help="default: ppo")
    sb3.add_argument("--timesteps", type=positive_int, help="total env steps (not with --episodes)")
    sb3.add_argument("--n-envs", type=positive_int, default=8, help="vector env size (default 8)")
    sb3.add_argument("--n-steps", type=positive_int, default=128, help="rollout length per env")
    sb3.add_argument(
        "--scenarios",
        nargs="+",
        choices=SCENARIOS,
        default=[DEFAULT_SCENARIO],
        help=(
            "train one policy on several scenarios at once, the envs split evenly between "
            f"them (list one twice to give it twice the envs): '{DEFAULT_SCENARIO}' is the "
            "--config (or packaged) config, a task id is that task's scenario on top of it "
            f"(default: {DEFAULT_SCENARIO})"
        ),
    )
    sb3.add_argument(
        "--batch-size", type=positive_int, default=256, help="PPO minibatch size (default 256)"
    )
    sb3.add_argument(
        "--learning-rate", type=positive_float, default=3e-4, help="Adam step size (default 3e-4)"
    )
    sb3.add_argument(
        "--anneal-lr", action="store_true", help="decay the learning rate linearly to 0"
    )
    sb3.add_argument(
        "--ent-coef", type=non_negative_float, default=0.0, help="entropy bonus (default 0)"
    )
    sb3.add_argument(
        "--gamma", type=positive_float, default=0.99, help="discount factor (default 0.99)"
    )
    sb3.add_argument(
        "--features",
        choices=FEATURES,
        default="obs",
        help="policy input: 'obs', the observation; 'desk', the observation plus the email's "
        "category one-hot, its trend growth and its specialist (helixdesk.sb3.DeskFeatures)",
    )
    sb3.add_argument(
        "--imitate",
        choices=IMITABLE_AGENTS,
        help="warm start: clone this scripted agent's decisions before PPO "
        "(helixdesk.cli.warm_start)",
    )
    sb3.add_argument(
        "--imitate-episodes",
        type=positive_int,
        default=DEFAULT_IMITATION_EPISODES,
        help="train-split episodes the agent plays per --scenarios entry "
        f"(default {DEFAULT_IMITATION_EPISODES})",
    )
    sb3.add_argument("--out", help="output directory (default: runs/<algo>-<seed>)")
    sb3.add_argument(
        "--eval-every",
        type=positive_int,
        help="score the four tasks every N timesteps (default: at the end only)",
    )
    return parser


def missing_train_modules() -> list[str]:
    """The modules of the ``train`` extra that are not installed."""
    return [name for name in TRAIN_MODULES if importlib.util.find_spec(name) is None]


def run_sb3(args: argparse.Namespace) -> int:
    """``--agent sb3``: check the extra, then hand over to :mod:`helixdesk.cli.train_sb3`."""
    if args.timesteps is not None and args.episodes is not None:
        print("error: give --timesteps or --episodes, not both", file=sys.stderr)
        return EXIT_USAGE
    if args.n_envs < len(args.scenarios):
        print(
            f"error: --n-envs {args.n_envs} is fewer than the {len(args.scenarios)} scenarios",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.imitate and args.algo != "maskable_ppo":
        print(
            f"error: --imitate clones through the action mask: use it with --algo maskable_ppo, "
            f"not {args.algo}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    missing = missing_train_modules()
    if missing:
        print(
            f"error: --agent sb3 needs {', '.join(missing)}: pip install -e .[train]",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    from helixdesk.cli.train_sb3 import train

    return train(args, config, Console())


def without_dashboard(config: HelixConfig) -> HelixConfig:
    """``config`` with ``monitor.dashboard`` turned off."""
    monitor = config.monitor.model_copy(update={"dashboard": False})
    return config.model_copy(update={"monitor": monitor})


def run_episodes(
    env: HelixDeskEnv, args: argparse.Namespace, console: Console, logger: EpisodeLogger | None
) -> list[EpisodeResult]:
    """Play ``args.episodes`` episodes, feeding every step to the dashboard and the logger."""
    agent = make_agent(args.agent, env, seed=args.seed)
    results = []
    with TerminalDashboard(env, args.episodes, console) as dashboard:

        def on_step(record: StepRecord) -> None:
            dashboard.on_step(record)
            if logger is not None:
                logger.on_step(record)

        for episode in range(args.episodes):
            result = run_episode(env, agent, args.seed + episode, on_step, episode)
            if logger is not None:
                logger.on_episode_end(result)
            dashboard.on_episode_end(result)
            results.append(result)
    return results


def mean_of_known(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are not ``None`` (``None`` if there are none)."""
    known = [value for value in values if value is not None]
    return float(np.mean(known)) if known else None


def summary_table(agent: str, results: list[EpisodeResult]) -> Table:
    returns = np.array([result.episode_return for result in results])
    sla = mean_of_known([result.metrics.get("sla_compliance") for result in results])
    csat = mean_of_known([result.metrics.get("mean_csat") for result in results])
    table = Table(title="Summary")
    for column in ("agent", "episodes", "return (mean ± std)", "SLA compliance", "CSAT"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    table.add_row(
        agent,
        str(len(results)),
        f"{returns.mean():+.2f} ± {returns.std():.2f}",
        format_metric(sla, ".1%"),
        format_metric(csat, ".2f"),
    )
    return table


def load_run_config(args: argparse.Namespace) -> HelixConfig:
    config = load_config(args.config)
    return without_dashboard(config) if args.no_dashboard else config


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the episodes; return the exit code."""
    args = build_parser().parse_args(argv)
    if args.agent == SB3_AGENT:
        return run_sb3(args)
    if args.episodes is None:
        args.episodes = DEFAULT_EPISODES
    try:
        config = load_run_config(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    console = Console()
    env = HelixDeskEnv(config)
    with ExitStack() as stack:
        logger = EpisodeLogger.from_config(config, args.csv)
        if logger is not None:
            stack.enter_context(logger)
        results = run_episodes(env, args, console, logger)
    console.print(summary_table(args.agent, results))
    if logger is not None:
        console.print(f"per-step log: {logger.path}", markup=False, highlight=False)
    return EXIT_OK
