"""The ``evaluate.py`` command line, run as a user would: in a subprocess from the shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helixdesk.metrics import episode_metrics
from helixdesk.monitor.event_export import read_event_logs
from helixdesk.protocol import split_seeds

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "evaluate.py"
AGENTS = ("rule", "random")
EPISODES = 3
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EPISODE_KEYS = ("seed", "return", "clipped_fraction")


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=300
    )


def full_run_args(out_dir: Path) -> list[str]:
    return [
        "--agent",
        *AGENTS,
        "--episodes",
        str(EPISODES),
        "--json",
        str(out_dir / "out.json"),
        "--plot",
        str(out_dir / "out.png"),
        "--events",
        str(out_dir / "out.jsonl"),
    ]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("evaluate")


@pytest.fixture(scope="module")
def full_run(out_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*full_run_args(out_dir))


@pytest.fixture(scope="module")
def report(full_run: subprocess.CompletedProcess[str], out_dir: Path) -> dict[str, Any]:
    assert full_run.returncode == 0, full_run.stderr
    return json.loads((out_dir / "out.json").read_text(encoding="utf-8"))


def test_evaluate__exits_zero(full_run: subprocess.CompletedProcess[str]) -> None:
    assert full_run.returncode == 0, full_run.stderr
    assert "Traceback" not in full_run.stderr


def test_evaluate__table_shows_every_agent_and_metric(
    full_run: subprocess.CompletedProcess[str],
) -> None:
    table = full_run.stdout
    for text in (*AGENTS, "Episode return", "SLA compliance", "Clipped step fraction", "±"):
        assert text in table


def test_evaluate__json_lists_seeds_and_agents(report: dict[str, Any]) -> None:
    assert report["seeds"] == [0, 1, 2]
    assert report["config"] is None
    assert list(report["agents"]) == list(AGENTS)


def test_evaluate__json_has_one_entry_per_episode(report: dict[str, Any]) -> None:
    for agent in report["agents"].values():
        assert [row["seed"] for row in agent["episodes"]] == report["seeds"]
        for row in agent["episodes"]:
            assert {*EPISODE_KEYS, "sla_compliance", "mean_csat"} <= row.keys()


def test_evaluate__summary_matches_episodes(report: dict[str, Any]) -> None:
    for agent in report["agents"].values():
        returns = [row["return"] for row in agent["episodes"]]
        summary = agent["summary"]["return"]
        assert summary["n"] == EPISODES
        assert summary["mean"] == pytest.approx(sum(returns) / EPISODES)
        assert summary["std"] >= 0.0


def test_evaluate__rule_beats_random(report: dict[str, Any]) -> None:
    means = {name: agent["summary"]["return"]["mean"] for name, agent in report["agents"].items()}
    assert means["rule"] > means["random"]


def test_evaluate__plot_is_a_png(report: dict[str, Any], out_dir: Path) -> None:
    image = (out_dir / "out.png").read_bytes()
    assert image.startswith(PNG_MAGIC)
    assert len(image) > 10_000


def test_evaluate__event_lines_parse(report: dict[str, Any], out_dir: Path) -> None:
    lines = (out_dir / "out.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert events and {event["agent"] for event in events} == set(AGENTS)
    assert {event["seed"] for event in events} == set(report["seeds"])


def test_evaluate__metrics_from_events_equal_json(report: dict[str, Any], out_dir: Path) -> None:
    logs = read_event_logs(out_dir / "out.jsonl")
    for name, agent in report["agents"].items():
        for episode, row in enumerate(agent["episodes"]):
            metrics = {key: value for key, value in row.items() if key not in EPISODE_KEYS}
            assert episode_metrics(logs[name, episode]) == metrics


def test_evaluate__same_command_gives_identical_json(tmp_path: Path) -> None:
    args = ["--agent", *AGENTS, "--episodes", "2", "--json", str(tmp_path / "run.json")]
    outputs = []
    for _ in range(2):
        assert run_cli(*args).returncode == 0
        outputs.append((tmp_path / "run.json").read_bytes())
    assert outputs[0] == outputs[1]


def test_evaluate__unknown_agent_is_a_usage_error() -> None:
    result = run_cli("--agent", "nope")
    assert result.returncode == 2
    assert "invalid choice: 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate__runs_from_another_directory(tmp_path: Path) -> None:
    result = run_cli("--episodes", "1", "--json", "here.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "here.json").read_text(encoding="utf-8"))
    assert list(report["agents"]) == ["rule"]
    assert report["seeds"] == [0]


def test_evaluate__split_plays_its_first_seeds_with_cis(tmp_path: Path) -> None:
    out = tmp_path / "split.json"
    result = run_cli(
        *("--agent", "tuned", "oracle", "--split", "test", "--episodes", "2"),
        *("--json", str(out)),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["seeds"] == split_seeds("test", 2)
    assert report["split"] == "test"
    for agent in report["agents"].values():
        summary = agent["summary"]["return"]
        assert summary["ci_low"] <= summary["mean"] <= summary["ci_high"]
    assert "95% CI" in result.stdout


def test_evaluate__seed_and_split_are_exclusive() -> None:
    result = run_cli("--seed", "3", "--split", "test")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
