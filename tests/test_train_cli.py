"""The ``train.py`` command line: baseline runs, CSV logging, the missing ``train`` extra."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from helixdesk.cli import train
from helixdesk.cli.train import main
from helixdesk.monitor import CSV_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[1]
TRAIN_SCRIPT = REPO_ROOT / "train.py"


def run_script(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TRAIN_SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(CSV_COLUMNS)
        return list(reader)


def test_train_cli__rule_agent_writes_csv_and_prints_summary(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "rule.csv"
    done = run_script("--agent", "rule", "--episodes", "2", "--csv", str(log))
    assert done.returncode == 0, done.stderr
    assert len(csv_rows(log)) == 2 * 100
    assert "episode 1/2" in done.stdout and "episode 2/2" in done.stdout
    for text in ("Summary", "rule", "SLA compliance", "CSAT", "±"):
        assert text in done.stdout


def test_train_cli__sb3_without_the_train_extra_exits_2_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(train, "missing_train_modules", lambda: ["torch", "stable_baselines3"])
    assert main(["--agent", "sb3", "--timesteps", "10"]) == 2
    captured = capsys.readouterr()
    assert "pip install -e .[train]" in captured.err
    assert "torch, stable_baselines3" in captured.err
    assert captured.out == ""


def test_train_cli__random_agent_runs_from_another_directory(tmp_path: Path) -> None:
    done = run_script("--agent", "random", "--episodes", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "random" in done.stdout
    assert len(csv_rows(tmp_path / "logs" / "episodes.csv")) == 100


def test_train_cli__log_csv_false_writes_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "quiet.yaml"
    config.write_text("monitor:\n  log_csv: false\n", encoding="utf-8")
    log = tmp_path / "never.csv"
    assert main(["--episodes", "1", "--config", str(config), "--csv", str(log)]) == 0
    assert not log.exists()
    assert "Summary" in capsys.readouterr().out


def test_train_cli__episode_k_uses_seed_s_plus_k(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--agent", "random", "--episodes", "2", "--seed", "7", "--no-dashboard"]
    assert main([*args, "--csv", str(tmp_path / "log.csv")]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("episode")]
    assert [line.split()[:4] for line in lines] == [
        ["episode", "1/2", "seed", "7"],
        ["episode", "2/2", "seed", "8"],
    ]


def test_train_cli__bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("monitor:\n  refresh_per_second: -1\n", encoding="utf-8")
    assert main(["--config", str(config)]) == 2
    assert "monitor.refresh_per_second" in capsys.readouterr().err


@pytest.mark.parametrize("episodes", ["0", "-3", "many"])
def test_train_cli__rejects_invalid_episode_counts(episodes: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--episodes", episodes])
    assert exit_info.value.code == 2
