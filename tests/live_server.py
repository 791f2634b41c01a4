"""Helpers for the server tests: a real uvicorn server on loopback and scripted episodes."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from helixdesk.openenv_api import serialize_observation
from helixdesk.server.app import server_options
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.spaces import PRIORITIES, SECONDARY_ACTIONS
from helixdesk.wire import HelixDeskAction


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread, with the settings ``main`` uses; yields its base
    URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", **server_options()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def scripted_action(step: int) -> dict[str, Any]:
    """A fixed, varied action sequence (names and integer codes mixed)."""
    return {
        "classification": step % 3,
        "priority": PRIORITIES[step % 4],
        "assignment": "no_assignment" if step % 6 == 5 else step % 5,
        "secondary": SECONDARY_ACTIONS[(step // 2) % 3],
    }


def as_json(value: Any) -> Any:
    """``value`` as it looks after a trip through JSON."""
    return json.loads(json.dumps(value))


def in_process_episode(task: str | None, seed: int) -> dict[str, Any]:
    """The scripted episode played on ``HelixDeskEnvironment`` directly, as wire payloads."""
    env = HelixDeskEnvironment()
    replies = [as_json(serialize_observation(env.reset(seed=seed, task=task)))]
    step = 0
    while not replies[-1]["done"]:
        action = HelixDeskAction.model_validate(scripted_action(step))
        replies.append(as_json(serialize_observation(env.step(action))))
        step += 1
    grade = env.grade().model_dump() if task is not None else None
    return {"replies": replies, "grade": grade}
