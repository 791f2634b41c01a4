"""HelixDesk benchmark: everything measured side by side, in one process, median of 3 rounds.

Usage::

    python bench/run.py                 # full run, prints a table
    python bench/run.py --quick         # smaller counts, under a minute
    python bench/run.py --json out.json

Measures CartPole-v1 via ``gym.make`` (random actions) as the yardstick, the HelixDesk single
env via ``gym.make`` (random actions), the native vector env via ``gym.make_vec`` at several
batch sizes (env-steps/s with random actions over whole episodes, after one of warm-up,
autoresets included), the per-step time of a 20 000-email episode relative to the default
100-email one (flatness: state must stay bounded), ``import helixdesk`` time in a fresh
interpreter, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table

import helixdesk
from helixdesk.vector import HelixDeskVectorEnv

REPEATS = 3
VECTOR_SIZES = (1, 64, 1024, 4096)


def env_steps_per_second(env: gym.Env, steps: int, seed: int = 0) -> float:
    """Random-action steps per second, resetting whenever an episode ends."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def vector_steps_per_second(num_envs: int, env_steps: int) -> float:
    """Random-action env-steps per second of the native vector env in steady state.

    The sub-envs reset together and every episode has the same length, so they move in
    lockstep through a cycle of ``episode_emails`` steps and one autoreset call. The cost of a
    step grows through an episode (queues fill), so a window from the start would read high:
    one cycle runs untimed (it also touches every page of the state for the first time), then
    whole cycles are timed, about ``env_steps`` env-steps of them, at least one. Autoreset
    calls count as env-steps, as a learner's loop counts them.
    """
    envs = gym.make_vec(
        helixdesk.ENV_ID, num_envs=num_envs, vectorization_mode="vector_entry_point"
    )
    assert isinstance(envs, HelixDeskVectorEnv)
    cycle = envs.config.env.episode_emails + 1
    cycles = max(1, round(env_steps / (num_envs * cycle)))
    rng = np.random.default_rng(0)
    actions = rng.integers(0, [3, 4, 6, 3], size=(64, num_envs, 4))
    envs.reset(seed=0)
    for i in range(cycle):
        envs.step(actions[i % len(actions)])
    start = time.perf_counter()
    for i in range(cycles * cycle):
        envs.step(actions[i % len(actions)])
    return cycles * cycle * num_envs / (time.perf_counter() - start)


def long_episode_ratio(steps: int) -> float:
    """Per-step time late in a 20 000-email episode / per-step time in default episodes."""
    default = gym.make(helixdesk.ENV_ID)
    long = gym.make(helixdesk.ENV_ID, config={"env": {"episode_emails": 20_000}})
    long.reset(seed=0)
    long.action_space.seed(0)
    for _ in range(20_000 - steps - 1):  # run deep into the episode before timing
        long.step(long.action_space.sample())
    late = env_steps_per_second_no_reset(long, steps)
    return env_steps_per_second(default, steps) / late


def env_steps_per_second_no_reset(env: gym.Env, steps: int) -> float:
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for action in actions:
        env.step(action)
    return steps / (time.perf_counter() - start)


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import helixdesk; print(time.perf_counter() - t)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(output)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(quick: bool) -> dict[str, Any]:
    """Medians over ``REPEATS`` rounds; each round measures everything once, so that the
    yardstick and HelixDesk see the same machine conditions (shared machines drift by 2x
    within minutes)."""
    steps = 5_000 if quick else 50_000
    cartpole = gym.make("CartPole-v1")
    single = gym.make(helixdesk.ENV_ID)
    env_steps_per_second(single, 200)  # compile / warm the numba kernels before timing
    vector_steps = steps * 20
    measures: dict[str, Callable[[], float]] = {
        "cartpole_sps": lambda: env_steps_per_second(cartpole, steps),
        "single_sps": lambda: env_steps_per_second(single, steps),
        **{f"vector_{n}": partial(vector_steps_per_second, n, vector_steps) for n in VECTOR_SIZES},
        "long_episode_ratio": lambda: long_episode_ratio(min(steps, 5_000)),
        "import_s": import_seconds,
    }
    rounds = [{name: measure() for name, measure in measures.items()} for _ in range(REPEATS)]
    median = {name: statistics.median(r[name] for r in rounds) for name in measures}
    return {
        "cartpole_sps": median["cartpole_sps"],
        "single_sps": median["single_sps"],
        "vector_sps": {str(n): median[f"vector_{n}"] for n in VECTOR_SIZES},
        "long_episode_ratio": median["long_episode_ratio"],
        "import_s": median["import_s"],
        "peak_rss_mb": peak_rss_mb(),
    }


def report(results: dict[str, Any]) -> Table:
    table = Table(title="HelixDesk benchmark (median of 3, this machine, this run)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("CartPole-v1 via gym.make, steps/s", f"{results['cartpole_sps']:,.0f}")
    table.add_row("HelixDesk single env via gym.make, steps/s", f"{results['single_sps']:,.0f}")
    ratio = results["single_sps"] / results["cartpole_sps"]
    table.add_row("  single env / CartPole", f"{ratio:.2f}x")
    for size, sps in results["vector_sps"].items():
        table.add_row(f"HelixDesk vector env, B={size}, env-steps/s", f"{sps:,.0f}")
        table.add_row("  / CartPole", f"{sps / results['cartpole_sps']:.1f}x")
    table.add_row(
        "per-step time, 20 000-email vs 100-email episode", f"{results['long_episode_ratio']:.2f}x"
    )
    table.add_row("import helixdesk, s", f"{results['import_s']:.3f}")
    table.add_row("peak RSS, MB", f"{results['peak_rss_mb']:.0f}")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (under a minute)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.quick)
    Console().print(report(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
