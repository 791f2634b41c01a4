"""SB3 on the native vector env: the adapter honours SB3's VecEnv contract and PPO learns on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv

from helixdesk.sb3 import HelixDeskSB3VecEnv

SHORT = {"env": {"episode_emails": 16}}


def test_adapter__resets_finished_envs_in_the_same_step() -> None:
    env = HelixDeskSB3VecEnv(num_envs=3, config=SHORT)
    env.seed(5)
    first = env.reset()
    again = HelixDeskSB3VecEnv(num_envs=3, config=SHORT)
    again.seed(5)
    assert np.array_equal(first, again.reset())
    for _ in range(16):
        obs, rewards, dones, infos = env.step(np.zeros((3, 4), dtype=np.int64))
        assert rewards.dtype == np.float32
    assert dones.all()
    for info in infos:
        assert info["TimeLimit.truncated"] is True
        assert info["terminal_observation"].shape == (42,)
        assert info["episode"]["l"] == 16
    assert not np.array_equal(obs[0], infos[0]["terminal_observation"])  # already reset
    assert len(env.env_method("action_masks")) == 3


def test_ppo__trains_saves_and_loads(tmp_path: Path) -> None:
    env = HelixDeskSB3VecEnv(num_envs=4, config=SHORT)
    assert isinstance(env, VecEnv)
    model = PPO("MlpPolicy", env, n_steps=32, batch_size=64, n_epochs=1, device="cpu", seed=0)
    model.learn(total_timesteps=256)
    path = tmp_path / "ppo.zip"
    model.save(path)
    loaded = PPO.load(path, device="cpu")
    action, _ = loaded.predict(env.reset(), deterministic=True)
    assert action.shape == (4, 4)


def test_maskable_ppo__uses_the_action_masks() -> None:
    env = HelixDeskSB3VecEnv(num_envs=4, config=SHORT)
    model = MaskablePPO("MlpPolicy", env, n_steps=32, batch_size=64, n_epochs=1, device="cpu")
    model.learn(total_timesteps=256)
