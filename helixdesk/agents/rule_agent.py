"""A deterministic triage heuristic that reads only the observation and the action mask."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk.agents.base_agent import BaseAgent, action_nvec
from helixdesk.spaces import (
    ALERT_GM,
    AUTO_REPLY,
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
        self._nvec = action_nvec(env)
        groups = self._layout.groups
        self._email = groups["current_email"].start
        self._team = groups["team_state"].start
        self._trend = groups["trend_state"].start
        self._confidence = groups["episode_progress"].stop - 1
        codes = CATEGORY_CODES[: len(self._layout.categories)]
        self._code_index = {tuple(code.astype(int)): i for i, code in enumerate(codes)}

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        sentiment, keyword = obs[self._email], obs[self._email + 1] > 0.5
        enterprise = obs[self._email + 4] > 0.5
        mask = info["action_mask"]
        if keyword:
            cls, priority = COMPLAINT, CRITICAL
        elif obs[self._confidence] < REVIEW_CONFIDENCE:
            return np.array([FLAG_FOR_REVIEW, NORMAL, self._n_employees, NO_SECONDARY])
        elif sentiment < COMPLAINT_SENTIMENT:
            angry = sentiment < ANGRY_SENTIMENT or enterprise
            cls, priority = COMPLAINT, HIGH if angry else MEDIUM
        else:
            cls, priority = QUERY, NORMAL
        auto_reply_slot = int(self._nvec[:3].sum()) + AUTO_REPLY
        if cls == QUERY and mask[auto_reply_slot]:
            return np.array([cls, priority, self._n_employees, AUTO_REPLY])
        return np.array([cls, priority, self._least_loaded(obs, mask), self._secondary(obs)])

    def _least_loaded(self, obs: np.ndarray, mask: np.ndarray) -> int:
        loads = obs[self._team : self._team + 2 * self._n_employees : 2]
        start = int(self._nvec[0] + self._nvec[1])
        available = mask[start : start + self._n_employees]
        if not available.any():
            return self._n_employees
        return int(np.argmin(np.where(available, loads, np.inf)))

    def _secondary(self, obs: np.ndarray) -> int:
        code = tuple(obs[self._email + 5 : self._email + 10].astype(int))
        category = self._code_index.get(code)
        if category is not None and obs[self._trend + category] > SURGE_GROWTH:
            return ALERT_GM
        return NO_SECONDARY
