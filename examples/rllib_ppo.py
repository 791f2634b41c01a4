"""Train HelixDesk with RLlib PPO (new API stack) on Ray.

Needs the ``rllib`` extra, in its own virtualenv (RLlib pins ``gymnasium==1.2.2``)::

    python3 -m venv .venv/rllib   # `make rllib-smoke` does these three steps
    .venv/rllib/bin/pip install -c constraints.txt torch==2.13.0
    .venv/rllib/bin/pip install -c constraints.txt -e ".[rllib]"
    .venv/rllib/bin/python examples/rllib_ppo.py --iterations 20

Locally it starts a 2-CPU Ray instance. On a Ray cluster, run the same script on the head
node (or any node of the cluster) with ``--address auto``, or point it at a remote cluster
with ``--address ray://HEAD:10001``, and raise ``--env-runners``; every node needs this
package installed (or ship it with a ``runtime_env``).
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import gymnasium as gym

_slots = itertools.count()  # sub-envs created in this process (one env runner per process)


class _SeedOnFirstReset(gym.Wrapper):
    """Use ``seed`` on the first reset if the caller gives none (RLlib passes none unless
    ``debugging(seed=...)`` is set); later resets continue the env's own generator."""

    def __init__(self, env: gym.Env, seed: int) -> None:
        super().__init__(env)
        self._first_seed: int | None = seed

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        if seed is None and self._first_seed is not None:
            seed = self._first_seed
        self._first_seed = None
        return self.env.reset(seed=seed, options=options)


def make_env(ctx: Any) -> gym.Env:
    """Env creator for ``register_env``: ``ctx`` is an ``EnvContext`` (a dict of the
    ``env_config`` plus ``worker_index`` / ``vector_index``). Each sub-env gets a distinct
    seed from the runner's ``worker_index`` and its slot within the runner."""
    from helixdesk.env import HelixDeskEnv

    cfg = dict(ctx)
    base_seed = int(cfg.pop("seed", 0))
    cfg.pop("num_envs", None)  # added by RLlib for vector entry points
    worker = int(getattr(ctx, "worker_index", 0))
    slot = int(getattr(ctx, "vector_index", 0)) + next(_slots)
    seed = base_seed + 10_000 * worker + slot
    return _SeedOnFirstReset(HelixDeskEnv(**cfg), seed)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="RLlib PPO (new API stack) on HelixDesk")
    p.add_argument("--iterations", type=int, default=20, help="training iterations")
    p.add_argument("--address", default=None, help="Ray cluster address (e.g. auto, ray://…)")
    p.add_argument("--num-cpus", type=int, default=2, help="CPUs for a local Ray instance")
    p.add_argument("--env-runners", type=int, default=2)
    p.add_argument("--envs-per-runner", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=4000, help="train batch per learner")
    p.add_argument("--minibatch-size", type=int, default=500)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--seed", type=int, default=0, help="base env seed")
    p.add_argument("--config", default=None, help="HelixDesk config YAML (default: built-in)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, EPISODE_RETURN_MEAN
    from ray.tune.registry import register_env

    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False)
    register_env("helixdesk", make_env)

    env_config: dict[str, Any] = {"seed": args.seed}
    if args.config:
        env_config["config"] = args.config
    config = (
        PPOConfig()
        .environment("helixdesk", env_config=env_config)
        .env_runners(
            num_env_runners=args.env_runners,
            num_envs_per_env_runner=args.envs_per_runner,
        )
        .learners(num_learners=0)
        .training(
            lr=args.lr,
            train_batch_size_per_learner=args.batch_size,
            minibatch_size=args.minibatch_size,
            num_epochs=args.epochs,
            entropy_coeff=0.01,
        )
    )
    algo = config.build_algo()
    start = time.time()
    try:
        for it in range(1, args.iterations + 1):
            result = algo.train()
            runners = result.get(ENV_RUNNER_RESULTS, {})
            ret = runners.get(EPISODE_RETURN_MEAN, float("nan"))
            steps = result.get(
                "num_env_steps_sampled_lifetime", runners.get("num_env_steps_sampled_lifetime", "?")
            )
            print(
                f"iteration={it}/{args.iterations} env_steps={steps} "
                f"episode_return_mean={ret:.2f} elapsed={time.time() - start:.1f}s",
                flush=True,
            )
    finally:
        algo.stop()
        ray.shutdown()


if __name__ == "__main__":
    main()
