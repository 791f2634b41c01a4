"""The reward: twelve named components and their clipped sum.

Each step the simulator counts how often every component fired: the step's email fires the
triage components (classification, keyword, escalation, balance, auto-reply, GM alert), and
every ticket that settles while the clock runs to the next email fires the outcome components
(on-time resolution, CSAT, missed deadline, reopen, KB update). A component's value is
``weight × rewards.scale × count``. The weights are the seed's figures (``rewards.*``); they
set the components' relative sizes. ``rewards.scale`` (default 0.2) sizes them so that the
seed's per-step clip to ``[-1, 1]`` (``env.reward_clip``) rarely binds: at full size a
correct, balanced triage (+0.9) plus any on-time resolution would exceed it on most steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from helixdesk.config import HelixConfig

COMPONENTS = (
    "resolve_on_time",
    "csat_high",
    "trend_prevented",
    "correct_classification",
    "balanced_assignment",
    "kb_updated",
    "missed_deadline",
    "bad_autoreply",
    "unnecessary_escalation",
    "misclassification",
    "complaint_reopened",
    "keyword_flag_missed",
)
(
    RESOLVE_ON_TIME,
    CSAT_HIGH,
    TREND_PREVENTED,
    CORRECT_CLASSIFICATION,
    BALANCED_ASSIGNMENT,
    KB_UPDATED,
    MISSED_DEADLINE,
    BAD_AUTOREPLY,
    UNNECESSARY_ESCALATION,
    MISCLASSIFICATION,
    COMPLAINT_REOPENED,
    KEYWORD_FLAG_MISSED,
) = range(len(COMPONENTS))


def component_values(config: HelixConfig) -> np.ndarray:
    """Reward of one occurrence of each component, in ``COMPONENTS`` order."""
    weights = config.rewards
    return np.array([getattr(weights, name) * weights.scale for name in COMPONENTS])


# Each component's value is reported under its own flat ``info`` key, so that vectorising the
# env (Gymnasium's ``sync`` mode or the native vector env) stacks it into one array and TorchRL
# can spec it: a nested dict of components does neither.
COMPONENT_INFO_KEYS = tuple(f"reward_{name}" for name in COMPONENTS)


def component_info(counts: np.ndarray, values: np.ndarray) -> dict[str, np.float64]:
    """The step's components as ``info`` entries: ``reward_<component>`` -> numpy float.

    Adding 0.0 turns the -0.0 of a silent penalty into a plain 0.0. (Both have one entry per
    component; a strict zip would cost a tenth of the single env's step.)
    """
    return dict(zip(COMPONENT_INFO_KEYS, counts * values + 0.0, strict=False))


def components_from_info(info: Mapping[str, Any]) -> dict[str, float]:
    """The named components (``COMPONENTS`` order) of a single env's ``info``.

    A step's ``info`` reports all twelve; a component whose key is absent is left out, for
    the caller to name (as :class:`helixdesk.models.HelixReward` does).
    """
    return {
        name: float(info[key])
        for name, key in zip(COMPONENTS, COMPONENT_INFO_KEYS, strict=True)
        if key in info
    }
