"""The native vector env: the same simulator as the single env, batched."""

from __future__ import annotations

import copy
import pickle
import time

import cloudpickle
import gymnasium as gym
import numba
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from gymnasium.wrappers.vector import RecordEpisodeStatistics

import helixdesk
from helixdesk import HelixDeskEnv
from helixdesk.rewards import COMPONENTS, components_from_info
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.dynamics.engine import step_batch, step_batch_parallel
from helixdesk.simulator.jit import FasterKernel
from helixdesk.vector import HelixDeskVectorEnv

EPISODE = 12  # short episodes so a test crosses several autoresets
PARALLEL = BatchSimulator.PARALLEL_FROM  # batches this big step on several threads


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
            steps.append((obs, reward, terminated, truncated, components_from_info(info)))
            needs_reset = truncated
        runs.append(steps)
    return runs


@pytest.mark.parametrize("n", [3, PARALLEL + 6], ids=["serial", "parallel"])
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
                assert info[f"reward_{name}"][i] == s_components[name], (t, i, name)


def _assert_same_info(native: dict, sync: dict, where: object) -> None:
    """Same keys; every value of the same dtype and shape and equal (``final_obs`` holds
    arrays or None, ``final_info`` is a stacked info)."""
    assert set(native) == set(sync), (where, set(native) ^ set(sync))
    for key, expected in sync.items():
        got = native[key]
        if key == "final_obs":
            assert [o is None for o in got] == [o is None for o in expected], (where, key)
            pairs = [(a, b) for a, b in zip(got, expected, strict=True) if b is not None]
            assert all(np.array_equal(a, b) for a, b in pairs), (where, key)
        elif isinstance(expected, dict):
            _assert_same_info(got, expected, (where, key))
        else:
            assert (got.dtype, got.shape) == (expected.dtype, expected.shape), (where, key)
            assert np.array_equal(got, expected), (where, key)


MODES = [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED]


@pytest.mark.parametrize("n", [3, PARALLEL + 1], ids=["serial", "parallel"])
@pytest.mark.parametrize("mode", MODES, ids=[mode.name for mode in MODES])
def test_vector__returns_what_sync_mode_returns(mode: AutoresetMode, n: int) -> None:
    # Sub-envs restart at different steps (a masked reset at step 4), cross several episode
    # ends, and with DISABLED are reset through reset_mask when they end.
    kwargs = {"config": {"env": {"episode_emails": EPISODE}}, "num_envs": n}
    native = gym.make_vec(
        helixdesk.ENV_ID, vectorization_mode="vector_entry_point", autoreset_mode=mode, **kwargs
    )
    sync = gym.make_vec(
        helixdesk.ENV_ID, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode},
        **kwargs,
    )  # fmt: skip
    pairs = zip(native.reset(seed=3), sync.reset(seed=3), strict=True)
    (obs, expected_obs), (info, expected_info) = pairs
    assert np.array_equal(obs, expected_obs)
    _assert_same_info(info, expected_info, "reset")
    staggered = np.arange(n) % 2 == 0
    for t, actions in enumerate(_actions(3 * EPISODE, n, seed=1)):
        got, expected = native.step(actions), sync.step(actions)
        names = ("obs", "reward", "terminated", "truncated")
        for name, a, b in zip(names, got[:4], expected[:4], strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b), (t, name)
        _assert_same_info(got[4], expected[4], t)
        ended = got[3]
        mask = staggered if t == 4 else ended if mode == AutoresetMode.DISABLED else None
        if mask is not None and mask.any():
            options = {"reset_mask": mask}
            (obs, info), (expected_obs, expected_info) = (
                native.reset(options=dict(options)),
                sync.reset(options=dict(options)),
            )
            assert np.array_equal(obs, expected_obs), (t, "reset obs")
            _assert_same_info(info, expected_info, (t, "reset"))


@pytest.mark.parametrize("mode", MODES, ids=[mode.name for mode in MODES])
def test_make_vec__declares_the_autoreset_mode_as_gymnasium_and_torchrl_read_it(
    mode: AutoresetMode,
) -> None:
    envs = gym.make_vec(
        helixdesk.ENV_ID, num_envs=2, vectorization_mode="vector_entry_point",
        autoreset_mode=mode.value,
    )  # fmt: skip
    assert envs.metadata["autoreset_mode"] == mode
    assert envs.unwrapped.autoreset_mode == mode
    assert HelixDeskVectorEnv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP  # untouched


def test_make_vec__returns_the_native_batched_env() -> None:
    envs = gym.make_vec(helixdesk.ENV_ID, num_envs=8, vectorization_mode="vector_entry_point")
    assert isinstance(envs.unwrapped, HelixDeskVectorEnv)
    assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, info = envs.reset(seed=0)
    assert obs.shape == (8, 42) and obs.dtype == np.float32
    assert envs.observation_space.contains(obs)
    assert info["action_mask"].shape == (8, 16)


def test_make_vec__honours_max_episode_steps_and_render_mode() -> None:
    envs = gym.make_vec(
        helixdesk.ENV_ID, num_envs=2, vectorization_mode="vector_entry_point",
        max_episode_steps=3, render_mode="rgb_array",
    )  # fmt: skip
    envs.reset(seed=0)
    flags = [envs.step(envs.action_space.sample())[3].tolist() for _ in range(3)]
    assert flags == [[False, False], [False, False], [True, True]]
    frames = envs.render()
    assert len(frames) == 2 and all(frame.shape == (400, 800, 3) for frame in frames)
    assert frames[0].dtype == np.uint8 and not np.array_equal(frames[0], frames[1])
    with pytest.raises(ValueError, match="render_mode must be one of"):
        HelixDeskVectorEnv(2, render_mode="human")


def test_disabled_autoreset__stepping_an_ended_sub_env_is_a_clear_error() -> None:
    vec = HelixDeskVectorEnv(
        2, config={"env": {"episode_emails": 2}}, autoreset_mode=AutoresetMode.DISABLED
    )
    vec.reset(seed=0)
    for _ in range(2):
        vec.step(vec.action_space.sample())
    with pytest.raises(gym.error.ResetNeeded, match=r"sub-envs \[0, 1\] ended"):
        vec.step(vec.action_space.sample())
    vec.reset(options={"reset_mask": np.array([True, True])})
    vec.step(vec.action_space.sample())


def test_reset_mask__is_checked_as_sync_mode_checks_it() -> None:
    vec = HelixDeskVectorEnv(2)
    with pytest.raises(TypeError, match="numpy bool array"):
        vec.reset(options={"reset_mask": [True, False]})
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        vec.reset(options={"reset_mask": np.ones(3, dtype=np.bool_)})
    with pytest.raises(ValueError, match="at least one"):
        vec.reset(options={"reset_mask": np.zeros(2, dtype=np.bool_)})


def test_vector__writes_no_key_gymnasium_wrappers_reserve() -> None:
    # RecordEpisodeStatistics owns info["episode"]; it refuses to run if the env writes it.
    envs = RecordEpisodeStatistics(HelixDeskVectorEnv(4, config={"env": {"episode_emails": 5}}))
    envs.reset(seed=0)
    total = np.zeros(4)
    for _ in range(5):
        _, rewards, _, truncated, info = envs.step(envs.action_space.sample())
        total += rewards
    assert truncated.all() and info["_episode"].all()
    assert np.allclose(info["episode"]["r"], total)
    assert (info["episode"]["l"] == 5).all()
    _, rewards, _, truncated, info = envs.step(envs.action_space.sample())
    assert not truncated.any() and (rewards == 0).all()  # the autoreset step
    assert (info["applied_action"] == -1).all()


@pytest.mark.parametrize("n", [3, PARALLEL], ids=["serial", "parallel"])
def test_vector__copies_and_unpickled_envs_continue_the_episode_exactly(n: int) -> None:
    vec = HelixDeskVectorEnv(n, config={"env": {"episode_emails": EPISODE}})
    vec.reset(seed=2)
    actions = _actions(2 * EPISODE, n, seed=4)
    for step_actions in actions[:5]:
        vec.step(step_actions)
    copies = [copy.deepcopy(vec), pickle.loads(pickle.dumps(vec))]
    copies.append(cloudpickle.loads(cloudpickle.dumps(vec)))
    for step_actions in actions[5:]:
        expected = vec.step(step_actions)
        for twin in copies:
            got = twin.step(step_actions)
            assert all(np.array_equal(a, b) for a, b in zip(got[:4], expected[:4], strict=True))
            _assert_same_info(got[4], expected[4], "copy")
    other, alone = copy.deepcopy(vec), copy.deepcopy(vec)
    alone.step(actions[0])  # stepping one copy leaves the original and the other copy alone
    got, expected = vec.step(actions[1]), other.step(actions[1])
    assert all(np.array_equal(a, b) for a, b in zip(got[:4], expected[:4], strict=True))


def test_threads__the_step_kernel_follows_the_setting_and_never_changes_results() -> None:
    actions = _actions(EPISODE + 3, PARALLEL, seed=6)
    counts = (None, 1, numba.config.NUMBA_NUM_THREADS)
    envs = [HelixDeskVectorEnv(PARALLEL, threads=threads) for threads in counts]
    assert envs[1]._sim._step.kernel is step_batch  # one thread: the serial kernel only
    for env in (envs[0], envs[2]):
        assert [k.kernel for k in env._sim._step.kernels] == [step_batch, step_batch_parallel]
        env._sim._step.RETRY_AFTER = 0.0  # switch kernels as often as possible
    results = [[env.reset(seed=1)[0], *(env.step(a)[0] for a in actions)] for env in envs]
    assert all(
        np.array_equal(a, b)
        for other in results[1:]
        for a, b in zip(results[0], other, strict=True)
    )
    with pytest.raises(ValueError, match=r"threads must be in 1\.\."):
        HelixDeskVectorEnv(PARALLEL, threads=0)


class _Sleeper:
    """A stand-in kernel that takes ``seconds`` per call and counts its calls."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.calls = seconds, 0

    def __call__(self) -> None:
        self.calls += 1
        time.sleep(self.seconds)


@pytest.mark.parametrize("slow", [0, 1], ids=["serial_slow", "parallel_slow"])
def test_faster_kernel__runs_the_faster_kernel_and_only_tries_the_other(slow: int) -> None:
    kernels = [_Sleeper(0.0), _Sleeper(0.0)]
    kernels[slow].seconds = 0.004
    faster = FasterKernel(*kernels)  # type: ignore[arg-type]
    for _ in range(300):
        faster()
    assert faster.current == 1 - slow
    assert kernels[slow].calls < 30  # its first call and a few trials


def test_vector__arrays_a_step_returned_are_not_changed_by_later_calls() -> None:
    vec = HelixDeskVectorEnv(4, config={"env": {"episode_emails": 5}})
    vec.reset(seed=0)
    for _ in range(5):
        obs, rewards, _, truncated, info = vec.step(vec.action_space.sample())
    returned = [obs, rewards, truncated, *(v for k, v in info.items() if not k.startswith("_"))]
    kept = [array.copy() for array in returned]
    vec.reset(options={"reset_mask": truncated})
    vec.step(vec.action_space.sample())
    assert truncated.all()
    assert all(np.array_equal(now, then) for now, then in zip(returned, kept, strict=True))


def test_vector__takes_actions_and_masks_in_any_layout() -> None:
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
    expected = plain.reset(options={"reset_mask": np.array([True, False, True, False])})[0]
    spread_mask = np.array([True, True, False, False, True, True, False, False])
    assert np.array_equal(other.reset(options={"reset_mask": spread_mask[::2]})[0], expected)
