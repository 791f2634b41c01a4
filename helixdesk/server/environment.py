"""HelixDesk as an OpenEnv ``MCPEnvironment``: one episode of one task at a time.

``reset(seed, episode_id, task, view)`` builds the task's scenario (no task means the packaged
default config; :func:`~helixdesk.tasks.scenario_config`) and resets it with the
seed (a task spec of the splits, :mod:`helixdesk.tasks.splits`, is played by its task and
seed); ``view='vector'`` leaves the desk view and its text out of
the episode's observations (building them is most of a step's server time, and an RL client
reads only the vector). ``step`` takes a :class:`~helixdesk.wire.HelixDeskAction`.
Observations carry only what an agent may see; the simulator, its tape and its config stay
out of reach, and ``reset`` accepts no other options. ``grade()`` scores a finished episode
from its event log with the task's grader; an episode reset without a task has no grader, so
grading it is refused (like grading an unfinished one) rather than scored against a scenario
it was not played under.

The environment is also the agent's boundary: the MCP tools of :mod:`helixdesk.server.mcp`
play its episode (``triage`` steps it exactly as ``step`` does). Its reward is the Rubric
tree of :mod:`helixdesk.rubric` (``env.rubric``: the twelve components, each with its
``last_score``), and it serves the task splits as openenv's TaskProvider
(:mod:`helixdesk.server.task_api`).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

import helixdesk
from helixdesk.env import ACTION_MASK, APPLIED_ACTION, REWARD_RAW, REWARD_SETTLEMENT, HelixDeskEnv
from helixdesk.models import HelixAction
from helixdesk.openenv_api import (
    Action,
    Environment,
    EnvironmentMetadata,
    Observation,
)
from helixdesk.rewards import components_from_info
from helixdesk.rubric import HelixDeskRubric
from helixdesk.server.mcp import SessionTools, ToolsOnFirstUse
from helixdesk.server.sessions import TTL_VAR
from helixdesk.server.task_api import SplitTasks
from helixdesk.tasks import get_task, scenario_config
from helixdesk.text_view import build_view, queue_view, render_text
from helixdesk.tools import ToolCall, ToolCallError, Triaged, episode_log
from helixdesk.wire import (
    FULL_VIEW,
    Grade,
    HelixDeskAction,
    HelixDeskObservation,
    HelixDeskState,
    ResetOptions,
    ViewMode,
)


class EpisodeStateError(RuntimeError):
    """The call does not fit the episode's state (not reset, already over, not gradable)."""


class SessionExpired(EpisodeStateError):
    """The session was ended by the server (idle expiry); its episode is gone."""


@dataclass
class _Bookkeeping:
    """The fields of :class:`HelixDeskState` but the queue, kept as plain attributes.

    ``HelixDeskState`` validates every assignment (openenv's ``State`` config), and five
    validated assignments per step cost nearly as much as the simulator's step; the model is
    built when ``state`` is read.
    """

    episode_id: str | None = None
    step_count: int = 0
    task: str | None = None
    seed: int | None = None
    done: bool = False
    email_index: int = 0
    emails_total: int = 0
    sim_hours: float = 0.0
    cumulative_reward: float = 0.0


class HelixDeskEnvironment(
    SplitTasks, ToolsOnFirstUse, Environment[HelixDeskAction, HelixDeskObservation, HelixDeskState]
):
    """One HelixDesk episode per instance; instances share nothing, so sessions run in parallel.

    Construction is cheap (the simulator is built at the first ``reset``, the MCP server at
    the first MCP use): openenv builds an instance for every ``/metadata`` request and every
    session. ``close`` is final: the server closes a session's environment when the session
    ends, and on ``/ws`` the only way that happens while the connection stays open is idle
    expiry (after ``idle_ttl_s`` without a reset or step), so every later call is refused
    with :class:`SessionExpired`. ``reset``, ``step`` and the tools hold the instance's lock.
    """

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self, idle_ttl_s: float | None = None) -> None:
        # MCPEnvironment.__init__ (the MCP server) runs on first use: ToolsOnFirstUse.
        self._rubric = HelixDeskRubric(scenario_config(None).env.reward_clip)
        Environment.__init__(self, rubric=self._rubric)
        self._idle_ttl_s = idle_ttl_s
        self._closed = False
        self._lock = threading.RLock()
        self._env: HelixDeskEnv | None = None
        self._task: str | None = None
        self._grade: Grade | None = None
        self._view: ViewMode = FULL_VIEW
        self._book = _Bookkeeping()
        self._tools = SessionTools(self._tool_simulator, self._tool_play, self._lock)
        self._defer_mcp(self._tools, self._rubric)

    def reset(
        self,
        seed: int | None = None,
        episode_id: str | None = None,
        task: str | None = None,
        **kwargs: Any,
    ) -> HelixDeskObservation:
        """Start an episode of ``task`` (default config if None); options are
        :class:`~helixdesk.wire.ResetOptions` (``view``), others are refused."""
        options = ResetOptions(seed=seed, episode_id=episode_id, task=task, **kwargs)
        with self._lock:
            self._check_open()
            env = self._env_for(options.task)
            obs, info = env.reset(seed=options.seed)
            self._reset_rubric()
            self._tools._begin_journal()
            self._grade = None
            self._view = options.view
            self._book = _Bookkeeping(
                episode_id=options.episode_id or uuid.uuid4().hex,
                task=options.task,
                seed=options.seed,
                emails_total=env.config.env.episode_emails,
                email_index=env.email_index,
                sim_hours=env.sim_hours,
            )
            return self._observation(obs, info, reward=None)

    def _step_impl(
        self, action: Action, timeout_s: float | None = None, **kwargs: Any
    ) -> HelixDeskObservation:
        """Triage the current email (``timeout_s`` is accepted and unused: steps take ms)."""
        if kwargs:
            raise ValueError(f"step takes no options, got {sorted(kwargs)}")
        if not isinstance(action, HelixDeskAction):
            raise TypeError(f"step takes a HelixDeskAction, got {type(action).__name__}")
        with self._lock:
            env = self._live_env()
            codes = action.to_codes(env.config.env.n_employees)
            obs, _, terminated, truncated, info = env.step(codes)
            scored = self._observation(obs, info, reward=None)
            reward = self._apply_rubric(action, scored)
            self._advance(env, reward, done=terminated or truncated)
            if self._book.done and self._task is not None:
                self._grade = _grade(self._task, env)
            # A copy, not assignments: the model validates every assignment.
            update = {"reward": reward, "done": self._book.done, "grade": self._grade}
            return scored.model_copy(update=update)

    async def step_async(
        self, action: Action, timeout_s: float | None = None, **kwargs: Any
    ) -> Observation:
        """``step`` on the caller's event loop, for openenv's ``/ws``.

        openenv runs ``step_async`` inline when a subclass overrides it, and a plain ``step``
        on a worker thread otherwise. A step is ~0.3 ms of CPU, and the hop to a worker
        thread and back added about a fifth to a step's round trip (single client: ~960 →
        ~1160 steps/s); the GIL serialises the work either way. ``reset`` keeps the worker
        thread: a process's first one loads the compiled kernels (seconds). MCP actions go
        to MCPEnvironment's own async handling.
        """
        if isinstance(action, HelixDeskAction):
            return self._step_impl(action, timeout_s=timeout_s, **kwargs)
        return await super().step_async(action, timeout_s=timeout_s, **kwargs)

    @property
    def state(self) -> HelixDeskState:
        """The episode's bookkeeping and the queue as the latest observation shows it."""
        self._check_open()
        queue = queue_view(self._env) if self._env is not None else None
        return HelixDeskState(**asdict(self._book), queue=queue)

    @property
    def simulator(self) -> HelixDeskEnv:
        """The live simulator, for server-side code such as the dashboard's baseline agents.

        Never sent to clients: it holds the episode's ground truth (``EpisodeStateError``
        before the first reset).
        """
        if self._env is None:
            raise EpisodeStateError("no episode yet: call reset first")
        return self._env

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The episode's MCP tool calls, oldest first (see :mod:`helixdesk.tools`)."""
        return self._tools.tool_calls

    @property
    def episode_log(self) -> list[dict[str, Any]]:
        """The episode's event log with its tool calls in place
        (:func:`helixdesk.tools.episode_log`)."""
        return episode_log(self.simulator.event_log, self._tools.tool_calls)

    def grade(self) -> Grade:
        """The grade of the finished episode (``EpisodeStateError`` before the end or without
        a task)."""
        if not self._book.done:
            raise EpisodeStateError("the episode is not over yet: grade it after its last step")
        if self._grade is None:
            raise EpisodeStateError(
                "this episode was reset without a task, so no grader applies; reset with "
                "task=easy|medium|hard|expert to play a graded episode"
            )
        return self._grade

    def get_metadata(self) -> EnvironmentMetadata:
        return EnvironmentMetadata(
            name="HelixDesk",
            description="Triage a customer-support inbox: classify, prioritise, assign and "
            "escalate one email per step while SLA deadlines run.",
            version=helixdesk.__version__,
        )

    def close(self) -> None:
        self._env = None
        self._closed = True
        self._close_mcp()

    # -- the tools' view of the episode ----------------------------------------------------

    def _tool_simulator(self) -> HelixDeskEnv:
        try:
            self._check_open()
            return self.simulator
        except EpisodeStateError as error:
            raise ToolCallError(f"{error} (the trainer resets the session; no tool does)") from None

    def _tool_play(self, action: HelixAction) -> Triaged:
        try:
            observation = self._step_impl(HelixDeskAction.model_validate(action.model_dump()))
        except EpisodeStateError as error:
            raise ToolCallError(str(error)) from None
        assert observation.applied_action is not None
        grade = observation.grade.score if observation.grade is not None else None
        return Triaged(observation.applied_action, bool(observation.done), grade)

    # -- helpers ---------------------------------------------------------------------------

    def _check_open(self) -> None:
        if not self._closed:
            return
        idle = f"for over {self._idle_ttl_s:g} s " if self._idle_ttl_s is not None else ""
        raise SessionExpired(
            f"session expired: the server ends a session after no reset or step {idle}"
            f"({TTL_VAR}) and its episode is gone; open a new connection to play again"
        )

    def _env_for(self, task: str | None) -> HelixDeskEnv:
        """The simulator for ``task``, reused while the task stays the same."""
        if self._env is None or task != self._task:
            config = scenario_config(task)
            self._env = HelixDeskEnv(config=config)
            self._task = task
            self._rubric.clip = config.env.reward_clip
        return self._env

    def _live_env(self) -> HelixDeskEnv:
        self._check_open()
        if self._env is None:
            raise EpisodeStateError("no episode yet: call reset first")
        if self._book.done:
            raise EpisodeStateError("the episode is over: reset to start a new one")
        return self._env

    def _advance(self, env: HelixDeskEnv, reward: float, done: bool) -> None:
        book = self._book
        book.step_count += 1
        book.cumulative_reward += reward
        book.done = done
        book.email_index = env.email_index
        book.sim_hours = env.sim_hours

    def _observation(
        self, obs: np.ndarray, info: dict[str, Any], reward: float | None
    ) -> HelixDeskObservation:
        """The observation now, built from values that already have the fields' types.

        ``model_construct`` skips re-validating the 42 floats, the mask and the components
        the server itself computed (about a tenth of a vector-view step's server work);
        ``tests/test_server.py`` validates played episodes' observations strictly against
        the model to keep that safe. (The desk view's small models are validated: for them
        ``model_construct``, plain Python, is slower than pydantic's validator.)
        """
        env = self._env
        assert env is not None
        view = build_view(env) if self._view == FULL_VIEW else None
        n_employees = env.config.env.n_employees
        return HelixDeskObservation.model_construct(
            desk=view,
            text=render_text(view) if view is not None else None,
            vector=obs.tolist(),
            action_mask=info[ACTION_MASK].tolist(),
            reward_components=components_from_info(info),
            reward_raw=float(info[REWARD_RAW]),
            reward_settlement=float(info[REWARD_SETTLEMENT]),
            applied_action=_applied(tuple(info[APPLIED_ACTION].tolist()), n_employees),
            task=self._task,
            grade=self._grade,
            reward=reward,
            done=self._book.done,
            metadata={},  # given: model_construct inspects a default factory's signature
        )


@lru_cache(maxsize=1024)
def _applied(codes: tuple[int, ...], n_employees: int) -> HelixAction | None:
    """The applied action by name (None at reset, where the env reports all -1); HelixAction
    is frozen, so one instance per distinct decision is shared."""
    if min(codes) < 0:
        return None
    return HelixAction.from_array(np.array(codes, dtype=np.int64), n_employees)


def _grade(task_id: str, env: HelixDeskEnv) -> Grade:
    task = get_task(task_id)
    return Grade(task=task_id, score=task.score_log(env.event_log), parts=task.parts(env.event_log))
