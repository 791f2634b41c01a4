"""The OpenEnv server: wire models, environment, session store, HTTP error codes, import weight."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from helixdesk.server.app import build_app
from helixdesk.server.environment import EpisodeStateError, HelixDeskEnvironment
from helixdesk.server.sessions import SessionLimits, SessionNotFound, SessionStore, StoreFull
from helixdesk.spaces import ACTION_DIMS
from helixdesk.wire import (
    HelixDeskAction,
    HelixDeskObservation,
    HelixDeskState,
    ResetOptions,
    _normalised_choice,
)
from tests.live_server import scripted_action, serve

ROOT = Path(__file__).resolve().parents[1]
PLAIN_JSON_TYPES = {str, int, float, bool, type(None)}
GOOD = {"classification": "query", "priority": "normal", "assignment": 0, "secondary": "none"}


def client(max_sessions: int = 8, ttl_s: float = 600.0) -> TestClient:
    app = build_app(SessionLimits(max_sessions=max_sessions, ttl_s=ttl_s))
    return TestClient(app, raise_server_exceptions=False)


def open_session(http: TestClient, **body: Any) -> str:
    reply = http.post("/reset", json=body)
    assert reply.status_code == 200, reply.text
    session: str = reply.json()["session_id"]
    return session


def finish(http: TestClient, session: str) -> dict[str, Any]:
    reply: dict[str, Any] = {"done": False}
    while not reply["done"]:
        answer = http.post("/step", json={"session_id": session, "action": GOOD})
        assert answer.status_code == 200, answer.text
        reply = answer.json()
    return reply


# -- wire models ---------------------------------------------------------------------------


def test_action__names_and_codes_normalise_to_names() -> None:
    by_code = HelixDeskAction(classification=1, priority=0, assignment=3, secondary=1)
    by_name = HelixDeskAction(
        classification="complaint", priority="critical", assignment="employee_3", secondary=1
    )
    assert by_code.named(5) == by_name.named(5)
    assert by_code.to_codes(5).tolist() == by_name.to_codes(5).tolist() == [1, 0, 3, 1]
    assert HelixDeskAction.from_codes([2, 3, 5, 2], 5).assignment == "no_assignment"


@pytest.mark.parametrize("n_employees", [3, 5, 6])
def test_action__assignment_code_means_what_it_means_in_the_env(n_employees: int) -> None:
    """Code n is no_assignment for a team of n, as in ``env.action_space``; beyond it, refused."""
    for code in range(n_employees + 1):
        action = HelixDeskAction.model_validate({**GOOD, "assignment": code})
        assert action.to_codes(n_employees)[2] == code
    no_one = HelixDeskAction.model_validate({**GOOD, "assignment": n_employees})
    assert no_one.named(n_employees).assignment == "no_assignment"
    beyond = HelixDeskAction.model_validate({**GOOD, "assignment": n_employees + 1})
    with pytest.raises(ValueError, match=f"{n_employees} is no_assignment"):
        beyond.to_codes(n_employees)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("classification", 3, "query, complaint, flag_for_review"),
        ("classification", "praise", "'query', 'complaint' or 'flag_for_review'"),
        ("priority", True, "'critical', 'high', 'medium' or 'normal'"),
        ("assignment", "employee_x", "no_assignment"),
        ("secondary", -1, "auto_reply_from_kb, alert_gm, none"),
    ],
)
def test_action__invalid_values_name_the_field_and_the_choices(
    field: str, value: object, allowed: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        HelixDeskAction.model_validate({**GOOD, field: value})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert allowed in error["msg"]


def test_action__absurd_employee_index_is_refused_and_not_cached() -> None:
    """A 64 KiB body can carry ``employee_`` and thousands of digits (or a huge integer):
    refused as a choice, with the allowed range, and not kept in the choice cache."""
    before = _normalised_choice.cache_info().currsize
    for assignment in ("employee_" + "9" * 5000, "employee_1000000000"):
        with pytest.raises(ValidationError, match="0 <= i < 1_000_000_000"):
            HelixDeskAction.model_validate({**GOOD, "assignment": assignment})
    for code in (10**4000, 10**9 + 1, -1):
        with pytest.raises(ValidationError, match="n <= 1_000_000_000"):
            HelixDeskAction.model_validate({**GOOD, "assignment": code})
    assert _normalised_choice.cache_info().currsize == before
    largest = HelixDeskAction.model_validate({**GOOD, "assignment": "employee_999999999"})
    assert largest.named(10**9).employee == 10**9 - 1


def test_action__schema_offers_names_and_codes() -> None:
    properties = HelixDeskAction.model_json_schema()["properties"]
    assert set(ACTION_DIMS) <= set(properties)
    kinds = [option["type"] for option in properties["classification"]["anyOf"]]
    assert kinds == ["string", "integer"]


def test_reset_options__unknown_task_and_extra_options_are_refused() -> None:
    with pytest.raises(ValidationError, match="choose from easy, medium, hard, expert"):
        ResetOptions(task="nightmare")
    with pytest.raises(ValidationError, match="config"):
        ResetOptions.model_validate({"config": {"env": {"n_employees": 1}}})


# -- environment ---------------------------------------------------------------------------


def test_environment__step_before_reset_and_after_the_end_is_refused() -> None:
    env = HelixDeskEnvironment()
    action = HelixDeskAction.model_validate(GOOD)
    with pytest.raises(EpisodeStateError, match="reset first"):
        env.step(action)
    obs = env.reset(seed=1, task="easy")
    while not obs.done:
        obs = env.step(action)
    with pytest.raises(EpisodeStateError, match="over"):
        env.step(action)


def test_environment__grade_needs_a_finished_task_episode() -> None:
    env = HelixDeskEnvironment()
    action = HelixDeskAction.model_validate(GOOD)
    env.reset(seed=1, task="easy")
    with pytest.raises(EpisodeStateError, match="not over"):
        env.grade()
    obs = env.reset(seed=1, episode_id="mine")
    while not obs.done:
        obs = env.step(action)
    assert env.state.episode_id == "mine"
    with pytest.raises(EpisodeStateError, match="without a task"):
        env.grade()
    assert obs.grade is None


def test_environment__observation_shows_no_ground_truth() -> None:
    obs = HelixDeskEnvironment().reset(seed=4, task="hard")
    text = obs.model_dump_json()
    for secret in ("true_class", "surge", "tape", "topic"):
        assert secret not in text
    assert obs.reward is None
    assert obs.applied_action is None


def test_environment__state_tracks_the_episode() -> None:
    env = HelixDeskEnvironment()
    env.reset(seed=9, task="easy")
    total = 0.0
    for step in range(3):
        obs = env.step(HelixDeskAction.model_validate(scripted_action(step)))
        total += obs.reward or 0.0
    state = env.state
    assert (state.task, state.seed, state.step_count, state.email_index) == ("easy", 9, 3, 3)
    assert state.cumulative_reward == pytest.approx(total)
    assert state.emails_total == 20


def test_environment__vector_view_plays_the_same_episode_without_the_desk() -> None:
    full, lean = HelixDeskEnvironment(), HelixDeskEnvironment()
    observations = [full.reset(seed=5, task="hard"), lean.reset(seed=5, task="hard", view="vector")]
    for step in range(full.state.emails_total):
        action = HelixDeskAction.model_validate(scripted_action(step))
        observations += [full.step(action), lean.step(action)]
    for with_desk, without in zip(observations[::2], observations[1::2], strict=True):
        assert with_desk.desk is not None and with_desk.text
        assert without.desk is None and without.text is None
        assert with_desk.model_dump(exclude={"desk", "text"}) == without.model_dump(
            exclude={"desk", "text"}
        )
    assert lean.grade() == full.grade()
    assert lean.state.queue == full.state.queue


def _plain_json_values(data: object) -> Iterator[object]:
    if isinstance(data, dict):
        assert all(type(key) is str for key in data)
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            yield from _plain_json_values(item)
    else:
        yield data


@pytest.mark.parametrize("view", ["full", "vector"])
def test_environment__observations_are_valid_models(view: str) -> None:
    """Observations are built without validation (model_construct), so validate them here:
    every field present, every value of its declared type, strictly, and plain JSON."""
    env = HelixDeskEnvironment()
    observations = [env.reset(seed=6, task="expert", view=view)]
    while not observations[-1].done:
        step = len(observations) - 1
        observations.append(env.step(HelixDeskAction.model_validate(scripted_action(step))))
    for obs in observations:
        data = obs.model_dump()
        assert HelixDeskObservation.model_validate(data, strict=True) == obs
        assert {type(value) for value in _plain_json_values(data)} <= PLAIN_JSON_TYPES
    assert HelixDeskState.model_validate(env.state.model_dump(), strict=True) == env.state


def test_environment__view_is_chosen_at_each_reset() -> None:
    env = HelixDeskEnvironment()
    assert env.reset(seed=1, view="vector").desk is None
    assert env.reset(seed=1).desk is not None


def test_environment__flagging_reports_the_forced_action() -> None:
    env = HelixDeskEnvironment()
    env.reset(seed=2)
    flagged = {**GOOD, "classification": "flag_for_review", "priority": "critical"}
    obs = env.step(HelixDeskAction.model_validate(flagged))
    assert obs.applied_action is not None
    assert obs.applied_action.priority == "normal"
    assert obs.applied_action.assignment == "no_assignment"


# -- session store -------------------------------------------------------------------------


class FakeEnv:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> Iterator[tuple[SessionStore[FakeEnv], Clock]]:
    clock = Clock()
    sessions = SessionStore(FakeEnv, SessionLimits(max_sessions=2, ttl_s=10.0), clock)
    yield sessions, clock
    sessions.close()


def test_sessions__ids_are_unguessable_and_distinct(store: Any) -> None:
    sessions, _ = store
    first, second = sessions.open(), sessions.open()
    assert first.id != second.id
    assert len(first.id) >= 32


def test_sessions__cap_then_room_after_discard(store: Any) -> None:
    sessions, _ = store
    first, _second = sessions.open(), sessions.open()
    with pytest.raises(StoreFull):
        sessions.open()
    sessions.discard(first.id)
    assert first.env.closed
    sessions.open()


def test_sessions__idle_sessions_expire_lazily(store: Any) -> None:
    sessions, clock = store
    idle, busy = sessions.open(), sessions.open()
    clock.now = 8.0
    sessions.get(busy.id)
    clock.now = 12.0
    with pytest.raises(SessionNotFound):
        sessions.get(idle.id)
    assert idle.env.closed
    assert sessions.get(busy.id) is busy


def test_sessions__sweep_drops_expired_without_requests(store: Any) -> None:
    sessions, clock = store
    sessions.open()
    clock.now = 11.0
    assert sessions.sweep() == 1
    assert len(sessions) == 0


def test_sessions__background_sweep_runs() -> None:
    sessions = SessionStore(FakeEnv, SessionLimits(max_sessions=2, ttl_s=0.1))
    session = sessions.open()
    deadline = time.monotonic() + 5
    while len(sessions) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sessions) == 0
    assert session.env.closed
    sessions.close()


def test_sessions__limits_from_environment_variables() -> None:
    limits = SessionLimits.from_environ(
        {"HELIXDESK_MAX_SESSIONS": "3", "HELIXDESK_SESSION_TTL_S": "1.5"}
    )
    assert limits == SessionLimits(max_sessions=3, ttl_s=1.5)
    assert SessionLimits.from_environ({}) == SessionLimits(max_sessions=64, ttl_s=600.0)
    with pytest.raises(ValueError, match="HELIXDESK_MAX_SESSIONS"):
        SessionLimits.from_environ({"HELIXDESK_MAX_SESSIONS": "many"})
    with pytest.raises(ValueError, match="at least 1"):
        SessionLimits(max_sessions=0)


# -- HTTP error codes ----------------------------------------------------------------------


def test_http__unknown_session_is_404_everywhere() -> None:
    http = client()
    body = {"session_id": "no-such-session"}
    assert http.post("/step", json={**body, "action": GOOD}).status_code == 404
    assert http.get("/state", params=body).status_code == 404
    assert http.post("/grader", json=body).status_code == 404
    assert http.post("/reset", json=body).status_code == 404


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ({**GOOD, "classification": "praise"}, "classification"),
        ({**GOOD, "priority": 9}, "priority"),
        ({**GOOD, "assignment": "anybody"}, "assignment"),
        ({**GOOD, "mood": "happy"}, "mood"),
        ({k: v for k, v in GOOD.items() if k != "secondary"}, "secondary"),
    ],
)
def test_http__invalid_action_is_422_naming_the_field(action: dict, field: str) -> None:
    http = client()
    session = open_session(http)
    reply = http.post("/step", json={"session_id": session, "action": action})
    assert reply.status_code == 422
    assert any(error["loc"][-1] == field for error in reply.json()["detail"])


def test_http__employee_beyond_the_team_is_422() -> None:
    http = client()
    session = open_session(http, task="easy")
    for assignment, allowed in (
        (6, "employee_0..employee_4 and 5 is no_assignment"),
        ("employee_5", "employee_0..employee_4 or no_assignment"),
    ):
        action = {**GOOD, "assignment": assignment}
        reply = http.post("/step", json={"session_id": session, "action": action})
        assert reply.status_code == 422
        assert allowed in reply.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"task": "nightmare"},
        {"seed": -1},
        {"seed": "42"},
        {"seed": 1.5},
        {"config": {}},
        {"view": "text"},
    ],
)
def test_http__invalid_reset_body_is_422(body: dict) -> None:
    reply = client().post("/reset", json=body)
    assert reply.status_code == 422, reply.text


def test_http__malformed_bodies_are_4xx() -> None:
    http = client()
    assert http.post("/step", content=b"{not json").status_code == 400
    assert http.post("/step", json={"action": GOOD}).status_code == 422
    assert http.post("/grader", json={}).status_code == 422
    assert http.get("/state").status_code == 422


def test_http__reset_body_is_optional() -> None:
    http = client()
    assert http.post("/reset").status_code == 200
    assert http.post("/reset", json={}).status_code == 200


def test_http__step_after_done_and_early_grading_are_409() -> None:
    http = client()
    session = open_session(http, task="easy", seed=3)
    early = http.post("/grader", json={"session_id": session})
    assert early.status_code == 409
    assert "not over" in early.json()["detail"]
    last = finish(http, session)
    assert last["observation"]["grade"] is not None
    after = http.post("/step", json={"session_id": session, "action": GOOD})
    assert after.status_code == 409
    assert http.post("/grader", json={"session_id": session}).status_code == 200


def test_http__grading_a_taskless_episode_is_409() -> None:
    http = client()
    session = open_session(http, seed=3)
    finish(http, session)
    reply = http.post("/grader", json={"session_id": session})
    assert reply.status_code == 409
    assert "without a task" in reply.json()["detail"]


def test_http__reset_can_reuse_a_session() -> None:
    http = client(max_sessions=1)
    session = open_session(http, task="easy", seed=1)
    finish(http, session)
    again = http.post("/reset", json={"session_id": session, "task": "easy", "seed": 2})
    assert again.status_code == 200
    assert again.json()["session_id"] == session
    state = http.get("/state", params={"session_id": session}).json()
    assert (state["seed"], state["step_count"], state["done"]) == (2, 0, False)


def test_http__full_store_is_503_and_open_sessions_keep_working() -> None:
    http = client(max_sessions=2)
    sessions = [open_session(http, seed=seed) for seed in (1, 2)]
    full = http.post("/reset", json={"seed": 3})
    assert full.status_code == 503
    assert "sessions were used in the last" in full.json()["detail"]
    for session in sessions:
        reply = http.post("/step", json={"session_id": session, "action": GOOD})
        assert reply.status_code == 200


def test_http__idle_sessions_expire_to_404() -> None:
    http = client(ttl_s=0.2)
    session = open_session(http)
    time.sleep(0.4)
    assert http.post("/step", json={"session_id": session, "action": GOOD}).status_code == 404
    assert http.post("/reset").status_code == 200


def test_http__sessions_are_isolated() -> None:
    http = client()
    first, second = open_session(http, seed=1), open_session(http, seed=1)
    for _ in range(3):
        http.post("/step", json={"session_id": first, "action": GOOD})
    states = [http.get("/state", params={"session_id": s}).json() for s in (first, second)]
    assert [s["step_count"] for s in states] == [3, 0]


def test_http__concurrent_steps_on_one_session_do_not_interleave() -> None:
    app = build_app(SessionLimits(max_sessions=4, ttl_s=600))
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        session = http.post("/reset", json={"task": "easy", "seed": 8}).json()["session_id"]
        indices: list[int] = []

        def step() -> None:
            reply = http.post("/step", json={"session_id": session, "action": GOOD}).json()
            indices.append(reply["observation"]["desk"]["email_index"])

        threads = [threading.Thread(target=step) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        state = http.get("/state", params={"session_id": session}).json()
    assert sorted(indices) == list(range(1, 21))
    assert (state["step_count"], state["done"]) == (20, True)


# -- websocket errors ----------------------------------------------------------------------


def test_ws__errors_are_reported_and_the_session_survives() -> None:
    http = client(max_sessions=1)
    with http.websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"seed": 1, "task": "easy"}})
        assert ws.receive_json()["type"] == "observation"
        ws.send_json({"type": "step", "data": {**GOOD, "priority": "urgent"}})
        error = ws.receive_json()
        assert (error["type"], error["data"]["code"]) == ("error", "VALIDATION_ERROR")
        assert error["data"]["errors"][0]["loc"] == ["priority"]
        with http.websocket_connect("/ws") as second:
            refused = second.receive_json()
        assert refused["data"]["code"] == "CAPACITY_REACHED"
        ws.send_json({"type": "step", "data": {**GOOD, "assignment": 7}})
        beyond = ws.receive_json()
        assert beyond["data"]["code"] == "EXECUTION_ERROR"
        assert "out of range for 5 employees" in beyond["data"]["message"]
        ws.send_json({"type": "step", "data": GOOD})
        assert ws.receive_json()["data"]["observation"]["desk"]["email_index"] == 1


def test_ws__vector_view_sends_no_desk_and_bad_views_are_refused() -> None:
    with client().websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"seed": 3, "view": "pixels"}})
        error = ws.receive_json()
        assert error["type"] == "error"
        assert "'full' or 'vector'" in str(error["data"])
        ws.send_json({"type": "reset", "data": {"seed": 3, "view": "vector"}})
        ws.receive_json()
        ws.send_json({"type": "step", "data": GOOD})
        observation = ws.receive_json()["data"]["observation"]
    assert observation["desk"] is None and observation["text"] is None
    assert len(observation["vector"]) == 42


def test_ws__unknown_task_is_a_validation_error() -> None:
    with client().websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"task": "nightmare"}})
        error = ws.receive_json()
    assert error["type"] == "error"
    assert "choose from easy, medium, hard, expert" in str(error["data"])


# -- start-up ------------------------------------------------------------------------------


def test_app__import_loads_no_training_ui_or_llm_stack() -> None:
    """``python -c "import app"`` (the seed's check) stays light: it pulls in none of torch,
    gradio, SB3, matplotlib, pandas or the OpenAI client, each of which costs seconds.

    A structural check rather than a wall-clock bound: the same import took 1.4 s on one
    machine of this class and 3-4 s on another, so timings belong in bench/, not in tests.
    """
    heavy = ["torch", "gradio", "stable_baselines3", "matplotlib", "pandas", "openai"]
    code = f"import sys, app; print([name for name in {heavy!r} if name in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    assert loaded.strip() == "[]"


def test_app__import_does_not_load_gradio() -> None:
    code = "import sys, app; assert 'gradio' not in sys.modules; import gradio"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_layout__the_client_imports_nothing_from_the_server() -> None:
    """OpenEnv's layout: wire types at the package root, shared; the server apart."""
    code = (
        "import sys, helixdesk.client; "
        "leaked = sorted(m for m in sys.modules if m.startswith('helixdesk.server')); "
        "assert not leaked, leaked"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
