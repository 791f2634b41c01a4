"""Typed views: exact conversion to and from the env's numpy actions, observations and rewards."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from helixdesk import HelixDeskEnv, load_config
from helixdesk.models import EmployeeState, HelixAction, HelixObservation, HelixReward
from helixdesk.rewards import COMPONENTS, components_from_info
from helixdesk.simulator.schema import Email
from helixdesk.spaces import (
    CATEGORY_CODE_SLOTS,
    CATEGORY_CODES,
    TIERS,
    ObservationLayout,
    action_nvec,
)
from tests.conftest import NINE_CATEGORIES, SIX_EMPLOYEES

DEFAULT_CATEGORIES = list(load_config().email_gen.categories)
CONFIGS: dict[str, dict[str, Any] | None] = {
    "default": None,
    "six_employees": SIX_EMPLOYEES,
    "nine_categories": NINE_CATEGORIES,
}
SEEDS = (0, 1)


@dataclass
class Rollout:
    """Everything a random-action run of one config produced."""

    env: HelixDeskEnv
    observations: list[np.ndarray] = field(default_factory=list)
    emails: list[np.ndarray | None] = field(default_factory=list)  # each obs' tape email row
    steps: list[tuple[float, dict[str, Any]]] = field(default_factory=list)


def _run(config: dict[str, Any] | None) -> Rollout:
    env = HelixDeskEnv(config=config)
    env.action_space.seed(0)
    rollout = Rollout(env)
    for seed in SEEDS:
        obs, _ = env.reset(seed=seed)
        _record(rollout, obs)
        truncated = False
        while not truncated:
            obs, reward, _, truncated, info = env.step(env.action_space.sample())
            _record(rollout, obs)
            rollout.steps.append((reward, info))
    return rollout


def _record(rollout: Rollout, obs: np.ndarray) -> None:
    env = rollout.env
    rollout.observations.append(obs)
    done = env.email_index >= env.config.env.episode_emails
    rollout.emails.append(None if done else env.tape.emails[env.email_index].copy())


@pytest.fixture(scope="module", params=list(CONFIGS), ids=list(CONFIGS))
def rollout(request: pytest.FixtureRequest) -> Rollout:
    return _run(CONFIGS[request.param])


def _layout(n_employees: int = 5, categories: list[str] = DEFAULT_CATEGORIES) -> ObservationLayout:
    return ObservationLayout(n_employees, tuple(categories))


# -- observation -------------------------------------------------------------------------


def test_observation__round_trip_is_exact(rollout: Rollout) -> None:
    layout = rollout.env.layout
    for obs in rollout.observations:
        back = HelixObservation.from_vector(obs, layout).to_vector(layout)
        assert back.dtype == np.float32
        assert back.shape == (layout.size,)
        assert back.tobytes() == obs.tobytes()


def test_observation__names_the_email_on_the_tape(rollout: Rollout) -> None:
    categories = rollout.env.config.email_gen.categories
    for obs, row in zip(rollout.observations, rollout.emails, strict=True):
        email = HelixObservation.from_vector(obs, rollout.env.layout).current_email
        if row is None:
            assert (email.tier, email.category, email.keyword_flag) == (None, None, False)
            continue
        assert email.category == categories[int(row[Email.CATEGORY])]
        assert email.tier == TIERS[int(row[Email.TIER])]
        assert email.keyword_flag == bool(row[Email.KEYWORD])


def test_observation__groups_follow_the_layout(rollout: Rollout) -> None:
    layout = rollout.env.layout
    obs = rollout.observations[10]
    view = HelixObservation.from_vector(obs, layout)
    assert len(view.team) == layout.n_employees
    assert tuple(view.trends) == layout.categories
    index = layout.index
    assert view.progress.steps_remaining == obs[index["steps_remaining"]]
    assert view.progress.episode_reward == obs[index["episode_reward"]]
    assert view.current_email.agent_confidence == obs[index["agent_confidence"]]
    last = layout.n_employees - 1
    assert view.team[-1].avg_resolve == obs[index[f"employee_{last}_avg_resolve"]]


def test_observation__from_vector_rejects_wrong_shape() -> None:
    layout = _layout()
    with pytest.raises(ValueError, match=r"shape \(42,\)"):
        HelixObservation.from_vector(np.zeros(44, dtype=np.float32), layout)
    with pytest.raises(ValueError, match="shape"):
        HelixObservation.from_vector(np.zeros((1, 42), dtype=np.float32), layout)


def test_observation__from_vector_rejects_unknown_category_code() -> None:
    layout = _layout()
    vector = np.zeros(layout.size, dtype=np.float32)
    slots = [layout.index[f"category_code_{i}"] for i in range(CATEGORY_CODE_SLOTS)]
    vector[slots] = CATEGORY_CODES[len(DEFAULT_CATEGORIES)]  # the ninth code, unused here
    with pytest.raises(ValueError, match="category code"):
        HelixObservation.from_vector(vector, layout)


def test_observation__from_vector_rejects_non_binary_flags() -> None:
    layout = _layout()
    vector = np.zeros(layout.size, dtype=np.float32)
    vector[layout.index["keyword_flag"]] = 0.5
    with pytest.raises(ValueError, match="keyword_flag"):
        HelixObservation.from_vector(vector, layout)


def test_observation__to_vector_rejects_another_layout(rollout: Rollout) -> None:
    layout = rollout.env.layout
    view = HelixObservation.from_vector(rollout.observations[0], layout)
    with pytest.raises(ValueError, match="employees"):
        view.to_vector(_layout(layout.n_employees + 1, list(layout.categories)))
    with pytest.raises(ValueError, match="categories"):
        view.to_vector(_layout(layout.n_employees, [*layout.categories, "extra"]))


def test_observation__is_frozen_and_bounded(rollout: Rollout) -> None:
    view = HelixObservation.from_vector(rollout.observations[0], rollout.env.layout)
    with pytest.raises(ValidationError):
        view.time = view.time
    with pytest.raises(ValidationError, match="load"):
        EmployeeState(load=1.5, avg_resolve=0.0)


# -- action ------------------------------------------------------------------------------


@pytest.mark.parametrize("n_employees", [5, 6])
def test_action__round_trip_every_action(n_employees: int) -> None:
    nvec = action_nvec(load_config({"env": {"n_employees": n_employees}}))
    for codes in itertools.product(*(range(int(n)) for n in nvec)):
        action = HelixAction.from_array(np.array(codes), n_employees)
        assert action.to_array(n_employees).tolist() == list(codes)
        assert action.to_array(n_employees).dtype == np.int64
        assert HelixAction.model_validate(action.model_dump()) == action


def test_action__accepts_names_and_ints() -> None:
    by_name = HelixAction(
        classification="complaint", priority="critical", assignment="employee_3", secondary="none"
    )
    by_code = HelixAction.model_validate(
        {"classification": 1, "priority": np.int64(0), "assignment": 3, "secondary": 2}
    )
    assert by_name == by_code
    assert by_name.employee == 3
    unassigned = HelixAction.model_validate(
        {"classification": 0, "priority": 3, "assignment": "no_assignment", "secondary": 0}
    )
    assert unassigned.employee is None
    assert unassigned.to_array(5).tolist() == [0, 3, 5, 0]


def test_action__drives_the_env() -> None:
    env = HelixDeskEnv()
    env.reset(seed=0)
    action = HelixAction(
        classification="query", priority="normal", assignment="employee_2", secondary="none"
    )
    *_, info = env.step(action.to_array(env.config.env.n_employees))
    assert info["applied_action"].tolist() == [0, 3, 2, 2]


GOOD = {"classification": 0, "priority": 0, "assignment": 0, "secondary": 0}


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("classification", "spam", "flag_for_review"),
        ("classification", 3, "flag_for_review"),
        ("classification", True, "flag_for_review"),
        ("priority", "urgent", "critical"),
        ("priority", -1, "normal"),
        ("assignment", "bob", "no_assignment"),
        ("assignment", "employee_01", "employee_<i>"),
        ("assignment", -2, "no_assignment"),
        ("assignment", 1.0, "no_assignment"),
        ("secondary", 7, "alert_gm"),
        ("secondary", None, "auto_reply_from_kb"),
    ],
)
def test_action__rejects_bad_values_naming_the_field(name: str, value: Any, allowed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HelixAction.model_validate({**GOOD, name: value})
    assert caught.value.errors()[0]["loc"] == (name,)
    assert name in str(caught.value)
    assert allowed in str(caught.value)


def test_action__rejects_unknown_and_missing_fields() -> None:
    with pytest.raises(ValidationError, match="urgency"):
        HelixAction.model_validate({**GOOD, "urgency": 1})
    with pytest.raises(ValidationError, match="secondary"):
        HelixAction.model_validate({k: v for k, v in GOOD.items() if k != "secondary"})


def test_action__to_array_rejects_employee_beyond_the_team() -> None:
    action = HelixAction.model_validate({**GOOD, "assignment": "employee_5"})
    assert action.to_array(6)[2] == 5
    with pytest.raises(ValueError, match=r"assignment 'employee_5'.*employee_0\.\.employee_4"):
        action.to_array(5)


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([3, 0, 0, 0], r"action\[0\] \(classification\) must be in 0\.\.2, got 3"),
        ([0, 4, 0, 0], r"action\[1\] \(priority\) must be in 0\.\.3, got 4"),
        ([0, 0, 6, 0], r"action\[2\] \(assignment\) must be in 0\.\.5, got 6"),
        ([0, 0, 0, -1], r"action\[3\] \(secondary\) must be in 0\.\.2, got -1"),
    ],
)
def test_action__from_array_rejects_out_of_range_codes(codes: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HelixAction.from_array(np.array(codes), 5)


@pytest.mark.parametrize("action", [np.zeros(3, dtype=np.int64), np.zeros(4), [[0, 0, 0, 0]]])
def test_action__from_array_rejects_wrong_shape_or_dtype(action: Any) -> None:
    with pytest.raises(ValueError, match="4 integers"):
        HelixAction.from_array(action, 5)


# -- reward ------------------------------------------------------------------------------


def test_reward__components_sum_to_raw(rollout: Rollout) -> None:
    clip = rollout.env.config.env.reward_clip
    for reward, info in rollout.steps:
        view = HelixReward.from_step(reward, info)
        assert tuple(view.components) == COMPONENTS
        assert sum(view.components.values()) == pytest.approx(view.raw)
        clipped = np.clip(view.raw - view.settlement, -clip, clip)
        assert view.total == reward == pytest.approx(clipped + view.settlement)


def test_reward__from_step_rejects_incomplete_components(rollout: Rollout) -> None:
    reward, info = rollout.steps[0]
    missing = {key: value for key, value in info.items() if key != f"reward_{COMPONENTS[0]}"}
    with pytest.raises(ValidationError, match=COMPONENTS[0]):
        HelixReward.from_step(reward, missing)
    components = {**components_from_info(info), "bonus": 1.0}
    with pytest.raises(ValidationError, match="bonus"):
        HelixReward(total=reward, raw=info["reward_raw"], components=components)
