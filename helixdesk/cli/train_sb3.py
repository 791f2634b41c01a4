"""``train.py --agent sb3``: PPO / MaskablePPO on the native vector env (the ``train`` extra).

Imported by :mod:`helixdesk.cli.train` only for ``--agent sb3``, after checking that torch,
Stable-Baselines3 and sb3-contrib are installed. Writes to ``--out``:

* ``model.zip``: the trained model (load it with :class:`helixdesk.agents.PolicyAgent`);
* ``config.yaml``: the full config it trained on (the base of every ``--scenarios`` entry);
* ``run.yaml``: the command's settings (algorithm, timesteps, envs, scenarios, seed, ...);
* ``learning_curve.csv``: one row per rollout (timesteps, episodes, mean return of the last
  10 episodes, fps) and the four task scores on the evaluation rows; with ``--imitate``
  (:mod:`helixdesk.cli.warm_start`) a first row at 0 steps scores the cloned policy;
* ``learning_curve.png``: episode return and task scores over training.

Torch runs with :data:`TORCH_THREADS` = 1 thread. Measured on the 2-core development machine
(8 envs, ``n_steps`` 128, 20,480 steps): PPO about 4,500-4,800 env-steps/s with 1 thread and
4,500-4,650 with 2; MaskablePPO about 3,700-3,800 with either. The policy is a small MLP, so a
second thread buys nothing, and with 2 threads runs sometimes stalled (down to ~100 steps/s)
when the machine was busy; 1 thread never did.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import VecEnv

from helixdesk.agents.policy_agent import PolicyAgent
from helixdesk.cli.warm_start import warm_start
from helixdesk.config import HelixConfig
from helixdesk.sb3 import DeskFeatures, HelixDeskSB3VecEnv, ScenarioMixVecEnv
from helixdesk.tasks import DEFAULT_SCENARIO, TASK_IDS, TASKS

TORCH_THREADS = 1
# Task scores on the learning curve: seeds apart from the README table's (42, 100, 2026) and
# from the held-out seeds the shipped policy is judged on (1000-1029).
EVAL_SEEDS = (500, 501, 502)
RECENT_EPISODES = 10
SUMMARY_SECONDS = 5.0  # at most one summary line per this many seconds (plus evals and end)
CURVE_COLUMNS = ("timesteps", "episodes", "mean_return", "fps", *TASK_IDS)
MODEL_FILE = "model.zip"
CONFIG_FILE = "config.yaml"
RUN_FILE = "run.yaml"
CURVE_FILE = "learning_curve.csv"
PLOT_FILE = "learning_curve.png"


def total_timesteps(args: argparse.Namespace, config: HelixConfig) -> int:
    """``--timesteps``, else ``--episodes`` × the episode length, else 100 episodes."""
    if args.timesteps is not None:
        return int(args.timesteps)
    episodes = args.episodes if args.episodes is not None else 100
    return int(episodes * config.env.episode_emails)


def task_scores(model: BaseAlgorithm, seeds: Sequence[int] = EVAL_SEEDS) -> dict[str, float]:
    """Mean grade of the policy on every task over ``seeds`` (the packaged task scenarios)."""
    scores = {}
    for task_id in TASK_IDS:
        task = TASKS[task_id]
        env = task.make_env()
        agent = PolicyAgent(env, model)
        scores[task_id] = round(float(np.mean([task.grade(env, agent, seed) for seed in seeds])), 4)
    return scores


def can_grade(model: BaseAlgorithm) -> bool:
    """Whether the task scenarios share the model's spaces (not if ``--config`` resized them)."""
    env = TASKS[TASK_IDS[0]].make_env()
    return bool(model.observation_space.shape == env.observation_space.shape)


class TrainingMonitor(BaseCallback):
    """Progress bar, periodic one-line summary, learning-curve rows and periodic task scores."""

    def __init__(self, total: int, eval_every: int | None, console: Console, grade: bool) -> None:
        super().__init__()
        self.total = total
        self.eval_every = eval_every
        self.console = console
        self.grade = grade
        self.returns: deque[float] = deque(maxlen=RECENT_EPISODES)
        self.all_returns: list[tuple[int, float]] = []
        self.episodes = 0
        self.rows: list[dict[str, Any]] = []
        self.next_eval = eval_every or 0
        self.eval_seconds = 0.0  # left out of the fps
        self.printed_at = -1  # timesteps of the last summary line
        self.start = time.perf_counter()
        self.last_summary = self.start
        self.progress = Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("train", total=total)

    def _on_training_start(self) -> None:
        self.start = self.last_summary = time.perf_counter()
        self.progress.start()

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", ()):
            if "episode" in info:
                self.episodes += 1
                self.returns.append(float(info["episode"]["r"]))
                self.all_returns.append((self.num_timesteps, float(info["episode"]["r"])))
        self.progress.update(self.task, completed=min(self.num_timesteps, self.total))
        return True

    def _on_rollout_end(self) -> None:
        scores: dict[str, float] = {}
        if self.eval_every and self.num_timesteps >= self.next_eval:
            scores = self.evaluate()
            while self.next_eval <= self.num_timesteps:
                self.next_eval += self.eval_every
        self.record(scores, force=bool(scores))

    def _on_training_end(self) -> None:
        self.progress.update(self.task, completed=self.total)
        self.progress.stop()

    def finish(self) -> None:
        """Score the final policy (unless the last rollout was just scored); print the summary."""
        last = self.rows[-1] if self.rows else {}
        scored = last.get("timesteps") == self.num_timesteps and TASK_IDS[0] in last
        self.record({} if scored else self.evaluate(), force=True)

    def evaluate(self) -> dict[str, float]:
        started = time.perf_counter()
        scores = task_scores(self.model) if self.grade else {}
        self.eval_seconds += time.perf_counter() - started
        return scores

    def fps(self) -> float:
        elapsed = time.perf_counter() - self.start - self.eval_seconds
        return self.num_timesteps / max(elapsed, 1e-9)

    def mean_return(self) -> float | None:
        return float(np.mean(self.returns)) if self.returns else None

    def record(self, scores: dict[str, float], force: bool = False) -> None:
        """Append a learning-curve row; print the summary line if due (or ``force``)."""
        row: dict[str, Any] = {
            "timesteps": self.num_timesteps,
            "episodes": self.episodes,
            "mean_return": None if (mean := self.mean_return()) is None else round(mean, 4),
            "fps": round(self.fps(), 1),
            **scores,
        }
        if self.rows and self.rows[-1]["timesteps"] == self.num_timesteps:
            self.rows[-1].update({key: value for key, value in row.items() if value is not None})
        else:
            self.rows.append(row)
        now = time.perf_counter()
        due = force or now - self.last_summary >= SUMMARY_SECONDS
        if due and (scores or self.printed_at != self.num_timesteps):
            self.last_summary, self.printed_at = now, self.num_timesteps
            line = summary_line(self.rows[-1])
            self.progress.console.print(line, markup=False, highlight=False, soft_wrap=True)


def summary_line(row: dict[str, Any]) -> str:
    mean, fps = row["mean_return"], row["fps"]
    text = (
        f"timesteps {row['timesteps']:,}  episodes {row['episodes']}  "
        f"mean return (last {RECENT_EPISODES}) {'–' if mean is None else f'{mean:+.2f}'}  "
        f"fps {'–' if fps is None else f'{fps:,.0f}'}"
    )
    scores = [f"{task} {row[task]:.3f}" for task in TASK_IDS if row.get(task) is not None]
    return text + ("  |  " + "  ".join(scores) if scores else "")


def write_curve(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CURVE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {key: "" if row.get(key) is None else row[key] for key in CURVE_COLUMNS}
            )


def plot_curve(
    path: Path, rows: Sequence[dict[str, Any]], episodes: Sequence[tuple[int, float]], title: str
) -> None:
    """Episode return (each episode and the recent mean) and task scores against timesteps."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    FigureCanvasAgg(figure)
    returns_axes, tasks_axes = figure.subplots(1, 2)
    if episodes:
        steps, values = zip(*episodes, strict=True)
        returns_axes.scatter(steps, values, s=4, alpha=0.3, color="tab:gray", label="episode")
    curve = [
        (row["timesteps"], row["mean_return"]) for row in rows if row["mean_return"] is not None
    ]
    if curve:
        steps, values = zip(*curve, strict=True)
        returns_axes.plot(steps, values, color="tab:blue", label=f"mean of last {RECENT_EPISODES}")
    returns_axes.set(title="Episode return", xlabel="timesteps", ylabel="return")
    returns_axes.legend(loc="lower right", fontsize="small")
    for task_id in TASK_IDS:
        points = [(row["timesteps"], row[task_id]) for row in rows if row.get(task_id) is not None]
        if points:
            steps, values = zip(*points, strict=True)
            tasks_axes.plot(steps, values, marker="o", label=task_id)
    tasks_axes.set(
        title=f"Task scores (seeds {EVAL_SEEDS[0]}–{EVAL_SEEDS[-1]})",
        xlabel="timesteps",
        ylabel="score",
        ylim=(-0.03, 1.03),
    )
    if tasks_axes.lines:
        tasks_axes.legend(loc="best", fontsize="small")
    figure.suptitle(title)
    figure.savefig(path, dpi=100)


def scenario_configs(args: argparse.Namespace, config: HelixConfig) -> list[HelixConfig]:
    """The config of every ``args.scenarios`` entry (a task's scenario over ``config``)."""
    base = config.to_dict()
    return [
        config if name == DEFAULT_SCENARIO else TASKS[name].config(base) for name in args.scenarios
    ]


def build_env(args: argparse.Namespace, configs: Sequence[HelixConfig]) -> VecEnv:
    """``args.n_envs`` sub-envs, split between ``configs`` when there are several."""
    if len(configs) == 1:
        return HelixDeskSB3VecEnv(num_envs=args.n_envs, config=configs[0])
    return ScenarioMixVecEnv(args.n_envs, configs)


def run_settings(args: argparse.Namespace, timesteps: int) -> dict[str, Any]:
    """What ``run.yaml`` records: enough to rerun the command."""
    return {
        "algo": args.algo,
        "timesteps": timesteps,
        "n_envs": args.n_envs,
        "n_steps": args.n_steps,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "anneal_lr": args.anneal_lr,
        "ent_coef": args.ent_coef,
        "gamma": args.gamma,
        "features": args.features,
        "scenarios": list(args.scenarios),
        "seed": args.seed,
        "imitate": args.imitate,
        "imitate_episodes": args.imitate_episodes if args.imitate else None,
        "torch_threads": TORCH_THREADS,
    }


def build_model(args: argparse.Namespace, env: VecEnv, config: HelixConfig) -> BaseAlgorithm:
    n_steps = args.n_steps
    batch = min(args.batch_size, n_steps * env.num_envs)
    learning_rate: float | Callable[[float], float] = args.learning_rate
    if args.anneal_lr:
        learning_rate = LinearSchedule(args.learning_rate, 0.0, 1.0)
    settings: dict[str, Any] = {
        "n_steps": n_steps,
        "batch_size": batch,
        "learning_rate": learning_rate,
        "ent_coef": args.ent_coef,
        "gamma": args.gamma,
        "seed": args.seed,
    }
    if args.features == "desk":
        sizes = {"n_employees": config.env.n_employees, "n_categories": config.n_categories}
        settings["policy_kwargs"] = {
            "features_extractor_class": DeskFeatures,
            "features_extractor_kwargs": sizes,
        }
    if args.algo == "maskable_ppo":
        return MaskablePPO("MlpPolicy", env, device="cpu", verbose=0, **settings)
    return PPO("MlpPolicy", env, device="cpu", verbose=0, **settings)


def train(args: argparse.Namespace, config: HelixConfig, console: Console) -> int:
    """Train, then save the model, config, learning curve and plot in ``args.out``."""
    torch.set_num_threads(TORCH_THREADS)
    out = Path(args.out or f"runs/{args.algo}-{args.seed}")
    out.mkdir(parents=True, exist_ok=True)
    timesteps = total_timesteps(args, config)
    configs = scenario_configs(args, config)
    env = build_env(args, configs)
    env.seed(args.seed)
    model = build_model(args, env, config)
    grade = can_grade(model)
    if not grade:
        console.print("note: the config changes the spaces; task scores are skipped", markup=False)
    start_scores: dict[str, float] = {}
    if args.imitate and isinstance(model, MaskablePPO):  # run_sb3 allows no other
        warm_start(model, args.imitate, configs, args.imitate_episodes, console)
        start_scores = task_scores(model) if grade else {}
    console.print(
        f"training {args.algo} for {timesteps:,} timesteps on {args.n_envs} envs "
        f"(scenarios {', '.join(args.scenarios)}; seed {args.seed}, "
        f"torch threads {TORCH_THREADS}) -> {out}",
        markup=False,
        highlight=False,
    )
    monitor = TrainingMonitor(timesteps, args.eval_every, console, grade)
    if start_scores:  # the learning curve starts from the cloned policy
        monitor.rows.append(
            {"timesteps": 0, "episodes": 0, "mean_return": None, "fps": None, **start_scores}
        )
        console.print(summary_line(monitor.rows[0]), markup=False, highlight=False)
    try:
        model.learn(total_timesteps=timesteps, callback=monitor)
    finally:
        env.close()
    monitor.finish()
    model.save(out / MODEL_FILE)
    (out / CONFIG_FILE).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), "utf-8")
    settings = yaml.safe_dump(run_settings(args, timesteps), sort_keys=False)
    (out / RUN_FILE).write_text(settings, "utf-8")
    write_curve(out / CURVE_FILE, monitor.rows)
    title = f"{args.algo}, seed {args.seed}, scenarios {' + '.join(args.scenarios)}"
    plot_curve(out / PLOT_FILE, monitor.rows, monitor.all_returns, title)
    for name in (MODEL_FILE, CONFIG_FILE, RUN_FILE, CURVE_FILE, PLOT_FILE):
        console.print(f"wrote {out / name}", markup=False, highlight=False)
    return 0
