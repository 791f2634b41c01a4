"""HelixDesk: a customer-support email-queue environment for RL and LLM agents.

``import helixdesk`` registers the Gymnasium id ``helixdesk/HelixDesk-v0``::

    import gymnasium as gym
    import helixdesk  # noqa: F401

    env = gym.make("helixdesk/HelixDesk-v0")
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

from helixdesk.config import ConfigError, HelixConfig, load_config
from helixdesk.env import HelixDeskEnv

ENV_ID = "helixdesk/HelixDesk-v0"

__all__ = ["ENV_ID", "ConfigError", "HelixConfig", "HelixDeskEnv", "load_config"]
__version__ = "0.1.0"

if ENV_ID not in registry:
    # Horizon enforcement stays inside the env (it reports truncation itself), so the id's
    # max_episode_steps is left unset: a config with a different episode length just works.
    register(id=ENV_ID, entry_point="helixdesk.env:HelixDeskEnv")
