"""Deployment checks: endpoints, the manifest against the code and both ``openenv validate``
generations, grader consistency across faces, and the container files."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient
from openenv.cli._validation import validate_multi_mode_deployment, validate_running_environment
from openenv.discovery.metadata import DiscoveryDeclaration
from openenv.validation import Level, Verdict, run_validation
from openenv.validation.parsers.openenv_yaml import OpenEnvYamlParser

from helixdesk import HelixDeskEnv
from helixdesk.agents import RuleAgent
from helixdesk.rewards import COMPONENTS
from helixdesk.server.app import DEFAULT_PORT, build_app
from helixdesk.server.sessions import SessionLimits
from helixdesk.spaces import ACTION_DIMS, action_choices
from helixdesk.tasks import TASK_IDS, TASKS, make_env, splits
from helixdesk.tools import TOOL_NAMES
from helixdesk.wire import HelixDeskAction
from tests.live_server import serve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openenv.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    app = build_app(SessionLimits(max_sessions=16, ttl_s=600))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


# -- endpoints -----------------------------------------------------------------------------


def test_endpoints__openenv_routes_answer(http: TestClient) -> None:
    assert http.get("/health").json() == {"status": "healthy"}
    assert http.get("/metadata").json()["name"] == "HelixDesk"
    schema = http.get("/schema").json()
    assert set(schema["action"]["properties"]) >= set(ACTION_DIMS)
    assert "desk" in schema["observation"]["properties"]
    assert "cumulative_reward" in schema["state"]["properties"]
    assert http.post("/mcp", json={}).json()["jsonrpc"] == "2.0"
    assert http.get("/docs").status_code == 200


def test_endpoints__episode_routes_answer(http: TestClient) -> None:
    reset = http.post("/reset", json={"seed": 42, "task": "easy"}).json()
    assert set(reset) == {"session_id", "observation", "reward", "done"}
    assert len(reset["observation"]["vector"]) == 42
    assert reset["observation"]["desk"]["email"]["subject"]
    session = reset["session_id"]
    action = {"classification": "complaint", "priority": "critical", "assignment": 0}
    step = http.post(
        "/step", json={"session_id": session, "action": {**action, "secondary": "none"}}
    ).json()
    assert set(step["observation"]["reward_components"]) == set(COMPONENTS)
    assert isinstance(step["reward"], float)
    state = http.get("/state", params={"session_id": session}).json()
    assert (state["step_count"], state["task"]) == (1, "easy")


def test_endpoints__tasks_list_ids_choices_and_the_action_schema(http: TestClient) -> None:
    listing = http.get("/tasks").json()
    assert [t["id"] for t in listing["tasks"]] == list(TASK_IDS)
    for task in listing["tasks"]:
        assert task["description"] == TASKS[task["id"]].description
        assert task["choices"]["assignment"][-1] == "no_assignment"
    assert listing["action_schema"] == HelixDeskAction.model_json_schema()


def test_endpoints__openapi_documents_the_stateful_routes(http: TestClient) -> None:
    document = http.get("/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    body = paths["/step"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schemas[body["$ref"].split("/")[-1]]["properties"]) == {"session_id", "action"}
    assert paths["/reset"]["post"]["tags"] == ["Episodes"]
    documented = {"/grader", "/tasks", "/layout", "/state", "/health", "/schema", "/metadata"}
    assert documented <= set(paths)


# -- manifest ------------------------------------------------------------------------------


def test_manifest_validation__basics(manifest: dict[str, Any]) -> None:
    assert manifest["spec_version"] == 1
    assert (manifest["type"], manifest["runtime"]) == ("space", "fastapi")
    assert (manifest["app"], manifest["port"]) == ("app:app", DEFAULT_PORT)


def test_manifest_validation__spaces_match_the_code(manifest: dict[str, Any]) -> None:
    env = HelixDeskEnv()
    obs_space, act_space = manifest["observation_space"], manifest["action_space"]
    assert obs_space["shape"] == [42] == list(env.observation_space.shape)
    assert obs_space["dtype"] == str(env.observation_space.dtype)
    groups = {name: [part.start, part.stop] for name, part in env.layout.groups.items()}
    assert obs_space["groups"] == groups
    assert act_space["nvec"] == [3, 4, 6, 3] == env.action_space.nvec.tolist()
    names = {dim: list(choices) for dim, choices in action_choices(env.config).items()}
    assert act_space["fields"] == names
    clip = env.config.env.reward_clip
    assert manifest["reward"]["range"] == [-clip, clip] == manifest["validation"]["reward"]["range"]
    assert manifest["reward"]["components"] == list(COMPONENTS)


def test_manifest_validation__tasks_match_the_registry(manifest: dict[str, Any]) -> None:
    tasks = manifest["tasks"]
    assert [t["id"] for t in tasks] == list(TASK_IDS)
    for entry in tasks:
        task = TASKS[entry["id"]]
        assert (entry["difficulty"], entry["description"]) == (task.difficulty, task.description)
        assert entry["max_steps"] == task.config().env.episode_emails
        assert entry["grader"]["module"] == f"helixdesk.tasks.{task.id}"
        assert entry["grader"]["score_range"] == [0.0, 1.0]


def test_manifest_validation__capabilities_match_the_code(manifest: dict[str, Any]) -> None:
    capabilities = manifest["validation"]["capabilities"]
    assert capabilities["rubric_tree"] and capabilities["task_api"]
    assert tuple(capabilities["declared_tools"]) == TOOL_NAMES
    assert capabilities["declared_task_count"] == {
        name: splits.size(name) for name in splits.SPLITS
    }


def test_discovery__catalog_card_is_valid_and_names_the_tools() -> None:
    card = DiscoveryDeclaration.model_validate(json.loads((ROOT / "discovery.json").read_text()))
    assert card.agent_tools is not None
    assert (card.agent_tools.protocol, tuple(card.agent_tools.names)) == ("mcp", TOOL_NAMES)
    assert (ROOT / card.agent_tools.source).is_file()
    assert card.license == "MIT" and 2 <= len(card.representative_queries) <= 5


def test_manifest_validation__legacy_generation_file_checks() -> None:
    """openenv-core's ``openenv validate``: pyproject script, uv.lock, server/app.py, dep."""
    valid, issues = validate_multi_mode_deployment(ROOT)
    assert valid, issues


def test_manifest_validation__current_generation_manifest_is_schema_valid() -> None:
    parsed = OpenEnvYamlParser().parse(ROOT)
    assert parsed.name == "helixdesk"
    assert parsed.reward.range == (-1.0, 1.0)


def test_manifest_validation__current_generation_static_level_passes() -> None:
    report = run_validation(ROOT, max_level=Level.STATIC)
    assert report.verdict is Verdict.PASS, [r.evidence for r in report.results]


def test_manifest_validation__running_server_passes_url_validation() -> None:
    with serve(build_app(SessionLimits(max_sessions=4, ttl_s=600))) as url:
        report = validate_running_environment(url)
    assert report["passed"], report["criteria"]
    assert (report["mode"], report["standard_profile"]) == ("simulation", "openenv-http/1.x")


# -- grader consistency --------------------------------------------------------------------


def _play_rule_agent_over_http(http: TestClient, task: str, seed: int) -> dict[str, Any]:
    env = make_env(task)
    agent = RuleAgent(env)
    reply = http.post("/reset", json={"seed": seed, "task": task}).json()
    session = reply["session_id"]
    while not reply["done"]:
        obs = reply["observation"]
        mask = np.array(obs["action_mask"], dtype=bool)
        codes = agent.act(np.array(obs["vector"], dtype=np.float32), {"action_mask": mask})
        action = HelixDeskAction.from_codes(codes, env.config.env.n_employees).model_dump()
        action.pop("metadata")
        reply = http.post("/step", json={"session_id": session, "action": action}).json()
    graded: dict[str, Any] = http.post("/grader", json={"session_id": session}).json()
    assert graded == reply["observation"]["grade"]
    return graded


@pytest.mark.parametrize("task", TASK_IDS)
def test_grader_consistency__http_grade_equals_the_task_grader(http: TestClient, task: str) -> None:
    seed = 42
    graded = _play_rule_agent_over_http(http, task, seed)
    env = make_env(task)
    expected = TASKS[task].grade(env, RuleAgent(env), seed)
    assert graded["task"] == task
    assert graded["score"] == expected
    assert graded["parts"] == TASKS[task].parts(env.event_log)
    assert 0.0 <= graded["score"] <= 1.0


def test_grader_consistency__the_client_cannot_supply_a_score(http: TestClient) -> None:
    session = http.post("/reset", json={"task": "easy"}).json()["session_id"]
    reply = http.post("/grader", json={"session_id": session, "score": 1.0})
    assert reply.status_code == 422


# -- container -----------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(maxsplit=1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def _ignored(path: str) -> bool:
    patterns = (ROOT / ".dockerignore").read_text().splitlines()
    active = [p.strip() for p in patterns if p.strip() and not p.startswith("#")]
    return any(fnmatch(path, p) or fnmatch(path, p.removeprefix("**/")) for p in active)


def test_docker__base_user_port_and_healthcheck() -> None:
    instructions = dict(_instructions())
    assert instructions["FROM"] == "python:3.11-slim"
    assert instructions["USER"] not in ("root", "0")
    assert instructions["EXPOSE"] == "7860"
    assert "/ready" in instructions["HEALTHCHECK"]
    assert json.loads(instructions["CMD"]) == ["python", "app.py"]


def test_docker__installs_the_server_extras_with_the_constraints() -> None:
    runs = [args for name, args in _instructions() if name == "RUN"]
    assert any(shlex.split(run)[:4] == ["pip", "install", "-c", "constraints.txt"] for run in runs)
    assert any('".[server,llm]"' in run for run in runs)


def test_docker__everything_copied_exists_and_is_not_ignored() -> None:
    copies = [shlex.split(args) for name, args in _instructions() if name == "COPY"]
    sources = [source for copy in copies for source in copy[:-1]]
    assert "helixdesk" in sources and "app.py" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not _ignored(source), source


def test_docker__cmd_module_imports_and_serves_app() -> None:
    code = "import app; from fastapi import FastAPI; assert isinstance(app.app, FastAPI)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
