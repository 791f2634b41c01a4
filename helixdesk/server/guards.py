"""Guards in front of the HelixDesk app: body size, safe JSON, WebSocket frames, 422s.

* **Request bodies.** :class:`Guards` reads an HTTP request's body before the app runs and
  refuses one longer than ``HELIXDESK_MAX_BODY_BYTES`` (default 64 KiB) with 413 and a JSON
  ``detail``; a chunked body without ``Content-Length`` is bounded the same way.
* **Safe JSON.** A non-empty body, and every ``/ws`` text frame, must be a JSON document that
  :func:`parse_json` accepts: UTF-8, nested at most ``MAX_JSON_DEPTH`` levels, numbers of at
  most Python's integer-string limit (4300 digits), and strings of valid Unicode (no lone
  surrogate such as ``"\\ud800"``, which no reply could echo). A body that is not gets 400
  with a ``detail`` saying what was wrong.
* **WebSocket frames.** openenv's ``/ws`` loop ends the session on a frame it cannot handle:
  one that is not a JSON object (a binary frame, ``[]``, ``42``, ``"hi"``) or not safe JSON as
  above. :class:`Guards` answers such a frame, and a text frame longer than the body limit,
  with an openenv error message (code ``INVALID_JSON``) and does not pass it on, so the same
  connection goes on to reset and play. ``helixdesk.server.app.server_options`` caps frames
  at the protocol level too (uvicorn's ``ws_max_size``), so an oversized frame is refused
  before it is buffered whole.
* **Validation errors.** FastAPI echoes the offending input in a 422; bytes, lone surrogates
  and numbers such as ``1e400`` (``inf``) cannot be encoded as JSON, and the reply itself
  failed with 500. :func:`validation_error_reply` sends them as escaped strings.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping
from typing import Any

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helixdesk.openenv_api import WSErrorCode, WSErrorResponse

MAX_BODY_VAR = "HELIXDESK_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
GUARDED_WS_PATHS = frozenset({"/ws"})
# No valid HelixDesk message comes near: an action's metadata is the deepest part, at 3.
MAX_JSON_DEPTH = 32


class UnsafeJSON(ValueError):
    """A document the server will not handle; the message says why, for the client."""


def parse_json(text: str | bytes) -> Any:
    """The JSON value of ``text``, or :class:`UnsafeJSON` (see the module docstring)."""
    try:
        value = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as error:
        raise UnsafeJSON(f"not valid JSON: {error.msg} at character {error.pos}") from None
    except UnicodeDecodeError:
        raise UnsafeJSON("not UTF-8 text: send JSON encoded as UTF-8") from None
    except ValueError:
        limit = sys.get_int_max_str_digits()
        raise UnsafeJSON(f"a number has more than {limit} digits") from None
    _check_structure(value)
    return value


def _too_deep() -> UnsafeJSON:
    return UnsafeJSON(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def _check_structure(value: Any) -> None:
    """Depth and Unicode checks, iteratively (a recursive walk could overflow the stack)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            children = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJSON(
            "a string holds a lone surrogate (\\ud800-\\udfff), which is not valid Unicode"
        ) from None


def max_body_bytes(environ: Mapping[str, str] = os.environ) -> int:
    """The body limit from ``HELIXDESK_MAX_BODY_BYTES`` (bytes, at least 1 KiB)."""
    raw = environ.get(MAX_BODY_VAR, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    if not raw.isdigit() or int(raw) < 1024:
        raise ValueError(f"{MAX_BODY_VAR} must be a whole number of bytes >= 1024, got {raw!r}")
    return int(raw)


class Guards:
    """ASGI middleware: the body limit for HTTP, the frame checks for ``/ws``."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket" and scope["path"] in GUARDED_WS_PATHS:
            await self.app(scope, _checked_frames(receive, send, self.limit), send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _too_large(self.limit)(scope, receive, send)
            return
        body = await _read_body(receive, self.limit)
        if body is None:
            await _too_large(self.limit)(scope, receive, send)
            return
        if body:
            try:
                parse_json(body)
            except UnsafeJSON as error:
                reply = JSONResponse(
                    {"detail": f"request body: {error}"}, status.HTTP_400_BAD_REQUEST
                )
                await reply(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is longer than ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then the client's messages."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def _too_large(limit: int) -> JSONResponse:
    detail = f"request body larger than {limit} bytes (the server's {MAX_BODY_VAR})"
    return JSONResponse({"detail": detail}, status.HTTP_413_CONTENT_TOO_LARGE)


def _frame_problem(message: Message, limit: int) -> str | None:
    """Why openenv's ``/ws`` loop must not see this frame (None if it may)."""
    text = message.get("text")
    if text is None:
        return "binary frames are not accepted: send a JSON object as a text frame"
    if len(text) > limit:
        return f"message longer than {limit} characters"
    try:
        value = parse_json(text)
    except UnsafeJSON as error:
        return str(error)
    if not isinstance(value, dict):
        return 'expected a JSON object such as {"type": "step", "data": {...}}'
    return None


def _checked_frames(receive: Receive, send: Send, limit: int) -> Receive:
    """A ``receive`` that answers unusable frames itself and returns the next usable one.

    openenv handles one message at a time (it awaits its reply before receiving again), so
    nothing else is sending while this one does.
    """

    async def checked() -> Message:
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            problem = _frame_problem(message, limit)
            if problem is None:
                return message
            error = WSErrorResponse(data={"message": problem, "code": WSErrorCode.INVALID_JSON})
            await send({"type": "websocket.send", "text": error.model_dump_json()})

    return checked


def _escaped_bytes(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def _json_safe(value: Any) -> Any:
    """``value`` with what JSON cannot carry as strings: inf and nan by name, lone
    surrogates escaped (``\\ud800``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def validation_error_reply(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 for an invalid request, with the echoed input made JSON-safe."""
    assert isinstance(error, RequestValidationError)
    encoded = jsonable_encoder(error.errors(), custom_encoder={bytes: _escaped_bytes})
    detail = _json_safe(encoded)
    return JSONResponse({"detail": detail}, status.HTTP_422_UNPROCESSABLE_CONTENT)
