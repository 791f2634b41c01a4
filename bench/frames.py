"""What an ``rgb_array`` frame costs, and that an env that does not render pays nothing.

Usage::

    python bench/frames.py                  # 200 frames, 20 000 steps per step-rate measure
    python bench/frames.py --frames 50 --steps 5000

Prints the milliseconds per ``render()`` call of the single env with
``render_mode="rgb_array"`` (after one untimed frame, which loads Pillow and draws the
labels), and the single env's steps per second without rendering, made with
``render_mode=None`` and with ``render_mode="rgb_array"`` (median of 3 alternating rounds:
the step path is the same, so the two should agree within the machine's noise).
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym

import helixdesk


def ms_per_frame(frames: int) -> float:
    env = gym.make(helixdesk.ENV_ID, render_mode="rgb_array")
    env.reset(seed=0)
    env.action_space.seed(0)
    env.render()
    elapsed = 0.0
    for _ in range(frames):
        _, _, _, truncated, _ = env.step(env.action_space.sample())
        if truncated:
            env.reset()
        start = time.perf_counter()
        env.render()
        elapsed += time.perf_counter() - start
    return elapsed / frames * 1e3


def steps_per_second(render_mode: str | None, steps: int) -> float:
    env = gym.make(helixdesk.ENV_ID, render_mode=render_mode)
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for action in actions:
        _, _, _, truncated, _ = env.step(action)
        if truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--steps", type=int, default=20_000)
    args = parser.parse_args(argv)
    steps_per_second(None, 200)  # compile or load the kernels before timing
    print(f"rgb_array frame: {ms_per_frame(args.frames):.2f} ms")
    rounds = {None: [], "rgb_array": []}
    for _ in range(3):
        for mode, rates in rounds.items():
            rates.append(steps_per_second(mode, args.steps))
    for mode, rates in rounds.items():
        print(f"steps/s without render(), render_mode={mode!r}: {statistics.median(rates):,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
