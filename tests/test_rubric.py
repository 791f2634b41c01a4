"""The reward as a Rubric tree: twelve named parts whose scores are the step's components."""

from __future__ import annotations

import pytest

from helixdesk import HelixDeskEnv
from helixdesk.rewards import COMPONENTS, components_from_info
from helixdesk.rubric import HelixDeskRubric
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.tasks import TASK_IDS, make_env
from helixdesk.wire import HelixDeskAction
from tests.live_server import scripted_action


@pytest.mark.parametrize("task", [*TASK_IDS, None])
def test_rubric__parts_are_the_components_and_the_root_is_the_reward(task: str | None) -> None:
    served = HelixDeskEnvironment()
    gym_env = make_env(task) if task is not None else HelixDeskEnv()
    served.reset(seed=4, task=task)
    gym_env.reset(seed=4)
    done, step = False, 0
    while not done:
        action = HelixDeskAction.model_validate(scripted_action(step))
        observation = served.step(action)
        _, reward, _, truncated, info = gym_env.step(action.to_codes(5))
        parts = dict(served.rubric.named_rubrics())
        assert tuple(parts) == COMPONENTS
        assert {name: part.last_score for name, part in parts.items()} == components_from_info(info)
        assert observation.reward == served.rubric.last_score == reward
        done, step = truncated, step + 1
    assert observation.done


def test_rubric__reset_clears_the_scores() -> None:
    served = HelixDeskEnvironment()
    served.reset(seed=1, task="easy")
    served.step(HelixDeskAction.model_validate(scripted_action(0)))
    served.reset(seed=2, task="easy")
    assert served.rubric.last_score is None
    assert all(part.last_score is None for part in served.rubric.rubrics())


def test_rubric__root_clips_the_sum_but_not_the_settlement() -> None:
    class Scored:
        reward_components = dict.fromkeys(COMPONENTS, 0.5)
        reward_settlement = 0.0

    assert HelixDeskRubric(clip=1.0)(None, Scored()) == 1.0
    Scored.reward_components = dict.fromkeys(COMPONENTS, -0.5)
    assert HelixDeskRubric(clip=1.0)(None, Scored()) == -1.0
    Scored.reward_settlement = -3.0  # the last step: its backlog settles after the shift
    assert HelixDeskRubric(clip=1.0)(None, Scored()) == -1.0 - 3.0
