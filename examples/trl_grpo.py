"""GRPO on HelixDesk with TRL: a small instruct model learns to triage with the tools.

    pip install -e ".[trl]"
    python examples/trl_grpo.py                          # Qwen/Qwen2.5-0.5B-Instruct
    python examples/trl_grpo.py --model Qwen/Qwen3-0.6B --steps 20 --output-dir runs/grpo

Each rollout plays one short episode (10 emails) of a train-split task instance through
the tools of :class:`helixdesk.trl.HelixDeskToolEnv`, the same tools the server offers on
``/mcp``; the reward is the task's grade of the episode (``get_reward``). Every dataset row
carries a ``key``: TRL repeats a row for each member of a GRPO group, so the group shares
the key and with it the episode, while each group gets its own instance. A GPU is welcome;
the tests run this very setup on CPU with a tiny random model.
"""

from __future__ import annotations

import argparse
from typing import Any

from datasets import Dataset
from trl import GRPOConfig, GRPOTrainer

from helixdesk.trl import HelixDeskToolEnv

MODEL = "Qwen/Qwen2.5-0.5B-Instruct"
KEYS = 10_000  # dataset rows: one key (one task instance) per GRPO group


def dataset(rows: int = KEYS) -> Dataset:
    """An empty user turn per row (``reset`` supplies the prompt) and the row's key."""
    empty_turn = [{"role": "user", "content": ""}]
    return Dataset.from_dict({"prompt": [empty_turn] * rows, "key": list(range(rows))})


def config(steps: int, output_dir: str, **overrides: Any) -> GRPOConfig:
    """The training settings; ``overrides`` replace any of them."""
    settings = {
        "num_generations": 4,
        "per_device_train_batch_size": 4,
        "max_completion_length": 4096,  # the whole multi-turn conversation
        "max_tool_calling_iterations": 40,  # ten emails, a few reads each
        "logging_steps": 1,
        "report_to": "none",
        **overrides,
    }
    return GRPOConfig(output_dir=output_dir, max_steps=steps, **settings)


def trainer(model: Any, args: GRPOConfig, **options: Any) -> GRPOTrainer:
    """GRPOTrainer on HelixDesk; ``options`` go to GRPOTrainer (a ``processing_class`` for a
    model without a tokenizer of its own, another ``environment_factory``)."""
    options = {"environment_factory": HelixDeskToolEnv, **options}
    return GRPOTrainer(model=model, args=args, train_dataset=dataset(), **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=MODEL, help="a chat model with tool calling")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--output-dir", default="runs/grpo-helixdesk")
    args = parser.parse_args(argv)
    trainer(args.model, config(args.steps, args.output_dir)).train()


if __name__ == "__main__":
    main()
