"""HelixDesk: a customer-support email-queue environment for RL and LLM agents.

``import helixdesk`` registers the Gymnasium id ``helixdesk/HelixDesk-v0``::

    import gymnasium as gym
    import helixdesk  # noqa: F401

    env = gym.make("helixdesk/HelixDesk-v0")
    envs = gym.make_vec("helixdesk/HelixDesk-v0", num_envs=1024,
                        vectorization_mode="vector_entry_point")  # native batched env

The simulator's kernels compile on first use after an install (a few minutes; then cached):
``python -m helixdesk.warmup`` or ``helixdesk.warm_up()`` does it ahead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gymnasium.envs.registration import register, registry

if TYPE_CHECKING:
    from helixdesk.config import ConfigError, HelixConfig, load_config
    from helixdesk.env import HelixDeskEnv
    from helixdesk.warmup import warm_up

ENV_ID = "helixdesk/HelixDesk-v0"

__all__ = ["ENV_ID", "ConfigError", "HelixConfig", "HelixDeskEnv", "load_config", "warm_up"]
__version__ = "0.1.0"

if ENV_ID not in registry:
    # Horizon enforcement stays inside the env (it reports truncation itself), so the id's
    # max_episode_steps is left unset: a config with a different episode length just works.
    register(
        id=ENV_ID,
        entry_point="helixdesk.env:HelixDeskEnv",
        vector_entry_point="helixdesk.vector:HelixDeskVectorEnv",
    )


def __getattr__(name: str) -> Any:
    # The env pulls in numba and the compiled kernels, the config layer pydantic and YAML;
    # load them on first use so that `import helixdesk` (and the id registration) stays cheap.
    if name == "HelixDeskEnv":
        from helixdesk.env import HelixDeskEnv

        return HelixDeskEnv
    if name == "warm_up":
        from helixdesk.warmup import warm_up

        return warm_up
    if name in ("ConfigError", "HelixConfig", "load_config"):
        from helixdesk import config

        return getattr(config, name)
    raise AttributeError(f"module 'helixdesk' has no attribute {name!r}")
