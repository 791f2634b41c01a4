"""Compile every simulator kernel now: ``python -m helixdesk.warmup``.

The simulator's kernels are compiled by numba on their first use after an install or upgrade
(a few minutes on 2 cores; ``docs/performance.md``) and loaded from numba's cache afterwards
(seconds). Running this once after installing moves that wait out of the first experiment;
a server calls :func:`warm_up` at start-up so that no request pays for it.
"""

from __future__ import annotations

import time

import numpy as np

from helixdesk.env import HelixDeskEnv
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.jit import FasterKernel
from helixdesk.vector import HelixDeskVectorEnv


def warm_up() -> float:
    """Compile (or load from the cache) every kernel the envs run; return the seconds taken.

    The kernels are compiled for argument types, not sizes: one single env (the serial step
    and reset) and one vector env just big enough to run the parallel ones cover them all.
    """
    start = time.perf_counter()
    single = HelixDeskEnv()
    single.reset(seed=0)
    single.step(np.zeros(4, dtype=np.int64))
    batch = BatchSimulator.PARALLEL_FROM
    vector = HelixDeskVectorEnv(batch)
    vector.reset(seed=0)
    # The serial step kernel's first two calls, then a trial of the parallel one.
    for _ in range(FasterKernel.TRIAL_CALLS + 2):
        vector.step(np.zeros((batch, 4), dtype=np.int64))
    return time.perf_counter() - start


def main() -> int:
    print("HelixDesk: compiling the simulator kernels (or loading them from numba's cache)...")
    print(f"HelixDesk: kernels ready in {warm_up():.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
