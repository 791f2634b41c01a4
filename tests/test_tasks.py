"""The four graded tasks: hand-built logs scored by hand, edge cases, and real episodes."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.agents import BaseAgent
from helixdesk.evaluation import make_agent
from helixdesk.metrics import surge_alert_lags
from helixdesk.protocol import SEED_README_SEEDS
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.spaces import (
    AUTO_REPLY,
    COMPLAINT,
    CRITICAL,
    FLAG_FOR_REVIEW,
    HIGH,
    NO_SECONDARY,
    NORMAL,
    QUERY,
)
from helixdesk.tasks import TASK_IDS, TASKS, get_task, grade, make_env

REVIEW_CASE = 2  # true class of an email that deserves flag_for_review
REVIEW_QUEUE = 5  # server code of the review queue with the default five employees
NOBODY = -1
Record = dict[str, Any]


# -- builders for EventLog.from_dicts ---------------------------------------------------------


def _rec(kind: str, email: int, server: int = NOBODY, time: float = 0.0, **payload: Any) -> Record:
    return {"kind": kind, "time": time, "email": email, "server": server, **payload}


def email(
    index: int,
    truth: int,
    classification: int,
    priority: int = NORMAL,
    keyword: bool = False,
    server: int = 0,
    secondary: int = NO_SECONDARY,
) -> list[Record]:
    """An email's arrival and its triage (flagging forces what the simulator forces)."""
    if classification == FLAG_FOR_REVIEW:
        priority, server, secondary = NORMAL, REVIEW_QUEUE, NO_SECONDARY
    time = float(index)
    return [
        _rec("arrived", index, time=time, category=0, true_class=truth, keyword=int(keyword)),
        _rec(
            "triaged",
            index,
            server,
            time,
            classification=classification,
            priority=priority,
            secondary=secondary,
        ),
    ]


def resolved(index: int, on_time: bool, csat: int, server: int = 0) -> Record:
    return _rec("resolved", index, server, index + 1.0, on_time=int(on_time), csat=csat, hours=1.0)


def auto_replied(index: int, success: bool, csat: int) -> Record:
    return _rec("auto_replied", index, time=float(index), success=int(success), csat=csat)


def missed(index: int, server: int = 0) -> Record:
    return _rec("missed_deadline", index, server, index + 0.5)


def abandoned(index: int) -> Record:
    return _rec("abandoned", index, time=index + 0.5, csat=1)


def reopened(index: int, server: int = 0) -> Record:
    return _rec("reopened", index, server, index + 2.0)


def gm_alerted(index: int, surge: int) -> Record:
    return _rec("gm_alerted", index, time=float(index), category=0, surge=surge)


def surge(index: int, category: int = 0) -> Record:
    return _rec("surge", -1, time=0.0, category=category, end=8.0, surge=index)


def log_of(*parts: Record | list[Record]) -> EventLog:
    records: list[Record] = []
    for part in parts:
        records.extend(part if isinstance(part, list) else [part])
    return EventLog.from_dicts(records)


class ConstantAgent(BaseAgent):
    """Always the same action."""

    def __init__(self, action: tuple[int, ...]) -> None:
        self.action = np.array(action, dtype=np.int64)

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> np.ndarray:
        return self.action


# -- hand-built logs, scored by hand ----------------------------------------------------------


def test_easy__two_of_three_keyword_emails_handled_scores_two_thirds() -> None:
    log = log_of(
        email(0, COMPLAINT, COMPLAINT, CRITICAL, keyword=True),  # hit
        email(1, COMPLAINT, COMPLAINT, CRITICAL, keyword=True),  # hit
        email(2, COMPLAINT, COMPLAINT, HIGH, keyword=True),  # miss: not critical
        email(3, COMPLAINT, COMPLAINT, CRITICAL),  # no keyword: not counted
    )
    # 2 hits / 3 keyword emails
    assert TASKS["easy"].score_log(log) == pytest.approx(2 / 3)


def test_medium__late_resolution_of_a_missed_ticket_counts_once() -> None:
    log = log_of(
        email(0, COMPLAINT, COMPLAINT, HIGH),
        resolved(0, on_time=True, csat=4),
        email(1, QUERY, QUERY),
        resolved(1, on_time=True, csat=5),
        email(2, QUERY, QUERY),
        resolved(2, on_time=True, csat=4),
        email(3, QUERY, QUERY, server=NOBODY, secondary=AUTO_REPLY),
        auto_replied(3, success=True, csat=5),
        email(4, COMPLAINT, QUERY),
        missed(4),
        resolved(4, on_time=False, csat=2),  # the same ticket as the miss above
        email(5, COMPLAINT, COMPLAINT),
        missed(5),
        email(6, COMPLAINT, QUERY, server=NOBODY, secondary=AUTO_REPLY),
        auto_replied(6, success=False, csat=1),  # a ticket opens, not settled yet
        email(7, QUERY, QUERY),  # still inside its deadline: not settled
    )
    # met = 3 on-time resolutions + 1 good auto-reply = 4; missed = 2 → 4 / (4 + 2)
    assert TASKS["medium"].score_log(log) == pytest.approx(4 / 6)


def test_hard__parts_and_score_by_hand() -> None:
    log = log_of(
        surge(0, category=0),
        surge(1, category=3),
        gm_alerted(0, surge=0),  # caught surge 0
        gm_alerted(1, surge=-1),  # unwarranted
        gm_alerted(2, surge=-2),  # ignored by the GM
        email(0, QUERY, QUERY),
        resolved(0, on_time=True, csat=5),
        reopened(0),
        email(1, COMPLAINT, COMPLAINT, HIGH),
        missed(1),
        resolved(1, on_time=False, csat=3),
        email(2, COMPLAINT, COMPLAINT, HIGH, server=NOBODY),
        missed(2),
        abandoned(2),  # rates 1
        email(3, QUERY, QUERY),
    )
    parts = TASKS["hard"].parts(log)
    # trend = 1 alerted / 2 surges; csat = mean(5, 3, 1) / 4.5 = 3 / 4.5;
    # overdue = 1 - 2 missed / (4 triaged - 0 good replies + 1 reopen) = 0.6
    assert parts == pytest.approx({"trend": 0.5, "csat": 3 / 4.5, "overdue_control": 0.6})
    # (0.5 + 2/3 + 0.6) / 3 ≈ 0.5889
    assert TASKS["hard"].score_log(log) == pytest.approx((0.5 + 2 / 3 + 0.6) / 3)


def test_hard__good_auto_replies_open_no_ticket_and_csat_is_capped() -> None:
    log = log_of(
        surge(0),
        gm_alerted(0, surge=0),
        email(0, QUERY, QUERY, server=NOBODY, secondary=AUTO_REPLY),
        auto_replied(0, success=True, csat=5),
        email(1, QUERY, QUERY),
        resolved(1, on_time=True, csat=5),
        email(2, COMPLAINT, COMPLAINT),
        missed(2),
    )
    # trend 1/1; csat min(1, 5 / 4.5) = 1; overdue = 1 - 1 / (3 triaged - 1 good reply) = 0.5
    assert TASKS["hard"].parts(log) == pytest.approx(
        {"trend": 1.0, "csat": 1.0, "overdue_control": 0.5}
    )


def test_expert__geometric_mean_of_parts_by_hand() -> None:
    log = log_of(
        email(0, COMPLAINT, COMPLAINT, CRITICAL, keyword=True),  # correct, keyword hit
        email(1, COMPLAINT, QUERY, CRITICAL, keyword=True),  # wrong, keyword miss
        email(2, REVIEW_CASE, FLAG_FOR_REVIEW),  # correct, justified flag
        email(3, REVIEW_CASE, FLAG_FOR_REVIEW),  # correct, justified flag
        email(4, QUERY, FLAG_FOR_REVIEW),  # wrong, abused flag
        email(5, QUERY, QUERY),  # correct
    )
    # keyword 1/2; accuracy 4/6; discipline 1 - 1/3 flags abused = 2/3
    parts = TASKS["expert"].parts(log)
    assert parts == pytest.approx(
        {"keyword_score": 0.5, "classification_accuracy": 2 / 3, "review_discipline": 2 / 3}
    )
    # (1/2 · 2/3 · 2/3) ** (1/3) = (2/9) ** (1/3) ≈ 0.606
    assert TASKS["expert"].score_log(log) == pytest.approx((2 / 9) ** (1 / 3))


# -- edge cases -------------------------------------------------------------------------------


@pytest.mark.parametrize(("alert", "trend"), [(None, 1.0), (-1, 0.0), (-2, 0.0)])
def test_hard__no_surge_events_trend_depends_on_alerts(alert: int | None, trend: float) -> None:
    records = [email(0, QUERY, QUERY), resolved(0, on_time=True, csat=4)]
    if alert is not None:
        records.append(gm_alerted(0, surge=alert))
    assert TASKS["hard"].parts(log_of(*records))["trend"] == trend


def test_surge_alert_lags__share_of_each_surge_gone_at_its_first_alert() -> None:
    # surges 0 and 1 run 0-8 h; surge 0 is alerted at 2 h and again at 6 h, surge 1 never
    log = log_of(surge(0), surge(1), gm_alerted(2, surge=0), gm_alerted(6, surge=0))
    assert surge_alert_lags(log) == [0.25, math.inf]


def test_hard__no_csat_ratings_gives_zero_csat_part() -> None:
    log = log_of(surge(0), gm_alerted(0, surge=0), email(0, QUERY, QUERY), email(1, QUERY, QUERY))
    parts = TASKS["hard"].parts(log)
    # trend 1/1, csat 0 (nobody rated), overdue 1 - 0/2 → (1 + 0 + 1) / 3
    assert parts == {"trend": 1.0, "csat": 0.0, "overdue_control": 1.0}
    assert TASKS["hard"].score_log(log) == pytest.approx(2 / 3)


def test_expert__every_email_flagged_scores_the_review_share() -> None:
    truths = [REVIEW_CASE, QUERY, COMPLAINT, REVIEW_CASE, COMPLAINT]
    log = log_of(*(email(i, t, FLAG_FOR_REVIEW, keyword=(i == 2)) for i, t in enumerate(truths)))
    parts = TASKS["expert"].parts(log)
    # 2 of 5 are review cases: accuracy 2/5, discipline 1 - 3/5 abused = 2/5;
    # the flagged keyword email is not complaint + critical: keyword 0/1 → score 0
    assert parts == pytest.approx(
        {"keyword_score": 0.0, "classification_accuracy": 0.4, "review_discipline": 0.4}
    )
    assert TASKS["expert"].score_log(log) == 0.0


def test_medium__nothing_assigned_and_all_abandoned_scores_zero() -> None:
    log = log_of(
        *(
            [*email(i, COMPLAINT, COMPLAINT, HIGH, server=NOBODY), missed(i, NOBODY), abandoned(i)]
            for i in range(4)
        )
    )
    # met 0, missed 4 → 0 / 4
    assert TASKS["medium"].score_log(log) == 0.0


def test_medium__nothing_settled_scores_zero() -> None:
    log = log_of(
        email(0, QUERY, QUERY),
        email(1, COMPLAINT, QUERY, server=NOBODY, secondary=AUTO_REPLY),
        auto_replied(1, success=False, csat=2),
    )
    # no on-time resolution, good reply or missed deadline: nothing settled → 0
    assert TASKS["medium"].score_log(log) == 0.0


# Empty log: easy/expert have no keyword emails (0), medium settles nothing (0),
# hard = (trend 1 without surges or alerts + csat 0 + overdue 1 without tickets) / 3.
@pytest.mark.parametrize(
    ("task_id", "expected"), [("easy", 0.0), ("medium", 0.0), ("hard", 2 / 3), ("expert", 0.0)]
)
def test_graders__empty_log_scores_a_float_in_unit_interval(task_id: str, expected: float) -> None:
    for log in (EventLog(), EventLog.from_dicts([])):
        score = TASKS[task_id].score_log(log)
        assert isinstance(score, float)
        assert 0.0 <= score <= 1.0
        assert score == pytest.approx(expected)


# -- real episodes ----------------------------------------------------------------------------


@pytest.mark.parametrize("agent_name", ["rule", "random"])
@pytest.mark.parametrize("task_id", TASK_IDS)
def test_grade__same_agent_and_seed_give_the_same_score(task_id: str, agent_name: str) -> None:
    env = make_env(task_id)
    scores = []
    for reused_env in (env, env, make_env(task_id)):
        agent = make_agent(agent_name, reused_env, seed=11)  # fresh: RandomAgent never reseeds
        scores.append(TASKS[task_id].grade(reused_env, agent, seed=5))
    assert scores[0] == scores[1] == scores[2]


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_grade__scores_in_unit_interval_for_seeds_0_to_4(task_id: str) -> None:
    env = make_env(task_id)
    for seed, name in itertools.product(range(5), ("rule", "random")):
        score = TASKS[task_id].grade(env, make_agent(name, env, seed), seed)
        assert isinstance(score, float)
        assert 0.0 <= score <= 1.0, (seed, name, score)


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_grade__by_id_equals_task_grade_with_its_own_env(task_id: str) -> None:
    env = make_env(task_id)
    by_id = grade(task_id, make_agent("random", env, 3), seed=8)
    direct = TASKS[task_id].grade(None, make_agent("random", env, 3), 8)
    assert by_id == direct


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_score_log__log_rebuilt_from_dicts_scores_like_the_episode(task_id: str) -> None:
    env = make_env(task_id)
    score = TASKS[task_id].grade(env, make_agent("rule", env), seed=21)
    rebuilt = EventLog.from_dicts(list(env.event_log))
    assert TASKS[task_id].score_log(rebuilt) == score


def test_easy_scenario__at_least_three_keyword_emails_in_20_for_seeds_0_to_49() -> None:
    env = make_env("easy")
    for seed in range(50):
        TASKS["easy"].grade(env, ConstantAgent((QUERY, NORMAL, 0, NO_SECONDARY)), seed)
        arrivals = [r for r in env.event_log if r["kind"] == "arrived"]
        assert len(arrivals) == 20, seed
        assert sum(r["keyword"] for r in arrivals) >= 3, seed


def test_hard_scenario__at_least_one_surge_for_seeds_0_to_49() -> None:
    env = make_env("hard")
    for seed in range(50):
        env.reset(seed=seed)  # the tape's surges are logged at reset
        assert any(r["kind"] == "surge" for r in env.event_log), seed


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_grade__default_config_env_raises_naming_make_env(task_id: str) -> None:
    env = HelixDeskEnv()
    with pytest.raises(ValueError, match="make_env"):
        TASKS[task_id].grade(env, make_agent("rule", env), 0)
    with pytest.raises(ValueError, match="make_env"):
        grade(task_id, make_agent("rule", env), seed=0, env=env)


def test_tasks__unknown_id_raises_listing_the_ids() -> None:
    env = make_env("easy")
    for call in (
        lambda: get_task("nightmare"),
        lambda: make_env("nightmare"),
        lambda: grade("nightmare", make_agent("rule", env), seed=0),
    ):
        with pytest.raises(ValueError, match="nightmare") as excinfo:
            call()
        assert all(task_id in str(excinfo.value) for task_id in TASK_IDS)


# -- no constant action beats the rule agent ---------------------------------------------------

SEEDS = SEED_README_SEEDS


@pytest.mark.parametrize(
    "task_id",
    [
        "easy",
        "medium",
        "hard",
        "expert",
    ],
)
def test_constant_actions__never_beat_the_rule_agent(task_id: str) -> None:
    task, env = TASKS[task_id], make_env(task_id)  # record_events stays on: graders read it
    assert env.action_space.nvec.tolist() == [3, 4, 6, 3]
    rule = np.mean([task.grade(env, make_agent("rule", env), seed) for seed in SEEDS])
    better = {}
    for action in itertools.product(*(range(n) for n in env.action_space.nvec)):
        mean = np.mean([task.grade(env, ConstantAgent(action), seed) for seed in SEEDS])
        if mean > rule and not math.isclose(mean, rule):
            better[action] = round(float(mean), 3)
    assert not better, f"rule agent mean {rule:.3f}; constant actions above it: {better}"


def test_grade__refuses_an_env_without_event_log() -> None:
    env = make_env("easy", record_events=False)
    with pytest.raises(ValueError, match="record_events=True"):
        TASKS["easy"].grade(env, make_agent("rule", env), 0)
