"""``train.py --imitate``: cloning a scripted agent before PPO makes the policy act like it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console
from sb3_contrib import MaskablePPO

from helixdesk.cli.train import main
from helixdesk.cli.warm_start import clone, demonstrate, discounted, warm_start
from helixdesk.config import load_config
from helixdesk.sb3 import HelixDeskSB3VecEnv
from helixdesk.spaces import action_nvec
from helixdesk.tasks import TASK_IDS

SHORT = {"env": {"episode_emails": 24}}


def _agreement(model: MaskablePPO, demos_obs: np.ndarray, masks: np.ndarray) -> np.ndarray:
    actions = [
        model.predict(obs, deterministic=True, action_masks=mask)[0]
        for obs, mask in zip(demos_obs, masks, strict=True)
    ]
    return np.asarray(actions)


def test_discounted__is_the_return_to_go() -> None:
    assert discounted([1.0, 2.0, 4.0], 0.5) == [1.0 + 0.5 * (2.0 + 0.5 * 4.0), 4.0, 4.0]


def test_demonstrations__are_every_step_of_every_episode_and_masked_legal() -> None:
    config = load_config(SHORT)
    demos = demonstrate("rule", [config, config], episodes=2, gamma=0.9)
    assert len(demos) == 2 * 2 * 24
    bounds = np.concatenate([[0], np.cumsum(action_nvec(config))])
    for action, mask in zip(demos.actions, demos.masks, strict=True):
        assert all(mask[bounds[d] + action[d]] for d in range(4))


def test_clone__makes_the_policy_take_the_demonstrated_actions() -> None:
    config = load_config(SHORT)
    model = MaskablePPO("MlpPolicy", HelixDeskSB3VecEnv(2, config=config), seed=0, device="cpu")
    demos = demonstrate("rule", [config], episodes=4, gamma=0.9)
    before = (_agreement(model, demos.observations, demos.masks) == demos.actions).all(1).mean()
    likelihood, agreement = clone(model, demos, seed=0)
    after = (_agreement(model, demos.observations, demos.masks) == demos.actions).all(1).mean()
    assert before < 0.2 and after > 0.6
    assert agreement == pytest.approx(after)
    uniform = -np.log(np.prod(action_nvec(config)))  # a uniform guess over every action
    assert uniform / 2 < likelihood < 0.0


def test_warm_start__reports_what_it_cloned() -> None:
    config = load_config(SHORT)
    model = MaskablePPO("MlpPolicy", HelixDeskSB3VecEnv(2, config=config), seed=0, device="cpu")
    console = Console(record=True, width=200)
    warm_start(model, "rule", [config], 1, console)
    assert "cloned rule from 24 steps of 1 train episodes" in console.export_text()


def test_train_sb3__imitate_is_recorded_and_the_clone_scored(tmp_path: Path) -> None:
    config = tmp_path / "short.yaml"
    config.write_text(yaml.safe_dump(SHORT), encoding="utf-8")
    out = tmp_path / "run"
    argv = ["--agent", "sb3", "--algo", "maskable_ppo", "--timesteps", "64", "--n-envs", "2"]
    argv += ["--n-steps", "32", "--imitate", "tuned", "--imitate-episodes", "1"]
    assert main([*argv, "--config", str(config), "--out", str(out)]) == 0
    settings = yaml.safe_load((out / "run.yaml").read_text(encoding="utf-8"))
    assert (settings["imitate"], settings["imitate_episodes"]) == ("tuned", 1)
    with (out / "learning_curve.csv").open(newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert first["timesteps"] == "0" and first["mean_return"] == ""  # the clone, scored
    assert all(0.0 <= float(first[task]) <= 1.0 for task in TASK_IDS)


def test_train_sb3__imitate_needs_the_mask(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--agent", "sb3", "--algo", "ppo", "--imitate", "rule"]) == 2
    assert "--algo maskable_ppo" in capsys.readouterr().err
