"""A server that does no work: the yardstick ``bench/load.py --ceiling`` measures against.

A bare ASGI app served by the same uvicorn as the real server; per request it runs no
FastAPI, no openenv and no simulator (it builds its replies once, at import). It speaks just
enough of HelixDesk's protocol for ``bench/load.py``'s clients: every ``/ws`` message and
every ``POST`` is parsed as JSON and answered with a fixed reply the size of a real one (an
observation of seed 0 in the session's view, never ``done``). Whatever rate and latency the
load client reaches against it is the most this machine, this uvicorn and this client
allow; HelixDesk's figures are read against it, as the vector env's are read against
CartPole's.

The HTTP session id names the view (``ceiling-full`` or ``ceiling-vector``), so steps, which
carry only the id, get a reply of the size their session's reset asked for.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from helixdesk.openenv_api import serialize_observation
from helixdesk.server.environment import HelixDeskEnvironment

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
VIEWS = ("full", "vector")


def _observations() -> dict[str, Message]:
    env = HelixDeskEnvironment()
    return {view: serialize_observation(env.reset(seed=0, view=view)) for view in VIEWS}


OBSERVATIONS = _observations()
WS_REPLIES = {v: json.dumps({"type": "observation", "data": d}) for v, d in OBSERVATIONS.items()}
HTTP_REPLIES = {
    v: json.dumps({"session_id": f"ceiling-{v}", **d}).encode() for v, d in OBSERVATIONS.items()
}


def _view(message: Message) -> str | None:
    """The view a reset asks for (``full`` when absent); None for any other message."""
    if message.get("type") != "reset" and "seed" not in message:
        return None
    data = message.get("data", message)
    return "vector" if data.get("view") == "vector" else "full"


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        if message["type"] == "lifespan.shutdown":
            return


async def _websocket(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    view = "full"
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        request = json.loads(message["text"])
        if request.get("type") == "close":
            return
        view = _view(request) or view
        await send({"type": "websocket.send", "text": WS_REPLIES[view]})


async def _http(receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    request = json.loads(body) if body else {}
    view = _view(request) or str(request.get("session_id", "")).removeprefix("ceiling-")
    reply = HTTP_REPLIES.get(view, HTTP_REPLIES["full"])
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(reply))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": reply})


async def app(scope: Message, receive: Receive, send: Send) -> None:
    """The ASGI entry point (``uvicorn ceiling_app:app --app-dir bench``)."""
    handlers = {"lifespan": _lifespan, "websocket": _websocket, "http": _http}
    await handlers[scope["type"]](receive, send)
