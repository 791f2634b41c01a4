"""What an LLM agent (or a person) sees: the current email's text and the desk at a glance.

``read_desk(obs, config)`` reads the desk part of an observation (queue, team, SLA, trends)
back into counts and shares: every face that shows the desk (this view, the ``ansi`` and
``rgb_array`` renders, the terminal dashboard) reads it there. Counts are recovered exactly
from the normalised observation (each is a count divided by the capacity that bounds it).

``build_view(env)`` reads only what any agent may see (the observation, the action mask and
the email text), never ground truth. ``render_text`` turns a view into the plain-text block
used in LLM prompts; the OpenEnv server sends the same view as structured fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from helixdesk.config import HOURS_PER_DAY, HOURS_PER_WEEK, specialist_of
from helixdesk.spaces import AUTO_REPLY, PRIORITIES, action_choices, layout_for, mask_offsets

if TYPE_CHECKING:
    from helixdesk.config import HelixConfig
    from helixdesk.env import HelixDeskEnv

TREND_ALERT = 0.3  # watchdog growth above which a category is reported as trending
REVIEW = "review"  # the review queue, beside the priorities in DeskReading.queue
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # DAYS_PER_WEEK of them
MINUTES_PER_DAY = HOURS_PER_DAY * 60


@dataclass(frozen=True)
class DeskReading:
    """The desk part of one observation, in the units a person reads.

    Counts are exact; shares, hours and growths are the vector's float32 values as Python
    floats (round them for display).
    """

    queue: dict[str, int]  # open tickets by assigned priority (PRIORITIES), then REVIEW
    queue_shares: dict[str, float]  # the same, each over the capacity that bounds it
    loads: tuple[int, ...]  # tickets each employee holds
    capacity: int  # tickets one employee can hold
    service_hours: tuple[float, ...]  # each employee's recent mean hours per ticket
    overdue: float  # share of open tickets past their SLA deadline
    near_deadline: float  # share of open tickets close to their deadline
    sla_pressure: float  # mean share of SLA time the open tickets have used
    critical_overdue: bool  # a critical ticket is past its deadline
    trends: dict[str, float]  # watchdog growth per category, in [-1, 1]


def read_desk(obs: np.ndarray, config: HelixConfig) -> DeskReading:
    """The desk part of observation ``obs`` of an env with ``config``."""
    features = layout_for(config).decode(obs)
    cfg = config.env
    shares = {p: float(features[f"queue_{p}"]) for p in PRIORITIES}
    shares[REVIEW] = float(features["pending_review"])
    bounds = dict.fromkeys(PRIORITIES, cfg.n_employees * cfg.employee_capacity)
    bounds[REVIEW] = cfg.review_capacity
    employees = range(cfg.n_employees)
    return DeskReading(
        queue={name: round(share * bounds[name]) for name, share in shares.items()},
        queue_shares=shares,
        loads=tuple(
            round(float(features[f"employee_{e}_load"]) * cfg.employee_capacity) for e in employees
        ),
        capacity=cfg.employee_capacity,
        service_hours=tuple(
            float(features[f"employee_{e}_avg_resolve"]) * config.sla.normal_hours
            for e in employees
        ),
        overdue=float(features["overdue"]),
        near_deadline=float(features["near_deadline"]),
        sla_pressure=float(features["sla_pressure"]),
        critical_overdue=bool(features["critical_overdue"] > 0.5),
        trends={c: float(features[f"trend_{c}"]) for c in config.email_gen.categories},
    )


def trending(trends: Mapping[str, float]) -> list[str]:
    """The categories whose growth is above :data:`TREND_ALERT`."""
    return [category for category, growth in trends.items() if growth > TREND_ALERT]


def week_clock(hour_of_week: float) -> str:
    """Hours since Monday 00:00 as a day and a time to the nearest minute, e.g. ``Tue 14:05``
    (weeks repeat)."""
    minutes = round(hour_of_week % HOURS_PER_WEEK * 60)
    day, minute = divmod(minutes, MINUTES_PER_DAY)
    return f"{DAY_NAMES[day % len(DAY_NAMES)]} {minute // 60:02d}:{minute % 60:02d}"


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EmailView(_View):
    sender: str = Field(description="Who wrote the email")
    subject: str = Field(description="Subject line")
    body: str = Field(description="Full body text")
    tier: str = Field(description="Customer tier: free, pro or enterprise")
    category: str = Field(description="Product area the email is about")
    sentiment: float = Field(description="Upstream sentiment score in [-1, 1] (noisy)")
    keyword_flag: bool = Field(description="Contains an escalation keyword (house rule: critical)")
    classifier_confidence: float = Field(
        description="Upstream classifier's confidence in [0, 1]; low means unclear or complex"
    )
    kb_has_answer: bool = Field(description="The knowledge base has an article for its topic")


class EmployeeView(_View):
    name: str = Field(description="Assignment name, e.g. employee_0")
    open_tickets: int = Field(description="Tickets held, including the one being worked")
    capacity: int = Field(description="Most tickets the employee can hold")
    avg_service_hours: float = Field(description="Recent mean hours to resolve one ticket")
    specialties: list[str] = Field(description="Categories this employee is fastest at")


class QueueView(_View):
    by_priority: dict[str, int] = Field(description="Open tickets by assigned priority")
    review_queue: int = Field(description="Emails waiting for supervisor review")
    overdue_share: float = Field(description="Share of open tickets past their SLA deadline")
    near_deadline_share: float = Field(description="Share of open tickets close to deadline")
    sla_pressure: float = Field(description="Mean share of SLA time already used, 0..1")
    critical_overdue: bool = Field(description="A critical ticket is past its deadline")


class DeskView(_View):
    """Everything an agent may see at one step."""

    email_index: int = Field(description="Index of the email awaiting triage")
    emails_total: int = Field(description="Emails in the episode")
    clock: str = Field(description="Simulated day and time, e.g. Tue 14:05")
    email: EmailView | None = Field(description="The email to triage (None after the last)")
    queue: QueueView
    team: list[EmployeeView]
    trends: dict[str, float] = Field(description="Watchdog growth per category, in [-1, 1]")
    trending: list[str] = Field(description=f"Categories with growth above {TREND_ALERT}")
    choices: dict[str, list[str]] = Field(description="Valid names for each action field")


def _email(env: HelixDeskEnv, mask: np.ndarray) -> EmailView | None:
    if env.email_index >= env.config.env.episode_emails:
        return None
    text = env.email_text()
    features = env.layout.decode(env.last_observation)
    return EmailView(
        sender=text.sender,
        subject=text.subject,
        body=text.body,
        tier=text.tier,
        category=text.category,
        sentiment=round(float(features["sentiment"]), 3),
        keyword_flag=bool(features["keyword_flag"] > 0.5),
        classifier_confidence=round(float(features["agent_confidence"]), 3),
        kb_has_answer=bool(mask[mask_offsets(env.layout.n_employees)["secondary"] + AUTO_REPLY]),
    )


def _queue(desk: DeskReading) -> QueueView:
    return QueueView(
        by_priority={p: desk.queue[p] for p in PRIORITIES},
        review_queue=desk.queue[REVIEW],
        overdue_share=round(desk.overdue, 3),
        near_deadline_share=round(desk.near_deadline, 3),
        sla_pressure=round(desk.sla_pressure, 3),
        critical_overdue=desk.critical_overdue,
    )


def queue_view(env: HelixDeskEnv) -> QueueView:
    """The queue part of the desk view (what ``GET /state`` shows)."""
    return _queue(read_desk(env.last_observation, env.config))


def _team(desk: DeskReading, categories: tuple[str, ...]) -> list[EmployeeView]:
    n_employees = len(desk.loads)
    return [
        EmployeeView(
            name=f"employee_{e}",
            open_tickets=tickets,
            capacity=desk.capacity,
            avg_service_hours=round(hours, 2),
            specialties=[c for i, c in enumerate(categories) if specialist_of(i, n_employees) == e],
        )
        for e, (tickets, hours) in enumerate(zip(desk.loads, desk.service_hours, strict=True))
    ]


def build_view(env: HelixDeskEnv) -> DeskView:
    """The desk as the agent may see it right now (after ``reset`` or ``step``)."""
    desk = read_desk(env.last_observation, env.config)
    trends = {category: round(growth, 3) for category, growth in desk.trends.items()}
    return DeskView(
        email_index=env.email_index,
        emails_total=env.config.env.episode_emails,
        clock=week_clock(env.tape.start_hour + env.sim_hours),
        email=_email(env, env.action_masks()),
        queue=_queue(desk),
        team=_team(desk, env.config.email_gen.categories),
        trends=trends,
        trending=trending(trends),
        choices={dim: list(names) for dim, names in action_choices(env.config).items()},
    )


def email_text(view: DeskView) -> str:
    """The email awaiting triage: header, sender, subject, body and its signals (or a line
    saying every email has been triaged)."""
    email = view.email
    if email is None:
        return f"All {view.emails_total} emails triaged — {view.clock}"
    return "\n".join(
        [
            f"Email {view.email_index + 1} of {view.emails_total} — {view.clock}",
            f"From: {email.sender} ({email.tier} tier) — category: {email.category}",
            f"Subject: {email.subject}",
            "",
            email.body,
            "",
            f"Signals: sentiment {email.sentiment:+.2f}, escalation keyword "
            f"{'YES' if email.keyword_flag else 'no'}, classifier confidence "
            f"{email.classifier_confidence:.2f}, KB article "
            f"{'available' if email.kb_has_answer else 'not available'}",
        ]
    )


def queue_text(view: DeskView) -> str:
    """One line: open tickets by priority, the review queue and the overdue shares."""
    queue = view.queue
    counts = ", ".join(f"{p} {n}" for p, n in queue.by_priority.items())
    return (
        f"Queue: {counts}; review queue {queue.review_queue}; overdue "
        f"{queue.overdue_share:.0%}; near deadline {queue.near_deadline_share:.0%}"
    )


def team_text(view: DeskView) -> str:
    """One line: each employee's load, pace and specialties."""
    return "Team: " + "; ".join(
        f"{m.name} {m.open_tickets}/{m.capacity} tickets, ~{m.avg_service_hours:.1f} h each, "
        f"best at {', '.join(m.specialties) or '-'}"
        for m in view.team
    )


def trending_text(view: DeskView) -> str:
    """One line: the categories whose growth is above :data:`TREND_ALERT`."""
    return f"Trending categories: {', '.join(view.trending) or 'none'}"


def render_text(view: DeskView) -> str:
    """A compact plain-text rendering of ``view`` for prompts and terminals."""
    return "\n".join((email_text(view), queue_text(view), team_text(view), trending_text(view)))
