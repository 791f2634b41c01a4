"""Paired timing of the step kernel on variants of one batch's memory, in one process.

Usage::

    python bench/experiments/kernel_variants.py                     # B = 4096, every variant
    python bench/experiments/kernel_variants.py --batch 1024 --variants float32_held huge_pages

Each variant is the same batch (same seeds, same 30 warm-up steps of random actions) with its
arrays stored differently; the compiled kernels are the same Python functions, which numba
specialises for the variant's dtypes. Every repetition restores each variant's snapshot and
times ``--steps`` steps of each in turn, so all variants meet the same machine conditions;
separate processes differ by up to 2× on a shared machine, which hides effects of ~10 %.

Variants: ``float64`` (as shipped), ``float32_held`` (held-ticket records in float32),
``float32_tables`` (held records, ticket table and email tape in float32: about half the
bytes a step reads), ``huge_pages`` (every array copied, so that numpy advises 2 MB pages),
and ``tiled``: the shipped layout and kernel, stepped tile by tile. The vector env steps
every episode once before any episode steps again, so at B = 4096 each step brings the whole
batch's state in from memory; ``tiled`` runs all ``--steps`` steps of ``--tile`` episodes
(default 128, whose state fits in the L3 cache) before it moves to the next tile. That is the
same work with the same result (checked: its final state must equal ``float64``'s), so its
time is what the kernel costs with no memory stalls, the bound on any layout change.
A float32 variant's first use compiles the kernels for its dtypes (a minute or two, cached).
It measures what a layout would buy; the float32 variants' trajectories differ from the
shipped float64 ones in the last bits.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from helixdesk.config import load_config
from helixdesk.simulator.batch import BatchSimulator


def _float32(*names: str) -> Callable[[BatchSimulator], None]:
    def convert(sim: BatchSimulator) -> None:
        for name in names:
            if name == "emails":
                sim.tapes = sim.tapes._replace(emails=sim.tapes.emails.astype(np.float32))
            else:
                sim.state = sim.state._replace(
                    **{name: getattr(sim.state, name).astype(np.float32)}
                )

    return convert


def _huge_pages(sim: BatchSimulator) -> None:
    # np.zeros takes calloc's pages; a copy goes through numpy's allocator, which advises
    # transparent huge pages for large blocks.
    sim.state = type(sim.state)(*(array.copy() for array in sim.state))
    sim.tapes = type(sim.tapes)(*(array.copy() for array in sim.tapes))


def _unchanged(sim: BatchSimulator) -> None:
    pass


LAYOUTS: dict[str, Callable[[BatchSimulator], None]] = {
    "float64": _unchanged,
    "float32_held": _float32("held"),
    "float32_tables": _float32("held", "tickets", "emails"),
    "huge_pages": _huge_pages,
    "tiled": _unchanged,
}
VARIANTS = list(LAYOUTS)
WARM_UP_STEPS = 30


def step_major(sim: BatchSimulator, actions: np.ndarray) -> None:
    """One ``sim.step`` per row of ``actions``: every episode steps once, then again."""
    for step_actions in actions:
        sim.step(step_actions)


def tile_major(tile: int) -> Callable[[BatchSimulator, np.ndarray], None]:
    """Every step of ``actions`` for ``tile`` episodes, then the next ``tile`` episodes."""

    def run(sim: BatchSimulator, actions: np.ndarray) -> None:
        batch = len(sim.out.rewards)
        for start in range(0, batch, tile):
            rows = slice(start, start + tile)
            # BatchSimulator.step's kernel on views of the tile's rows: leading-axis slices of
            # C-ordered arrays keep their numba type, so nothing is compiled again.
            state = type(sim.state)(*(array[rows] for array in sim.state))
            tapes = type(sim.tapes)(*(array[rows] for array in sim.tapes))
            out = type(sim.out)(*(field[rows] for field in sim.out))
            everyone = sim._all[rows]
            for step_actions in actions:
                sim._step(state, tapes, sim.model, step_actions[rows], everyone, out)

    return run


def build(variant: str, batch: int) -> BatchSimulator:
    sim = BatchSimulator(load_config(None), batch)
    sim.reset(np.arange(batch), [np.random.default_rng(i) for i in range(batch)])
    # BatchSimulator.step's kernels keep the types of their first call (jit.BoundKernel): the
    # step kernel is first called after this, and the batch is never reset again.
    LAYOUTS[variant](sim)
    return sim


def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    """Nanoseconds per env-step of each variant, one figure per repetition."""
    sims = {variant: build(variant, args.batch) for variant in args.variants}
    size = (WARM_UP_STEPS + args.steps, args.batch, 4)
    actions = np.random.default_rng(0).integers(0, [3, 4, 6, 3], size=size)
    warm_up, timed = actions[:WARM_UP_STEPS], actions[WARM_UP_STEPS:]
    runners = {v: tile_major(args.tile) if v == "tiled" else step_major for v in sims}
    for sim in sims.values():
        step_major(sim, warm_up)
    snapshots = {v: [a.copy() for a in sim.state] for v, sim in sims.items()}
    times: dict[str, list[float]] = {variant: [] for variant in sims}
    for _ in range(args.repetitions):
        for variant, sim in sims.items():
            for array, saved in zip(sim.state, snapshots[variant], strict=True):
                array[...] = saved
            start = time.perf_counter()
            runners[variant](sim, timed)
            elapsed = time.perf_counter() - start
            times[variant].append(elapsed / args.steps / args.batch * 1e9)
    if "tiled" in sims and "float64" in sims:
        _check_same_result(sims["tiled"], sims["float64"])
    return times


def _check_same_result(tiled: BatchSimulator, shipped: BatchSimulator) -> None:
    """Stepping tile by tile must be a reordering of the same work, not different work."""
    pairs = [*zip(tiled.state, shipped.state, strict=True)]
    pairs += [*zip(tiled.out, shipped.out, strict=True)]
    if not all(np.array_equal(a, b) for a, b in pairs):
        raise AssertionError("the tiled run ended in a different state from the float64 run")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=40, help="steps per timed repetition")
    parser.add_argument("--repetitions", type=int, default=12)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=VARIANTS)
    parser.add_argument("--tile", type=int, default=128, help="episodes per tile of 'tiled'")
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
