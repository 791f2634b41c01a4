"""A deterministic triage heuristic that reads only the observation and the action mask."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.env import ACTION_MASK
from helixdesk.spaces import (
    ALERT_GM,
    AUTO_REPLY,
    CATEGORY_CODE_SLOTS,
    CATEGORY_CODES,
    COMPLAINT,
    CRITICAL,
    FLAG_FOR_REVIEW,
    HIGH,
    MEDIUM,
    NO_SECONDARY,
    NORMAL,
    QUERY,
    ObservationLayout,
    mask_offsets,
)

REVIEW_CONFIDENCE = 0.45  # below this the upstream classifier is unsure: ask a human
COMPLAINT_SENTIMENT = -0.1
ANGRY_SENTIMENT = -0.6
SURGE_GROWTH = 0.3


class RuleAgent(BaseAgent):
    """What a sensible support lead would script, using no ground truth.

    * keyword flag → complaint, critical (the house rule);
    * classifier confidence < 0.45 → flag for review;
    * otherwise sentiment < -0.1 → complaint (high if very negative or enterprise, else
      medium), else query;
    * a query the KB can answer (auto-reply unmasked) is auto-replied and left unassigned;
      everything else goes to the least-loaded employee with room;
    * the GM is alerted when the email's category shows watchdog growth > 0.3.

    It ignores employee skills, surge history and the email text: there is headroom above it.
    """

    name = "rule"

    def __init__(self, env: gym.Env) -> None:
        unwrapped: Any = env.unwrapped
        self._layout: ObservationLayout = unwrapped.layout
        self._n_employees = self._layout.n_employees
        self._masks = mask_offsets(self._n_employees)
        codes = CATEGORY_CODES[: len(self._layout.categories)]
        self._category_of_code = {tuple(code.astype(int)): c for c, code in enumerate(codes)}

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        features = self._layout.decode(obs)
        sentiment, keyword = features["sentiment"], features["keyword_flag"] > 0.5
        mask = info[ACTION_MASK]
        if keyword:
            cls, priority = COMPLAINT, CRITICAL
        elif features["agent_confidence"] < REVIEW_CONFIDENCE:
            return np.array([FLAG_FOR_REVIEW, NORMAL, self._n_employees, NO_SECONDARY])
        elif sentiment < COMPLAINT_SENTIMENT:
            angry = sentiment < ANGRY_SENTIMENT or features["tier_enterprise"] > 0.5
            cls, priority = COMPLAINT, HIGH if angry else MEDIUM
        else:
            cls, priority = QUERY, NORMAL
        if cls == QUERY and mask[self._masks["secondary"] + AUTO_REPLY]:
            return np.array([cls, priority, self._n_employees, AUTO_REPLY])
        return np.array(
            [cls, priority, self._least_loaded(features, mask), self._secondary(features)]
        )

    def _least_loaded(self, features: dict[str, np.float32], mask: np.ndarray) -> int:
        loads = [features[f"employee_{e}_load"] for e in range(self._n_employees)]
        start = self._masks["assignment"]
        available = mask[start : start + self._n_employees]
        if not available.any():
            return self._n_employees
        return int(np.argmin(np.where(available, loads, np.inf)))

    def _category(self, features: dict[str, np.float32]) -> int | None:
        """The index of the email's category, read off its category code (None after the
        last email)."""
        code = tuple(int(features[f"category_code_{i}"]) for i in range(CATEGORY_CODE_SLOTS))
        return self._category_of_code.get(code)

    def _growth(self, features: dict[str, np.float32], category: int | None) -> np.float32:
        """The watchdog growth of the email's category (0 when there is no email)."""
        if category is None:
            return np.float32(0.0)
        return features[f"trend_{self._layout.categories[category]}"]

    def _secondary(self, features: dict[str, np.float32]) -> int:
        if self._growth(features, self._category(features)) > SURGE_GROWTH:
            return ALERT_GM
        return NO_SECONDARY
