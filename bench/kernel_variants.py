"""Paired timing of the step kernel on variants of one batch's memory, in one process.

Usage::

    python bench/kernel_variants.py                     # B = 4096, every variant
    python bench/kernel_variants.py --batch 1024 --variants float32_held huge_pages

Each variant is the same batch (same seeds, same 30 warm-up steps of random actions) with its
arrays stored differently; the compiled kernels are the same Python functions, which numba
specialises for the variant's dtypes. Every repetition restores each variant's snapshot and
times ``--steps`` steps of each in turn, so all variants meet the same machine conditions;
separate processes differ by up to 2× on a shared machine, which hides effects of ~10 %.

Variants: ``float64`` (as shipped), ``float32_held`` (held-ticket records in float32),
``float32_tables`` (held records, ticket table and email tape in float32: about half the
bytes a step reads), ``huge_pages`` (every array copied, so that numpy advises 2 MB pages).
A float32 variant's first use compiles the kernels for its dtypes (a minute or two, cached).
It measures what a layout would buy; the float32 variants' trajectories differ from the
shipped float64 ones in the last bits.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable

import numpy as np

from helixdesk.config import load_config
from helixdesk.simulator.batch import BatchSimulator


def _float32(*names: str) -> Callable[[BatchSimulator], None]:
    def convert(sim: BatchSimulator) -> None:
        for name in names:
            if name == "emails":
                sim.emails = sim.emails.astype(np.float32)
            else:
                setattr(sim.state, name, getattr(sim.state, name).astype(np.float32))

    return convert


def _huge_pages(sim: BatchSimulator) -> None:
    # np.zeros takes calloc's pages; a copy goes through numpy's allocator, which advises
    # transparent huge pages for large blocks.
    for field in dataclasses.fields(sim.state):
        setattr(sim.state, field.name, getattr(sim.state, field.name).copy())
    sim.emails = sim.emails.copy()


VARIANTS: dict[str, Callable[[BatchSimulator], None]] = {
    "float64": lambda sim: None,
    "float32_held": _float32("held"),
    "float32_tables": _float32("held", "tickets", "emails"),
    "huge_pages": _huge_pages,
}
WARM_UP_STEPS = 30


def build(variant: str, batch: int) -> BatchSimulator:
    sim = BatchSimulator(load_config(None), batch)
    sim.reset(np.arange(batch), [np.random.default_rng(i) for i in range(batch)])
    VARIANTS[variant](sim)
    sim._arrays = sim.state.as_tuple()  # BatchSimulator.step's view of the replaced arrays
    return sim


def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    """Nanoseconds per env-step of each variant, one figure per repetition."""
    sims = {variant: build(variant, args.batch) for variant in args.variants}
    actions = np.random.default_rng(0).integers(0, [3, 4, 6, 3], size=(64, args.batch, 4))

    def run(sim: BatchSimulator, steps: int) -> None:
        for i in range(steps):
            sim.step(actions[i % len(actions)])

    for sim in sims.values():
        run(sim, WARM_UP_STEPS)
    snapshots = {v: [a.copy() for a in sim.state.as_tuple()] for v, sim in sims.items()}
    times: dict[str, list[float]] = {variant: [] for variant in sims}
    for _ in range(args.repetitions):
        for variant, sim in sims.items():
            for array, saved in zip(sim.state.as_tuple(), snapshots[variant], strict=True):
                array[...] = saved
            start = time.perf_counter()
            run(sim, args.steps)
            elapsed = time.perf_counter() - start
            times[variant].append(elapsed / args.steps / args.batch * 1e9)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=40, help="steps per timed repetition")
    parser.add_argument("--repetitions", type=int, default=12)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args(argv)
    times = measure(args)
    base = times.get("float64")
    print(f"B = {args.batch}, ns per env-step over {args.repetitions} repetitions")
    for variant, values in times.items():
        line = f"  {variant:15} min {min(values):7.0f}  median {np.median(values):7.0f}"
        if base is not None and variant != "float64":
            fastest = min(values) / min(base) - 1
            typical = np.median(values) / np.median(base) - 1
            line += f"  ({fastest:+.0%} / {typical:+.0%} vs float64)"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
