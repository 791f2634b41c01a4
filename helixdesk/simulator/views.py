"""Named bundles of arrays handed to the numba kernels.

``Episode`` views one episode of a batch (every array already indexed by ``b``); ``Model``
holds the frozen, config-derived constants; ``Outputs`` holds what each step hands back per
episode (observation, reward, raw reward, next action mask, applied action); ``StepResults``
holds the fresh arrays a vector step returns (:mod:`helixdesk.simulator.step_results`). All
are plain namedtuples, which numba compiles as typed tuples with named fields.
"""

from __future__ import annotations

from collections import namedtuple

Episode = namedtuple(
    "Episode",
    [
        "emails",
        "tickets",
        "servers",
        "scalars",
        "kb",
        "trend",
        "surges",
        "counts",
        "events",
        "n_events",
        "free",
        "queues",
        "pool",
        "pending",
        "held",
    ],
)
Outputs = namedtuple("Outputs", ["obs", "rewards", "raw_rewards", "masks", "applied"])
StepResults = namedtuple(
    "StepResults", ["rewards", "raw_rewards", "truncated", "components", "applied"]
)
Model = namedtuple("Model", ["params", "sla", "skills", "values", "codes", "offsets", "clip"])
