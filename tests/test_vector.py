"""The native vector env: the same simulator as the single env, batched."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import helixdesk
from helixdesk import HelixDeskEnv
from helixdesk.rewards import COMPONENTS
from helixdesk.vector import HelixDeskVectorEnv

EPISODE = 12  # short episodes so a test crosses several autoresets


def _actions(steps: int, n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, [3, 4, 6, 3], size=(steps, n, 4))


def _single_trajectories(n: int, seed: int, actions: np.ndarray) -> list[list[tuple]]:
    """What n single envs do with NEXT_STEP autoreset emulated by hand."""
    config = {"env": {"episode_emails": EPISODE}}
    runs = []
    for i in range(n):
        env = HelixDeskEnv(config=config)
        obs, _ = env.reset(seed=seed + i)
        steps, needs_reset = [], False
        for action in actions[:, i]:
            if needs_reset:
                obs, _ = env.reset()
                steps.append((obs, 0.0, False, False, dict.fromkeys(COMPONENTS, 0.0)))
                needs_reset = False
                continue
            obs, reward, terminated, truncated, info = env.step(action)
            steps.append((obs, reward, terminated, truncated, info["reward_components"]))
            needs_reset = truncated
        runs.append(steps)
    return runs


@pytest.mark.parametrize("n", [3, 70], ids=["serial", "parallel"])
def test_vector__matches_single_envs_across_autoresets(n: int) -> None:
    steps = 3 * EPISODE + 5
    actions = _actions(steps, n)
    singles = _single_trajectories(n, seed=11, actions=actions)
    vec = HelixDeskVectorEnv(n, config={"env": {"episode_emails": EPISODE}})
    vec.reset(seed=11)
    for t in range(steps):
        obs, rewards, terminated, truncated, info = vec.step(actions[t])
        for i in range(n):
            s_obs, s_reward, s_term, s_trunc, s_components = singles[i][t]
            assert np.array_equal(obs[i], s_obs), (t, i)
            assert rewards[i] == s_reward, (t, i)
            assert (terminated[i], truncated[i]) == (s_term, s_trunc), (t, i)
            for name in COMPONENTS:
                assert info["reward_components"][name][i] == s_components[name], (t, i, name)


def test_make_vec__returns_the_native_batched_env() -> None:
    envs = gym.make_vec(helixdesk.ENV_ID, num_envs=8, vectorization_mode="vector_entry_point")
    assert isinstance(envs.unwrapped, HelixDeskVectorEnv)
    assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, info = envs.reset(seed=0)
    assert obs.shape == (8, 42) and obs.dtype == np.float32
    assert envs.observation_space.contains(obs)
    assert info["action_mask"].shape == (8, 16)


def test_vector__reports_episode_statistics_when_an_episode_ends() -> None:
    vec = HelixDeskVectorEnv(4, config={"env": {"episode_emails": 5}})
    vec.reset(seed=0)
    total = np.zeros(4)
    for _ in range(5):
        _, rewards, _, truncated, info = vec.step(vec.action_space.sample())
        total += rewards
    assert truncated.all()
    assert info["_episode"].all()
    assert np.allclose(info["episode"]["r"], total)
    assert (info["episode"]["l"] == 5).all()
    _, rewards, _, truncated, info = vec.step(vec.action_space.sample())
    assert not truncated.any() and (rewards == 0).all()  # the autoreset step
    assert (info["applied_action"] == -1).all()


def test_vector__rejects_bad_actions_with_a_clear_error() -> None:
    vec = HelixDeskVectorEnv(2)
    vec.reset(seed=0)
    with pytest.raises(ValueError, match=r"action\[2\] \(assignment\) must be in 0..5"):
        vec.step(np.array([[0, 0, 0, 0], [0, 0, 9, 0]]))
    with pytest.raises(ValueError, match=r"actions must have shape \(2, 4\)"):
        vec.step(np.zeros((3, 4), dtype=np.int64))


def test_vector__step_before_reset_is_a_clear_error() -> None:
    with pytest.raises(gym.error.ResetNeeded):
        HelixDeskVectorEnv(2).step(np.zeros((2, 4), dtype=np.int64))


def test_vector__arrays_a_step_returned_are_not_changed_by_later_calls() -> None:
    vec = HelixDeskVectorEnv(4, config={"env": {"episode_emails": 5}})
    vec.reset(seed=0)
    for _ in range(5):
        obs, rewards, _, truncated, info = vec.step(vec.action_space.sample())
    returned = [obs, rewards, truncated, info["reward_raw"], info["applied_action"]]
    returned += list(info["reward_components"].values())
    kept = [array.copy() for array in returned]
    vec.reset_envs(np.flatnonzero(truncated))
    vec.step(vec.action_space.sample())
    assert truncated.all()
    assert all(np.array_equal(now, then) for now, then in zip(returned, kept, strict=True))


def test_vector__takes_actions_and_indices_in_any_integer_layout() -> None:
    # The kernels are called with the types of their first call (jit.BoundKernel), so other
    # layouts must be converted, not read as if they were C-ordered int64.
    actions = _actions(3, 4)
    plain, other = HelixDeskVectorEnv(4), HelixDeskVectorEnv(4)
    plain.reset(seed=5)
    other.reset(seed=5)
    for step_actions in actions:
        spread = np.zeros((4, 8), dtype=np.int32)
        spread[:, ::2] = step_actions
        expected = plain.step(step_actions)[0]
        assert np.array_equal(other.step(spread[:, ::2])[0], expected)
    every = np.arange(4)
    expected = plain.reset_envs(np.array([0, 2]))
    assert np.array_equal(other.reset_envs(every[::2]), expected)
