"""The agent's tools, one definition for MCP and TRL: what each reads, and the KB search."""

from __future__ import annotations

import pytest

from helixdesk.env import HelixDeskEnv
from helixdesk.models import HelixAction
from helixdesk.tasks import get_task, make_env
from helixdesk.text_view import build_view, email_text
from helixdesk.tools import TOOL_NAMES, DeskTools, ToolCallError, Triaged

RESERVED = {"reset", "step", "state", "close"}


class Desk(DeskTools):
    """The tools over a plain Gymnasium env (the smallest owner)."""

    def __init__(self, env: HelixDeskEnv | None) -> None:
        super().__init__()
        self.env = env

    def _simulator(self) -> HelixDeskEnv:
        if self.env is None:
            raise ToolCallError("no episode yet")
        return self.env

    def _play(self, action: HelixAction) -> Triaged:
        env = self._simulator()
        _, _, _, done, info = env.step(action.to_array(env.config.env.n_employees))
        applied = HelixAction.from_array(info["applied_action"], env.config.env.n_employees)
        return Triaged(applied, done, get_task("easy").score_log(env.event_log) if done else None)


def desk_at_kb_email(has_article: bool) -> Desk:
    """A desk whose current email does (or does not) have a KB article."""
    for seed in range(50):
        env = make_env("easy")
        env.reset(seed=seed)
        for _ in range(20):
            email = build_view(env).email
            assert email is not None
            if email.kb_has_answer == has_article:
                return Desk(env)
            env.step(env.action_space.sample())
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
    env = make_env("easy")
    env.reset(seed=2)
    desk = Desk(env)
    before = env.last_observation.copy()
    assert desk.read_email() == email_text(build_view(env))
    assert "Team: employee_0" in desk.read_queue()
    assert "Deadlines from arrival" in desk.read_sla()
    assert "Trending categories" in desk.read_trends()
    assert (env.last_observation == before).all() and env.email_index == 0


def test_search_kb__the_article_when_the_kb_holds_it_and_the_query_names_it() -> None:
    desk = desk_at_kb_email(has_article=True)
    email = build_view(desk.env).email
    assert email is not None
    article = desk.search_kb(email.category)
    assert article.startswith(f"KB article ({email.category}): ")
    title = article.splitlines()[0].split(": ", 1)[1]
    assert desk.search_kb(title.upper()) == article
    assert desk.search_kb("zzzz qqqq") == ""


def test_search_kb__nothing_when_the_kb_lacks_the_article() -> None:
    desk = desk_at_kb_email(has_article=False)
    email = build_view(desk.env).email
    assert email is not None
    assert desk.search_kb(email.category) == ""


def test_triage__refuses_bad_names_and_plays_to_the_end() -> None:
    env = make_env("easy")
    env.reset(seed=2)
    desk = Desk(env)
    with pytest.raises(ToolCallError, match="classification"):
        desk.triage("urgent", "high", "employee_0")
    with pytest.raises(ToolCallError, match="out of range for 5 employees"):
        desk.triage("query", "high", "employee_5")
    assert env.email_index == 0
    texts = [desk.triage("complaint", "critical", "employee_1") for _ in range(20)]
    assert texts[0].startswith("Triaged email 1 of 20: complaint, critical, employee_1, none.")
    assert "Email 2 of 20" in texts[0]
    assert "the episode is over" in texts[-1] and "Grade: " in texts[-1]
    assert len(desk.tool_calls) == 22


def test_tools__no_episode_is_an_error_and_not_journaled() -> None:
    desk = Desk(None)
    with pytest.raises(ToolCallError, match="no episode"):
        desk.read_email()
    assert desk.tool_calls == []
