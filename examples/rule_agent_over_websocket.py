"""Play the rule agent against a running HelixDesk server over WebSocket.

Start a server (``python app.py``, or the Docker image), then::

    python examples/rule_agent_over_websocket.py --url http://127.0.0.1:7860 --task medium

The agent acts on the observation's ``vector`` and ``action_mask`` exactly as it would on
``HelixDeskEnv``'s observation and ``info["action_mask"]``. ``RuleAgent`` reads the vector's
layout and the action space from an env, so a local ``HelixDeskEnv`` of the same task is
built for that alone; it is never reset or stepped.
"""

from __future__ import annotations

import argparse

import numpy as np

from helixdesk.agents import RuleAgent
from helixdesk.client import HelixDeskClient
from helixdesk.tasks import TASK_IDS, make_env
from helixdesk.wire import HelixDeskAction


def play(url: str, task: str, seed: int) -> None:
    layout_env = make_env(task)
    agent = RuleAgent(layout_env)
    n_employees = layout_env.config.env.n_employees
    with HelixDeskClient(base_url=url).sync() as client:
        result = client.reset(seed=seed, task=task)
        total = 0.0
        while not result.done:
            obs = result.observation
            info = {"action_mask": np.array(obs.action_mask, dtype=bool)}
            codes = agent.act(np.array(obs.vector, dtype=np.float32), info)
            result = client.step(HelixDeskAction.from_codes(codes, n_employees))
            total += result.reward or 0.0
        grade = result.observation.grade
        print(f"task {task}, seed {seed}: return {total:.3f}")
        if grade is not None:
            print(f"score {grade.score:.3f} ({grade.parts})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="server base URL")
    parser.add_argument("--task", choices=TASK_IDS, default="medium")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    play(args.url, args.task, args.seed)


if __name__ == "__main__":
    main()
