"""The server under limits, bad input, faults and hostile clients (issue 8).

Limits: session cap, idle expiry (memory back to its baseline after 10 000 short sessions),
body size, the per-session lock. Bad input: every kind gets a clear 4xx (HTTP) or an error
message (WebSocket), and the session it aimed at still plays. Faults: a client that vanishes
frees its session; a restarted server answers "unknown session". Security: ids, files, YAML,
CORS, the container's user.
"""

from __future__ import annotations

import ast
import gc
import json
import os
import re
import socket
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from helixdesk.env import HelixDeskEnv
from helixdesk.server.app import build_app
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.server.guards import DEFAULT_MAX_BODY_BYTES, max_body_bytes
from helixdesk.server.sessions import SessionLimits, SessionNotFound, SessionStore
from helixdesk.wire import HelixDeskAction
from tests.live_server import serve
from tests.test_server import GOOD, client, finish, open_session

ROOT = Path(__file__).resolve().parents[1]
TOO_BIG = DEFAULT_MAX_BODY_BYTES + 1


def email_index(reply: httpx.Response) -> int:
    assert reply.status_code == 200, reply.text
    index: int = reply.json()["observation"]["desk"]["email_index"]
    return index


def step(http: TestClient, session: str, action: Any = GOOD) -> httpx.Response:
    return http.post("/step", json={"session_id": session, "action": action})


# -- limits --------------------------------------------------------------------------------


def test_limits__close_frees_a_slot_at_the_cap() -> None:
    http = client(max_sessions=1)
    first = open_session(http)
    assert http.post("/reset").status_code == 503
    closed = http.post("/close", json={"session_id": first})
    assert closed.json() == {"session_id": first, "closed": True}
    assert step(http, first).status_code == 404
    assert http.post("/close", json={"session_id": first}).status_code == 404
    open_session(http)


def test_limits__ws_cap_refuses_extra_connections_and_keeps_the_others() -> None:
    http = client(max_sessions=2)
    with http.websocket_connect("/ws") as one, http.websocket_connect("/ws") as two:
        for ws in (one, two):
            ws.send_json({"type": "reset", "data": {"seed": 1, "task": "easy"}})
            assert ws.receive_json()["type"] == "observation"
        with http.websocket_connect("/ws") as extra:
            refused = extra.receive_json()
        assert refused["data"]["code"] == "CAPACITY_REACHED"
        assert "2" in refused["data"]["message"]
        for ws in (one, two):
            ws.send_json({"type": "step", "data": GOOD})
            assert ws.receive_json()["data"]["observation"]["desk"]["email_index"] == 1


def test_limits__body_over_the_limit_is_413_with_a_message() -> None:
    http = client()
    session = open_session(http)
    big = {"session_id": session, "action": GOOD, "padding": "x" * TOO_BIG}
    reply = http.post("/step", json=big)
    assert reply.status_code == 413
    assert "HELIXDESK_MAX_BODY_BYTES" in reply.json()["detail"]
    assert email_index(step(http, session)) == 1


def test_limits__chunked_body_without_length_is_bounded_too() -> None:
    def chunks() -> Any:
        for _ in range(TOO_BIG // 1024 + 1):
            yield b" " * 1024

    reply = client().post("/reset", content=chunks(), headers={"content-type": "application/json"})
    assert reply.status_code == 413


def test_limits__body_limit_from_the_environment() -> None:
    assert max_body_bytes({}) == DEFAULT_MAX_BODY_BYTES
    assert max_body_bytes({"HELIXDESK_MAX_BODY_BYTES": "2048"}) == 2048
    with pytest.raises(ValueError, match="HELIXDESK_MAX_BODY_BYTES"):
        max_body_bytes({"HELIXDESK_MAX_BODY_BYTES": "12"})


def test_limits__a_step_waiting_for_a_closed_session_gets_unknown_session() -> None:
    sessions = SessionStore(HelixDeskEnvironment, SessionLimits(max_sessions=1, ttl_s=60))
    session = sessions.open()
    with sessions.use(session.id):
        with sessions.use_now(session.id) as busy:
            assert busy is None
        closer = threading.Thread(target=sessions.discard, args=(session.id,))
        closer.start()
        time.sleep(0.05)
    closer.join(timeout=10)
    with pytest.raises(SessionNotFound):
        sessions.get(session.id)
    assert session.closed


def test_limits__http_steps_and_thread_routes_on_one_session_do_not_interleave() -> None:
    """Steps run on the event loop, /grader and /state on worker threads: all take the lock."""
    app = build_app(SessionLimits(max_sessions=4, ttl_s=600))
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        session = http.post("/reset", json={"task": "easy", "seed": 8}).json()["session_id"]
        seen: list[int] = []

        def call(number: int) -> None:
            if number % 2:
                http.post("/grader", json={"session_id": session})
                http.get("/state", params={"session_id": session})
                return
            reply = http.post("/step", json={"session_id": session, "action": GOOD})
            seen.append(reply.json()["observation"]["desk"]["email_index"])

        threads = [threading.Thread(target=call, args=(n,)) for n in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        state = http.get("/state", params={"session_id": session}).json()
    assert sorted(seen) == list(range(1, 21))
    assert (state["step_count"], state["done"]) == (20, True)


def resident_bytes() -> int:
    """This process's resident set size (Linux ``/proc``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def live(kind: type) -> int:
    """Objects of exactly this type (``type``, not ``isinstance``: no attribute is read)."""
    return sum(type(thing) is kind for thing in gc.get_objects())


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")
def test_limits__memory_returns_to_baseline_after_10000_expired_sessions() -> None:
    """10 000 short sessions (reset, one step, then idle) expire and leave nothing behind."""
    now = [0.0]
    limits = SessionLimits(max_sessions=64, ttl_s=1.0)
    sessions = SessionStore(HelixDeskEnvironment, limits, clock=lambda: now[0])
    action = HelixDeskAction.model_validate(GOOD)

    def short_sessions(count: int) -> None:
        for number in range(count):
            if number % 50 == 0:
                now[0] += 2.0  # the open sessions are now idle past their TTL
            with sessions.use(sessions.open().id) as env:
                env.reset(seed=number, task="easy")
                env.step(action)
        now[0] += 2.0
        sessions.sweep()
        gc.collect()

    short_sessions(500)  # first-use caches, allocator pools
    envs = (live(HelixDeskEnvironment), live(HelixDeskEnv))
    baseline = resident_bytes()
    short_sessions(10_000)
    grown = resident_bytes() - baseline
    sessions.close()
    print(f"RSS after 10 000 expired sessions: {grown / 2**20:+.1f} MiB")
    assert len(sessions) == 0
    assert (live(HelixDeskEnvironment), live(HelixDeskEnv)) == envs
    assert grown < 16 * 2**20


# -- bad input -----------------------------------------------------------------------------

BAD_STEPS = [
    pytest.param(b"{not json", 400, id="malformed-json"),
    pytest.param(b'{"session_id": "\xff"}', 400, id="undecodable-bytes"),
    pytest.param(b"[1, 2]", 422, id="array-body"),
    pytest.param(b'{"session_id": 7, "action": {}}', 422, id="wrong-types"),
    pytest.param(b'{"session_id": "SID", "action": [0, 0, 0, 0]}', 422, id="action-as-list"),
    pytest.param(
        b'{"session_id": "SID", "action": {"classification": 1e400, "priority": 0, '
        b'"assignment": 0, "secondary": 0}}',
        422,
        id="inf-code",
    ),
    pytest.param(
        b'{"session_id": "SID", "action": {"classification": 0, "priority": 0, '
        b'"assignment": 100000000000000000000, "secondary": 0}}',
        422,
        id="huge-employee",
    ),
    pytest.param(
        b'{"session_id": "SID", "action": {"classification": -3, "priority": 0, '
        b'"assignment": 0, "secondary": 0}}',
        422,
        id="negative-code",
    ),
    pytest.param(
        b'{"session_id": "nope", "action": {"classification": 0, "priority": 0, '
        b'"assignment": 0, "secondary": 0}}',
        404,
        id="unknown-session",
    ),
]


@pytest.mark.parametrize(("body", "code"), BAD_STEPS)
def test_bad_input__step_gets_a_clear_4xx_and_the_session_plays_on(body: bytes, code: int) -> None:
    http = client()
    session = open_session(http, task="easy", seed=2)
    raw = body.replace(b"SID", session.encode())
    reply = http.post("/step", content=raw, headers={"content-type": "application/json"})
    assert reply.status_code == code, reply.text
    assert reply.json()["detail"]
    assert email_index(step(http, session)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"seed": -5},
        {"seed": 2**53},
        {"seed": 10**400},
        {"seed": True},
        {"task": "nightmare"},
        {"task": 3},
        {"episode_id": "x" * 300},
        {"session_id": "never-opened"},
    ],
)
def test_bad_input__reset_gets_a_clear_4xx(body: dict) -> None:
    reply = client().post("/reset", json=body)
    assert reply.status_code in {404, 422}, reply.text
    assert reply.json()["detail"]


def test_bad_input__whole_floats_are_codes_and_seeds() -> None:
    http = client()
    session = open_session(http, task="easy", seed=4.0)
    assert http.get("/state", params={"session_id": session}).json()["seed"] == 4
    action = {"classification": 1.0, "priority": 2.0, "assignment": 3.0, "secondary": 0.0}
    assert email_index(step(http, session, action)) == 1


def test_bad_input__step_after_the_end_is_409_and_reset_revives_the_session() -> None:
    http = client()
    session = open_session(http, task="easy", seed=5)
    finish(http, session)
    after = step(http, session)
    assert after.status_code == 409
    assert "reset" in after.json()["detail"]
    again = http.post("/reset", json={"session_id": session, "task": "easy", "seed": 6})
    assert email_index(again) == 0
    assert email_index(step(http, session)) == 1


GARBAGE_FRAMES = [
    b"\x00\x01binary",
    "[]",
    "42",
    '"text"',
    "null",
    "{",
    "",
    "x" * TOO_BIG,
    "{}",
    '{"type": 7}',
    '{"type": "step"}',
    '{"type": "step", "data": "classify it"}',
    '{"type": "step", "data": {"classification": "praise"}}',
    '{"type": "reset", "data": {"seed": -1}}',
    '{"type": "reset", "data": {"seed": 1e400}}',
    '{"type": "reset", "data": {"task": "nightmare"}}',
    '{"type": "reset", "data": {"config": {"env": {}}}}',
    '{"type": "mcp", "data": {}}',
]


def test_bad_input__ws_garbage_frames_get_error_messages_and_the_session_plays_on() -> None:
    with client().websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"seed": 1, "task": "easy"}})
        assert ws.receive_json()["type"] == "observation"
        for frame in GARBAGE_FRAMES:
            if isinstance(frame, bytes):
                ws.send_bytes(frame)
            else:
                ws.send_text(frame)
            answer = ws.receive_json()
            assert answer["type"] in {"error", "mcp"}, (frame[:40], answer)
            if answer["type"] == "error":
                assert answer["data"]["message"] and answer["data"]["code"]
        ws.send_json({"type": "step", "data": GOOD})
        assert ws.receive_json()["data"]["observation"]["desk"]["email_index"] == 1


def test_bad_input__ws_step_after_the_end_is_an_error_and_reset_works() -> None:
    with client().websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"seed": 1, "task": "easy"}})
        reply = ws.receive_json()
        while not reply["data"]["done"]:
            ws.send_json({"type": "step", "data": GOOD})
            reply = ws.receive_json()
        ws.send_json({"type": "step", "data": GOOD})
        error = ws.receive_json()
        assert (error["type"], error["data"]["code"]) == ("error", "EXECUTION_ERROR")
        assert "reset" in error["data"]["message"]
        ws.send_json({"type": "reset", "data": {"seed": 2, "task": "easy"}})
        assert ws.receive_json()["data"]["done"] is False


# -- faults --------------------------------------------------------------------------------


def ws_url(url: str) -> str:
    return url.replace("http", "ws", 1) + "/ws"


def ws_reset(ws: Any) -> dict:
    ws.send(json.dumps({"type": "reset", "data": {"seed": 1, "task": "easy"}}))
    answer: dict = json.loads(ws.recv(timeout=30))
    return answer


def test_faults__ws_client_that_vanishes_mid_episode_frees_its_session() -> None:
    app = build_app(SessionLimits(max_sessions=1, ttl_s=600))
    with serve(app) as url:
        with connect(ws_url(url)) as ws:
            ws_reset(ws)
            ws.send(json.dumps({"type": "step", "data": GOOD}))
            ws.recv(timeout=30)
            ws.socket.shutdown(socket.SHUT_RDWR)  # gone, without a close handshake
        deadline = time.monotonic() + 10
        while True:
            with connect(ws_url(url)) as again:
                answer = ws_reset(again)
            if answer["type"] == "observation" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert answer["type"] == "observation", answer


def test_faults__abandoned_http_session_is_freed_by_idle_expiry() -> None:
    http = client(max_sessions=1, ttl_s=0.3)
    abandoned = open_session(http, task="easy")
    step(http, abandoned)
    assert http.post("/reset").status_code == 503
    time.sleep(0.5)
    open_session(http)
    assert step(http, abandoned).status_code == 404


def test_faults__restart_loses_sessions_and_clients_hear_unknown_session() -> None:
    limits = SessionLimits(max_sessions=4, ttl_s=600)
    with ExitStack() as stack:
        with serve(build_app(limits)) as url:
            session = httpx.post(f"{url}/reset", json={"task": "easy"}).json()["session_id"]
            ws = stack.enter_context(connect(ws_url(url)))
            ws_reset(ws)
        with pytest.raises(ConnectionClosed, match="1012"):  # "service restart"
            ws_reset(ws)
    with serve(build_app(limits)) as url:
        reply = httpx.post(f"{url}/step", json={"session_id": session, "action": GOOD})
        assert reply.status_code == 404
        assert "restart" in reply.json()["detail"]
        with connect(ws_url(url)) as again:
            assert ws_reset(again)["type"] == "observation"


# -- security ------------------------------------------------------------------------------


def test_security__ids_are_unguessable_and_name_no_other_session() -> None:
    http = client(max_sessions=64)
    ids = {open_session(http) for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in ids)  # 192 random bits
    source = (ROOT / "helixdesk/server/sessions.py").read_text()
    assert "secrets.token_urlsafe" in source
    wrong = http.post("/step", json={"session_id": "a" * 32, "action": GOOD})
    assert wrong.status_code == 404
    assert not any(i in wrong.text for i in ids)


def test_security__ws_cannot_attach_to_an_http_session() -> None:
    http = client()
    session = open_session(http)
    with http.websocket_connect(f"/ws?session_id={session}") as ws:
        refused = ws.receive_json()
    assert refused["type"] == "error"
    assert "Unknown session_id" in refused["data"]["message"]


FILE_READS = {"read_text", "read_bytes", "FileResponse", "StaticFiles"}


def test_security__the_server_reads_only_its_own_files() -> None:
    """Every file access in the server package uses a path fixed in the code, not a request's."""
    for path in sorted((ROOT / "helixdesk/server").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in FILE_READS or (isinstance(node.func, ast.Name) and name == "open"):
                shown = ast.unparse(node)
                assert "STATIC_DIR" in shown, f"{path.name}: {shown}"


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/assets/../../app.py",
        "/dashboard/assets/%2e%2e/%2e%2e/app.py",
        "/dashboard/assets/..%2f..%2fapp.py",
        "/dashboard/assets/%2fetc%2fpasswd",
        "/..%2f..%2fpyproject.toml",
    ],
)
def test_security__no_path_escapes_the_static_folder(path: str) -> None:
    reply = client().get(path)
    assert reply.status_code == 404
    assert "def build_app" not in reply.text and "root:" not in reply.text


def test_security__yaml_is_only_loaded_safely() -> None:
    unsafe = re.compile(r"yaml\.(unsafe_load|full_load|load_all|load)\(|Loader\s*=")
    files = [*ROOT.glob("*.py"), *ROOT.glob("helixdesk/**/*.py"), *ROOT.glob("bench/*.py")]
    found = [f"{f.name}: {m.group()}" for f in files for m in unsafe.finditer(f.read_text())]
    assert not found


def test_security__no_cors_for_foreign_origins() -> None:
    http = client()
    foreign = {"Origin": "https://evil.example"}
    plain = http.get("/health", headers=foreign)
    preflight = http.options("/step", headers={**foreign, "Access-Control-Request-Method": "POST"})
    for reply in (plain, preflight):
        assert "access-control-allow-origin" not in reply.headers


def test_security__the_container_runs_as_a_non_root_user() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users, "the Dockerfile never switches user"
    assert users[-1] not in {"root", "0"}
    command = next(i for i, line in enumerate(lines) if line.startswith("CMD "))
    last_user = max(i for i, line in enumerate(lines) if line.startswith("USER "))
    assert last_user < command
