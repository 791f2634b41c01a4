"""Baseline agents: every agent has ``act(obs, info) -> np.ndarray``.

:class:`LLMAgent` needs the ``llm`` extra: it imports ``openai`` only when built.
"""

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.agents.llm_agent import (
    LLMActionError,
    LLMAgent,
    LLMCallError,
    LLMConfigError,
    LLMError,
)
from helixdesk.agents.random_agent import RandomAgent
from helixdesk.agents.rule_agent import RuleAgent

__all__ = [
    "BaseAgent",
    "LLMActionError",
    "LLMAgent",
    "LLMCallError",
    "LLMConfigError",
    "LLMError",
    "RandomAgent",
    "RuleAgent",
]
