"""Same seed, same episode; different seeds, different inboxes."""

from __future__ import annotations

import numpy as np

from helixdesk import HelixDeskEnv


def _trajectory(env: HelixDeskEnv, seed: int | None, actions: np.ndarray) -> list:
    obs, info = env.reset(seed=seed)
    steps = [(obs, info)]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        steps.append((obs, reward, terminated, truncated, info))
    return steps


def _assert_equal(a: object, b: object) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys()
        for key in a:
            _assert_equal(a[key], b[key])
    elif isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_equal(x, y)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype
        assert np.array_equal(a, b)
    else:
        assert a == b


def _actions(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, [3, 4, 6, 3], size=(n, 4))


def test_same_seed__identical_whole_episode() -> None:
    actions = _actions(100)
    first = _trajectory(HelixDeskEnv(), 123, actions)
    second = _trajectory(HelixDeskEnv(), 123, actions)
    _assert_equal(first, second)
    assert first[-1][3] is True  # the episode really ran to truncation


def test_same_seed__identical_event_log() -> None:
    envs = [HelixDeskEnv(), HelixDeskEnv()]
    for env in envs:
        _trajectory(env, 9, _actions(100))
    assert np.array_equal(envs[0].event_log.records, envs[1].event_log.records)


def test_different_seed__different_inbox() -> None:
    a, b = HelixDeskEnv(), HelixDeskEnv()
    a.reset(seed=1)
    b.reset(seed=2)
    assert not np.array_equal(a.tape.emails, b.tape.emails)


def test_unseeded_reset__continues_the_generator() -> None:
    env = HelixDeskEnv()
    env.reset(seed=5)
    first = env.tape.emails.copy()
    env.reset()
    second = env.tape.emails.copy()
    assert not np.array_equal(first, second)
    replay = HelixDeskEnv()
    replay.reset(seed=5)
    replay.reset()
    assert np.array_equal(replay.tape.emails, second)


def test_unseeded_envs__do_not_replay_the_same_stream() -> None:
    a, b = HelixDeskEnv(), HelixDeskEnv()
    a.reset()
    b.reset()
    assert not np.array_equal(a.tape.emails, b.tape.emails)
