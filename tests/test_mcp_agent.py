"""examples/mcp_agent.py: a chat model (the fake OpenAI endpoint, answering with tool calls)
plays a task through the server's MCP tools, to the end."""

from __future__ import annotations

import json

import pytest

from helixdesk.server.app import build_app
from helixdesk.server.sessions import SessionLimits
from helixdesk.tools import TOOL_NAMES
from tests.fake_openai import KEY_VARIABLES, FakeOpenAI, tool_playing_reply
from tests.live_server import serve
from tests.test_examples import _load as load_example


@pytest.fixture
def agent_model(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The fake endpoint playing through the tools, with a key in the environment."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("API_KEY", "test-key")
    fake.script = tool_playing_reply
    return fake


def test_mcp_agent__plays_a_task_through_the_tools(
    agent_model: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = agent_model
    example = load_example("mcp_agent")
    with serve(build_app(SessionLimits(max_sessions=4, ttl_s=600))) as url:
        args = ["--url", url, "--base-url", fake.url, "--model", "fake-model"]
        status = example.main([*args, "--task", "easy", "--seed", "3"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "the episode is over" in printed and "Grade: " in printed
    offered = [tool["function"]["name"] for tool in fake.requests[0]["tools"]]
    assert tuple(offered) == TOOL_NAMES
    calls = [
        call["function"]["name"]
        for request in fake.requests
        for message in request["messages"]
        if message["role"] == "assistant"
        for call in message.get("tool_calls", [])
    ]
    made = [reply.tool_calls[0]["function"]["name"] for reply in fake.replies if reply.tool_calls]
    assert made == ["read_email"] + ["triage"] * 20
    assert calls[-len(made) :] == made  # the last request carries the whole conversation
    last_tool = fake.requests[-1]["messages"][-1]
    assert last_tool["role"] == "tool" and "the episode is over" in last_tool["content"]
    triage = json.loads(fake.replies[1].tool_calls[0]["function"]["arguments"])
    assert set(triage) == {"classification", "priority", "assignment", "secondary"}


def test_mcp_agent__an_unfinished_episode_exits_1(agent_model: FakeOpenAI) -> None:
    fake = agent_model
    example = load_example("mcp_agent")
    with serve(build_app(SessionLimits(max_sessions=4, ttl_s=600))) as url:
        args = ["--url", url, "--base-url", fake.url, "--max-turns", "3"]
        assert example.main(args) == 1
