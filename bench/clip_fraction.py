"""How often the per-step clip binds under the rule agent, for several ``rewards.scale``.

Usage: ``python bench/clip_fraction.py [--seeds N]``. Figures quoted in docs/design.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from helixdesk import HelixDeskEnv
from helixdesk.agents import RuleAgent
from helixdesk.evaluation import run_episode

SCALES = (1.0, 0.5, 0.25, 0.2)


def clipped_fraction(scale: float, seeds: int) -> float:
    env = HelixDeskEnv(config={"rewards": {"scale": scale}}, record_events=False)
    agent = RuleAgent(env)
    results = [run_episode(env, agent, seed) for seed in range(seeds)]
    return float(np.mean([r.clipped_fraction for r in results]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    print("| `rewards.scale` | clipped steps (rule agent) |")
    print("|---|---|")
    for scale in SCALES:
        print(f"| {scale} | {clipped_fraction(scale, args.seeds):.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
