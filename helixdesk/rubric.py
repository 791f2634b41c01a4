"""The step reward as an OpenEnv Rubric tree (RFC 004): the twelve components, named.

:class:`HelixDeskRubric` is the root: its children are the twelve components of
:mod:`helixdesk.rewards`, one :class:`ComponentRubric` each, named as the components are, in
their order. Scoring a step's observation, a child's score is that component's value
(``observation.reward_components[name]``, the simulator's ``info["reward_<name>"]``) and the
root's is their sum clipped to ``[-clip, clip]``: the step reward, bit for bit (the
simulator adds the same values in the same order). After a step, trainers read every part::

    for name, part in env.rubric.named_rubrics():
        print(name, part.last_score)

``reset`` clears the scores (``last_score`` None until the next step).
"""

from __future__ import annotations

from typing import Any

from helixdesk.openenv_api import Rubric
from helixdesk.rewards import COMPONENTS


class ComponentRubric(Rubric):
    """One reward component's value in the step's observation."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def forward(self, action: Any, observation: Any) -> float:
        value: float = observation.reward_components[self.component]
        return value

    def reset(self) -> None:
        self.last_score = None


class HelixDeskRubric(Rubric):
    """The step reward: the twelve components' sum, clipped to ``[-clip, clip]``."""

    def __init__(self, clip: float) -> None:
        super().__init__()
        self.clip = clip
        for component in COMPONENTS:
            setattr(self, component, ComponentRubric(component))

    def forward(self, action: Any, observation: Any) -> float:
        total = 0.0
        for part in self.children():
            total += part(action, observation)
        return min(self.clip, max(-self.clip, total))

    def reset(self) -> None:
        self.last_score = None
        for part in self.children():
            part.reset()
