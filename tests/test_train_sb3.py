"""``train.py --agent sb3``: short PPO and MaskablePPO runs save a model that the commands load."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from helixdesk.agents import PolicyAgent
from helixdesk.cli import baseline, evaluate
from helixdesk.cli.train import main
from helixdesk.cli.train_sb3 import CURVE_COLUMNS, total_timesteps
from helixdesk.config import load_config
from helixdesk.env import HelixDeskEnv
from helixdesk.spaces import action_nvec
from helixdesk.tasks import TASK_IDS

REPO_ROOT = Path(__file__).resolve().parents[1]
SHORT_CONFIG = "env:\n  episode_emails: 16\n"


@pytest.fixture(scope="module", params=["ppo", "maskable_ppo"])
def run_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One short training run per algorithm (256 steps on 2 envs, tasks scored at 128 and end)."""
    root = tmp_path_factory.mktemp(request.param)
    config = root / "short.yaml"
    config.write_text(SHORT_CONFIG, encoding="utf-8")
    out = root / "run"
    argv = ["--agent", "sb3", "--algo", request.param, "--timesteps", "256", "--n-envs", "2"]
    argv += ["--n-steps", "64", "--eval-every", "128", "--config", str(config), "--out", str(out)]
    assert main(argv) == 0
    return out


def test_train_sb3__writes_model_config_curve_and_plot(run_dir: Path) -> None:
    assert (run_dir / "model.zip").stat().st_size > 0
    assert load_config(run_dir / "config.yaml").env.episode_emails == 16
    assert (run_dir / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (run_dir / "learning_curve.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CURVE_COLUMNS
        rows = list(reader)
    assert [int(row["timesteps"]) for row in rows] == [128, 256]
    assert int(rows[-1]["episodes"]) == 256 // 16
    for row in rows:  # scored at 128 and at 256
        assert all(0.0 <= float(row[task]) <= 1.0 for task in TASK_IDS)
    assert np.isfinite(float(rows[-1]["mean_return"]))


def test_policy_agent__loads_the_saved_model_and_acts(run_dir: Path) -> None:
    env = HelixDeskEnv()
    agent = PolicyAgent(env, run_dir / "model.zip")
    obs, info = env.reset(seed=3)
    nvec = action_nvec(env.config)
    for _ in range(5):
        action = agent.act(obs, info)
        assert action.shape == (4,) and action.dtype == np.int64
        assert np.all((action >= 0) & (action < nvec))
        if agent.maskable:  # every chosen index is allowed by the mask
            bounds = np.concatenate([[0], np.cumsum(nvec)])
            assert all(info["action_mask"][bounds[d] + action[d]] for d in range(4))
        obs, _, _, _, info = env.step(action)
    assert agent.maskable == ("maskable" in run_dir.parent.name)


def test_evaluate_and_baseline__run_the_trained_policy(run_dir: Path, tmp_path: Path) -> None:
    model = str(run_dir / "model.zip")
    report = tmp_path / "eval.json"
    argv = ["--agent", "sb3", "--model", model, "--episodes", "1", "--json", str(report)]
    assert evaluate.main(argv) == 0
    assert json.loads(report.read_text())["agents"]["sb3"]["summary"]["return"]["n"] == 1
    scores = tmp_path / "baseline.json"
    argv = ["--agents", "ppo", "--model", model, "--tasks", "easy", "--seeds", "1"]
    assert baseline.main([*argv, "--json", str(scores)]) == 0
    assert 0.0 <= json.loads(scores.read_text())["results"]["ppo"]["easy"]["mean"] <= 1.0


def test_policy_commands__need_a_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        evaluate.main(["--agent", "sb3", "--episodes", "1"])
    with pytest.raises(SystemExit):
        baseline.main(["--agents", "ppo"])
    assert "needs --model" in capsys.readouterr().err


def test_train_sb3__scenarios_split_the_envs_and_are_recorded(tmp_path: Path) -> None:
    config = tmp_path / "short.yaml"
    config.write_text(SHORT_CONFIG, encoding="utf-8")
    out = tmp_path / "mix"
    argv = ["--agent", "sb3", "--algo", "maskable_ppo", "--timesteps", "128", "--n-envs", "2"]
    argv += ["--n-steps", "64", "--scenarios", "default", "hard", "--batch-size", "32"]
    assert main([*argv, "--config", str(config), "--out", str(out)]) == 0
    settings = yaml.safe_load((out / "run.yaml").read_text(encoding="utf-8"))
    assert settings["scenarios"] == ["default", "hard"]
    assert (settings["n_envs"], settings["batch_size"], settings["timesteps"]) == (2, 32, 128)
    assert load_config(out / "config.yaml").env.episode_emails == 16


def test_train_sb3__unknown_scenario_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--agent", "sb3", "--scenarios", "nightmare"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nightmare'" in capsys.readouterr().err
    assert main(["--agent", "sb3", "--n-envs", "2", "--scenarios", "easy", "hard", "expert"]) == 2
    assert "fewer than the 3 scenarios" in capsys.readouterr().err


def test_train_sb3__episodes_set_the_timesteps() -> None:
    config = load_config({"env": {"episode_emails": 16}})
    args = type("Args", (), {"timesteps": None, "episodes": 3})()
    assert total_timesteps(args, config) == 48


def test_train_sb3__timesteps_and_episodes_together_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--agent", "sb3", "--timesteps", "10", "--episodes", "1"]) == 2
    assert "not both" in capsys.readouterr().err


def test_importing_the_agents_and_the_commands_does_not_import_torch() -> None:
    code = (
        "import sys, helixdesk.agents, helixdesk.cli.train, helixdesk.cli.evaluate, "
        "helixdesk.cli.baseline; assert 'torch' not in sys.modules; "
        "assert 'stable_baselines3' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=120)


def test_train_script__prints_progress_and_summary_without_a_terminal(tmp_path: Path) -> None:
    config = tmp_path / "short.yaml"
    config.write_text(SHORT_CONFIG, encoding="utf-8")
    argv = ["--agent", "sb3", "--episodes", "8", "--n-envs", "2", "--n-steps", "64"]
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), *argv, "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "training ppo for 128 timesteps" in done.stdout
    summary = [line for line in done.stdout.splitlines() if line.startswith("timesteps 128")]
    assert summary and "episodes 8" in summary[-1] and "fps" in summary[-1]
    assert "easy" in summary[-1]  # the end-of-training task scores
    assert (tmp_path / "runs" / "ppo-0" / "model.zip").is_file()
