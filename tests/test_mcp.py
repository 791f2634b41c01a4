"""The agent boundary: MCP tools on the server (``POST /mcp``, ``mcp`` messages on ``/ws``).

The tools list with one-line descriptions and typed input schemas; an episode played with
``tools/call`` over HTTP (the session reset by a trainer over ``/ws?session_id=``) and one
played in process with ``CallToolAction`` equal the ``/step`` episode of the same seed and
actions (event log, vectors, rewards, rubric, grade); every call is journaled in its place
in the event log; bad calls get clear errors and leave the session playable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from helixdesk.openenv_api import CallToolAction, ListToolsAction
from helixdesk.server.app import build_app
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.server.sessions import SessionLimits
from helixdesk.tools import TOOL_CALL, TOOL_NAMES
from helixdesk.wire import HelixDeskAction, HelixDeskState
from tests.live_server import scripted_action, serve

TASK, SEED = "easy", 7
RESERVED = {"reset", "step", "state", "close"}


def named_action(step: int) -> dict[str, str]:
    """The scripted action of ``step``, every field by name (as a tool takes it)."""
    action = HelixDeskAction.model_validate(scripted_action(step)).named(5)
    return action.model_dump()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve(build_app(SessionLimits(max_sessions=8, ttl_s=600))) as base:
        yield base


class McpSession:
    """An openenv HTTP MCP session: the agent calls tools on ``POST /mcp``; the trainer
    resets it and reads its state on ``/ws?session_id=``."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.id = self.rpc("openenv/session/create")["result"]["session_id"]
        self.ws: Any = None

    def rpc(self, method: str, **params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        reply = self.http.post("/mcp", json=body)
        assert reply.status_code == 200, reply.text
        answer: dict[str, Any] = reply.json()
        return answer

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        return self.rpc("tools/call", name=tool, arguments=arguments, session_id=self.id)

    def trainer(self, message: dict[str, Any]) -> dict[str, Any]:
        self.ws.send(json.dumps(message))
        answer: dict[str, Any] = json.loads(self.ws.recv(timeout=30))
        return answer


@pytest.fixture
def session(url: str) -> Iterator[McpSession]:
    with httpx.Client(base_url=url, timeout=30) as http:
        opened = McpSession(http)
        with connect(url.replace("http", "ws", 1) + f"/ws?session_id={opened.id}") as ws:
            opened.ws = ws
            yield opened
        assert opened.rpc("openenv/session/close", session_id=opened.id)["result"]["closed"]


def text_of(answer: dict[str, Any]) -> str:
    assert "result" in answer, answer
    text: str = answer["result"]["data"]
    return text


def step_episode() -> tuple[HelixDeskEnvironment, list[Any]]:
    """The scripted episode through ``step``: the environment and its observations."""
    env = HelixDeskEnvironment()
    observations = [env.reset(seed=SEED, task=TASK)]
    while not observations[-1].done:
        action = HelixDeskAction.model_validate(scripted_action(len(observations) - 1))
        observations.append(env.step(action))
    return env, observations


# -- the tool list -------------------------------------------------------------------------


def test_tools_list__names_one_line_descriptions_and_typed_schemas(url: str) -> None:
    answer = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    tools = {tool["name"]: tool for tool in answer.json()["result"]["tools"]}
    assert tuple(tools) == TOOL_NAMES
    assert not RESERVED & set(tools)
    for tool in tools.values():
        assert tool["description"] and "\n" not in tool["description"], tool
        assert tool["inputSchema"]["type"] == "object"
    triage = tools["triage"]["inputSchema"]
    assert triage["required"] == ["classification", "priority", "assignment"]
    assert triage["properties"]["priority"]["enum"] == ["critical", "high", "medium", "normal"]
    assert all(prop["description"] for prop in triage["properties"].values())
    assert tools["search_kb"]["inputSchema"]["required"] == ["query"]


# -- an episode through the tools equals the /step episode --------------------------------


def test_mcp_episode__http_tools_call_equals_the_step_episode(session: McpSession) -> None:
    reference, observations = step_episode()
    reset = session.trainer({"type": "reset", "data": {"task": TASK, "seed": SEED}})
    assert reset["type"] == "observation"
    assert reset["data"]["observation"]["text"].startswith(text_of(session.call("read_email")))
    texts = [text_of(session.call("triage", **named_action(step))) for step in range(20)]
    assert "the episode is over" in texts[-1]
    assert f"Grade: {reference.grade().score:.3f}" in texts[-1]
    state = HelixDeskState.model_validate(session.trainer({"type": "state"})["data"])
    expected = reference.state
    assert state.model_dump(exclude={"episode_id"}) == expected.model_dump(exclude={"episode_id"})
    for step, text in enumerate(texts[:-1]):
        assert observations[step + 1].text.split("\n")[0] in text


def test_mcp_episode__in_process_tool_calls_equal_the_step_episode() -> None:
    reference, observations = step_episode()
    env = HelixDeskEnvironment()
    env.reset(seed=SEED, task=TASK)
    vectors = []
    for step in range(20):
        result = env.step(CallToolAction(tool_name="triage", arguments=named_action(step)))
        assert result.error is None, result.error
        vectors.append(env.simulator.last_observation.tolist())
    assert vectors == [obs.vector for obs in observations[1:]]
    assert list(env.simulator.event_log) == list(reference.simulator.event_log)
    assert env.grade() == reference.grade()
    assert env.state.cumulative_reward == reference.state.cumulative_reward
    parts = {name: part.last_score for name, part in env.rubric.named_rubrics()}
    assert parts == observations[-1].reward_components


def test_mcp_episode__every_call_is_journaled_in_the_event_log() -> None:
    env = HelixDeskEnvironment()
    env.reset(seed=SEED, task=TASK)
    calls = [("read_email", {}), ("read_queue", {}), ("triage", named_action(0))]
    calls += [("triage", {"classification": "nonsense", "priority": "x", "assignment": "y"})]
    default = {"secondary": "none"}
    calls += [("search_kb", {"query": "refund"}), ("triage", named_action(1))]
    for name, arguments in calls:
        env.step(CallToolAction(tool_name=name, arguments=arguments))
    journal = env.tool_calls
    assert [(call.tool, call.arguments) for call in journal] == [
        (name, {**(default if name == "triage" else {}), **arguments}) for name, arguments in calls
    ]
    assert [call.error is not None for call in journal] == [False] * 3 + [True] + [False] * 2
    merged = env.episode_log
    assert [r for r in merged if r["kind"] != TOOL_CALL] == list(env.simulator.event_log)
    kinds = [r["kind"] if r["kind"] != TOOL_CALL else r["tool"] for r in merged]
    first_triage = kinds.index("triage")
    assert kinds[first_triage + 1] == "triaged" and "triaged" not in kinds[:first_triage]


# -- errors ----------------------------------------------------------------------------------


def test_errors__bad_calls_are_explained_and_the_session_plays_on(session: McpSession) -> None:
    assert "no episode yet" in session.call("read_email")["error"]["message"]
    session.trainer({"type": "reset", "data": {"task": TASK, "seed": SEED}})
    wrong_name = session.call("triage", classification="urgent", priority="high", assignment="x")
    assert "'query', 'complaint' or 'flag_for_review'" in wrong_name["error"]["message"]
    no_employee = session.call(
        "triage", classification="query", priority="high", assignment="employee_9"
    )
    assert "out of range for 5 employees" in no_employee["error"]["message"]
    missing = session.call("triage", classification="query")
    assert "priority" in missing["error"]["message"]
    assert "error" in session.call("reset")
    for step in range(20):
        text_of(session.call("triage", **named_action(step)))
    over = session.call("triage", **named_action(0))
    assert "the episode is over" in over["error"]["message"]
    assert text_of(session.call("read_email")).startswith("All 20 emails triaged")


def test_errors__list_tools_as_an_action_in_process() -> None:
    listed = HelixDeskEnvironment().step(ListToolsAction())
    assert tuple(tool.name for tool in listed.tools) == TOOL_NAMES


def test_ws_mcp_messages__reach_the_same_tools(url: str) -> None:
    with connect(url.replace("http", "ws", 1) + "/ws") as ws:

        def send(message: dict[str, Any]) -> dict[str, Any]:
            ws.send(json.dumps(message))
            answer: dict[str, Any] = json.loads(ws.recv(timeout=30))
            return answer

        observation = send({"type": "reset", "data": {"task": TASK, "seed": SEED}})["data"]
        call = {"name": "triage", "arguments": named_action(0)}
        rpc = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call}
        answer = send({"type": "mcp", "data": rpc})
        state = send({"type": "state"})["data"]
    assert answer["data"]["result"]["data"].startswith("Triaged email 1 of 20")
    assert state["step_count"] == 1
    assert re.match(r"Email 1 of 20", observation["observation"]["text"])
