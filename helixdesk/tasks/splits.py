"""Train and test splits of the graded tasks: the one place their seeds are declared.

A *task instance* is one of the four tasks played from one seed. A split holds every task
on each of its seeds, interleaved: instance ``i`` of a split is task ``TASK_IDS[i % 4]`` on
the split's seed number ``i // 4``, so any prefix of a split is balanced across the tasks.

* ``train``: the evaluation protocol's train seeds (:mod:`helixdesk.protocol`: 0 … 9 999,
  40 000 instances), what agents may learn from and tune on;
* ``test``: its test seeds (10 000 … 10 999, 4 000 instances), held out for reporting.

The two seed ranges are disjoint, and a seed gives the same inbox whichever split names it.
:func:`sample` picks a train instance deterministically from any key (the members of a
GRPO group that share a key share the instance). OpenEnv's TaskProvider routes
(``/helixdesk/splits``, ``/helixdesk/tasks`` …) serve these splits; an instance is played by
its task and seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from helixdesk.protocol import TEST_SEEDS, TRAIN_SEEDS
from helixdesk.tasks import TASK_IDS, TASKS

TRAIN, TEST = "train", "test"
SPLIT_SEEDS: dict[str, range] = {TRAIN: TRAIN_SEEDS, TEST: TEST_SEEDS}
SPLITS = tuple(SPLIT_SEEDS)


class UnknownSplit(KeyError):
    """A split name that is not one of :data:`SPLITS` (the message names them)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class TaskInstance:
    """One task played from one seed, at position ``index`` of ``split``."""

    id: str
    split: str
    index: int
    task: str
    seed: int
    difficulty: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seeds(split: str) -> range:
    if split not in SPLIT_SEEDS:
        raise UnknownSplit(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    return SPLIT_SEEDS[split]


def size(split: str) -> int:
    """How many task instances ``split`` holds."""
    return len(_seeds(split)) * len(TASK_IDS)


def instance(split: str, index: int) -> TaskInstance:
    """Instance ``index`` of ``split`` (``IndexError`` outside ``0 … size - 1``)."""
    if not 0 <= index < size(split):
        raise IndexError(f"{split} has instances 0..{size(split) - 1}, got index {index}")
    seed_position, task_position = divmod(index, len(TASK_IDS))
    task = TASK_IDS[task_position]
    seed = _seeds(split)[seed_position]
    return TaskInstance(
        id=f"{split}/{task}/{seed}",
        split=split,
        index=index,
        task=task,
        seed=seed,
        difficulty=TASKS[task].difficulty,
    )


def instances(split: str, start: int | None = None, stop: int | None = None) -> list[TaskInstance]:
    """Instances ``start … stop - 1`` of ``split``, with Python's slice rules for the bounds."""
    return [instance(split, i) for i in range(size(split))[start:stop]]


def sample(key: object, split: str = TRAIN) -> TaskInstance:
    """The instance of ``split`` that ``key`` picks: the same for equal keys, in any process
    (a hash of ``str(key)``, not Python's salted ``hash``), spread evenly over the split."""
    digest = hashlib.blake2b(str(key).encode("utf-8"), digest_size=8).digest()
    return instance(split, int.from_bytes(digest, "big") % size(split))
