"""HelixDesk for TRL's GRPOTrainer: ``GRPOTrainer(..., environment_factory=HelixDeskToolEnv)``.

:class:`HelixDeskToolEnv` runs the simulator in process (no server) and follows TRL's
``environment_factory`` contract (trl 1.16, transformers >= 5.2; neither is needed to import
this module):

* ``HelixDeskToolEnv()`` takes no argument (``settings`` is optional: pass it through a
  lambda factory). TRL builds a pool of instances and resets them for every rollout.
* ``reset(**kwargs) -> str`` starts an episode and returns the prompt: the briefing
  (:func:`helixdesk.briefing.briefing`) and the first email. TRL passes the dataset row as
  keyword arguments (its ``prompt`` column is ignored); which episode is played:

  - ``task`` and ``seed`` given: that task from that seed;
  - ``split`` and ``index``: that task instance (:mod:`helixdesk.tasks.splits`);
  - ``key``: the instance of ``settings.split`` the key picks (:func:`~helixdesk.tasks.
    splits.sample`): rows that share a key share the episode, and TRL repeats a row for
    every member of a GRPO group, so a column of distinct keys gives each group its own
    instance and every member the same one;
  - nothing (no dataset): resets are counted in the order they come, and each run of
    ``settings.group_size`` consecutive resets shares a key (set it to
    ``num_generations``).

* The tools are the public methods, inherited from :class:`helixdesk.tools.DeskTools`: the
  very definitions the MCP server offers (names, typed arguments, ``Args:`` docstrings). A
  tool that cannot be served raises, which TRL shows the model as ``{"error": ...}``.
* ``get_reward() -> float`` is the task's grade of the episode, in [0, 1]. A rollout may stop
  before the last email (the model stopped calling ``triage``, or ran out of tokens): the
  emails it left are then played as :data:`UNHANDLED` (a query, normal priority, nobody
  assigned, no secondary action: abandoned at the deadline, as unread mail would be) and the
  finished episode is graded. So stopping early never pays more than triaging well.

Episodes are short enough for LLM training: ``settings.emails`` (default 10) cuts every
task's inbox to that many emails (a task shorter than that keeps its own length), with
the scenario's guaranteed keyword emails capped at the episode's length; the grade is the
task's grader on that shorter episode.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from helixdesk.briefing import briefing
from helixdesk.config import HelixConfig, load_config
from helixdesk.env import HelixDeskEnv
from helixdesk.models import NO_ASSIGNMENT, HelixAction
from helixdesk.tasks import get_task, splits
from helixdesk.text_view import build_view, email_text
from helixdesk.tools import DeskTools, ToolCallError, Triaged, episode_log

UNHANDLED = HelixAction(
    classification="query", priority="normal", assignment=NO_ASSIGNMENT, secondary="none"
)
CHOICES = ("task", "seed", "split", "index", "key")
PROMPT_COLUMN = "prompt"


@dataclass(frozen=True)
class ToolEnvSettings:
    """How :class:`HelixDeskToolEnv` picks and sizes episodes (module docstring)."""

    emails: int | None = 10
    split: str = splits.TRAIN
    group_size: int = 1

    def __post_init__(self) -> None:
        if self.emails is not None and self.emails < 1:
            raise ValueError(f"emails must be at least 1 (or None), got {self.emails}")
        if self.group_size < 1:
            raise ValueError(f"group_size must be at least 1, got {self.group_size}")
        splits.size(self.split)  # UnknownSplit names the splits


@cache
def episode_config(task: str, emails: int | None) -> HelixConfig:
    """The task's scenario cut to ``emails`` emails (None, or more than the task has: the
    task's own length)."""
    config = get_task(task).config()
    if emails is None or emails >= config.env.episode_emails:
        return config
    data = config.to_dict()
    data["env"]["episode_emails"] = emails
    data["email_gen"]["min_keyword_emails"] = min(data["email_gen"]["min_keyword_emails"], emails)
    return load_config(data)


class HelixDeskToolEnv(DeskTools):
    """One HelixDesk episode at a time, played with the tools; see the module docstring."""

    _resets = itertools.count()  # every instance's resets without a key, in order

    def __init__(self, settings: ToolEnvSettings | None = None) -> None:
        super().__init__()
        self._settings = settings or ToolEnvSettings()
        self._env: HelixDeskEnv | None = None
        self._task: str | None = None
        self._seed: int | None = None
        self._done = False
        self._score: float | None = None

    def reset(self, **kwargs: Any) -> str:
        """Start the episode the keyword arguments choose; returns the prompt."""
        task, seed = self._choose(kwargs)
        config = episode_config(task, self._settings.emails)
        if self._env is None or self._env.config != config:
            self._env = HelixDeskEnv(config=config)
        self._env.reset(seed=seed)
        self._task, self._seed, self._done, self._score = task, seed, False, None
        self._begin_journal()
        emails = config.env.episode_emails
        return f"{briefing(task, emails)}\n\n{email_text(build_view(self._env))}"

    def get_reward(self) -> float:
        """The task's grade of the episode, in [0, 1]; an unfinished episode is finished
        with :data:`UNHANDLED` first."""
        while not self._done:
            self._play(UNHANDLED)
        assert self._score is not None
        return self._score

    @property
    def task(self) -> str | None:
        """The task of the current episode (None before the first reset)."""
        return self._task

    @property
    def seed(self) -> int | None:
        return self._seed

    @property
    def simulator(self) -> HelixDeskEnv:
        """The live env, ground truth included: for graders and tests, never the model."""
        return self._simulator()

    @property
    def episode_log(self) -> list[dict[str, Any]]:
        """The episode's event log with its tool calls in place."""
        return episode_log(self._simulator().event_log, self._journal)

    # -- DeskTools ---------------------------------------------------------------------

    def _simulator(self) -> HelixDeskEnv:
        if self._env is None:
            raise ToolCallError("no episode yet: reset first")
        return self._env

    def _play(self, action: HelixAction) -> Triaged:
        env = self._simulator()
        if self._done:
            raise ToolCallError("the episode is over: every email has been triaged")
        n_employees = env.config.env.n_employees
        _, _, _, truncated, info = env.step(action.to_array(n_employees))
        self._done = truncated
        if truncated:
            assert self._task is not None
            self._score = get_task(self._task).score_log(env.event_log)
        applied = HelixAction.from_array(info["applied_action"], n_employees)
        return Triaged(applied, truncated, self._score)

    # -- choosing the episode ----------------------------------------------------------

    def _choose(self, kwargs: dict[str, Any]) -> tuple[str, int]:
        chosen = {name: value for name, value in kwargs.items() if name != PROMPT_COLUMN}
        unknown = sorted(set(chosen) - set(CHOICES))
        if unknown:
            raise ValueError(f"reset takes {', '.join(CHOICES)} (and TRL's prompt), not {unknown}")
        given = {name for name, value in chosen.items() if value is not None}
        if given & {"task", "seed"}:
            return _pair(chosen, "task", "seed", lambda task, seed: (get_task(task).id, seed))
        if given & {"split", "index"}:
            return _pair(chosen, "split", "index", _split_instance)
        key = chosen.get("key")
        if key is None:
            key = f"reset-group/{next(self._resets) // self._settings.group_size}"
        picked = splits.sample(key, self._settings.split)
        return picked.task, picked.seed


Resolve = Callable[[Any, int], tuple[str, int]]


def _pair(chosen: dict[str, Any], first: str, second: str, resolve: Resolve) -> tuple[str, int]:
    """The (task, seed) that ``first`` and ``second`` name together."""
    if chosen.get(first) is None or chosen.get(second) is None:
        raise ValueError(f"{first} and {second} go together: give both")
    return resolve(chosen[first], int(chosen[second]))


def _split_instance(split: str, index: int) -> tuple[str, int]:
    picked = splits.instance(split, index)
    return picked.task, picked.seed
