"""The agent's tools, one definition for MCP and TRL: what each reads, and the KB search
(played on HelixDeskToolEnv, the lightest owner; tests/test_mcp.py plays them on the server)."""

from __future__ import annotations

import pytest

from helixdesk.text_view import build_view, email_text
from helixdesk.tools import TOOL_NAMES, DeskTools, ToolCallError
from helixdesk.trl import HelixDeskToolEnv, ToolEnvSettings

RESERVED = {"reset", "step", "state", "close"}


def desk(seed: int = 2) -> HelixDeskToolEnv:
    """The tools on an ``easy`` episode of full length (HelixDeskToolEnv is the owner)."""
    env = HelixDeskToolEnv(ToolEnvSettings(emails=None))
    env.reset(task="easy", seed=seed)
    return env


def desk_at_kb_email(has_article: bool) -> HelixDeskToolEnv:
    """A desk whose current email does (or does not) have a KB article."""
    for seed in range(50):
        tools = desk(seed)
        for _ in range(20):
            email = build_view(tools.simulator).email
            assert email is not None
            if email.kb_has_answer == has_article:
                return tools
            tools.triage("query", "normal", "employee_0")
    raise AssertionError("no such email in 50 seeds")


def test_tools__names_are_not_simulation_controls_and_have_docs() -> None:
    assert TOOL_NAMES == (
        "read_email",
        "read_queue",
        "read_sla",
        "read_trends",
        "search_kb",
        "triage",
    )
    assert not RESERVED & set(TOOL_NAMES)
    for name in TOOL_NAMES:
        doc = getattr(DeskTools, name).__doc__
        assert doc and len(doc.splitlines()[0]) <= 90, name


def test_tools__readers_show_the_visible_desk_and_change_nothing() -> None:
    tools = desk()
    env = tools.simulator
    before = env.last_observation.copy()
    assert tools.read_email() == email_text(build_view(env))
    assert "Team: employee_0" in tools.read_queue()
    assert "Deadlines from arrival" in tools.read_sla()
    assert "Trending categories" in tools.read_trends()
    assert (env.last_observation == before).all() and env.email_index == 0


def test_search_kb__the_article_when_the_kb_holds_it_and_the_query_names_it() -> None:
    tools = desk_at_kb_email(has_article=True)
    email = build_view(tools.simulator).email
    assert email is not None
    article = tools.search_kb(email.category)
    assert article.startswith(f"KB article ({email.category}): ")
    title = article.splitlines()[0].split(": ", 1)[1]
    assert tools.search_kb(title.upper()) == article
    assert tools.search_kb("zzzz qqqq") == ""


def test_search_kb__nothing_when_the_kb_lacks_the_article() -> None:
    tools = desk_at_kb_email(has_article=False)
    email = build_view(tools.simulator).email
    assert email is not None
    assert tools.search_kb(email.category) == ""


def test_triage__refuses_bad_names_and_plays_to_the_end() -> None:
    tools = desk()
    with pytest.raises(ToolCallError, match="classification"):
        tools.triage("urgent", "high", "employee_0")
    with pytest.raises(ToolCallError, match="out of range for 5 employees"):
        tools.triage("query", "high", "employee_5")
    assert tools.simulator.email_index == 0
    texts = [tools.triage("complaint", "critical", "employee_1") for _ in range(20)]
    assert texts[0].startswith("Triaged email 1 of 20: complaint, critical, employee_1, none.")
    assert "Email 2 of 20" in texts[0]
    assert "the episode is over" in texts[-1] and "Grade: " in texts[-1]
    assert len(tools.tool_calls) == 22


def test_tools__no_episode_is_an_error_and_not_journaled() -> None:
    tools = HelixDeskToolEnv()
    with pytest.raises(ToolCallError, match="no episode"):
        tools.read_email()
    assert tools.tool_calls == []
