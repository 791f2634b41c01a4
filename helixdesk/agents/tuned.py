"""The tuned heuristic: the strongest honest scripted agent, the bar a learned policy must clear.

It reads only the observation, the action mask and the scenario's public config (the team's
skills, which the desk view lists as each employee's specialties) — never the tape or the
simulator's state. It is the rule agent (:class:`~helixdesk.agents.rule_agent.RuleAgent`)
with every threshold fitted per scenario on training seeds, plus what a careful engineer
adds in a day:

* **tone contradicted** — between the review threshold and ``invert_below`` the classifier's
  confidence is low enough that an email's tone probably contradicts its type (the
  ambiguous emails of the spec), so the tone's verdict is flipped;
* **priority bands** — a complaint's priority from its sentiment: critical below
  ``critical_sentiment``, high below ``high_sentiment`` or for enterprise customers, else
  medium;
* **skill-aware routing** — the employee with room minimising queue length plus
  ``skill_weight`` if they are weak in the email's category; nobody when every such queue
  holds ``max_queue`` tickets or more;
* **safe auto-reply** — a query is auto-replied when the KB has an entry (mask) and the
  confidence is at least ``reply_confidence``, and it is still assigned, so a failed reply
  falls to an employee instead of being abandoned.

The fitted values are in ``tuned.json`` beside this module, written by
``python bench/tune_heuristic.py`` (its ``command`` field records the exact call). A config
that is none of the packaged scenarios gets :class:`TunedParams`' defaults, the rule agent's
thresholds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk import spaces
from helixdesk.agents.rule_agent import (
    ANGRY_SENTIMENT,
    COMPLAINT_SENTIMENT,
    REVIEW_CONFIDENCE,
    SURGE_GROWTH,
    RuleAgent,
)
from helixdesk.config import HelixConfig
from helixdesk.simulator.dynamics.employee_sim import skill_matrix

FITTED_PATH = Path(__file__).with_name("tuned.json")


@dataclass(frozen=True)
class TunedParams:
    """The tuned agent's thresholds (module docstring); the defaults are the rule agent's,
    with every addition switched off."""

    review_below: float = REVIEW_CONFIDENCE
    invert_below: float = REVIEW_CONFIDENCE  # at or below review_below: never flips
    complaint_sentiment: float = COMPLAINT_SENTIMENT
    high_sentiment: float = ANGRY_SENTIMENT
    critical_sentiment: float = -1.0  # sentiment is never below -1: never critical
    alert_growth: float = SURGE_GROWTH
    skill_weight: float = 0.0
    max_queue: int = 1_000_000  # above any capacity: never leaves an email unassigned
    reply_confidence: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def load_fitted(path: Path = FITTED_PATH) -> dict[str, TunedParams]:
    """The fitted parameters by scenario name, as ``bench/tune_heuristic.py`` wrote them."""
    scenarios = json.loads(path.read_text(encoding="utf-8"))["scenarios"]
    return {name: TunedParams(**values) for name, values in scenarios.items()}


@cache
def _fitted() -> dict[str, TunedParams]:
    return load_fitted()


def fitted_params(config: HelixConfig) -> TunedParams:
    """The parameters fitted for the scenario ``config`` plays, else the defaults."""
    from helixdesk.tasks import scenario_of  # the task registry imports the agents

    name = scenario_of(config)
    return _fitted().get(name, TunedParams()) if name is not None else TunedParams()


class TunedAgent(RuleAgent):
    """The rule agent, fitted and extended (module docstring). Honest: it reads the
    observation, the action mask and the public config only."""

    name = "tuned"

    def __init__(self, env: gym.Env, params: TunedParams | None = None) -> None:
        super().__init__(env)
        unwrapped: Any = env.unwrapped
        config = unwrapped.config
        self.params = params or fitted_params(config)
        self._capacity = config.env.employee_capacity
        self._weak = skill_matrix(config)[: self._n_employees] < 1.0

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        features, mask = self._layout.decode(obs), info["action_mask"]
        if features["keyword_flag"] > 0.5:
            cls, priority = spaces.COMPLAINT, spaces.CRITICAL
        elif features["agent_confidence"] < self.params.review_below:
            return np.array(
                [spaces.FLAG_FOR_REVIEW, spaces.NORMAL, self._n_employees, spaces.NO_SECONDARY]
            )
        else:
            cls = self._classify(features)
            priority = self._priority(features) if cls == spaces.COMPLAINT else spaces.NORMAL
        category = self._category(features)
        assignee = self._route(features, mask, category)
        secondary = self._choose_secondary(cls, features, mask, category)
        return np.array([cls, priority, assignee, secondary])

    def _classify(self, features: dict[str, np.float32]) -> int:
        """Complaint when the tone says so, unless the confidence says the tone lies."""
        complaint_tone = features["sentiment"] < self.params.complaint_sentiment
        contradicted = features["agent_confidence"] < self.params.invert_below
        return spaces.COMPLAINT if complaint_tone != contradicted else spaces.QUERY

    def _priority(self, features: dict[str, np.float32]) -> int:
        sentiment = features["sentiment"]
        if sentiment < self.params.critical_sentiment:
            return spaces.CRITICAL
        if sentiment < self.params.high_sentiment or features["tier_enterprise"] > 0.5:
            return spaces.HIGH
        return spaces.MEDIUM

    def _route(
        self, features: dict[str, np.float32], mask: np.ndarray, category: int | None
    ) -> int:
        """Shortest queue, a weak employee counting ``skill_weight`` tickets more."""
        loads = np.array([features[f"employee_{e}_load"] for e in range(self._n_employees)])
        queued = np.rint(loads * self._capacity)
        penalty = self._weak[:, category] * self.params.skill_weight if category is not None else 0
        start = self._masks["assignment"]
        available = mask[start : start + self._n_employees]
        if not available.any() or queued[available].min() >= self.params.max_queue:
            return self._n_employees
        return int(np.argmin(np.where(available, queued + penalty, np.inf)))

    def _choose_secondary(
        self, cls: int, features: dict[str, np.float32], mask: np.ndarray, category: int | None
    ) -> int:
        """Auto-reply a query the KB covers when confident enough; else alert on growth."""
        confident = features["agent_confidence"] >= self.params.reply_confidence
        if cls == spaces.QUERY and confident and mask[self._masks["secondary"] + spaces.AUTO_REPLY]:
            return spaces.AUTO_REPLY
        if self._growth(features, category) > self.params.alert_growth:
            return spaces.ALERT_GM
        return spaces.NO_SECONDARY
