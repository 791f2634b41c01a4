"""Knowledge base: which (category, topic) questions have a canned answer.

Topics follow a Zipf-like popularity within each category. The KB starts with the most common
``initial_entries_per_category`` topics of every category, so a category added to the config
gets entries without any code edit. An auto-reply succeeds only for a true query whose topic
the KB holds. When an employee resolves a query the KB could not answer, the KB learns that
topic (``kb_updated``); beyond ``capacity_per_category`` the least recently used entry of the
category is evicted, so the KB stays bounded however long the episode runs.
"""

from __future__ import annotations

import numpy as np

from helixdesk.simulator.jit import step_kernel
from helixdesk.simulator.schema import KbEntry, Param


@step_kernel
def reset_kb(ep, initial_entries: int) -> None:
    ep.kb[:, :, :] = 0.0
    for c in range(ep.kb.shape[0]):
        for topic in range(min(initial_entries, ep.kb.shape[1])):
            ep.kb[c, topic, KbEntry.PRESENT] = 1.0
            ep.kb[c, topic, KbEntry.LAST_USED] = -1.0 - topic  # most popular is most recently used


@step_kernel
def has_answer(ep, category: int, topic: int) -> bool:
    return ep.kb[category, topic, KbEntry.PRESENT] == 1.0


@step_kernel
def touch(ep, category: int, topic: int, now: float) -> None:
    ep.kb[category, topic, KbEntry.LAST_USED] = now


@step_kernel
def learn(ep, model, category: int, topic: int, now: float) -> None:
    """Add an entry, evicting the category's least recently used one when full."""
    present = 0
    oldest, oldest_time = -1, np.inf
    for t in range(ep.kb.shape[1]):
        if ep.kb[category, t, KbEntry.PRESENT] == 1.0:
            present += 1
            if ep.kb[category, t, KbEntry.LAST_USED] < oldest_time:
                oldest, oldest_time = t, ep.kb[category, t, KbEntry.LAST_USED]
    if present >= model.params[Param.KB_CAPACITY] and oldest >= 0:
        ep.kb[category, oldest, KbEntry.PRESENT] = 0.0
    ep.kb[category, topic, KbEntry.PRESENT] = 1.0
    ep.kb[category, topic, KbEntry.LAST_USED] = now
