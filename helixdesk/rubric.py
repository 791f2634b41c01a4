"""The step reward as an OpenEnv Rubric tree (RFC 004): the twelve components, named.

:class:`HelixDeskRubric` is the root: its children are the twelve components of
:mod:`helixdesk.rewards`, one :class:`ComponentRubric` each, named as the components are, in
their order. Scoring a step's observation, a child's score is that component's value
(``observation.reward_components[name]``, the simulator's ``info["reward_<name>"]``) and the
root's is their sum less the settlement (``observation.reward_settlement``: what settled
after the shift, on the last step only) clipped to ``[-clip, clip]``, plus the settlement:
the step reward, bit for bit (the simulator does the same arithmetic in the same order).
After a step, trainers read every part::

    for name, part in env.rubric.named_rubrics():
        print(name, part.last_score)

``reset`` clears the scores (``last_score`` None until the next step).

The root scores its children itself, writing each one's ``last_score``, instead of calling
them: thirteen Rubric calls per step took ~20 µs, as long as the simulator's step. A child
called on its own scores the same; hooks registered on a child run only then (the root's
run on every step).
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
    """The step reward: the twelve components' sum, less the settlement, clipped to
    ``[-clip, clip]``, plus the settlement."""

    def __init__(self, clip: float) -> None:
        super().__init__()
        self.clip = clip
        for component in COMPONENTS:
            setattr(self, component, ComponentRubric(component))

    def forward(self, action: Any, observation: Any) -> float:
        components = observation.reward_components
        total = 0.0
        for name, part in self.named_children():
            value = components[name]
            object.__setattr__(part, "last_score", value)  # what part(action, observation) gives
            total += value
        settlement = observation.reward_settlement
        return min(self.clip, max(-self.clip, total - settlement)) + settlement

    def reset(self) -> None:
        self.last_score = None
        for part in self.children():
            part.reset()
