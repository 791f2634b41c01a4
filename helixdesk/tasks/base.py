"""What every graded task is: a scenario, an episode, and a score over its event log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from helixdesk.agents import BaseAgent
from helixdesk.config import HelixConfig, default_config_dict, load_config
from helixdesk.env import HelixDeskEnv
from helixdesk.evaluation import run_episode
from helixdesk.simulator.dynamics.events import EventLog

ScoreParts = Callable[[EventLog], dict[str, float]]


def merge_scenarios(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Nested dict ``base`` with ``override`` on top (neither is modified)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_scenarios(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Task:
    """A graded task.

    ``scenario`` is a partial config merged over the defaults (difficulty comes from here:
    load, ambiguity, surges — never from hiding parts of the observation). ``parts`` maps an
    episode's event log to named sub-scores in [0, 1]; ``combine`` turns them into the score.
    An episode *succeeds* when its score reaches ``success_threshold`` (what pass^k counts:
    :mod:`helixdesk.passk`); each task module says why its threshold means the job was done.
    """

    id: str
    difficulty: str
    description: str
    scenario: Mapping[str, Any]
    parts: ScoreParts
    combine: Callable[[dict[str, float]], float]
    success_threshold: float

    def config(self, base: Mapping[str, Any] | None = None) -> HelixConfig:
        """The task's config: ``base`` (defaults if None) with the scenario on top."""
        return load_config(merge_scenarios(base or default_config_dict(), self.scenario))

    def make_env(self, **kwargs: Any) -> HelixDeskEnv:
        return HelixDeskEnv(config=self.config(), **kwargs)

    def score_log(self, log: EventLog) -> float:
        """The grade of a finished episode, in [0, 1], from its event log alone."""
        return min(1.0, max(0.0, self.combine(self.parts(log))))

    def succeeded(self, score: float) -> bool:
        """Whether an episode with this score did the task (score >= ``success_threshold``)."""
        return score >= self.success_threshold

    def grade(self, env: HelixDeskEnv | None, agent: BaseAgent, seed: int = 42) -> float:
        """Play one episode of the task's scenario with ``agent`` and grade it."""
        env = env if env is not None else self.make_env()
        if not env.records_events:
            raise ValueError("grading reads the event log: build the env with record_events=True")
        if env.config != self.config():
            raise ValueError(
                f"env is not configured for task {self.id!r}: build it with "
                f"helixdesk.tasks.make_env({self.id!r})"
            )
        run_episode(env, agent, seed)
        return self.score_log(env.event_log)
