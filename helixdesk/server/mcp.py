"""HelixDesk's MCP face: the tools of :mod:`helixdesk.tools` on a session's episode.

OpenEnv separates two boundaries. A trainer or harness starts episodes with the simulation
controls (``reset``, ``step``, ``state`` over ``/ws``); an agent plays through MCP tools,
on ``POST /mcp`` (JSON-RPC ``tools/list`` and ``tools/call``; with a session made by
``openenv/session/create`` and reset over ``/ws?session_id=…``) or in ``mcp`` messages on a
``/ws`` connection. No tool starts or ends an episode.

Each :class:`~helixdesk.server.environment.HelixDeskEnvironment` declares the tools with
openenv's ``@self.tool()`` on its own FastMCP server, built the first time the session
uses MCP (:class:`ToolsOnFirstUse`: building it takes ~10 ms, and most sessions never do).
Tool calls run under the session's lock, so an HTTP MCP call never interleaves with a step
of the same session, and ``triage`` steps the session's episode as ``/step`` does: same
event log, rubric, reward bookkeeping and grade.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

from fastmcp import FastMCP

from helixdesk.env import HelixDeskEnv
from helixdesk.models import HelixAction
from helixdesk.openenv_api import (
    Action,
    CallToolAction,
    ListToolsAction,
    MCPEnvironment,
    Rubric,
)
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


class _BuiltOnUse:
    """An attribute MCPEnvironment sets (``mcp_server``, ``mcp_client``) that builds the
    environment's MCP parts when it is first read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, env: Any, owner: type | None = None) -> Any:
        if env is None:
            return self
        env._build_mcp()
        return getattr(env, self.slot)

    def __set__(self, env: Any, value: Any) -> None:
        setattr(env, self.slot, value)


class ToolsOnFirstUse(MCPEnvironment):
    """An MCPEnvironment whose MCP server is built, with the tools, when first used.

    ``MCPEnvironment.__init__`` builds a FastMCP server and checks its tools (~10 ms); a
    subclass calls :meth:`_defer_mcp` in its ``__init__`` instead, and :meth:`_close_mcp`
    when it closes. Reading ``mcp_server`` or ``mcp_client`` (as openenv's ``/mcp`` handler
    does), or stepping with an MCP action, runs it then.
    """

    # The FastMCP server with the tools and its in-process client (None once closed).
    mcp_server = _BuiltOnUse()
    mcp_client = _BuiltOnUse()

    def _defer_mcp(self, tools: DeskTools, rubric: Rubric | None) -> None:
        """Remember the tools, and the rubric that ``MCPEnvironment.__init__`` will clear."""
        self._mcp_tools, self._mcp_rubric = tools, rubric
        self._mcp_server: Any = None
        self._mcp_client: Any = None
        self._mcp_closed = False

    def _close_mcp(self) -> None:
        self._mcp_closed = True
        self.mcp_server = self.mcp_client = None

    def _build_mcp(self) -> None:
        """Run MCPEnvironment's ``__init__`` (it sets ``mcp_server`` and ``mcp_client``, and
        clears the rubric through ``Environment.__init__``) and declare the tools."""
        if self._mcp_server is not None or self._mcp_closed:
            return
        MCPEnvironment.__init__(self, FastMCP(SERVER_NAME))
        self.rubric = self._mcp_rubric
        for name in TOOL_NAMES:
            self.tool()(getattr(self._mcp_tools, name))

    @asynccontextmanager
    async def mcp_session(self) -> AsyncIterator[Any]:
        """MCPEnvironment's client session, held only once the MCP parts exist.

        openenv opens one for every session it creates; building the parts for sessions
        that never use MCP (most: RL clients on ``/ws``) would cost each ~10 ms. Until the
        first MCP call builds them this holds nothing, and openenv opens a session per call.
        """
        if self._mcp_server is None:
            yield None
            return
        async with super().mcp_session() as client:
            yield client

    def step(self, action: Action, timeout_s: float | None = None, **kwargs: Any) -> Any:
        """MCPEnvironment's step, with the MCP parts built for an MCP action."""
        if isinstance(action, (ListToolsAction, CallToolAction)):
            self._build_mcp()
        return super().step(action, timeout_s=timeout_s, **kwargs)

    async def step_async(
        self, action: Action, timeout_s: float | None = None, **kwargs: Any
    ) -> Any:
        """MCPEnvironment's async step, with the MCP parts built for an MCP action."""
        if isinstance(action, (ListToolsAction, CallToolAction)):
            self._build_mcp()
        return await super().step_async(action, timeout_s=timeout_s, **kwargs)
