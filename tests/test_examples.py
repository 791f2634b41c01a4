"""The example trainers: the CleanRL-style script runs at its smoke size; the RLlib env
creator gives every sub-env a distinct seed (RLlib itself is smoke-tested by `.ci/run` in
its own virtualenv, since it pins another gymnasium)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
import yaml

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("masks", [False, True])
def test_cleanrl_ppo__smoke_run_prints_progress(tmp_path: Path, masks: bool) -> None:
    # 16-email episodes: several truncations (and NEXT_STEP reset steps) inside each rollout.
    config = tmp_path / "short.yaml"
    config.write_text(yaml.safe_dump({"env": {"episode_emails": 16}}))
    cmd = [sys.executable, str(EXAMPLES / "cleanrl_ppo.py"), "--smoke", "--config", str(config)]
    done = subprocess.run(
        [*cmd, *(["--masks"] if masks else [])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("update=")]
    assert len(lines) == 2  # 4 envs x 64 steps x 2 updates
    last = lines[-1]
    assert "global_step=512" in last
    assert re.search(r"SPS=\d+", last)
    match = re.search(r"mean_return=(-?\d+\.\d+)", last)
    assert match, last
    assert np.isfinite(float(match.group(1)))
    assert re.search(r"v_loss=\d+\.\d+", last)


def test_cleanrl_ppo__gae_cuts_at_truncation_and_skips_reset_steps() -> None:
    module = _load("cleanrl_ppo")
    args = module.parse_args(["--smoke"])
    assert (args.num_envs, args.num_steps, args.num_updates) == (4, 64, 2)
    # One env, 4 steps: step 1 truncates (s_2 is the final obs), step 2 is the reset step.
    rewards = torch.tensor([[1.0], [2.0], [0.0], [3.0]])
    values = torch.tensor([[0.5], [0.25], [10.0], [0.75]])
    ended = torch.tensor([[0.0], [1.0], [0.0], [0.0]])
    valid = torch.tensor([[1.0], [1.0], [0.0], [1.0]])
    adv = module.compute_gae(rewards, values, torch.tensor([2.0]), ended, valid, 0.5, 1.0)
    a3 = 3.0 + 0.5 * 2.0 - 0.75
    a1 = 2.0 + 0.5 * 10.0 - 0.25  # bootstraps from V(final obs), not from the new episode
    a0 = 1.0 + 0.5 * 0.25 - 0.5 + 0.5 * a1
    assert adv[:, 0].tolist() == pytest.approx([a0, a1, 0.0, a3])


class _Ctx(dict):
    """Stands in for RLlib's EnvContext (a dict with worker and vector indices)."""

    def __init__(self, worker_index: int, vector_index: int = 0, **config: object) -> None:
        super().__init__(config)
        self.worker_index = worker_index
        self.vector_index = vector_index


def test_rllib_env_creator__distinct_seeds_per_runner_and_sub_env() -> None:
    module = _load("rllib_ppo")
    first_obs = []
    for worker in (1, 1, 2):
        env = module.make_env(_Ctx(worker, seed=7, num_envs=2))
        obs, _ = env.reset()  # RLlib resets with seed=None unless debugging(seed=...) is set
        first_obs.append(obs)
        assert env.observation_space.contains(obs)
        env.close()
    assert not np.array_equal(first_obs[0], first_obs[1])  # two slots on runner 1
    assert not np.array_equal(first_obs[0], first_obs[2])  # runner 1 vs runner 2
    again = module.make_env(_Ctx(3, seed=7))
    env = module.make_env(_Ctx(3, seed=7))
    assert np.array_equal(again.reset(seed=11)[0], env.reset(seed=11)[0])  # explicit seed wins
