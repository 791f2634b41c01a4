"""A typed OpenEnv client for a running HelixDesk server (WebSocket sessions).

Each client holds one session, that is one environment on the server::

    from helixdesk.client import HelixDeskClient
    from helixdesk.wire import HelixDeskAction

    with HelixDeskClient(base_url="http://127.0.0.1:7860").sync() as client:
        result = client.reset(seed=42, task="medium")
        while not result.done:
            action = HelixDeskAction(
                classification="query", priority="normal", assignment="employee_0",
                secondary="none",
            )
            result = client.step(action)
        print(result.observation.grade)

Needs the ``server`` extra (``pip install "helixdesk[server]"``).
"""

from __future__ import annotations

from typing import Any

from helixdesk.openenv_api import EnvClient, StepResult
from helixdesk.spaces import ACTION_DIMS
from helixdesk.wire import HelixDeskAction, HelixDeskObservation, HelixDeskState


class HelixDeskClient(EnvClient[HelixDeskAction, HelixDeskObservation, HelixDeskState]):
    """``reset(seed=…, task=…, episode_id=…)``, ``step(action)``, ``state()``; async by
    default, ``.sync()`` for a blocking client."""

    def _step_payload(self, action: HelixDeskAction) -> dict[str, Any]:
        return action.model_dump(include=set(ACTION_DIMS))

    def _parse_result(self, payload: dict[str, Any]) -> StepResult[HelixDeskObservation]:
        reward, done = payload.get("reward"), bool(payload.get("done", False))
        observation = HelixDeskObservation.model_validate(
            {**payload["observation"], "reward": reward, "done": done}
        )
        return StepResult(
            observation=observation, reward=reward, done=done, metadata=payload.get("metadata")
        )

    def _parse_state(self, payload: dict[str, Any]) -> HelixDeskState:
        return HelixDeskState.model_validate(payload)
