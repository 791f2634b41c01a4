"""Where a vector-env step spends its time, per compiled simulator function.

Usage (Linux, with ``perf`` from Debian's ``linux-perf``)::

    perf record -e cpu-clock -F 2000 -o kernels.data python bench/profile_kernels.py
    perf report -i kernels.data --no-children --sort sym | grep helixdesk

The script compiles the kernels afresh (into a temporary cache folder: kernels loaded from
numba's cache carry no symbol table), writes ``/tmp/perf-PID.map`` so that ``perf`` can name
them, then steps a batch of episodes with random actions for ``--seconds``. Every
``episode_emails - 20`` steps it restores a snapshot taken 20 steps into the episodes, so it
times mid-episode steps only. Inlined functions (small helpers by LLVM, the hot step
functions by numba's ``inline="always"``) show up inside their callers, most of a step inside
``engine._step_episode``. Figures quoted in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="helixdesk-profile-")

import numpy as np

from helixdesk.config import load_config
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.jit import simulator_kernels

WARM_STEPS = 20


def compiled_symbols() -> list[tuple[int, str]]:
    """(address, name) of every function numba has compiled for the simulator so far."""
    symbols = set()
    for kernel in simulator_kernels().values():
        for result in kernel.overloads.values():
            library = result.library
            for function in library._final_module.functions:
                if not function.is_declaration:
                    address = library.get_pointer_to_function(function.name)
                    if address:
                        symbols.add((address, function.name))
    return sorted(symbols)


def write_perf_map(symbols: list[tuple[int, str]]) -> None:
    """perf's JIT map: one ``start size name`` line per function (sizes up to the next)."""
    ends = [address for address, _ in symbols[1:]] + [symbols[-1][0] + 4096]
    with open(f"/tmp/perf-{os.getpid()}.map", "w", encoding="utf-8") as out:
        for (address, name), end in zip(symbols, ends, strict=True):
            out.write(f"{address:x} {end - address:x} {name}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=4096)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    config = load_config(None)
    sim = BatchSimulator(config, args.envs)
    sim.reset(np.arange(args.envs), [np.random.default_rng(i) for i in range(args.envs)])
    rng = np.random.default_rng(0)
    actions = rng.integers(0, [3, 4, 6, 3], size=(64, args.envs, 4))
    for i in range(WARM_STEPS):
        sim.step(actions[i % len(actions)])
    write_perf_map(compiled_symbols())
    snapshot = [array.copy() for array in sim.state]
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        for array, saved in zip(sim.state, snapshot, strict=True):
            array[...] = saved
        for i in range(config.env.episode_emails - WARM_STEPS):
            sim.step(actions[i % len(actions)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
