"""The parts of ``openenv`` HelixDesk uses, imported without openenv's Gradio web UI.

``import openenv.core`` (which any ``openenv.core.*`` import runs first) loads openenv's
optional Gradio web interface eagerly: about 1.8 s, more than half of the server's cold
start. HelixDesk does not serve openenv's ``/web`` page, so while openenv loads, ``gradio``
is made to look uninstalled; openenv's own ``except ModuleNotFoundError`` then leaves its
web interface out. The hiding ends with the import: a later ``import gradio`` works as usual,
and nothing changes if gradio was imported before.

openenv's ``Rubric`` is loaded the same frugal way: the package ``openenv.core.rubrics``
imports its LLM judge and with it the ``openai`` client (~1.3 s), so its module
``openenv.core.rubrics.base`` is loaded on its own, under its own name. A later import of the
package (a trainer's) reuses that module: ``Rubric`` is one class either way.

Every other module takes its openenv names from here, so this is openenv's whole surface in
HelixDesk.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from pathlib import Path
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


def _module_alone(name: str) -> ModuleType:
    """Module ``name`` loaded without running its package's ``__init__`` (the package's
    parent is imported, to find the package's folder)."""
    if name in sys.modules:
        return sys.modules[name]
    package, _, leaf = name.rpartition(".")
    package_spec = find_spec(package)
    assert package_spec is not None and package_spec.submodule_search_locations, package
    path = Path(package_spec.submodule_search_locations[0]) / f"{leaf}.py"
    spec = spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


with _without(HIDDEN):
    from openenv.core.client_types import StepResult
    from openenv.core.env_client import EnvClient
    from openenv.core.env_server.http_server import HTTPEnvServer
    from openenv.core.env_server.interfaces import Environment
    from openenv.core.env_server.mcp_environment import MCPEnvironment
    from openenv.core.env_server.mcp_types import CallToolAction, ListToolsAction
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
    from openenv.core.mcp_client import MCPToolClient

    Rubric = _module_alone("openenv.core.rubrics.base").Rubric

__all__ = [
    "Action",
    "CallToolAction",
    "ConcurrencyConfig",
    "EnvClient",
    "Environment",
    "EnvironmentMetadata",
    "HTTPEnvServer",
    "ListToolsAction",
    "MCPEnvironment",
    "MCPToolClient",
    "Observation",
    "Rubric",
    "ServerMode",
    "State",
    "StepResult",
    "WSErrorCode",
    "WSErrorResponse",
    "serialize_observation",
]
