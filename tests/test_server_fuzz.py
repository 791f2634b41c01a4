"""Property-based fuzzing of the server: every HTTP route from its own OpenAPI schema, and /ws.

schemathesis generates requests for every operation of ``/openapi.json`` (valid ones and,
in its coverage phase, boundary and invalid ones) and checks each answer: no 5xx, a status
code the schema documents, a body that matches the documented schema, and valid data not
refused. Stateless, requests that name a session get a live one half the time, so the
routes' own logic runs as well as the unknown-session path. Stateful, schemathesis follows
the schema's OpenAPI links (reset → step → state → grader → close) with the ids the server
returned. The WebSocket test sends hypothesis-generated frames (JSON values of any shape,
text, binary) to one ``/ws`` session and requires an answer to each and a session that
still plays afterwards.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helixdesk.server.app import build_app
from helixdesk.server.sessions import SessionLimits
from tests.test_server import GOOD

APP = build_app(SessionLimits(max_sessions=2000, ttl_s=60.0), warm=lambda: None)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    with TestClient(APP) as client:
        yield client


def live_session(http: TestClient) -> str:
    reply = http.post("/reset", json={"task": "easy", "seed": 1})
    assert reply.status_code == 200, reply.text
    session: str = reply.json()["session_id"]
    return session


def with_live_session(case: Any, http: TestClient) -> None:
    """Put a live session id where the generated request names one, half the time."""
    for part in (case.body, case.query):
        named = isinstance(part, dict) and isinstance(part.get("session_id"), str)
        if named and len(part["session_id"]) % 2 == 0:
            part["session_id"] = live_session(http)


@SCHEMA.parametrize()
@FUZZ
def test_fuzz__every_route_answers_as_its_schema_says(case: Any, http: TestClient) -> None:
    with_live_session(case, http)
    case.call_and_validate()


class LinkedCalls(SCHEMA.as_state_machine()):  # type: ignore[misc]
    """schemathesis's state machine over the links, recording what each call answered."""

    answers: Counter[tuple[str, int]] = Counter()

    def after_call(self, response: Any, case: Any) -> None:
        self.answers[(case.path, response.status_code)] += 1


def test_fuzz__linked_calls_follow_live_sessions_and_answer_as_the_schema_says() -> None:
    LinkedCalls.answers.clear()
    LinkedCalls.run(
        settings=settings(
            max_examples=60,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    answers = LinkedCalls.answers
    assert not [call for call in answers if call[1] >= 500]
    live = {("/step", 200), ("/state", 200), ("/grader", 409), ("/close", 200)}
    assert live <= set(answers), answers


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
MESSAGES = st.fixed_dictionaries(
    {"type": st.sampled_from(["reset", "step", "state", "mcp", "nonsense"]), "data": JSON_VALUES}
)
FRAMES = st.one_of(
    JSON_VALUES.map(json.dumps),
    MESSAGES.map(json.dumps),
    st.text(max_size=40),
    st.binary(max_size=40),
)


@given(frames=st.lists(FRAMES, min_size=1, max_size=6))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz__ws_answers_every_frame_and_the_session_survives(frames: list[Any]) -> None:
    with TestClient(APP).websocket_connect("/ws") as ws:
        for frame in frames:
            if isinstance(frame, bytes):
                ws.send_bytes(frame)
            else:
                ws.send_text(frame)
            assert ws.receive_json()["type"] in {"observation", "state", "error", "mcp"}
        ws.send_json({"type": "reset", "data": {"task": "easy", "seed": 3}})
        assert ws.receive_json()["type"] == "observation"
        ws.send_json({"type": "step", "data": GOOD})
        reply = ws.receive_json()
    assert reply["data"]["observation"]["desk"]["email_index"] == 1
