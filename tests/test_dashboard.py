"""The dashboard's routes: the page and its assets, baseline agents' moves, surges after the end."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from helixdesk.agents import RuleAgent
from helixdesk.server.app import build_app
from helixdesk.server.dashboard import STATIC_DIR
from helixdesk.server.sessions import SessionLimits
from helixdesk.spaces import ACTION_DIMS, action_choices, layout_for, mask_offsets
from helixdesk.tasks import TASK_IDS, make_env, scenario_config
from helixdesk.wire import HelixDeskAction

FLAG = {
    "classification": "flag_for_review",
    "priority": "normal",
    "assignment": "no_assignment",
    "secondary": "none",
}


@pytest.fixture
def http() -> TestClient:
    app = build_app(SessionLimits(max_sessions=4, ttl_s=600.0))
    return TestClient(app, raise_server_exceptions=False)


def open_session(http: TestClient, task: str, seed: int) -> str:
    reply = http.post("/reset", json={"task": task, "seed": seed})
    assert reply.status_code == 200, reply.text
    session: str = reply.json()["session_id"]
    return session


def agent_action(http: TestClient, session: str, agent: str) -> dict[str, object]:
    reply = http.post("/dashboard/agent-action", json={"session_id": session, "agent": agent})
    assert reply.status_code == 200, reply.text
    action: dict[str, object] = reply.json()
    return action


def step(http: TestClient, session: str, action: dict[str, object]) -> dict[str, object]:
    reply = http.post("/step", json={"session_id": session, "action": action})
    assert reply.status_code == 200, reply.text
    body: dict[str, object] = reply.json()
    return body


def test_page__served_at_root_with_local_assets_only(http: TestClient) -> None:
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for asset in ("app.js", "style.css"):
        assert f"dashboard/assets/{asset}" in page.text
        assert http.get(f"/dashboard/assets/{asset}").status_code == 200
    sources = [path.read_text() for path in STATIC_DIR.iterdir()]
    external = {url for text in sources for url in re.findall(r"https?://[^\s\"')]+", text)}
    assert external <= {"http://www.w3.org/2000/svg"}  # an XML namespace, never fetched


@pytest.mark.parametrize("task", [None, *TASK_IDS])
def test_layout__is_the_layout_spaces_declares(http: TestClient, task: str | None) -> None:
    reply = http.get("/layout", params={} if task is None else {"task": task})
    assert reply.status_code == 200, reply.text
    config = scenario_config(task)
    served = reply.json()
    assert served == {
        "task": task,
        "features": layout_for(config).index,
        "choices": {dim: list(names) for dim, names in action_choices(config).items()},
        "mask_offsets": mask_offsets(config.env.n_employees),
    }
    assert list(served["choices"]) == list(ACTION_DIMS)
    assert http.get("/layout", params={"task": "nope"}).status_code == 422


def test_layout__reads_the_served_vector_and_mask_by_name(http: TestClient) -> None:
    layout = http.get("/layout", params={"task": "hard"}).json()
    session = open_session(http, "hard", 2)
    for _ in range(20):
        observation = step(http, session, agent_action(http, session, "rule"))["observation"]
        assert isinstance(observation, dict)
        email, vector = observation["desk"]["email"], observation["vector"]
        assert vector[layout["features"]["keyword_flag"]] == float(email["keyword_flag"])
        choice = layout["choices"]["secondary"].index("auto_reply_from_kb")
        at = layout["mask_offsets"]["secondary"] + choice
        assert observation["action_mask"][at] == email["kb_has_answer"]


def test_rule_agent__moves_are_the_rule_agents_on_the_same_observations(
    http: TestClient,
) -> None:
    session = open_session(http, "medium", 42)
    env = make_env("medium")
    obs, info = env.reset(seed=42)
    agent = RuleAgent(env)
    for _ in range(40):
        action = agent_action(http, session, "rule")
        codes = agent.act(obs, info)
        expected = HelixDeskAction.from_codes(codes, env.config.env.n_employees)
        assert {dim: action[dim] for dim in ACTION_DIMS} == expected.model_dump(
            include=set(ACTION_DIMS)
        )
        step(http, session, action)
        obs, _, _, _, info = env.step(codes)


def test_random_agent__replays_with_the_seed_and_varies_by_step(http: TestClient) -> None:
    first, second = open_session(http, "easy", 5), open_session(http, "easy", 5)
    moves = []
    for _ in range(6):
        action = agent_action(http, first, "random")
        assert agent_action(http, second, "random") == action
        step(http, first, action)
        step(http, second, action)
        moves.append(tuple(str(action[dim]) for dim in ACTION_DIMS))
    assert len(set(moves)) > 1


def test_agent_action__errors(http: TestClient) -> None:
    unknown = {"session_id": "nope", "agent": "rule"}
    assert http.post("/dashboard/agent-action", json=unknown).status_code == 404
    session = open_session(http, "easy", 1)
    llm = {"session_id": session, "agent": "llm"}
    assert http.post("/dashboard/agent-action", json=llm).status_code == 422
    done = False
    while not done:
        done = bool(step(http, session, FLAG)["done"])
    over = {"session_id": session, "agent": "rule"}
    assert http.post("/dashboard/agent-action", json=over).status_code == 409


def test_surges__hidden_during_play_revealed_after_the_end(http: TestClient) -> None:
    session = open_session(http, "hard", 42)
    query = {"session_id": session}
    assert http.get("/dashboard/surges", params=query).status_code == 409
    done = False
    while not done:
        done = bool(step(http, session, agent_action(http, session, "rule"))["done"])
    reply = http.get("/dashboard/surges", params=query)
    assert reply.status_code == 200, reply.text
    surges = reply.json()["surges"]
    assert surges, "the hard task guarantees at least one surge"
    grade = http.post("/grader", json=query).json()
    alerted = sum(s["alerted"] for s in surges)
    assert grade["parts"]["trend"] == pytest.approx(alerted / len(surges))
    for surge in surges:
        assert 0 <= surge["start_hours"] < surge["end_hours"]
        assert surge["category"] in make_env("hard").config.email_gen.categories


def test_state__shows_the_queue_of_the_latest_observation(http: TestClient) -> None:
    session = open_session(http, "medium", 3)
    for _ in range(12):
        reply = step(http, session, agent_action(http, session, "rule"))
    state = http.get("/state", params={"session_id": session}).json()
    observation = reply["observation"]
    assert isinstance(observation, dict)
    assert state["queue"] == observation["desk"]["queue"]
    assert sum(state["queue"]["by_priority"].values()) > 0
