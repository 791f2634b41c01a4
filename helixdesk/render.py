"""Plain-text rendering of the env (``render_mode="ansi"``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from helixdesk.simulator.email_gen import E_CATEGORY, E_CONFIDENCE, E_KEYWORD, E_SENTIMENT, E_TIER
from helixdesk.spaces import PRIORITIES, TIERS

if TYPE_CHECKING:
    from helixdesk.env import HelixDeskEnv


def _bar(fraction: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "#" * filled + "." * (width - filled)


def render_ansi(env: HelixDeskEnv) -> str:
    """The current email, the queue by priority, and each employee's load, at a glance."""
    layout, obs = env.layout, env.last_observation
    groups = layout.groups
    config = env.config
    day, hour = divmod(env.tape.start_hour + env.sim_hours, 24.0)
    lines = [
        f"HelixDesk  email {env.email_index}/{config.env.episode_emails}  "
        f"day {int(day) % 7} {int(hour):02d}:{int(hour % 1 * 60):02d}",
    ]
    if env.email_index < config.env.episode_emails:
        row = env.tape.emails[env.email_index]
        lines.append(
            f"  email: {config.email_gen.categories[int(row[E_CATEGORY])]:<10} "
            f"tier={TIERS[int(row[E_TIER])]:<10} sentiment={row[E_SENTIMENT]:+.2f} "
            f"keyword={'yes' if row[E_KEYWORD] else 'no'} confidence={row[E_CONFIDENCE]:.2f}"
        )
    queue = obs[groups["queue_state"]]
    capacity = config.env.n_employees * config.env.employee_capacity
    counts = "  ".join(
        f"{name}={round(value * capacity)}"
        for name, value in zip(PRIORITIES, queue[:4], strict=True)
    )
    review = round(queue[4] * config.env.review_capacity)
    lines.append(f"  queue: {counts}  review={review}")
    team = obs[groups["team_state"]]
    for e in range(config.env.n_employees):
        load = team[2 * e]
        tickets = round(load * config.env.employee_capacity)
        lines.append(f"  employee_{e}: [{_bar(load)}] {tickets:>2} tickets")
    sla = obs[groups["sla_state"]]
    lines.append(f"  SLA: overdue {sla[0]:.0%}  near deadline {sla[1]:.0%}  pressure {sla[2]:.2f}")
    return "\n".join(lines) + "\n"
