"""The vector env at the serial/parallel boundary while another process keeps a core busy.

Usage::

    python bench/contention.py                       # N = 64 and 256, alone and with a competitor
    python bench/contention.py --sizes 64 256 --seconds 5
    python bench/contention.py --competitor vector  # the competitor: another vector env
    python bench/contention.py --env PYTHONPATH=OLD_CHECKOUT   # an older version's figures

From ``BatchSimulator.PARALLEL_FROM`` (64) sub-envs on, a step may run on several threads.
On a 2-core machine shared with one other busy process, a parallel step waits for the
thread the OS has set aside, and threads that spin while they wait slow everything down.
Each measure runs in a fresh interpreter (thread settings are read when the thread pool
starts) with the environment variables given by ``--env``: env-steps per second of random
actions over ``--seconds``, after one untimed episode, once alone and once while a
competitor process runs: a pure-Python busy loop (``--competitor loop``, one busy thread)
or another vector env of ``--competitor-envs`` sub-envs with the same settings
(``--competitor vector``, as when two training runs share a machine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from rich.console import Console
from rich.table import Table

MEASURE = """
import time, numpy as np, gymnasium as gym, helixdesk
envs = gym.make_vec(helixdesk.ENV_ID, num_envs={n}, vectorization_mode="vector_entry_point")
print("ready", flush=True)
actions = np.random.default_rng(0).integers(0, [3, 4, 6, 3], size=(64, {n}, 4))
envs.reset(seed=0)
for i in range(envs.unwrapped.config.env.episode_emails + 1):
    envs.step(actions[i % 64])
steps, start = 0, time.perf_counter()
while time.perf_counter() - start < {seconds}:
    envs.step(actions[steps % 64])
    steps += 1
print(steps * {n} / (time.perf_counter() - start))
"""
BUSY_LOOP = "while True: pass"
COMPETITOR_SECONDS = 3600.0  # runs until it is killed


def steps_per_second(n: int, seconds: float, env: dict[str, str]) -> float:
    """Env-steps/s of a fresh interpreter stepping ``n`` sub-envs for ``seconds``."""
    code = MEASURE.format(n=n, seconds=seconds)
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(run.stdout.split()[-1])


def with_competitor(
    n: int, seconds: float, env: dict[str, str], competitor: str, competitor_envs: int
) -> float:
    """:func:`steps_per_second` while a competitor process runs (see the module docstring)."""
    code = BUSY_LOOP
    if competitor == "vector":
        code = MEASURE.format(n=competitor_envs, seconds=COMPETITOR_SECONDS)
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        if competitor == "vector":
            assert process.stdout is not None
            process.stdout.readline()  # built its env: it steps from now on
        time.sleep(0.5)
        return steps_per_second(n, seconds, env)
    finally:
        process.kill()
        process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--seconds", type=float, default=3.0, help="timed window per measure")
    parser.add_argument("--competitor", choices=["loop", "vector"], default="loop")
    parser.add_argument("--competitor-envs", type=int, default=256, help="for --competitor vector")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set for the runs"
    )
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env.update(item.split("=", 1) for item in args.env)
    table = Table(title=f"env-steps/s, settings: {' '.join(args.env) or 'defaults'}")
    for column in ("N", "alone", f"beside a busy {args.competitor} process"):
        table.add_column(column, justify="right")
    for n in args.sizes:
        alone = steps_per_second(n, args.seconds, env)
        contended = with_competitor(n, args.seconds, env, args.competitor, args.competitor_envs)
        table.add_row(str(n), f"{alone:,.0f}", f"{contended:,.0f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
