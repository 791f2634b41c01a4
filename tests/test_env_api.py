"""The Gymnasium contract: checkers, registration, info, errors, rendering, masks."""

from __future__ import annotations

import copy
import itertools
import pickle
import subprocess
import sys
import warnings

import cloudpickle
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import helixdesk
from helixdesk import HelixDeskEnv
from helixdesk.env import INFO_KEYS
from helixdesk.rewards import COMPONENTS, components_from_info
from helixdesk.spaces import action_choices, mask_offsets
from tests.conftest import NINE_CATEGORIES, SIX_EMPLOYEES, events

CONFIGS = [None, SIX_EMPLOYEES, NINE_CATEGORIES]
DOCUMENTED_INFO_KEYS = {
    "reward_raw",
    "reward_settlement",
    *(f"reward_{name}" for name in COMPONENTS),
    "action_mask",
    "applied_action",
    "email_index",
    "sim_hours",
}


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "six_employees", "nine_categories"])
def test_checkers__gymnasium_and_sb3_pass_without_warnings(config: dict | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(helixdesk.ENV_ID, config=config)
        check_env(env.unwrapped)
        sb3_check_env(HelixDeskEnv(config=config))


def test_registration__make_by_id_and_module_prefix() -> None:
    env = gym.make("helixdesk:helixdesk/HelixDesk-v0")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (42,)


def test_episode__is_truncated_after_episode_emails_steps() -> None:
    env = HelixDeskEnv(config={"env": {"episode_emails": 7}})
    env.reset(seed=0)
    flags = [env.step(env.action_space.sample())[2:4] for _ in range(7)]
    assert flags[:-1] == [(False, False)] * 6
    assert flags[-1] == (False, True)
    with pytest.raises(gym.error.ResetNeeded, match="episode is over"):
        env.step(env.action_space.sample())


def test_info__has_the_same_keys_every_step(env: HelixDeskEnv) -> None:
    assert set(INFO_KEYS) == DOCUMENTED_INFO_KEYS
    _, info = env.reset(seed=1)
    assert tuple(info) == INFO_KEYS
    for step in range(100):
        _, reward, _, _, info = env.step(env.action_space.sample())
        assert tuple(info) == INFO_KEYS
        assert step == 99 or info["reward_settlement"] == 0.0  # the last step settles
        assert list(components_from_info(info)) == list(COMPONENTS)
        assert sum(components_from_info(info).values()) == pytest.approx(info["reward_raw"])
        settlement = info["reward_settlement"]
        assert reward == np.clip(info["reward_raw"] - settlement, -1.0, 1.0) + settlement


def test_info__values_are_numpy_values_no_python_numbers_and_no_dicts(env: HelixDeskEnv) -> None:
    # Vectorising stacks each key into one array, and TorchRL specs info from numpy dtypes.
    for info in (env.reset(seed=1)[1], env.step(env.action_space.sample())[4]):
        assert all(isinstance(value, np.generic | np.ndarray) for value in info.values())


def test_step_before_reset__is_a_clear_error(env: HelixDeskEnv) -> None:
    with pytest.raises(gym.error.ResetNeeded, match="call reset"):
        env.step(np.zeros(4, dtype=np.int64))


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ([3, 0, 0, 0], r"action\[0\] \(classification\) must be in 0..2 \(query, complaint"),
        ([0, 4, 0, 0], r"action\[1\] \(priority\) must be in 0..3"),
        ([0, 0, 6, 0], r"action\[2\] \(assignment\) must be in 0..5 \(employee_0, .*no_assignment"),
        ([0, 0, 0, -1], r"action\[3\] \(secondary\) must be in 0..2"),
        ([0, 0, 0], r"action must have shape \(4,\)"),
        ([0.5, 0, 0, 0], "action must hold integers"),
    ],
)
def test_invalid_action__raises_value_error_naming_dimension(
    env: HelixDeskEnv, action: list, message: str
) -> None:
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.step(np.array(action))


def test_integral_float_action__is_accepted(env: HelixDeskEnv) -> None:
    env.reset(seed=0)
    env.step(np.array([1.0, 0.0, 2.0, 2.0]))


def test_flag_for_review__forces_the_other_dimensions(env: HelixDeskEnv) -> None:
    env.reset(seed=0)
    *_, info = env.step(np.array([2, 0, 1, 1]))
    assert info["applied_action"].tolist() == [2, 3, 5, 2]
    # The raw action asked for a GM alert; the forced one must not pay or charge for it.
    assert events(env, "triaged")[-1]["server"] == env.config.env.n_employees  # the review queue
    assert len(env.event_log.of_kind("gm_alerted")) == 0


def masked_choices(env: HelixDeskEnv, mask: np.ndarray) -> set[tuple[str, str]]:
    """The (action field, choice) pairs that ``mask`` advises against."""
    offsets = mask_offsets(env.config.env.n_employees)
    return {
        (dim, name)
        for dim, names in action_choices(env.config).items()
        for i, name in enumerate(names)
        if not mask[offsets[dim] + i]
    }


def test_action_masks__flag_full_employees_and_missing_kb_answers() -> None:
    env = HelixDeskEnv(config={"env": {"employee_capacity": 2}})
    _, info = env.reset(seed=4)
    assert info["action_mask"].shape == (16,)
    assert np.array_equal(env.action_masks(), info["action_mask"])
    no_kb = ("secondary", "auto_reply_from_kb")
    saw_no_kb = False
    for _ in range(3):  # three complaints to employee 0 exceed capacity 2
        *_, info = env.step(np.array([1, 0, 0, 2]))
        saw_no_kb |= no_kb in masked_choices(env, info["action_mask"])
    # Only employee_0 is masked (at capacity), and perhaps the auto-reply: classification,
    # priority, the others' room, no_assignment, alert_gm and none are never masked.
    assert masked_choices(env, info["action_mask"]) - {no_kb} == {("assignment", "employee_0")}
    for _ in range(40):
        *_, info = env.step(np.array([0, 3, 5, 2]))
        saw_no_kb |= no_kb in masked_choices(env, info["action_mask"])
    assert saw_no_kb


def test_render_ansi__shows_email_queue_and_team() -> None:
    env = HelixDeskEnv(render_mode="ansi")
    env.reset(seed=0)
    env.step(np.array([1, 0, 0, 2]))
    text = env.render()
    assert isinstance(text, str)
    assert "email 1/100" in text
    assert "employee_4" in text
    assert "queue:" in text


def test_render_rgb_array__draws_a_frame_of_the_desk_that_follows_the_episode() -> None:
    env = gym.make(helixdesk.ENV_ID, render_mode="rgb_array")
    with pytest.raises(gym.error.ResetNeeded):
        env.render()
    env.reset(seed=0)
    frames = [env.render()]
    for _ in range(10):
        env.step(env.action_space.sample())
        frames.append(env.render())
    assert all(frame.shape == (400, 800, 3) and frame.dtype == np.uint8 for frame in frames)
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(frames))
    assert len(np.unique(frames[-1].reshape(-1, 3), axis=0)) > 10  # text and gauges, not a fill


def test_render__draws_nothing_without_a_render_mode_and_loads_no_drawing_library() -> None:
    code = (
        "import sys, helixdesk; env = helixdesk.HelixDeskEnv(); env.reset(seed=0); "
        "env.step(env.action_space.sample()); assert env.render() is None; "
        "assert 'PIL' not in sys.modules and 'helixdesk.render' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def _twins(env: HelixDeskEnv) -> list[HelixDeskEnv]:
    return [
        copy.deepcopy(env),
        pickle.loads(pickle.dumps(env)),
        cloudpickle.loads(cloudpickle.dumps(env)),
    ]


def test_copies__continue_the_episode_exactly_and_independently(env: HelixDeskEnv) -> None:
    env.reset(seed=9)
    env.action_space.seed(9)
    actions = [env.action_space.sample() for _ in range(60)]
    for action in actions[:20]:
        env.step(action)
    twins = _twins(env)
    for action in actions[20:]:
        expected = env.step(action)
        for twin in twins:
            got = twin.step(action)
            assert np.array_equal(got[0], expected[0]) and got[1:4] == expected[1:4]
            assert all(np.array_equal(got[4][k], v) for k, v in expected[4].items())
    assert all(np.array_equal(twin.event_log.records, env.event_log.records) for twin in twins)
    alone = copy.deepcopy(env)
    alone.reset(seed=1)
    assert env.email_index == 60 and alone.email_index == 0


def test_render_mode__rejects_unknown_modes() -> None:
    with pytest.raises(ValueError, match="render_mode must be one of"):
        HelixDeskEnv(render_mode="human")


def test_email_text__is_available_for_the_current_email(env: HelixDeskEnv) -> None:
    env.reset(seed=0)
    email = env.email_text()
    assert email.subject
    assert email.body
    assert email.category in env.config.email_gen.categories
