"""Digests of the simulator's behaviour, to prove a refactor changed nothing.

``digests()`` plays fixed, seeded action sequences and hashes what an agent and a grader see:
every task's scenario and the default config over seeds 0-3 on the single env (observations,
rewards, action masks and the whole event log), and a 70-wide vector env over 250 steps
(observations, rewards, end flags and masks, across autoresets). ``tests/data/behaviour.json``
holds the digests of the last intended change of behaviour; ``tests/test_behaviour.py``
compares. After a change that is meant to alter the dynamics, rewrite them on purpose::

    python -m tests.behaviour --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from helixdesk.env import HelixDeskEnv
from helixdesk.tasks import TASK_IDS, get_task
from helixdesk.vector import HelixDeskVectorEnv

RECORDED = Path(__file__).with_name("data") / "behaviour.json"
SEEDS = range(4)
VECTOR_WIDTH = 70
VECTOR_STEPS = 250
ACTION_SEED = 20_261_206


def episode_digest(env: HelixDeskEnv, seed: int) -> str:
    """One full episode of uniformly random actions (drawn from ``seed``)."""
    digest = hashlib.sha256()
    rng = np.random.default_rng([ACTION_SEED, seed])
    nvec = env.action_space.nvec
    obs, _ = env.reset(seed=seed)
    done = False
    while not done:
        digest.update(obs.tobytes())
        digest.update(env.action_masks().tobytes())
        obs, reward, terminated, truncated, _ = env.step(rng.integers(0, nvec))
        digest.update(np.float64(reward).tobytes())
        done = terminated or truncated
    digest.update(obs.tobytes())
    digest.update(env.event_log.records.tobytes())
    return digest.hexdigest()


def vector_digest() -> str:
    """A ``VECTOR_WIDTH``-wide vector env over ``VECTOR_STEPS`` random steps."""
    env = HelixDeskVectorEnv(VECTOR_WIDTH)
    rng = np.random.default_rng([ACTION_SEED, VECTOR_WIDTH])
    nvec = env.single_action_space.nvec
    digest = hashlib.sha256()
    obs, _ = env.reset(seed=0)
    for _ in range(VECTOR_STEPS):
        digest.update(obs.tobytes())
        digest.update(env.action_masks().tobytes())
        actions = rng.integers(0, nvec, size=(VECTOR_WIDTH, len(nvec)))
        obs, rewards, terminated, truncated, _ = env.step(actions)
        for array in (rewards, terminated, truncated):
            digest.update(np.ascontiguousarray(array).tobytes())
    env.close()
    return digest.hexdigest()


def digests() -> dict[str, str]:
    """Every digest, by name (``<scenario>/seed<k>`` and ``vector``)."""
    configs = {"default": None, **{task: get_task(task).config() for task in TASK_IDS}}
    found = {}
    for name, config in configs.items():
        env = HelixDeskEnv(config=config)
        for seed in SEEDS:
            found[f"{name}/seed{seed}"] = episode_digest(env, seed)
    found["vector"] = vector_digest()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {RECORDED.name}")
    args = parser.parse_args()
    found = digests()
    if args.write:
        RECORDED.write_text(json.dumps(found, indent=2) + "\n")
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
