"""Inputs that once broke the server, each reproduced exactly, over a real socket (issue 18).

Undecodable bodies and lone surrogates gave a 500 and then a reset keep-alive connection;
deep nesting, huge numbers and surrogates ended WebSocket sessions; integer assignment codes
meant something else on the wire than in the env; idle WebSocket sessions expired silently;
vanished clients held every slot; the first request compiled for a minute while ``/health``
said 200; oversized frames were buffered whole.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from helixdesk.env import HelixDeskEnv
from helixdesk.server.app import build_app
from helixdesk.server.guards import DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, validation_error_reply
from helixdesk.server.sessions import SessionLimits, SessionNotFound, SessionStore, StoreFull
from helixdesk.spaces import ACTION_DIMS
from helixdesk.tasks import CONFIG_VAR, scenario_config
from tests.live_server import serve
from tests.test_server import GOOD, Clock, FakeEnv

LIMITS = SessionLimits(max_sessions=8, ttl_s=600.0)
JSON = {"content-type": "application/json"}
STEP = json.dumps({"type": "step", "data": GOOD})


def nested(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


# -- HTTP: a clear 4xx, and the keep-alive connection goes on -----------------------------

BAD_BODIES = [
    pytest.param("/reset", bytes([0, 255] * 8), {}, id="raw-bytes"),
    pytest.param(
        "/reset", bytes([0, 255] * 8), {"content-type": "application/json"}, id="raw-json"
    ),
    pytest.param("/reset", b'{"episode_id": "\\ud800"}', {}, id="reset-surrogate"),
    pytest.param("/step", b'{"session_id": "\\ud800", "action": {}}', {}, id="step-surrogate"),
    pytest.param(
        "/step", b'{"session_id": "x", "action": ' + b"[" * 5000 + b"]" * 5000 + b"}", {}, id="deep"
    ),
    pytest.param("/reset", b'{"seed": ' + b"9" * 5000 + b"}", {}, id="5000-digit-seed"),
]


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    with serve(build_app(LIMITS)) as url:
        yield url


@pytest.mark.parametrize(("path", "body", "headers"), BAD_BODIES)
def test_http__bad_body_is_400_and_the_same_connection_answers_next(
    live_url: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    address = urlsplit(live_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.request("POST", path, body=body, headers=headers)
    reply = connection.getresponse()
    detail = json.loads(reply.read())["detail"]
    assert reply.status == 400, detail
    assert detail.startswith("request body: ")
    sock = connection.sock
    connection.request("POST", "/reset", body=b'{"seed": 1}', headers=JSON)
    after = connection.getresponse()
    assert after.status == 200
    assert json.loads(after.read())["observation"]["desk"]["email_index"] == 0
    assert connection.sock is sock, "the server dropped the keep-alive connection"
    connection.close()


def test_http__the_body_problem_is_named() -> None:
    http_client = TestClient(build_app(LIMITS))
    cases = {
        b'{"episode_id": "\\ud800"}': "lone surrogate",
        b"[" * 100 + b"]" * 100: f"deeper than {MAX_JSON_DEPTH} levels",
        b'{"seed": ' + b"9" * 5000 + b"}": "more than 4300 digits",
        bytes([0, 255]): "not UTF-8",
        b"{not json": "not valid JSON",
    }
    for body, problem in cases.items():
        reply = http_client.post("/reset", content=body)
        assert reply.status_code == 400
        assert problem in reply.json()["detail"]


@pytest.mark.parametrize(
    ("echoed", "sent_as"), [(b"\x00\xff", "\x00\\xff"), ("\ud800", "\\ud800"), (1e400, "inf")]
)
def test_http__422_reply_escapes_what_json_cannot_carry(echoed: Any, sent_as: str) -> None:
    """Defence in depth behind the body guard: the 422 handler's own encoding."""
    error = RequestValidationError([{"loc": ("body",), "input": echoed, "msg": "bad"}])
    reply = asyncio.run(validation_error_reply(Request({"type": "http"}), error))
    assert json.loads(reply.body)["detail"][0]["input"] == sent_as


# -- WebSocket: every bad frame gets an error, and the connection plays on ----------------

BAD_FRAMES = {
    "reset-surrogate": '{"type": "reset", "data": {"episode_id": "\\ud800"}}',
    "step-deep-array": '{"type": "step", "data": ' + "[" * 5000 + "]" * 5000 + "}",
    "reset-5000-digit-seed": '{"type": "reset", "data": {"seed": ' + "9" * 5000 + "}}",
    "metadata-3000-deep": '{"type": "step", "data": {"metadata": ' + nested(3000) + "}}",
    "reset-metadata-deep": '{"type": "reset", "data": {"metadata": ' + nested(3000) + "}}",
    "not-json": "{type: step}",
    "json-array": "[1, 2, 3]",
    "binary": b"\x00\xff",
}


def play_to_the_end(ws: Any) -> dict[str, Any]:
    ws.send(json.dumps({"type": "reset", "data": {"task": "easy", "seed": 5}}))
    reply = json.loads(ws.recv(timeout=60))
    while not reply["data"]["done"]:
        ws.send(STEP)
        reply = json.loads(ws.recv(timeout=60))
    return reply


def test_ws__every_bad_frame_gets_an_error_and_the_connection_plays_an_episode(
    live_url: str,
) -> None:
    with connect(live_url.replace("http", "ws", 1) + "/ws", max_size=None) as ws:
        for name, frame in BAD_FRAMES.items():
            ws.send(frame)
            answer = json.loads(ws.recv(timeout=30))
            assert answer["type"] == "error", name
            assert answer["data"]["code"] == "INVALID_JSON", name
            assert "Exceeds the limit" not in answer["data"]["message"], name
        final = play_to_the_end(ws)
    assert final["data"]["observation"]["grade"]["task"] == "easy"


def test_ws__a_frame_over_the_limit_is_refused_by_the_protocol(live_url: str) -> None:
    """uvicorn closes the connection (1009, message too big) instead of buffering it."""
    with connect(live_url.replace("http", "ws", 1) + "/ws", max_size=None) as ws:
        ws.send(json.dumps({"type": "step", "data": {"pad": "x" * DEFAULT_MAX_BODY_BYTES}}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


# -- integer codes mean on the wire what they mean in the env -----------------------------


@pytest.fixture(params=[5, 6], ids=["default-team", "team-of-6"])
def team_server(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, HelixDeskEnv]]:
    """A live server whose default scenario has the given team, and that scenario in process."""
    config = tmp_path / "team.yaml"
    config.write_text(f"env:\n  n_employees: {request.param}\n  episode_emails: 40\n")
    monkeypatch.setenv(CONFIG_VAR, str(config))
    scenario_config.cache_clear()
    try:
        with serve(build_app(LIMITS, warm=lambda: None)) as url:
            yield url, HelixDeskEnv(config=config)
    finally:
        scenario_config.cache_clear()


def sampled_episode(env: HelixDeskEnv, seed: int) -> list[tuple[list[int], list[float], float]]:
    """(codes, observation, reward) per step of an episode of ``action_space.sample()``."""
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    steps = [([], obs.tolist(), 0.0)]
    truncated = False
    while not truncated:
        codes = env.action_space.sample().tolist()
        obs, reward, _, truncated, _ = env.step(np.array(codes))
        steps.append((codes, obs.tolist(), reward))
    return steps


def as_action(codes: list[int]) -> dict[str, int]:
    return dict(zip(ACTION_DIMS, codes, strict=True))


def test_codes__sampled_episode_over_http_equals_the_env(
    team_server: tuple[str, HelixDeskEnv],
) -> None:
    url, env = team_server
    expected = sampled_episode(env, seed=11)
    no_assignment = env.config.env.n_employees
    assert any(as_action(codes)["assignment"] == no_assignment for codes, _, _ in expected[1:])
    with httpx.Client(base_url=url, timeout=60) as http_client:
        reply = http_client.post("/reset", json={"seed": 11, "view": "vector"}).json()
        session, played = reply["session_id"], [([], reply["observation"]["vector"], 0.0)]
        for codes, _, _ in expected[1:]:
            body = {"session_id": session, "action": as_action(codes)}
            reply = http_client.post("/step", json=body).json()
            played.append((codes, reply["observation"]["vector"], reply["reward"]))
    assert played == expected


def test_codes__sampled_episode_over_ws_equals_the_env(
    team_server: tuple[str, HelixDeskEnv],
) -> None:
    url, env = team_server
    expected = sampled_episode(env, seed=12)
    with connect(url.replace("http", "ws", 1) + "/ws") as ws:
        ws.send(json.dumps({"type": "reset", "data": {"seed": 12, "view": "vector"}}))
        reply = json.loads(ws.recv(timeout=60))["data"]
        played = [([], reply["observation"]["vector"], 0.0)]
        for codes, _, _ in expected[1:]:
            ws.send(json.dumps({"type": "step", "data": as_action(codes)}))
            reply = json.loads(ws.recv(timeout=60))["data"]
            played.append((codes, reply["observation"]["vector"], reply["reward"]))
    assert played == expected


# -- how sessions end: expiry on both transports, eviction, and the words for each ---------


def test_ws__an_idle_session_expires_and_says_so() -> None:
    """openenv's reaper ends a WebSocket session idle past the TTL (checked every 5 s at
    most); the next call on that connection hears that the session expired."""
    app = build_app(SessionLimits(max_sessions=2, ttl_s=1.0), warm=lambda: None)
    with serve(app) as url, connect(url.replace("http", "ws", 1) + "/ws") as ws:
        ws.send(json.dumps({"type": "reset", "data": {"seed": 1}}))
        assert json.loads(ws.recv(timeout=60))["type"] == "observation"
        deadline = time.monotonic() + 20
        while True:
            ws.send(json.dumps({"type": "state"}))
            answer = json.loads(ws.recv(timeout=30))
            if answer["type"] == "error" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert "session expired" in answer["data"]["message"]
        assert "HELIXDESK_SESSION_TTL_S" in answer["data"]["message"]
        for message in ({"type": "step", "data": GOOD}, {"type": "reset", "data": {}}):
            ws.send(json.dumps(message))
            assert "session expired" in json.loads(ws.recv(timeout=30))["data"]["message"]


def test_sessions__a_full_store_evicts_the_least_recently_used_idle_session() -> None:
    clock = Clock()
    limits = SessionLimits(max_sessions=2, ttl_s=600.0, evict_idle_s=10.0)
    sessions = SessionStore(FakeEnv, limits, clock)
    older, newer = sessions.open(), sessions.open()
    clock.now = 5.0
    sessions.get(newer.id)
    with pytest.raises(StoreFull, match="used in the last 10 s"):
        sessions.open()
    clock.now = 12.0
    sessions.open()
    assert older.env.closed and not newer.env.closed
    with pytest.raises(SessionNotFound, match="was evicted: the server was full"):
        sessions.get(older.id)
    sessions.close()


def test_sessions__a_session_in_use_is_never_evicted() -> None:
    clock = Clock()
    sessions = SessionStore(FakeEnv, SessionLimits(max_sessions=1, evict_idle_s=0.0), clock)
    busy = sessions.open()
    clock.now = 100.0
    with sessions.use(busy.id), pytest.raises(StoreFull):
        sessions.open()
    sessions.close()


def test_sessions__not_found_says_how_the_session_ended() -> None:
    clock = Clock()
    sessions = SessionStore(FakeEnv, SessionLimits(max_sessions=4, ttl_s=10.0), clock)
    closed, expired = sessions.open(), sessions.open()
    sessions.discard(closed.id)
    clock.now = 11.0
    for session_id, words in (
        (closed.id, "was closed"),
        (expired.id, "expired: no request for over 10 s (HELIXDESK_SESSION_TTL_S)"),
        ("never-opened", "unknown session"),
    ):
        with pytest.raises(SessionNotFound, match=re.escape(words)):
            sessions.get(session_id)
    sessions.close()


def vanish(ws: Any) -> None:
    ws.socket.shutdown(socket.SHUT_RDWR)  # gone, without a close handshake
    ws.socket.close()


def test_faults__twice_the_cap_of_vanished_clients_then_a_new_one_gets_a_session() -> None:
    """HTTP clients that reset and never come back are evicted when the store is full;
    WebSocket clients that vanish free their slot when the server notices."""
    cap = 4
    limits = SessionLimits(max_sessions=cap, ttl_s=600.0, evict_idle_s=0.0)
    with serve(build_app(limits, warm=lambda: None)) as url:
        for seed in range(2 * cap):
            with httpx.Client(base_url=url, timeout=60) as gone:
                assert gone.post("/reset", json={"seed": seed}).status_code == 200
        with httpx.Client(base_url=url, timeout=60) as newcomer:
            assert newcomer.post("/reset", json={"seed": 99}).status_code == 200
        ws_url = url.replace("http", "ws", 1) + "/ws"
        for seed in range(2 * cap):
            with connect(ws_url) as ws:
                ws.send(json.dumps({"type": "reset", "data": {"seed": seed}}))
                assert json.loads(ws.recv(timeout=60))["type"] == "observation"
                vanish(ws)
        deadline = time.monotonic() + 10
        while True:
            with connect(ws_url) as ws:
                ws.send(json.dumps({"type": "reset", "data": {"seed": 99}}))
                answer = json.loads(ws.recv(timeout=60))
            if answer["type"] == "observation" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert answer["type"] == "observation", answer


# -- readiness -----------------------------------------------------------------------------


def test_ready__503_while_warming_then_200() -> None:
    release = threading.Event()
    with TestClient(build_app(LIMITS, warm=release.wait)) as http_client:
        assert http_client.get("/health").status_code == 200
        waiting = http_client.get("/ready")
        assert waiting.status_code == 503
        assert waiting.json()["ready"] is False
        release.set()
        deadline = time.monotonic() + 10
        while http_client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert http_client.get("/ready").json()["ready"] is True


def test_ready__the_real_warm_up_compiles_and_reports_ready() -> None:
    with TestClient(build_app(LIMITS)) as http_client:
        deadline = time.monotonic() + 300
        while http_client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_codes__schema_and_manifest_say_what_an_assignment_code_means() -> None:
    schema = TestClient(build_app(LIMITS, warm=lambda: None)).get("/schema").json()
    assignment = schema["action"]["properties"]["assignment"]
    code = next(option for option in assignment["anyOf"] if option["type"] == "integer")
    assert (code["minimum"], code["maximum"]) == (0, 5)
    assert "n is no_assignment" in assignment["description"]
    manifest = (Path(__file__).resolve().parents[1] / "openenv.yaml").read_text()
    assert "assignment n_employees (5 here) is no_assignment" in manifest
