"""A small OpenAI-compatible chat server on loopback, for tests of the LLM paths.

The real ``openai`` client talks to it over HTTP (``POST /v1/chat/completions``). Each
request is recorded, and ``FakeOpenAI.script(request, number)`` decides the reply from the
request's JSON body and its 0-based number: the content (or tool calls), the HTTP status and a
delay. The default script, :func:`triage_reply`, reads the desk text in the prompt and answers
a sensible decision, so whole episodes can be played; :func:`tool_playing_reply` plays one
through the tools instead, answering with tool calls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from helixdesk.spaces import ACTION_DIMS


@dataclass(frozen=True)
class Reply:
    """One scripted answer: message content (status 200) or an error status; ``html``
    replaces the whole answer with a page (status 200, ``text/html``), as a web server at
    the wrong address would send."""

    content: str | None = ""
    status: int = 200
    delay_s: float = 0.0
    html: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()


Script = Callable[[dict[str, Any], int], Reply]


# Environment variables that point an LLM client somewhere; tests clear or set them all.
KEY_VARIABLES = ("API_KEY", "HF_TOKEN", "OPENAI_API_KEY", "API_BASE_URL", "MODEL_NAME")
ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    script: str, *args: str, cleared: tuple[str, ...] = (), **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run a top-level script (``baseline.py`` …) as a user would, with :data:`KEY_VARIABLES`
    and ``cleared`` removed from the environment and ``variables`` set."""
    drop = (*KEY_VARIABLES, *cleared)
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, str(ROOT / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, **variables},
        timeout=300,
    )


def action_json(*names: str) -> str:
    return json.dumps(dict(zip(ACTION_DIMS, names, strict=True)))


def decision(desk: str, number: int) -> tuple[str, str, str, str]:
    """Keyword → critical complaint; KB article → auto-reply; else a query, round-robin."""
    employee = f"employee_{number % 5}"
    if "escalation keyword YES" in desk:
        return ("complaint", "critical", employee, "none")
    if "KB article available" in desk:
        return ("query", "normal", "no_assignment", "auto_reply_from_kb")
    return ("query", "normal", employee, "none")


def triage_reply(request: dict[str, Any], number: int) -> Reply:
    """The :func:`decision` on the desk in the prompt, as a JSON action."""
    return Reply(action_json(*decision(request["messages"][1]["content"], number)))


def tool_call(number: int, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {"id": f"call_{number}", "type": "function", "function": function}


def tool_playing_reply(request: dict[str, Any], number: int) -> Reply:
    """Plays through the tools: reads the first email, triages every email a tool result
    shows (by :func:`decision`), and answers in words once triage says the episode is over."""
    last = request["messages"][-1]
    shown = last.get("content") or ""
    if "the episode is over" in shown:
        return Reply("Every email is triaged.")
    if last["role"] != "tool":
        return Reply(None, tool_calls=(tool_call(number, "read_email", {}),))
    arguments = dict(zip(ACTION_DIMS, decision(shown, number), strict=True))
    return Reply(None, tool_calls=(tool_call(number, "triage", arguments),))


def constant(*replies: Reply) -> Script:
    """Replies in turn; the last one repeats."""
    return lambda request, number: replies[min(number, len(replies) - 1)]


class FakeOpenAI:
    """The server's state: the script, and every request (body, headers) and reply so far."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/v1"
        self.script: Script = triage_reply
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.replies: list[Reply] = []
        self._lock = threading.Lock()

    def record(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            number = len(self.requests)
            self.requests.append(body)
            self.headers.append(headers)
        reply = self.script(body, number)
        self.replies.append(reply)
        return reply


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = list(reply.tool_calls)
    finish = "tool_calls" if reply.tool_calls else "stop"
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        reply = self.server.fake.record(body, {k.lower(): v for k, v in self.headers.items()})
        time.sleep(reply.delay_s)
        if reply.html is not None:
            self._send_bytes(200, reply.html.encode(), "text/html; charset=utf-8")
        elif reply.status == 200:
            self._send(200, _completion(body, reply))
        else:
            error = {"message": f"scripted failure {reply.status}", "type": "server_error"}
            self._send(reply.status, {"error": error})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json")

    def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and hung up: expected in timeout tests

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log."""


@contextmanager
def serve_fake_openai() -> Iterator[FakeOpenAI]:
    """Run a :class:`FakeOpenAI` on a free loopback port for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeOpenAI(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.shutdown()
        server.server_close()
