"""baseline.py: reproducible, calibrated to the seed's table, and what the README shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helixdesk.protocol import (
    CALIBRATION_BAND,
    SEED_README_SEEDS,
    SEED_README_TABLE,
    split_seeds,
)

ROOT = Path(__file__).resolve().parents[1]

README_TABLE_ARGS = "--agents random rule ppo --model policies/maskable_ppo/model.zip --markdown"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "baseline.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="module")
def baseline_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("baseline")
    first, second = out / "first.json", out / "second.json"
    _run("--json", str(first))
    _run("--json", str(second))
    return first, second


def test_baseline__json_is_identical_on_rerun(baseline_json: tuple[Path, Path]) -> None:
    first, second = baseline_json
    assert first.read_bytes() == second.read_bytes()


def test_baseline__json_structure(baseline_json: tuple[Path, Path]) -> None:
    data = json.loads(baseline_json[0].read_text())
    assert data["seeds"] == list(SEED_README_SEEDS)
    assert set(data["results"]) == {"random", "rule"}
    for tasks in data["results"].values():
        assert set(tasks) == set(SEED_README_TABLE)
        for cell in tasks.values():
            assert len(cell["scores"]) == 3
            assert all(0.0 <= score <= 1.0 for score in cell["scores"])
            assert cell["mean"] == pytest.approx(sum(cell["scores"]) / 3)


@pytest.mark.parametrize("task", list(SEED_README_TABLE))
def test_baseline__cells_within_band_of_seed_table(
    baseline_json: tuple[Path, Path], task: str
) -> None:
    results = json.loads(baseline_json[0].read_text())["results"]
    seed_random, seed_rule = SEED_README_TABLE[task]
    assert abs(results["random"][task]["mean"] - seed_random) <= CALIBRATION_BAND
    assert abs(results["rule"][task]["mean"] - seed_rule) <= CALIBRATION_BAND
    assert results["rule"][task]["mean"] > results["random"][task]["mean"]


def test_readme_table__matches_the_script() -> None:
    """The README's table is the output of the command it quotes (with the shipped policy)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- baseline:start -->\n(.*?)\n<!-- baseline:end -->", readme, re.S)
    assert match, "README lacks the baseline block"
    assert f"`python baseline.py {README_TABLE_ARGS}`" in readme
    assert match.group(1).strip() == _run(*README_TABLE_ARGS.split()).stdout.strip()


def test_baseline__options_select_agents_tasks_and_seeds(tmp_path: Path) -> None:
    out = tmp_path / "small.json"
    _run("--agents", "rule", "--tasks", "easy", "--seeds", "1", "2", "--json", str(out))
    data = json.loads(out.read_text())
    assert data["seeds"] == [1, 2]
    assert list(data["results"]) == ["rule"]
    assert list(data["results"]["rule"]) == ["easy"]


def test_baseline__split_plays_its_first_seeds_and_reports_cis(tmp_path: Path) -> None:
    out = tmp_path / "split.json"
    args = ("--agents", "tuned", "oracle", "--tasks", "easy", "--split", "test")
    shown = _run(*args, "--episodes", "2", "--json", str(out), "--markdown").stdout
    data = json.loads(out.read_text())
    assert data["seeds"] == split_seeds("test", 2)
    assert data["split"] == "test"
    for agent in ("tuned", "oracle"):
        cell = data["results"][agent]["easy"]
        assert cell["ci_low"] <= cell["mean"] <= cell["ci_high"]
    assert "| Oracle (privileged) (n=2) |" in shown
    assert f"[{cell['ci_low']:.3f}, {cell['ci_high']:.3f}]" in shown


@pytest.mark.parametrize(
    "args", [("--split", "test", "--seeds", "1"), ("--episodes", "3"), ("--split", "dev")]
)
def test_baseline__seed_options_that_do_not_fit_are_usage_errors(args: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "baseline.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
