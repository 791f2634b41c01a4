"""Baseline agents: every agent has ``act(obs, info) -> np.ndarray``."""

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.agents.random_agent import RandomAgent
from helixdesk.agents.rule_agent import RuleAgent

__all__ = ["BaseAgent", "RandomAgent", "RuleAgent"]
