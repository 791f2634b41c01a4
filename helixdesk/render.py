"""Pictures of the desk: plain text (``render_mode="ansi"``) and RGB frames (``"rgb_array"``).

Both draw one episode of a :class:`~helixdesk.simulator.batch.BatchSimulator` (the single
env's only one, or any sub-env of the vector env) from a :class:`Desk`: what the agent sees
(the observation's desk, read by :func:`helixdesk.text_view.read_desk`), the email awaiting
triage and the triage just applied. Frames are drawn with Pillow, imported with this module,
which the envs import only when they render: a run that does not render never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from helixdesk.simulator.schema import Email, Scalar, Shift
from helixdesk.spaces import ACTION_DIMS, TIERS, action_names
from helixdesk.text_view import TREND_ALERT, DeskReading, read_desk, trending, week_clock

if TYPE_CHECKING:
    from helixdesk.config import HelixConfig
    from helixdesk.simulator.batch import BatchSimulator

FRAME_SIZE = (800, 400)  # width, height in pixels
BACKGROUND, INK, MUTED = (250, 250, 252), (30, 30, 40), (120, 120, 135)
MAX_ROWS = 12  # rows of a list before "+N more"
CALM, BUSY, ALARM = (70, 160, 110), (230, 160, 40), (210, 60, 60)
TITLE_BAR = (45, 50, 90)
EMAIL_FIELDS = ("category", "tier", "sentiment", "keyword", "confidence")


@dataclass(frozen=True)
class Desk:
    """One episode's desk right now, in the units a person reads."""

    email_index: int
    emails_total: int
    clock: str
    email: dict[str, str] | None  # the email awaiting triage, None after the last
    triage: dict[str, str] | None  # the action applied to the previous email, None at reset
    reward: float  # the previous step's reward
    reading: DeskReading  # queue, team, SLA and trends, as the observation shows them


def desk(sim: BatchSimulator, b: int) -> Desk:
    """The desk of episode ``b`` of ``sim`` after its last ``reset`` or ``step``."""
    config = sim.config
    scalars = sim.state.scalars[b]
    index, total = int(scalars[Scalar.EMAIL]), config.env.episode_emails
    applied = sim.out.applied[b]
    return Desk(
        email_index=index,
        emails_total=total,
        clock=week_clock(sim.tapes.shift[b, Shift.START_HOUR] + scalars[Scalar.TIME]),
        email=_email(sim.tapes.emails[b, index], config) if index < total else None,
        triage=action_names(applied, config) if applied.min() >= 0 else None,  # -1s at reset
        reward=float(sim.out.rewards[b]),
        reading=read_desk(sim.out.obs[b], config),
    )


def _email(row: np.ndarray, config: HelixConfig) -> dict[str, str]:
    values = (
        config.email_gen.categories[int(row[Email.CATEGORY])],
        TIERS[int(row[Email.TIER])],
        f"{row[Email.SENTIMENT]:+.2f}",
        "yes" if row[Email.KEYWORD] else "no",
        f"{row[Email.CONFIDENCE]:.2f}",
    )
    return dict(zip(EMAIL_FIELDS, values, strict=True))


# -- text --------------------------------------------------------------------------------


def _bar(fraction: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "#" * filled + "." * (width - filled)


def render_ansi(view: Desk) -> str:
    """The current email, the queue by priority, and each employee's load, at a glance."""
    day_and_time = view.clock
    lines = [f"HelixDesk  email {view.email_index}/{view.emails_total}  {day_and_time}"]
    if view.email is not None:
        email = view.email
        lines.append(
            f"  email: {email['category']:<10} tier={email['tier']:<10} "
            f"sentiment={email['sentiment']} keyword={email['keyword']} "
            f"confidence={email['confidence']}"
        )
    reading = view.reading
    counts = "  ".join(f"{name}={count}" for name, count in reading.queue.items())
    lines.append(f"  queue: {counts}")
    for e, tickets in enumerate(reading.loads):
        lines.append(f"  employee_{e}: [{_bar(tickets / reading.capacity)}] {tickets:>2} tickets")
    lines.append(
        f"  SLA: overdue {reading.overdue:.0%}  near deadline {reading.near_deadline:.0%}  "
        f"pressure {reading.sla_pressure:.2f}"
    )
    return "\n".join(lines) + "\n"


# -- frames ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One line of a panel: a label, its value and optionally a gauge."""

    label: str
    value: str = ""
    gauge: float | None = None  # fill in [0, 1], or in [-1, 1] when ``signed``
    signed: bool = False
    color: tuple[int, int, int] = CALM  # the gauge's; an alarm also colours the value
    alarm: bool = False


@dataclass(frozen=True)
class _Panel:
    x: int
    y: int
    heading: str
    rows: list[_Row]


def render_rgb(view: Desk) -> np.ndarray:
    """The desk as a ``(400, 800, 3)`` uint8 image: the email and its triage on the left,
    the queue and the team's load in the middle, SLA pressure and trend alerts on the right.

    Headings and labels change only with the config, so they are drawn once per config and
    each frame draws the values and gauges over a copy (text is most of a frame's cost).
    """
    panels = _panels(view)
    labels = tuple((p.x, p.y, p.heading, tuple(row.label for row in p.rows)) for p in panels)
    image = _background(labels).copy()
    pen = _Pen(ImageDraw.Draw(image))
    pen.title(
        f"HelixDesk   email {view.email_index}/{view.emails_total}   {view.clock}   "
        f"last reward {view.reward:+.2f}"
    )
    for panel in panels:
        for i, row in enumerate(panel.rows):
            pen.value(panel.x, _row_y(panel, i), row)
    return np.asarray(image)


def _panels(view: Desk) -> list[_Panel]:
    email = view.email or dict.fromkeys(EMAIL_FIELDS, "-")
    triage = view.triage or dict.fromkeys(ACTION_DIMS, "-")
    reading = view.reading
    queue = [
        _Row(name, str(n), share, color=_level(share))
        for name, n in reading.queue.items()
        for share in [reading.queue_shares[name]]
    ]
    team = [
        _Row(f"employee_{e}", str(n), n / reading.capacity, color=_level(n / reading.capacity))
        for e, n in enumerate(reading.loads)
    ]
    shares = {
        "overdue": reading.overdue,
        "near deadline": reading.near_deadline,
        "pressure": reading.sla_pressure,
    }
    sla = [_Row(name, f"{share:.0%}", share, color=_level(share)) for name, share in shares.items()]
    overdue = reading.critical_overdue
    sla.append(_Row("critical overdue", "yes" if overdue else "no", alarm=overdue))
    alerts = trending(reading.trends)
    trends = [
        _Row(
            name, f"{growth:+.2f}", growth, signed=True, color=ALARM if alert else CALM, alarm=alert
        )
        for name, growth in reading.trends.items()
        for alert in [name in alerts]
    ]
    return [
        _Panel(12, 40, "EMAIL AWAITING TRIAGE", [_Row(k, v) for k, v in email.items()]),
        _Panel(12, 180, "LAST TRIAGE", [_Row(k, v) for k, v in triage.items()]),
        _Panel(250, 40, "QUEUE BY PRIORITY", queue),
        _Panel(250, 150, "TEAM LOAD", _shortened(team)),
        _Panel(525, 40, "SLA PRESSURE", sla),
        _Panel(525, 150, f"TREND ALERTS (growth > {TREND_ALERT})", _shortened(trends)),
    ]


def _shortened(rows: list[_Row]) -> list[_Row]:
    if len(rows) <= MAX_ROWS:
        return rows
    return [*rows[: MAX_ROWS - 1], _Row(f"+{len(rows) - MAX_ROWS + 1} more")]


def _row_y(panel: _Panel, i: int) -> int:
    return panel.y + 18 + 16 * i


@lru_cache(maxsize=8)
def _background(labels: tuple[tuple[int, int, str, tuple[str, ...]], ...]) -> Image.Image:
    """The frame's headings and row labels (``(x, y, heading, row labels)`` per panel)."""
    image = Image.new("RGB", FRAME_SIZE, BACKGROUND)
    pen = _Pen(ImageDraw.Draw(image))
    for x, y, heading, rows in labels:
        pen.text(x, y, heading, MUTED)
        for i, label in enumerate(rows):
            pen.text(x, y + 18 + 16 * i, label)
    return image


class _Pen:
    """Text, values and gauges on one image, in the frame's fonts and colours."""

    VALUE_AT, GAUGE_AT, GAUGE_WIDTH = 100, 148, 112  # pixels from a column's left edge

    def __init__(self, draw: ImageDraw.ImageDraw) -> None:
        self.draw = draw
        self.font = _font(13)
        self.heading = _font(15)

    def title(self, text: str) -> None:
        self.draw.rectangle((0, 0, FRAME_SIZE[0], 28), fill=TITLE_BAR)
        self.draw.text((12, 6), text, fill=(255, 255, 255), font=self.heading)

    def text(self, x: int, y: int, text: str, color: tuple[int, int, int] = INK) -> None:
        self.draw.text((x, y), text, fill=color, font=self.font)

    def value(self, x: int, y: int, row: _Row) -> None:
        """``row``'s value and gauge, right of its label."""
        if row.value:
            self.text(x + self.VALUE_AT, y, row.value, ALARM if row.alarm else INK)
        if row.gauge is None:
            return
        left, right = x + self.GAUGE_AT, x + self.GAUGE_AT + self.GAUGE_WIDTH
        self.draw.rectangle((left, y + 2, right, y + 13), outline=MUTED)
        if row.signed:  # filled from the middle
            start = (left + right) // 2
            end = start + round(max(-1.0, min(1.0, row.gauge)) * self.GAUGE_WIDTH / 2)
            self.draw.line((start, y, start, y + 15), fill=INK)
        else:
            start, end = left, left + round(max(0.0, min(1.0, row.gauge)) * self.GAUGE_WIDTH)
        if end != start:
            self.draw.rectangle((min(start, end), y + 2, max(start, end), y + 13), fill=row.color)


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _level(fraction: float) -> tuple[int, int, int]:
    return CALM if fraction < 0.5 else BUSY if fraction < 0.85 else ALARM
