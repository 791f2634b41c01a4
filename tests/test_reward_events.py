"""Every reward component agrees with the event log, step by step.

The kernels count each component where it fires and, beside it, write an event that records
the same fact. This test rebuilds the twelve per-step counts from a step's events alone
(with the episode's earlier ``arrived`` records for the ground truth, and the queue lengths
replayed from the log for ``balanced_assignment``) and requires them to equal what the env
reported in ``info``, for random play in every task's scenario and the default config. A
reopened ticket's later resolution pays no second ``resolve_on_time`` or ``csat_high``: a
customer who had to write back is not a success twice over.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from helixdesk.env import HelixDeskEnv
from helixdesk.rewards import COMPONENTS, component_values, components_from_info
from helixdesk.spaces import COMPLAINT, CRITICAL, FLAG_FOR_REVIEW
from helixdesk.tasks import DEFAULT_SCENARIO, SCENARIOS, scenario_config

HIGH_CSAT = 4
SEEDS = (0, 1, 2)


@dataclass
class LogReplay:
    """What the log has told so far: each email's truth, every server's queue length, and
    which tickets have reopened."""

    n_employees: int
    employee_capacity: int
    review_capacity: int
    truth: dict[int, dict[str, Any]] = field(default_factory=dict)
    queue: Counter[int] = field(default_factory=Counter)
    reopened: set[int] = field(default_factory=set)
    unpaid_on_time: int = 0  # reopened tickets resolved on time again, which pay nothing

    def step_counts(self, events: list[dict[str, Any]]) -> Counter[str]:
        """The component counts a step's events imply, updating the replayed state."""
        counts: Counter[str] = Counter()
        replied = {e["email"] for e in events if e["kind"] == "auto_replied" and e["success"]}
        bounced = {e["email"] for e in events if e["kind"] == "bounced"}
        for event in events:
            handler = getattr(self, f"_on_{event['kind']}", None)
            if handler is not None:
                handler(event, counts, replied, bounced)
        return counts

    def _on_arrived(self, event: dict[str, Any], *_: Any) -> None:
        self.truth[event["email"]] = event

    def _on_triaged(self, event: dict[str, Any], counts: Counter[str], replied, bounced) -> None:
        truth = self.truth[event["email"]]
        label = event["classification"]
        if label == truth["true_class"]:
            counts["correct_classification"] += 1
        elif label == FLAG_FOR_REVIEW:
            counts["unnecessary_escalation"] += 1
        else:
            counts["misclassification"] += 1
        if truth["keyword"] and not (label == COMPLAINT and event["priority"] == CRITICAL):
            counts["keyword_flag_missed"] += 1
        server = event["server"]
        if server < 0 or event["email"] in replied or event["email"] in bounced:
            return
        if server < self.n_employees:
            counts["balanced_assignment"] += self._variance_change(server) < 0
        self.queue[server] += 1

    def _variance_change(self, chosen: int) -> int:
        """The sign of n² × (change of the employees' load variance) when ``chosen`` gets one
        more ticket, in exact integers: 2 (n·load − Σ loads) + n − 1."""
        loads = [self.queue[e] for e in range(self.n_employees)]
        return 2 * (self.n_employees * loads[chosen] - sum(loads)) + self.n_employees - 1

    def _on_gm_alerted(self, event: dict[str, Any], counts: Counter[str], *_: Any) -> None:
        caught = event["surge"] >= 0
        counts["trend_prevented" if caught else "unnecessary_escalation"] += 1

    def _on_auto_replied(self, event: dict[str, Any], counts: Counter[str], *_: Any) -> None:
        if not event["success"]:
            counts["bad_autoreply"] += 1
            return
        counts["resolve_on_time"] += 1  # answered at once
        counts["csat_high"] += event["csat"] >= HIGH_CSAT

    def _on_resolved(self, event: dict[str, Any], counts: Counter[str], *_: Any) -> None:
        self.queue[event["server"]] -= 1
        if event["email"] in self.reopened:  # its success was paid at its first resolution
            self.unpaid_on_time += event["on_time"]
            return
        counts["resolve_on_time"] += event["on_time"]
        counts["csat_high"] += event["csat"] >= HIGH_CSAT

    def _on_missed_deadline(self, event: dict[str, Any], counts: Counter[str], *_: Any) -> None:
        counts["missed_deadline"] += 1

    def _on_reopened(self, event: dict[str, Any], counts: Counter[str], *_: Any) -> None:
        counts["complaint_reopened"] += 1
        self.reopened.add(event["email"])
        server = event["server"]
        room = self.review_capacity if server == self.n_employees else self.employee_capacity
        if self.queue[server] < room:
            self.queue[server] += 1

    def _on_kb_learned(self, event: dict[str, Any], counts: Counter[str], *_: Any) -> None:
        counts["kb_updated"] += 1


def reported_counts(info: dict[str, Any], values: np.ndarray) -> Counter[str]:
    components = components_from_info(info)
    counts: Counter[str] = Counter()
    for name, value in zip(COMPONENTS, values, strict=True):
        count = round(components[name] / value)
        assert count * value == pytest.approx(components[name]), name
        if count:
            counts[name] = count
    return counts


def test_reward__every_components_count_equals_what_the_step_events_record() -> None:
    fired: Counter[str] = Counter()
    unpaid_on_time = 0
    for scenario in SCENARIOS:
        scenario_fired, scenario_unpaid = play_and_compare(scenario)
        fired.update(scenario_fired)
        unpaid_on_time += scenario_unpaid
    assert set(fired) == set(COMPONENTS), fired
    assert unpaid_on_time > 0, "no reopened ticket was resolved on time: rule left untested"


def play_and_compare(scenario: str) -> tuple[Counter[str], int]:
    """Random play of ``scenario`` over ``SEEDS``, each step's counts checked; returns how
    often each component fired, and how many reopened tickets were resolved on time again
    (which pay no second success)."""
    config = scenario_config(None if scenario == DEFAULT_SCENARIO else scenario)
    env = HelixDeskEnv(config=config)
    values = component_values(config)
    fired: Counter[str] = Counter()
    unpaid_on_time = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        env.reset(seed=seed)
        replay = LogReplay(
            config.env.n_employees, config.env.employee_capacity, config.env.review_capacity
        )
        seen = len(env.event_log)
        replay.step_counts(list(env.event_log)[:seen])
        truncated = False
        while not truncated:
            _, _, _, truncated, info = env.step(rng.integers(0, env.action_space.nvec))
            events = list(env.event_log)[seen:]
            seen += len(events)
            expected = replay.step_counts(events)
            reported = reported_counts(info, values)
            assert reported == +expected, (scenario, seed, events)
            fired.update(expected)
        unpaid_on_time += replay.unpaid_on_time
    return fired, unpaid_on_time
