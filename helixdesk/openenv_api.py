"""The parts of ``openenv`` HelixDesk uses, imported without openenv's Gradio web UI.

``import openenv.core`` (which any ``openenv.core.*`` import runs first) loads openenv's
optional Gradio web interface eagerly: about 1.8 s, more than half of the server's cold
start. HelixDesk does not serve openenv's ``/web`` page, so while openenv loads, ``gradio``
is made to look uninstalled; openenv's own ``except ModuleNotFoundError`` then leaves its
web interface out. The hiding ends with the import: a later ``import gradio`` works as usual,
and nothing changes if gradio was imported before.

Every other module takes its openenv names from here, so this is openenv's whole surface in
HelixDesk.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

HIDDEN = "gradio"


class _HideModule(MetaPathFinder):
    """Reports one top-level module (and its submodules) as not installed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == self.name or fullname.startswith(f"{self.name}."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@contextmanager
def _without(name: str) -> Iterator[None]:
    finder = _HideModule(name)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


with _without(HIDDEN):
    from openenv.core.client_types import StepResult
    from openenv.core.env_client import EnvClient
    from openenv.core.env_server.http_server import HTTPEnvServer
    from openenv.core.env_server.interfaces import Environment
    from openenv.core.env_server.serialization import serialize_observation
    from openenv.core.env_server.types import (
        Action,
        ConcurrencyConfig,
        EnvironmentMetadata,
        Observation,
        ServerMode,
        State,
        WSErrorCode,
        WSErrorResponse,
    )

__all__ = [
    "Action",
    "ConcurrencyConfig",
    "EnvClient",
    "Environment",
    "EnvironmentMetadata",
    "HTTPEnvServer",
    "Observation",
    "ServerMode",
    "State",
    "StepResult",
    "WSErrorCode",
    "WSErrorResponse",
    "serialize_observation",
]
