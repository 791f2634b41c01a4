"""The HelixDesk FastAPI app: stateful HTTP episodes plus openenv's WebSocket sessions.

Routes (``/docs`` shows them all):

* ours, one episode per session: ``POST /reset`` (optional body ``{seed, task, episode_id,
  session_id}``) → ``{session_id, observation, reward, done}``; ``POST /step {session_id,
  action}``; ``GET /state?session_id=…``; ``POST /grader {session_id}`` grades that session's
  finished episode from its event log; ``POST /close {session_id}`` ends a session and frees
  its slot; ``GET /tasks`` lists the tasks and the action schema; ``GET /layout?task=…`` names
  the positions of the observation's ``vector`` and ``action_mask`` for a task's scenario (the
  default config without a task).
* openenv's: ``/ws`` (one environment per connection), ``/health``, ``/metadata``,
  ``/schema``, ``/mcp`` (the agent's MCP tools: :mod:`helixdesk.server.mcp`) and the Task
  API over the train and test splits (``/list_environments``, ``/helixdesk/splits``,
  ``/helixdesk/tasks`` …: :mod:`helixdesk.server.task_api`). openenv's own ``/reset``,
  ``/step`` and ``/state`` are stateless (a fresh environment per request). Ours are
  registered first, so they serve those paths, and openenv's three are then removed so that
  ``/docs`` describes the routes that answer. ``GET /tasks`` still lists the four tasks with
  their choices and the action schema, for the clients that read it.

Errors are 4xx with a message: undecodable or unsafe JSON body 400 (and a task index
outside its split), unknown, expired, evicted or closed session 404 (and an unknown split),
invalid body or action 422, step after the end or grading an unfinished (or task-less)
episode 409, body too large 413, no free session 503 (see
:mod:`helixdesk.server.errors`). HTTP sessions and WebSocket sessions are each capped at
``HELIXDESK_MAX_SESSIONS``, and both expire after ``HELIXDESK_SESSION_TTL_S`` without a
request (see :mod:`helixdesk.server.sessions`); bodies and ``/ws`` frames are limited by
:mod:`helixdesk.server.guards`. Sessions live in memory only. No CORS headers are sent:
browsers allow only same-origin pages (such as the dashboard).

``GET /ready`` is the readiness probe: 503 while the simulator's kernels compile in the
background after start-up (a minute or two on a fresh install; seconds with numba's on-disk
cache), 200 once :func:`helixdesk.warmup.warm_up` has returned. ``/health`` only says the process
answers. ``main()`` serves the app with uvicorn on 0.0.0.0, port ``PORT`` (default 7860),
with :func:`server_options`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Body, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from helixdesk.openenv_api import (
    ConcurrencyConfig,
    HTTPEnvServer,
    ServerMode,
    serialize_observation,
)
from helixdesk.server.bodies import (
    EpisodeResponse,
    Layout,
    ResetRequest,
    SessionClosed,
    SessionRequest,
    StepRequest,
    TaskInfo,
    TasksResponse,
)
from helixdesk.server.dashboard import add_dashboard
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.server.errors import (
    document_errors,
    error_response,
    http_errors,
    unknown_split_reply,
)
from helixdesk.server.guards import Guards, max_body_bytes, validation_error_reply
from helixdesk.server.readiness import add_readiness
from helixdesk.server.sessions import SessionLimits, SessionStore
from helixdesk.spaces import action_choices, layout_for, mask_offsets
from helixdesk.tasks import TASKS, scenario_config
from helixdesk.tasks.splits import UnknownSplit
from helixdesk.warmup import warm_up
from helixdesk.wire import Grade, HelixDeskAction, HelixDeskObservation, HelixDeskState, TaskId

DEFAULT_PORT = 7860
OPENENV_HTTP_API_VERSION = "1.0.0"
Store = SessionStore[HelixDeskEnvironment]
T = TypeVar("T")


def _reply(session_id: str, observation: HelixDeskObservation) -> Response:
    """The ``EpisodeResponse`` as JSON, serialised once: a returned model would be validated
    and serialised again by FastAPI. The routes declare ``response_model=EpisodeResponse``,
    so ``/docs`` and the schema still describe it."""
    data = serialize_observation(observation)
    reply = EpisodeResponse(
        session_id=session_id,
        observation=data["observation"],
        reward=data["reward"],
        done=data["done"],
    )
    return Response(reply.model_dump_json(), media_type="application/json")


def _reset(store: Store, request: ResetRequest) -> Response:
    options = request.model_dump(exclude={"session_id"})
    if request.session_id is not None:
        with store.use(request.session_id) as env:
            return _reply(request.session_id, env.reset(**options))
    session = store.open()
    try:
        with store.use(session.id) as env:
            return _reply(session.id, env.reset(**options))
    except BaseException:
        store.discard(session.id)
        raise


async def _on_session(
    store: Store, session_id: str, work: Callable[[HelixDeskEnvironment], T]
) -> T:
    """``work(env)`` on the session's environment, under the session's lock.

    On the event loop when the session is free: a step is ~0.3 ms of CPU, less than the hop
    to a worker thread and back, and openenv's ``/ws`` steps run there too (see
    ``HelixDeskEnvironment.step_async``), so HTTP and WebSocket sessions take turns fairly.
    On a worker thread, waiting for the lock, when another request holds the session.
    """
    with store.use_now(session_id) as env:
        if env is not None:
            return work(env)

    def wait_then_work() -> T:
        with store.use(session_id) as env:
            return work(env)

    return await run_in_threadpool(wait_then_work)


def _tasks() -> TasksResponse:
    infos = []
    for task in TASKS.values():
        config = scenario_config(task.id)
        infos.append(
            TaskInfo(
                id=task.id,
                difficulty=task.difficulty,
                description=task.description,
                emails=config.env.episode_emails,
                choices={dim: list(names) for dim, names in action_choices(config).items()},
            )
        )
    return TasksResponse(tasks=infos, action_schema=HelixDeskAction.model_json_schema())


def _layout(task: str | None) -> Layout:
    """The positions of the named features and choices in the scenario ``task`` plays."""
    config = scenario_config(task)
    return Layout(
        task=task,
        features=layout_for(config).index,
        choices={dim: list(names) for dim, names in action_choices(config).items()},
        mask_offsets=mask_offsets(config.env.n_employees),
    )


# OpenAPI links from an episode reply's session_id to the calls that take it, so that
# stateful clients and fuzzers (schemathesis) chain reset → step → state → grader → close.
_SESSION_ID = "$response.body#/session_id"
_BODY_SESSION = {"requestBody": {"session_id": _SESSION_ID}}
SESSION_LINKS: dict[str, dict[str, Any]] = {
    "Step": {"operationId": "step", **_BODY_SESSION},
    "State": {"operationId": "state", "parameters": {"query.session_id": _SESSION_ID}},
    "Grade": {"operationId": "grader", **_BODY_SESSION},
    "Close": {"operationId": "close", **_BODY_SESSION},
    "Reset": {"operationId": "reset", **_BODY_SESSION},
}
EPISODE_REPLY = {"description": "The session and its observation", "links": SESSION_LINKS}


def add_episode_routes(app: FastAPI, store: Store) -> None:
    """The stateful HTTP episode routes over ``store``."""

    @app.post(
        "/reset",
        operation_id="reset",
        tags=["Episodes"],
        summary="Start an episode in a new (or the given) session",
        response_model=EpisodeResponse,
        responses={
            200: EPISODE_REPLY,
            503: error_response("Every session slot is taken; retry later"),
        },
    )
    def reset(request: Annotated[ResetRequest | None, Body()] = None) -> Response:
        with http_errors():
            return _reset(store, request or ResetRequest())

    @app.post(
        "/step",
        operation_id="step",
        tags=["Episodes"],
        summary="Triage the session's current email",
        response_model=EpisodeResponse,
        responses={200: EPISODE_REPLY},
    )
    async def step(request: StepRequest) -> Response:
        def triage(env: HelixDeskEnvironment) -> Response:
            return _reply(request.session_id, env.step(request.action))

        with http_errors():
            return await _on_session(store, request.session_id, triage)

    @app.get(
        "/state",
        operation_id="state",
        tags=["Episodes"],
        summary="The session's episode bookkeeping",
    )
    async def state(session_id: str) -> HelixDeskState:
        with http_errors():
            return await _on_session(store, session_id, lambda env: env.state)

    @app.post(
        "/grader",
        operation_id="grader",
        tags=["Episodes"],
        summary="Grade the session's finished episode",
    )
    def grader(request: SessionRequest) -> Grade:
        with http_errors(), store.use(request.session_id) as env:
            return env.grade()

    @app.post(
        "/close",
        operation_id="close",
        tags=["Episodes"],
        summary="End the session and free its slot",
    )
    def close(request: SessionRequest) -> SessionClosed:
        with http_errors():
            store.get(request.session_id)
        store.discard(request.session_id)
        return SessionClosed(session_id=request.session_id)

    @app.get("/tasks", tags=["Episodes"], summary="The graded tasks and the action schema")
    def tasks() -> TasksResponse:
        return _tasks()

    @app.get(
        "/layout",
        tags=["Episodes"],
        summary="Where each named feature and choice sits in the vector and the action mask",
    )
    def layout(task: TaskId = None) -> Layout:
        """For the scenario of ``task``; without one, the default config (as a reset without a
        task plays)."""
        return _layout(task)


def _path_methods(route: BaseRoute) -> set[tuple[str, str]]:
    if not isinstance(route, APIRoute):
        return set()
    return {(route.path, method) for method in route.methods or ()}


def _drop_shadowed_routes(app: FastAPI) -> None:
    """Remove the routes that never match because an earlier route has their path and method.

    They would still be documented: the OpenAPI document describes the *last* route of a
    path and method, not the one that serves it.
    """
    served: set[tuple[str, str]] = set()
    kept = []
    for route in app.router.routes:
        keys = _path_methods(route)
        if keys and keys <= served:
            continue
        served |= keys
        kept.append(route)
    app.router.routes = kept


def build_app(limits: SessionLimits | None = None, warm: Callable[[], object] = warm_up) -> FastAPI:
    """A fresh app with its own session store (limits from the environment by default);
    ``warm`` runs at start-up, and ``/ready`` answers 200 once it has returned."""
    limits = limits or SessionLimits.from_environ()
    app = FastAPI(
        title="HelixDesk",
        # OpenAPI info.version is read as the OpenEnv HTTP API version (`openenv validate
        # --url` reports profile openenv-http/1.x); the package version is in /metadata.
        version=OPENENV_HTTP_API_VERSION,
        description="Customer-support triage environment (OpenEnv). Stateful HTTP episodes "
        "under /reset, /step, /state, /grader; WebSocket sessions under /ws.",
    )
    store: Store = SessionStore(HelixDeskEnvironment, limits)
    app.state.sessions = store
    add_episode_routes(app, store)
    add_readiness(app, warm)
    add_dashboard(app, store)
    openenv_server = HTTPEnvServer(
        partial(HelixDeskEnvironment, idle_ttl_s=limits.ttl_s),
        HelixDeskAction,
        HelixDeskObservation,
        concurrency_config=ConcurrencyConfig(
            max_concurrent_envs=limits.max_sessions, session_timeout=limits.ttl_s
        ),
        env_name="helixdesk",
        state_cls=HelixDeskState,
    )
    openenv_server.register_routes(app, mode=ServerMode.SIMULATION)
    _drop_shadowed_routes(app)
    app.add_middleware(Guards, limit=max_body_bytes())
    app.add_exception_handler(RequestValidationError, validation_error_reply)
    app.add_exception_handler(UnknownSplit, unknown_split_reply)
    document_errors(app)
    app.router.on_shutdown.append(store.close)
    return app


app = build_app()


def _port() -> int:
    raw = os.environ.get("PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"PORT must be a TCP port number, got {raw!r}")
    return int(raw)


def server_options() -> dict[str, Any]:
    """The uvicorn settings the app is served with (``main`` and the tests' live server).

    * ``ws_max_size``: a ``/ws`` frame longer than the body limit (``HELIXDESK_MAX_BODY_BYTES``)
      closes the connection (code 1009) before it is buffered; uvicorn's own default would
      buffer up to 16 MiB per frame first.
    * ``ws_per_message_deflate`` off: deflating each ~3 KB observation cost about a quarter
      of a step's round trip, for bandwidth that a step's reply does not need.
    """
    return {"ws_max_size": max_body_bytes(), "ws_per_message_deflate": False}


def main() -> None:
    """Serve the app on 0.0.0.0, port ``PORT`` (default 7860), with :func:`server_options`."""
    import uvicorn

    uvicorn.run(app, host="0.0.0.0", port=_port(), **server_options())


if __name__ == "__main__":
    main()
