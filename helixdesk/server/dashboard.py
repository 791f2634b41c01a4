"""The web dashboard: a static page at ``/`` and two helper routes for it.

The page (``helixdesk/server/static/``: plain HTML, CSS and JavaScript, served by the app, no
CDN, no build step) plays episodes through the same session API as every other client:
``GET /tasks``, ``POST /reset``, ``POST /step``, ``POST /grader``. It adds no simulator of
its own; the helpers only read a session:

* ``POST /dashboard/agent-action {session_id, agent}`` → the action the baseline agent
  ``rule`` or ``random`` takes for the session's current observation, which the page then
  sends with ``POST /step``. The rule agent reads only the observation and the action mask;
  the random agent draws from a generator seeded by (session seed, step), so replaying a seed
  replays its moves.
* ``GET /dashboard/surges?session_id=…`` → the episode's ground-truth surges and whether the
  GM was alerted while each was under way; refused (409) until the episode is over, so play
  never sees the truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from helixdesk.agents import BaseAgent, RandomAgent, RuleAgent
from helixdesk.env import ACTION_MASK, HelixDeskEnv
from helixdesk.metrics import alerted_surges
from helixdesk.server.bodies import SessionRequest
from helixdesk.server.environment import EpisodeStateError, HelixDeskEnvironment
from helixdesk.server.errors import http_errors
from helixdesk.server.sessions import SessionStore
from helixdesk.simulator.schema import EventField
from helixdesk.wire import HelixDeskAction

STATIC_DIR = Path(__file__).with_name("static")
ASSETS_PATH = "/dashboard/assets"
Store = SessionStore[HelixDeskEnvironment]
AgentName = Literal["rule", "random"]


class AgentActionRequest(SessionRequest):
    """``POST /dashboard/agent-action`` body."""

    agent: AgentName = Field(description="The baseline agent that decides: rule or random")


class Surge(BaseModel):
    """One ground-truth surge of the finished episode."""

    category: str = Field(description="The category whose volume surged")
    start_hours: float = Field(description="Start, in simulated hours since the shift began")
    end_hours: float = Field(description="End, in simulated hours since the shift began")
    alerted: bool = Field(description="The GM was alerted while the surge was under way")


class SurgesResponse(BaseModel):
    """``GET /dashboard/surges``: the finished episode's surges (ground truth)."""

    surges: list[Surge]


def _agent(name: AgentName, env: HelixDeskEnv, seed: int | None, step: int) -> BaseAgent:
    if name == "rule":
        return RuleAgent(env)
    step_seed = np.random.SeedSequence([seed or 0, step]).generate_state(1)[0]
    return RandomAgent(env, seed=int(step_seed))


def agent_action(session: HelixDeskEnvironment, name: AgentName) -> HelixDeskAction:
    """What agent ``name`` does with the session's current observation."""
    state = session.state
    if state.done:
        raise EpisodeStateError("the episode is over: reset to start a new one")
    env = session.simulator
    agent = _agent(name, env, state.seed, state.step_count)
    codes = agent.act(env.last_observation.copy(), {ACTION_MASK: env.action_masks()})
    return HelixDeskAction.from_codes(codes, env.config.env.n_employees)


def episode_surges(session: HelixDeskEnvironment) -> SurgesResponse:
    """The finished episode's ground-truth surges (``EpisodeStateError`` while it runs)."""
    if not session.state.done:
        raise EpisodeStateError("surges are ground truth: they are shown after the last step")
    env = session.simulator
    categories = env.config.email_gen.categories
    alerted = alerted_surges(env.event_log)
    return SurgesResponse(
        surges=[
            Surge(
                category=categories[int(row[EventField.A])],
                start_hours=round(float(row[EventField.TIME]), 2),
                end_hours=round(float(row[EventField.B]), 2),
                alerted=int(row[EventField.C]) in alerted,
            )
            for row in env.event_log.of_kind("surge")
        ]
    )


def add_dashboard(app: FastAPI, store: Store) -> None:
    """Serve the dashboard page at ``/``, its assets and its helper routes over ``store``."""

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    @app.post("/dashboard/agent-action", tags=["Dashboard"], summary="A baseline agent's move")
    def post_agent_action(request: AgentActionRequest) -> HelixDeskAction:
        with http_errors(), store.use(request.session_id) as session:
            return agent_action(session, request.agent)

    @app.get("/dashboard/surges", tags=["Dashboard"], summary="Ground-truth surges, after the end")
    def get_surges(session_id: str) -> SurgesResponse:
        with http_errors(), store.use(session_id) as session:
            return episode_surges(session)

    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="dashboard-assets")
