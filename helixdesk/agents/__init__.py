"""Baseline agents: every agent has ``act(obs, info) -> np.ndarray``.

:class:`OracleAgent` is PRIVILEGED: it reads the episode's ground truth, the ceiling of every
table and never a baseline to beat. :class:`TunedAgent` is the strongest honest heuristic.

:class:`LLMAgent` needs the ``llm`` extra: it imports ``openai`` only when built.
:class:`PolicyAgent` needs the ``train`` extra; it is imported on first use, so importing
this package never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helixdesk.agents.base_agent import BaseAgent
from helixdesk.agents.llm_agent import (
    LLMActionError,
    LLMAgent,
    LLMCallError,
    LLMConfigError,
    LLMError,
)
from helixdesk.agents.oracle import OracleAgent, OracleRules
from helixdesk.agents.random_agent import RandomAgent
from helixdesk.agents.rule_agent import RuleAgent
from helixdesk.agents.tuned import TunedAgent, TunedParams

if TYPE_CHECKING:
    from helixdesk.agents.policy_agent import PolicyAgent


def __getattr__(name: str) -> Any:
    if name == "PolicyAgent":
        from helixdesk.agents.policy_agent import PolicyAgent

        return PolicyAgent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BaseAgent",
    "LLMActionError",
    "LLMAgent",
    "LLMCallError",
    "LLMConfigError",
    "LLMError",
    "OracleAgent",
    "OracleRules",
    "PolicyAgent",
    "RandomAgent",
    "RuleAgent",
    "TunedAgent",
    "TunedParams",
]
