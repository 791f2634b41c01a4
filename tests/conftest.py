"""Shared helpers for the HelixDesk test suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.agents import BaseAgent
from tests.fake_openai import FakeOpenAI, serve_fake_openai

NINE_CATEGORIES = {
    "email_gen": {
        "categories": [
            "billing",
            "shipping",
            "technical",
            "account",
            "product",
            "returns",
            "security",
            "general",
            "warranty",
        ]
    }
}
SIX_EMPLOYEES = {"env": {"n_employees": 6}}


class ConstantAgent(BaseAgent):
    """Always the same action."""

    def __init__(self, action: tuple[int, ...]) -> None:
        self.action = np.array(action, dtype=np.int64)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        return self.action


def play(
    env: HelixDeskEnv, agent: BaseAgent, seed: int, on_step: Callable[..., None] | None = None
) -> float:
    """One full episode; returns the undiscounted return."""
    obs, info = env.reset(seed=seed)
    agent.reset()
    total, done = 0.0, False
    while not done:
        action = agent.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        if on_step is not None:
            on_step(action, obs, reward, info)
        total += reward
        done = terminated or truncated
    return total


def events(env: HelixDeskEnv, kind: str) -> list[dict[str, Any]]:
    """The episode's events of ``kind`` so far, their fields by name."""
    return [event for event in env.event_log if event["kind"] == kind]


@pytest.fixture
def env() -> HelixDeskEnv:
    return HelixDeskEnv()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on loopback (``tests/fake_openai.py``)."""
    with serve_fake_openai() as server:
        yield server
