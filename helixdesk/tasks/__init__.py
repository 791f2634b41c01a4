"""The four graded tasks (easy, medium, hard, expert) and their registry.

Each task module has ``grade(env, agent, seed=42) -> float`` in [0, 1] and a ``TASK``;
``grade(task_id, agent, seed)`` dispatches by id. Scores come from the episode's event log
(ground truth), never from what the agent was shown.
"""

from __future__ import annotations

from typing import Any

from helixdesk.agents import BaseAgent
from helixdesk.env import HelixDeskEnv
from helixdesk.tasks import easy, expert, hard, medium
from helixdesk.tasks.base import Task

TASKS: dict[str, Task] = {module.TASK.id: module.TASK for module in (easy, medium, hard, expert)}
TASK_IDS = tuple(TASKS)


def get_task(task_id: str) -> Task:
    if task_id not in TASKS:
        raise ValueError(f"unknown task {task_id!r}; choose from {', '.join(TASK_IDS)}")
    return TASKS[task_id]


def make_env(task_id: str, **kwargs: Any) -> HelixDeskEnv:
    """An env configured with the task's scenario."""
    return get_task(task_id).make_env(**kwargs)


def grade(task_id: str, agent: BaseAgent, seed: int = 42, env: HelixDeskEnv | None = None) -> float:
    """Play the task once with ``agent`` from ``seed`` and return its score in [0, 1]."""
    return get_task(task_id).grade(env, agent, seed)


__all__ = ["TASKS", "TASK_IDS", "Task", "get_task", "grade", "make_env"]
