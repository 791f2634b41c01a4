"""The web dashboard end to end in a real headless Chromium (Debian's, driven by playwright).

A full rule-agent episode of ``medium`` with seed 42 must show the grade the server's
``/grader`` gives that session; three steps played with the keyboard must show the queue
counts that ``GET /state`` reports. Both runs load nothing from outside the app, log no
console error and save screenshots under ``artifacts/`` (``docs/img/dashboard.png`` in the
README is one of them). ``make test`` installs Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, Request, sync_playwright

from helixdesk.agents import RuleAgent
from helixdesk.server.app import build_app
from helixdesk.server.sessions import SessionLimits
from helixdesk.tasks import grade, make_env
from tests.live_server import serve

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
EPISODE_TIMEOUT_MS = 45_000
PRIORITIES = ("critical", "high", "medium", "normal")


@dataclass
class Watched:
    """A page, its base URL and what went wrong while it ran."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.outside_requests == []


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(build_app(SessionLimits(max_sessions=8, ttl_s=600.0))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)


def _is_outside(request: Request, base_url: str) -> bool:
    return not request.url.startswith((base_url, "data:"))


@pytest.fixture
def watched(browser: Browser, base_url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    state = Watched(page, base_url)
    page.on("console", lambda m: m.type == "error" and state.console_errors.append(m.text))
    page.on("pageerror", lambda error: state.console_errors.append(str(error)))
    page.on("request", lambda r: _is_outside(r, base_url) and state.outside_requests.append(r.url))
    page.goto(base_url)
    page.wait_for_selector("body[data-ready=true]")
    yield state
    context.close()


def start(page: Page, agent: str, task: str, seed: int) -> str:
    """Set up an episode from the form; returns its session id."""
    page.select_option("#agent", agent)
    page.select_option("#task", task)
    page.fill("#seed", str(seed))
    page.evaluate("document.getElementById('status').textContent = ''")
    page.click("#start")
    page.wait_for_function(
        "document.getElementById('status').textContent.startsWith('Episode started')"
    )
    page.wait_for_selector("body[data-phase=live]")
    return page.inner_text("#session-id")


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def server_json(watched: Watched, method: str, path: str, **kwargs: Any) -> Any:
    reply = httpx.request(method, f"{watched.base_url}{path}", timeout=10, **kwargs)
    assert reply.status_code == 200, reply.text
    return reply.json()


def shown_queue(page: Page) -> dict[str, int]:
    keys = (*PRIORITIES, "review")
    return {key: int(page.inner_text(f"[data-queue={key}]")) for key in keys}


def state_queue(watched: Watched, session: str) -> dict[str, int]:
    state = server_json(watched, "GET", "/state", params={"session_id": session})
    queue = state["queue"]
    return {**queue["by_priority"], "review": queue["review_queue"]}


def test_rule_agent_episode__shows_the_servers_grade(watched: Watched) -> None:
    page = watched.page
    session = start(page, "rule", "medium", 42)
    page.fill("#speed", "5")  # as fast as possible
    page.click("#play")
    page.wait_for_selector("#grade-score[data-score]", timeout=EPISODE_TIMEOUT_MS)

    served = server_json(watched, "POST", "/grader", json={"session_id": session})
    assert float(page.get_attribute("#grade-score", "data-score") or "nan") == served["score"]
    assert page.inner_text("#grade-score") == f"{served['score']:.4f}"
    for part, value in served["parts"].items():
        assert page.inner_text(f"[data-part={part}]") == f"{value:.4f}"
    env = make_env("medium")
    assert served["score"] == grade("medium", RuleAgent(env), seed=42, env=env)
    assert page.inner_text("#progress") == "all 100 triaged"
    assert shown_queue(page) == state_queue(watched, session)
    screenshot(page, "dashboard-rule-medium.png")

    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the layout must fit a phone's width"
    screenshot(page, "dashboard-rule-medium-phone.png")
    watched.assert_clean()


def press_all(page: Page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def decide(page: Page, email_number: int) -> None:
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.getElementById('progress').textContent.startsWith(`${n} of`)",
        arg=email_number + 1,
    )


def test_keyboard_play__shows_the_queue_counts_of_get_state(watched: Watched) -> None:
    page = watched.page
    session = start(page, "you", "hard", 2)

    press_all(page, "c", "h", "1")
    assert page.get_attribute("#pad [data-value=employee_0]", "aria-pressed") == "true"
    decide(page, 1)
    assert shown_queue(page) == state_queue(watched, session)
    assert "complaint · high · employee 0 · none" in page.inner_text("#last-decision")

    assert page.inner_text("#sig-kb") == "none"  # seed 2: the second email has no KB article
    press_all(page, "q", "2", "k")
    assert "No KB article" in page.inner_text("#pad-notes")
    assert page.is_disabled("#pad [data-value=auto_reply_from_kb]")
    decide(page, 2)
    assert shown_queue(page) == state_queue(watched, session)
    assert "query · normal · employee 1 · none" in page.inner_text("#last-decision")

    press_all(page, "f", "u")
    assert page.is_disabled("#pad [data-value=critical]")
    assert "Flag for review fixes the priority" in page.inner_text("#pad-notes")
    screenshot(page, "dashboard-keyboard.png")
    decide(page, 3)
    assert shown_queue(page) == state_queue(watched, session)
    state = server_json(watched, "GET", "/state", params={"session_id": session})
    assert (state["step_count"], state["queue"]["review_queue"]) == (3, 1)
    watched.assert_clean()


def test_new_episode__starts_with_an_empty_log_and_leaving_closes_the_session(
    watched: Watched,
) -> None:
    page = watched.page
    start(page, "rule", "easy", 3)
    for _ in range(3):
        page.click("#step")
    page.wait_for_function("document.querySelectorAll('#decision-log li').length === 3")
    session = start(page, "you", "easy", 4)
    assert page.locator("#decision-log li").count() == 0
    assert page.inner_text("#last-decision") == "None yet."

    page.goto("about:blank")  # the page is hidden and unloaded: it closes its session
    deadline = time.monotonic() + 10
    while True:
        reply = httpx.get(f"{watched.base_url}/state", params={"session_id": session})
        if reply.status_code == 404 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert reply.status_code == 404
    assert "was closed" in reply.json()["detail"]
    watched.assert_clean()
