"""The four graded tasks (easy, medium, hard, expert) and their registry.

Each task module has ``grade(env, agent, seed=42) -> float`` in [0, 1] and a ``TASK``;
``grade(task_id, agent, seed)`` dispatches by id. Scores come from the episode's event log
(ground truth), never from what the agent was shown.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from helixdesk.agents import BaseAgent
from helixdesk.config import HelixConfig, load_config
from helixdesk.env import HelixDeskEnv
from helixdesk.tasks import easy, expert, hard, medium
from helixdesk.tasks.base import Task

TASKS: dict[str, Task] = {module.TASK.id: module.TASK for module in (easy, medium, hard, expert)}
TASK_IDS = tuple(TASKS)
# The packaged config (no task), by the name the training CLI gives it.
DEFAULT_SCENARIO = "default"
SCENARIOS = (DEFAULT_SCENARIO, *TASK_IDS)
CONFIG_VAR = "HELIXDESK_CONFIG"


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


@cache
def scenario_config(task: str | None) -> HelixConfig:
    """The validated config a reset with ``task`` plays. For None: the packaged default, or
    the YAML file named by ``HELIXDESK_CONFIG`` merged over it (a server of your own
    scenario, e.g. a team of 6).

    Built once per process (parsing and validating took ~10 ms, most of a new session's
    cost) and shared: configs are immutable.
    """
    if task is None:
        return load_config(os.environ.get(CONFIG_VAR) or None)
    return get_task(task).config()


def make_scenario_env(scenario: str, **kwargs: Any) -> HelixDeskEnv:
    """An env playing ``scenario`` (a name in :data:`SCENARIOS`: the packaged default or a
    task's scenario)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    return HelixDeskEnv(config=_packaged(scenario), **kwargs)


def scenario_of(config: HelixConfig) -> str | None:
    """The name in :data:`SCENARIOS` of the scenario ``config`` is (the packaged default or a
    task's), or None for any other config."""
    return next((name for name in SCENARIOS if config == _packaged(name)), None)


@cache
def _packaged(scenario: str) -> HelixConfig:
    return load_config() if scenario == DEFAULT_SCENARIO else get_task(scenario).config()


def team_size() -> int:
    """The largest team of any scenario a client can reset to (every one has 5 today)."""
    return max(scenario_config(task).env.n_employees for task in (None, *TASK_IDS))


__all__ = [
    "CONFIG_VAR",
    "DEFAULT_SCENARIO",
    "SCENARIOS",
    "TASKS",
    "TASK_IDS",
    "Task",
    "get_task",
    "grade",
    "make_env",
    "make_scenario_env",
    "scenario_config",
    "scenario_of",
    "team_size",
]
