"""SB3 on the native vector env: the adapter honours SB3's VecEnv contract and PPO learns on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv

from helixdesk.env import HelixDeskEnv
from helixdesk.sb3 import DeskFeatures, HelixDeskSB3VecEnv, ScenarioMixVecEnv

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


def test_scenario_mix__blocks_run_their_own_config_exactly() -> None:
    configs = [SHORT, {"env": {"episode_emails": 8}}, None]
    mix = ScenarioMixVecEnv(num_envs=5, configs=configs)
    assert [block.num_envs for block in mix.blocks] == [2, 2, 1]
    alone = [HelixDeskSB3VecEnv(n, config) for n, config in zip((2, 2, 1), configs, strict=True)]
    mix.seed(11)
    for block, start in zip(alone, (11, 13, 15), strict=True):
        block.seed(start)
    assert np.array_equal(mix.reset(), np.concatenate([block.reset() for block in alone]))
    rng = np.random.default_rng(0)
    lengths = []
    for _ in range(16):
        actions = rng.integers(0, [3, 4, 6, 3], size=(5, 4))
        obs, rewards, dones, infos = mix.step(actions)
        expected = [
            block.step(actions[start : start + block.num_envs])
            for block, start in zip(alone, (0, 2, 4), strict=True)
        ]
        assert np.array_equal(obs, np.concatenate([out[0] for out in expected]))
        assert np.array_equal(rewards, np.concatenate([out[1] for out in expected]))
        assert np.array_equal(dones, np.concatenate([out[2] for out in expected]))
        lengths += [info["episode"]["l"] for info in infos if "episode" in info]
    assert set(lengths) == {8, 16}  # the default config's 100-email episode is not over yet
    assert mix.action_masks().shape == (5, 16)
    assert len(mix.env_method("action_masks", indices=[0, 4])) == 2


def test_scenario_mix__refuses_configs_with_different_spaces() -> None:
    with pytest.raises(ValueError, match="must share team size and categories"):
        ScenarioMixVecEnv(num_envs=2, configs=[None, {"env": {"n_employees": 6}}])
    with pytest.raises(ValueError, match="cannot give each of the 3 configs a sub-env"):
        ScenarioMixVecEnv(num_envs=2, configs=[None, None, None])


def test_maskable_ppo__trains_on_a_scenario_mix() -> None:
    mix = ScenarioMixVecEnv(num_envs=4, configs=[SHORT, {"env": {"episode_emails": 8}}])
    model = MaskablePPO("MlpPolicy", mix, n_steps=32, batch_size=64, n_epochs=1, device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256


def test_desk_features__decode_the_category_its_trend_and_its_specialist() -> None:
    env = HelixDeskEnv()
    features = DeskFeatures(env.observation_space, n_employees=5, n_categories=8)
    categories = env.config.email_gen.categories
    obs, _ = env.reset(seed=3)
    blocks = features.blocks
    for _ in range(20):
        out = features(torch.as_tensor(obs[None]))[0].numpy()
        name = env.email_text().category
        category = categories.index(name)
        assert np.array_equal(out[blocks["observation"]], obs)
        assert np.flatnonzero(out[blocks["category"]]).tolist() == [category]
        assert out[blocks["growth"]] == pytest.approx([obs[env.layout.index[f"trend_{name}"]]])
        assert np.flatnonzero(out[blocks["specialist"]]).tolist() == [category % 5]
        obs, *_ = env.step(np.array([0, 3, 5, 2]))
    with pytest.raises(ValueError, match="does not fit 6 employees"):
        DeskFeatures(env.observation_space, n_employees=6, n_categories=8)
