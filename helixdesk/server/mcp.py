"""HelixDesk's MCP face: the tools of :mod:`helixdesk.tools` on a session's episode.

OpenEnv separates two boundaries. A trainer or harness starts episodes with the simulation
controls (``reset``, ``step``, ``state`` over ``/ws``); an agent plays through MCP tools,
on ``POST /mcp`` (JSON-RPC ``tools/list`` and ``tools/call``; with a session made by
``openenv/session/create`` and reset over ``/ws?session_id=…``) or in ``mcp`` messages on a
``/ws`` connection. No tool starts or ends an episode.

Each :class:`~helixdesk.server.environment.HelixDeskEnvironment` declares the tools with
openenv's ``@self.tool()`` on its own FastMCP server, built the first time the session
uses MCP (building it takes ~10 ms, and most sessions never do). Tool calls run under the
session's lock, so an HTTP MCP call never interleaves with a step of the same session, and
``triage`` steps the session's episode as ``/step`` does: same event log, rubric, reward
bookkeeping and grade.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from helixdesk.env import HelixDeskEnv
from helixdesk.models import HelixAction
from helixdesk.tools import TOOL_NAMES, DeskTools, Triaged

SERVER_NAME = "helixdesk"


class SessionTools(DeskTools):
    """The tools over one session: its live env, its step and its lock, given as callables
    (which raise :class:`~helixdesk.tools.ToolCallError` when the call does not fit)."""

    def __init__(
        self,
        simulator: Callable[[], HelixDeskEnv],
        play: Callable[[HelixAction], Triaged],
        lock: AbstractContextManager[object],
    ) -> None:
        super().__init__()
        self._get_simulator = simulator
        self._step = play
        self._lock = lock

    def _simulator(self) -> HelixDeskEnv:
        return self._get_simulator()

    def _play(self, action: HelixAction) -> Triaged:
        return self._step(action)

    def _exclusive(self) -> AbstractContextManager[object]:
        return self._lock


Decorator = Callable[[Callable[..., str]], object]


def declare_tools(tool: Callable[[], Decorator], tools: DeskTools) -> None:
    """Declare every tool of ``tools`` with an openenv ``tool()`` decorator factory."""
    for name in TOOL_NAMES:
        tool()(getattr(tools, name))
