"""OpenEnv's TaskProvider over HelixDesk's splits (:mod:`helixdesk.tasks.splits`).

openenv serves these methods of the environment as its Task API: ``GET
/helixdesk/splits``, ``POST /helixdesk/tasks``, ``/helixdesk/num_tasks``, ``/helixdesk/task``
and ``/helixdesk/task_range``. A task spec is a task instance (id, split, index, task, seed,
difficulty); play one by its task and seed, ``reset(task=…, seed=…)``. The methods
read nothing but the splits, so they work on a fresh environment and change nothing. An
unknown split raises :class:`~helixdesk.tasks.splits.UnknownSplit` (the app answers 404), an
index outside the split ``IndexError`` (openenv answers 400).
"""

from __future__ import annotations

from typing import Any

from helixdesk.tasks import splits


class SplitTasks:
    """The TaskProvider methods (openenv finds them on the environment by name)."""

    def list_splits(self) -> list[dict[str, str]]:
        """Every split, named as openenv's split types are (``train``, ``test``)."""
        return [{"name": name, "type": name} for name in splits.SPLITS]

    def list_tasks(self, split: str) -> list[dict[str, Any]]:
        """Every task instance of ``split``."""
        return [task.as_dict() for task in splits.instances(split)]

    def num_tasks(self, split: str) -> int:
        return splits.size(split)

    def get_task(self, split: str, index: int) -> dict[str, Any]:
        return splits.instance(split, index).as_dict()

    def get_task_range(
        self, split: str, start: int | None = None, stop: int | None = None
    ) -> list[dict[str, Any]]:
        """Instances ``start … stop - 1`` of ``split`` (Python's slice rules)."""
        return [task.as_dict() for task in splits.instances(split, start, stop)]
