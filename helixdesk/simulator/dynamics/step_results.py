"""What a vector step hands back for each sub-env, gathered in one compiled pass.

After the step kernel has run, the vector env returns fresh arrays of rewards, raw rewards,
truncation flags, reward components and applied actions, with the sub-envs that were reset
this step (inactive) reading 0, ``False`` and -1. In NumPy that took about ten passes over
the batch and 0.6–1 ms per step at 4096 envs; this kernel visits each sub-env once.
"""

from __future__ import annotations

import numpy as np

from helixdesk.simulator.jit import step_kernel
from helixdesk.simulator.schema import Scalar


@step_kernel
def gather_results(
    active: np.ndarray,
    out,
    counts: np.ndarray,
    values: np.ndarray,
    scalars: np.ndarray,
    horizon: float,
    results,
) -> None:
    """Fill ``results`` (rewards, raw rewards, truncated, components, applied: fresh arrays
    the caller hands out) from the step's ``out`` and ``counts``; an episode is truncated once
    it has triaged ``horizon`` emails. ``components`` is ``(n_components, batch)``, so that
    each component's array is contiguous; a component is its count times its value, with
    -0.0 read as 0.0."""
    rewards, raw, truncated, components, applied = results
    for b in range(active.shape[0]):
        if active[b]:
            rewards[b] = out.rewards[b]
            raw[b] = out.raw_rewards[b]
            truncated[b] = scalars[b, Scalar.EMAIL] >= horizon
            for c in range(values.shape[0]):
                components[c, b] = counts[b, c] * values[c] + 0.0
            for i in range(applied.shape[1]):
                applied[b, i] = out.applied[b, i]
        else:
            rewards[b] = 0.0
            raw[b] = 0.0
            truncated[b] = False
            for c in range(values.shape[0]):
                components[c, b] = 0.0
            for i in range(applied.shape[1]):
                applied[b, i] = -1
