"""``bench/load.py`` run small: concurrent WS and HTTP sessions, no errors, no mismatches.

(Its ``--ceiling`` phase serves ``bench/experiments/ceiling_app.py``, a lab yardstick, not
part of the product, so it is not tested here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_load__small_run_has_no_errors_and_every_trajectory_matches(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    command = [sys.executable, "bench/load.py", "--ws", "4", "--http", "4", "--seconds", "3"]
    command += ["--single-seconds", "1", "--json", str(out)]
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
