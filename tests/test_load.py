"""``bench/load.py`` run small: concurrent WS and HTTP sessions, no errors, no mismatches;
the same phases against the do-nothing ceiling server."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_load__small_run_has_no_errors_and_every_trajectory_matches(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    command = [sys.executable, "bench/load.py", "--ws", "4", "--http", "4", "--seconds", "3"]
    command += ["--single-seconds", "1", "--ceiling", "--json", str(out)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(out.read_text())
    concurrent = report["concurrent"]
    singles = [report["single"]["all"], report["single_vector"]["all"]]
    assert concurrent["all"]["errors"] == singles[0]["errors"] == singles[1]["errors"] == 0
    assert singles[0]["steps"] > 0 and singles[1]["steps"] > 0
    assert concurrent["ws"]["sessions"] == concurrent["http"]["sessions"] == 4
    assert concurrent["ws"]["steps"] > 0 and concurrent["http"]["steps"] > 0
    assert report["check"]["mismatches"] == 0
    assert report["check"]["episodes"] >= 8
    ceiling = report["ceiling"]
    for phase in ("single", "single_vector", "concurrent"):
        assert ceiling[phase]["all"]["errors"] == 0
        assert ceiling[phase]["all"]["steps"] > 0
    assert ceiling["concurrent"]["http"]["sessions"] == 4


def _ceiling_app() -> Any:
    spec = importlib.util.spec_from_file_location("ceiling_app", ROOT / "bench" / "ceiling_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def test_ceiling_app__answers_each_session_in_the_size_of_its_view() -> None:
    async def play() -> list[dict[str, Any]]:
        transport = httpx.ASGITransport(app=_ceiling_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://ceiling") as client:
            replies = []
            for view in ("vector", "full"):
                reset = await client.post("/reset", json={"seed": 3, "view": view})
                session = reset.json()["session_id"]
                step = await client.post("/step", json={"session_id": session, "action": {}})
                replies += [reset.json(), step.json()]
            return replies

    vector_reset, vector_step, full_reset, full_step = asyncio.run(play())
    assert vector_reset == vector_step and full_reset == full_step
    assert vector_step["observation"]["desk"] is None and vector_step["done"] is False
    assert full_step["observation"]["desk"] is not None and full_step["observation"]["text"]
