"""The dynamics that make every decision count (issue 21): the clock's arrival profile, the
settlement after the shift, surges that hurt until the GM is told, and the graders'
two-sided review term and SLA definition."""

from __future__ import annotations

import numpy as np

from helixdesk import HelixDeskEnv
from helixdesk.agents import RuleAgent
from helixdesk.config import HOURS_PER_DAY, HOURS_PER_WEEK, load_config
from helixdesk.metrics import episode_metrics
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.simulator.generator.uniforms import arrival_profile
from helixdesk.simulator.schema import Email, EventField, Shift
from helixdesk.spaces import ALERT_GM, COMPLAINT, FLAG_FOR_REVIEW, NO_SECONDARY, QUERY
from helixdesk.tasks import make_env, scenario_config


def _arrival_rates_by_multiplier(config_overrides: dict) -> dict[float, float]:
    """Observed arrivals per hour in the clock hours of each profile multiplier."""
    config = load_config(config_overrides)
    sim = BatchSimulator(config, batch=16)
    sim.reset(np.arange(16), [np.random.default_rng(seed) for seed in range(16)])
    profile = arrival_profile(config)
    counts: dict[float, float] = {}
    exposure: dict[float, float] = {}
    for b in range(16):
        start, end = sim.tapes.shift[b, Shift.START_HOUR], sim.tapes.shift[b, Shift.END_TIME]
        for hour in np.floor(start + sim.tapes.emails[b, :, Email.ARRIVAL]).astype(int):
            level = profile[hour % HOURS_PER_WEEK]
            counts[level] = counts.get(level, 0.0) + 1.0
        clock = start
        while clock < start + end:
            step = min(np.floor(clock) + 1.0, start + end) - clock
            level = profile[int(clock) % HOURS_PER_WEEK]
            exposure[level] = exposure.get(level, 0.0) + step
            clock += step
    return {level: counts.get(level, 0.0) / hours for level, hours in exposure.items() if hours}


def test_arrivals_follow_the_daily_and_weekly_profile() -> None:
    rate = 9.0
    rates = _arrival_rates_by_multiplier(
        {
            "env": {"episode_emails": 3000, "arrival_rate_per_hour": rate},
            "email_gen": {"surges_per_episode": 0.0},
        }
    )
    for level, observed in rates.items():
        expected = rate * level
        assert abs(observed - expected) < 0.15 * expected + 0.3, (level, observed, expected)
    assert max(rates) >= 2 * min(rates)  # the peak is at least twice the trough


def test_episodes_start_inside_the_scenarios_window() -> None:
    config = scenario_config("medium")
    first_day, end_day = config.env.start_days
    first_hour, end_hour = config.env.start_hours
    sim = BatchSimulator(config, batch=64)
    sim.reset(np.arange(64), [np.random.default_rng(seed) for seed in range(64)])
    day, hour = np.divmod(sim.tapes.shift[:, Shift.START_HOUR], HOURS_PER_DAY)
    assert ((first_day <= day) & (day < end_day)).all()
    assert ((first_hour <= hour) & (hour < end_hour)).all()
    assert len(np.unique(day)) > 1 and np.ptp(hour) > 1.0


def _play(env: HelixDeskEnv, seed: int) -> tuple[list[float], list[float]]:
    agent = RuleAgent(env)
    obs, info = env.reset(seed=seed)
    rewards, raws, done = [], [], False
    while not done:
        obs, reward, _, done, info = env.step(agent.act(obs, info))
        rewards.append(reward)
        raws.append(float(info["reward_raw"]))
    return rewards, raws


def test_the_settlement_after_the_shift_is_added_unclipped_to_the_last_step() -> None:
    """With drain_at_end the last step also settles the backlog: that part is added to the
    step's clipped reward as it is, so no consequence is clipped away."""
    drained = make_env("hard")
    censored = HelixDeskEnv(
        config=drained.config.model_copy(
            update={"env": drained.config.env.model_copy(update={"drain_at_end": False})}
        )
    )
    clip = drained.config.env.reward_clip
    for seed in (0, 1):
        rewards, raws = _play(drained, seed)
        shift_rewards, shift_raws = _play(censored, seed)
        assert rewards[:-1] == shift_rewards[:-1]
        assert all(abs(r) <= clip for r in rewards[:-1])
        settlement = raws[-1] - shift_raws[-1]
        assert rewards[-1] == shift_rewards[-1] + settlement
        assert abs(settlement) > clip  # a backlog's worth: more than one step could carry


class SilentRule(RuleAgent):
    """The rule agent, never alerting the GM."""

    def act(self, obs: np.ndarray, info: dict) -> np.ndarray:
        action = super().act(obs, info).copy()
        if action[3] == ALERT_GM:
            action[3] = NO_SECONDARY
        return action


def test_surge_emails_lose_csat_while_the_gm_has_not_been_alerted() -> None:
    base = scenario_config("hard")
    quiet = base.model_copy(
        update={
            "trend_watchdog": base.trend_watchdog.model_copy(
                update={"unacknowledged_surge_csat": 0.0}
            )
        }
    )
    ratings = {}
    for name, config in (("penalised", base), ("quiet", quiet)):
        env = HelixDeskEnv(config=config, record_events=True)
        agent = SilentRule(env)
        obs, info = env.reset(seed=3)
        done = False
        while not done:
            obs, _, _, done, info = env.step(agent.act(obs, info))
        surge_email = env.tape.emails[:, Email.SURGE] > 0
        resolved = env.event_log.of_kind("resolved")
        ratings[name] = {
            int(email): (bool(surge_email[int(email)]), csat)
            for email, csat in resolved[:, [EventField.EMAIL, EventField.B]]
        }
    assert ratings["penalised"].keys() == ratings["quiet"].keys()
    lower = 0
    for email, (in_surge, csat) in ratings["penalised"].items():
        quiet_csat = ratings["quiet"][email][1]
        if in_surge:
            assert csat <= quiet_csat
            lower += csat < quiet_csat
        else:
            assert csat == quiet_csat
    assert lower > 0


def _log(*records: dict) -> EventLog:
    base = {"time": 0.0, "server": -1}
    return EventLog.from_dicts([{**base, **record} for record in records])


def _arrived(email: int, true_class: int) -> dict:
    return {
        "kind": "arrived",
        "email": email,
        "category": 0,
        "true_class": true_class,
        "keyword": 0,
    }


def _triaged(email: int, classification: int) -> dict:
    return {
        "kind": "triaged",
        "email": email,
        "classification": classification,
        "priority": 3,
        "secondary": 2,
    }


def test_review_discipline_counts_missed_review_cases_as_well_as_abuse() -> None:
    truths = [FLAG_FOR_REVIEW, FLAG_FOR_REVIEW, QUERY, QUERY]
    arrivals = [_arrived(e, t) for e, t in enumerate(truths)]

    def discipline(labels: list[int]) -> float:
        triage = [_triaged(e, label) for e, label in enumerate(labels)]
        return episode_metrics(_log(*arrivals, *triage))["review_discipline"]

    assert discipline([FLAG_FOR_REVIEW, FLAG_FOR_REVIEW, QUERY, QUERY]) == 1.0
    assert discipline([QUERY, QUERY, QUERY, QUERY]) == 0.0  # never flagging is not free
    assert discipline([FLAG_FOR_REVIEW, QUERY, QUERY, QUERY]) == 0.5  # one missed
    assert discipline([FLAG_FOR_REVIEW, FLAG_FOR_REVIEW, FLAG_FOR_REVIEW, QUERY]) == 2 / 3
    no_review = [_arrived(0, QUERY), _triaged(0, QUERY)]
    assert episode_metrics(_log(*no_review))["review_discipline"] == 1.0


def test_a_wrong_auto_reply_breaks_the_sla_even_if_staff_then_answer_in_time() -> None:
    log = _log(
        _arrived(0, COMPLAINT),
        _triaged(0, QUERY),
        {"kind": "auto_replied", "email": 0, "success": 0, "csat": 1},
        {"kind": "resolved", "email": 0, "server": 0, "on_time": 1, "csat": 3, "hours": 1.0},
        _arrived(1, QUERY),
        _triaged(1, QUERY),
        {"kind": "auto_replied", "email": 1, "success": 1, "csat": 5},
    )
    assert episode_metrics(log)["sla_compliance"] == 0.5
