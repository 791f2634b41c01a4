"""Other libraries' own front doors, called as their tutorials call them.

Stable-Baselines3's ``make_vec_env`` (it asks for ``render_mode="rgb_array"``), sb3-contrib's
MaskablePPO through it, TorchRL's ``GymEnv(id, num_envs=N)`` (spawned sub-processes: the env
pickles) and ``GymWrapper`` around the native vector env with its own ``check_env_specs``,
Gymnasium's vector wrappers on the native env, and ``RecordVideo`` on ``rgb_array`` frames.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from gymnasium.wrappers.vector import NormalizeObservation, RecordEpisodeStatistics
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

import helixdesk
from helixdesk.rewards import COMPONENT_INFO_KEYS

SHORT = {"env": {"episode_emails": 16}}


@pytest.mark.slow
def test_sb3_make_vec_env__runs_ppo_updates() -> None:
    envs = make_vec_env(helixdesk.ENV_ID, n_envs=4, seed=0, env_kwargs={"config": SHORT})
    assert envs.render_mode == "rgb_array"  # what make_vec_env asked for
    model = PPO("MlpPolicy", envs, n_steps=32, batch_size=64, n_epochs=1, device="cpu", seed=0)
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
    assert len(model.ep_info_buffer) >= 4  # SB3's Monitor saw whole episodes end


@pytest.mark.slow
def test_maskable_ppo__reads_the_action_masks_through_make_vec_env() -> None:
    envs = make_vec_env(helixdesk.ENV_ID, n_envs=4, seed=0, env_kwargs={"config": SHORT})
    masks = np.stack(envs.env_method("action_masks"))
    assert masks.shape == (4, 16) and masks.dtype == np.bool_
    model = MaskablePPO("MlpPolicy", envs, n_steps=32, batch_size=64, n_epochs=1, device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256


@pytest.mark.slow
def test_torchrl_gym_env__with_sub_processes_passes_check_env_specs() -> None:
    from torchrl.envs import GymEnv
    from torchrl.envs.utils import check_env_specs

    # Spawned workers import only what the id names: "module:id" makes them import helixdesk.
    env = GymEnv(f"helixdesk:{helixdesk.ENV_ID}", num_envs=4, config=SHORT)
    try:
        check_env_specs(env)
        rollout = env.rollout(20, break_when_any_done=False)
        assert rollout["next", "truncated"].sum() == 4  # each sub-env's episode of 16 ended
        assert rollout["next", "reward_raw"].shape[:2] == (4, 20)
    finally:
        env.close()


@pytest.mark.parametrize("mode", [AutoresetMode.SAME_STEP, AutoresetMode.DISABLED])
def test_torchrl_gym_wrapper__wraps_the_native_vector_env(mode: AutoresetMode) -> None:
    from torchrl.envs import GymWrapper
    from torchrl.envs.utils import check_env_specs

    native = gym.make_vec(
        helixdesk.ENV_ID, num_envs=4, vectorization_mode="vector_entry_point",
        autoreset_mode=mode, config={"env": {"episode_emails": 10}},
    )  # fmt: skip
    env = GymWrapper(native)
    if mode == AutoresetMode.DISABLED:
        env.auto_register_info_dict()  # TorchRL reads info by itself only in SAME_STEP mode
    check_env_specs(env)
    rollout = env.rollout(25, break_when_any_done=False)
    assert rollout["next", "truncated"].sum() == 2 * 4  # two episode ends per sub-env
    for key in ("reward_raw", *COMPONENT_INFO_KEYS, "email_index", "sim_hours"):
        assert rollout["next", key].shape[:2] == (4, 25), key


def test_gymnasium_vector_wrappers__run_on_the_native_env() -> None:
    def make() -> gym.vector.VectorEnv:
        return gym.make_vec(
            helixdesk.ENV_ID, num_envs=4, vectorization_mode="vector_entry_point", config=SHORT
        )

    native, plain = make(), make()  # plain: the same episodes without the wrappers
    envs = NormalizeObservation(RecordEpisodeStatistics(native))
    envs.reset(seed=0)
    plain.reset(seed=0)
    envs.action_space.seed(0)
    returns = np.zeros(4)
    for _ in range(16):
        actions = envs.action_space.sample()
        obs, rewards, _, truncated, info = envs.step(actions)
        raw_obs, *_ = plain.step(actions)
        returns += rewards
    assert truncated.all() and info["_episode"].all()
    assert np.allclose(info["episode"]["r"], returns) and (info["episode"]["l"] == 16).all()
    assert (info["episode"]["t"] >= 0).all()  # wall-clock seconds, the wrapper's own
    assert abs(obs.mean()) < 1.0 and not np.array_equal(obs, raw_obs)  # normalised


@pytest.mark.slow
def test_record_video__records_an_episode_of_rgb_frames(tmp_path: Path) -> None:
    env = gym.make(helixdesk.ENV_ID, render_mode="rgb_array", config={"env": {"episode_emails": 8}})
    folder = tmp_path / "videos"
    env = gym.wrappers.RecordVideo(env, str(folder), episode_trigger=lambda episode: True)
    env.reset(seed=0)
    done = False
    while not done:
        *_, terminated, truncated, _ = env.step(env.action_space.sample())
        done = terminated or truncated
    env.close()
    videos = list(folder.glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000
